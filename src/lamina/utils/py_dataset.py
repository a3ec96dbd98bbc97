"""PyDataset (alias Sequence): the Keras base class for batch-producing datasets.

`fit` / `evaluate` / `predict` read it through training/adapters/sources.py:

- `workers > 1`: `__getitem__` runs on a pool of `workers` threads, keeping up to
  `max(workers, max_queue_size)` batches ready ahead of the step; batches still come out in
  index order, and stopping early (e.g. `steps_per_epoch`) cancels what was queued.
- `use_multiprocessing=True` (with `workers >= 1`): a pool of forked processes, as in Keras;
  `__getitem__` must then use NumPy only, not JAX (training/adapters/workers.py says why).
- otherwise `__getitem__` runs in the training thread.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Iterator

__all__ = ["PyDataset", "Sequence"]


class PyDataset:
    """Subclass with `__len__` (batches per epoch) and `__getitem__(i)` returning a batch
    `(x,)`, `(x, y)` or `(x, y, sample_weight)`; optionally `on_epoch_begin`/`on_epoch_end`.

    Args:
        workers: threads (or processes) that call `__getitem__` during `fit` (1: the
            training thread, unless `use_multiprocessing`).
        use_multiprocessing: whether the workers are forked processes (for pure-Python
            `__getitem__` code that needs several cores; the dataset's batches must pickle,
            and `__getitem__` must not use JAX) rather than threads.
        max_queue_size: batches prepared ahead of the training step by the workers.

    ```python
    class Batches(keras.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size = x, y, batch_size

        def __len__(self):
            return math.ceil(len(self.x) / self.batch_size)

        def __getitem__(self, idx):
            s = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
            return self.x[s], self.y[s]

    model.fit(Batches(x, y, 32, workers=4), epochs=2)
    ```
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False,
                 max_queue_size: int = 10) -> None:
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self) -> None:
        """Keras's defaults and warning for a subclass whose `__init__` skipped ours."""
        if hasattr(self, "_workers") and hasattr(self, "_use_multiprocessing") and \
                hasattr(self, "_max_queue_size"):
            return
        self._workers = getattr(self, "_workers", 1)
        self._use_multiprocessing = getattr(self, "_use_multiprocessing", False)
        self._max_queue_size = getattr(self, "_max_queue_size", 10)
        warnings.warn("Your `PyDataset` class should call `super().__init__(**kwargs)` in its "
                      "constructor. `**kwargs` can include `workers`, `use_multiprocessing`, "
                      "`max_queue_size`. Do not pass these arguments to `fit()`, as they will "
                      "be ignored.", stacklevel=3)

    @property
    def workers(self) -> int:
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value: int) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self) -> bool:
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: bool) -> None:
        self._use_multiprocessing = value

    @property
    def max_queue_size(self) -> int:
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value: int) -> None:
        self._max_queue_size = value

    def __getitem__(self, index: int):
        """The batch at position `index`."""
        raise NotImplementedError

    def __iter__(self) -> Iterator:
        """The batches in order, in this thread (as in Keras: no workers when iterating by
        hand)."""
        count = self.num_batches
        for index in (range(count) if count is not None else itertools.count()):
            yield self[index]

    @property
    def num_batches(self) -> int | None:
        """Batches per epoch (`len(self)`); None for an endless dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError("You need to implement the `num_batches` property:\n\n"
                                  "@property\ndef num_batches(self):\n  return ...")

    def on_epoch_begin(self) -> None:
        """Called at the start of each epoch."""

    def on_epoch_end(self) -> None:
        """Called after each epoch; override to reshuffle."""


Sequence = PyDataset

