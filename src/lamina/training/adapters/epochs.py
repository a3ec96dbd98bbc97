"""Which batches of an iterable source each epoch reads: Keras's `EpochIterator` rules.

- No `steps_per_epoch`: every epoch is a fresh pass over the source (a Python generator, being
  one-shot, is empty after its first pass), up to its number of batches when that is known.
- `steps_per_epoch` given: the pass is kept from epoch to epoch, so epoch 2 continues where
  epoch 1 stopped. When a source of known length is used up the epoch ends early with Keras's
  "ran out of data" warning and the next epoch starts a new pass; a source that stops before
  its known length (or a generator that ends) warns the same way.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Iterator

RAN_OUT = ("Your input ran out of data; interrupting training. Make sure that your dataset or "
           "generator can generate at least `steps_per_epoch * epochs` batches. You may need "
           "to use the `.repeat()` function when building your dataset.")


class EpochReader:
    """Hands out the items of one epoch at a time from passes opened by `open_pass`."""

    def __init__(self, open_pass: Callable[[], Iterator], num_batches: int | None) -> None:
        self.open_pass = open_pass
        self.num_batches = num_batches
        self._current: Iterator | None = None
        self._seen = 0

    def epoch(self, steps: int | None) -> Iterator[Any]:
        """The items of one epoch: `steps` of them (None: a whole pass)."""
        count = steps or self.num_batches
        if count is None:  # unknown length: read the pass to its end
            yield from self.open_pass()
            return
        if self._current is None or steps is None:
            self._current, self._seen = iter(self.open_pass()), 0
        for _ in range(count):
            if self.num_batches and self._seen >= self.num_batches:
                if steps is not None:
                    warnings.warn(RAN_OUT, stacklevel=2)
                break
            try:
                item = next(self._current)
            except StopIteration:
                warnings.warn(RAN_OUT, stacklevel=2)
                self._current = None
                return
            self._seen += 1
            yield item
        if self.num_batches and self._seen >= self.num_batches:
            self._current = None  # the next epoch opens a new pass
