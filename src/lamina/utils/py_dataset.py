"""PyDataset (alias Sequence): the Keras base class for batch-producing datasets, and the
iterator `fit`/`evaluate`/`predict` read one epoch of it with.

`workers`, `use_multiprocessing` and `max_queue_size` are honoured with threads:

- `workers > 1` (or `use_multiprocessing=True` with `workers >= 1`): `__getitem__` runs on a
  pool of `workers` threads that keeps up to `max_queue_size` batches ready ahead of the step
  (at least `workers`); batches still come out in index order, and stopping early (e.g.
  `steps_per_epoch`) cancels what was queued. Threads help whenever `__getitem__` waits on
  files or releases the GIL (NumPy, Pillow decoding).
- `use_multiprocessing=True` also uses threads, not forked processes: forking a process whose
  JAX runtime is already running can deadlock it (JAX warns about `os.fork()`), and a spawned
  process would have to import lamina and unpickle the dataset per worker. Pure-Python
  `__getitem__` code that needs several cores should precompute its batches instead.
"""

from __future__ import annotations

import collections
import itertools
import random
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

__all__ = ["PyDataset", "Sequence", "epoch_batches"]


class PyDataset:
    """Subclass with `__len__` (batches per epoch) and `__getitem__(i)` returning a batch
    `(x,)`, `(x, y)` or `(x, y, sample_weight)`; optionally `on_epoch_begin`/`on_epoch_end`.

    Args:
        workers: threads that call `__getitem__` during `fit` (1: in the training thread).
        use_multiprocessing: accepted for Keras code; lamina uses threads either way (see the
            module docstring for why).
        max_queue_size: batches prepared ahead of the training step when `workers > 1`.

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


def _thread_count(dataset) -> int:
    """How many threads should call `__getitem__` (0: the caller's thread)."""
    workers = getattr(dataset, "workers", 1) or 0
    multiprocessing = getattr(dataset, "use_multiprocessing", False)
    return workers if workers > 1 or (workers > 0 and multiprocessing) else 0


def epoch_batches(dataset, shuffle: bool = False) -> Iterator[Any]:
    """The batches of one epoch of a `__len__` + `__getitem__` dataset, after its
    `on_epoch_begin()`: in index order, or (`shuffle`, as `fit(shuffle=True)` asks) in an order
    drawn from Python's `random`, as Keras does; read ahead on `workers` threads when the
    dataset asks for them."""
    if hasattr(dataset, "on_epoch_begin"):
        dataset.on_epoch_begin()
    count, threads = len(dataset), _thread_count(dataset)
    order = list(range(count))
    if shuffle:
        random.shuffle(order)
    if not threads:
        yield from (dataset[i] for i in order)
        return
    ahead = max(threads, getattr(dataset, "max_queue_size", 10) or 0)
    pool = ThreadPoolExecutor(threads, thread_name_prefix="lamina-pydataset")
    queued: collections.deque = collections.deque()
    try:
        indices = iter(order)
        for index in itertools.islice(indices, ahead):
            queued.append(pool.submit(dataset.__getitem__, index))
        while queued:
            batch = queued.popleft().result()
            for index in itertools.islice(indices, 1):
                queued.append(pool.submit(dataset.__getitem__, index))
            yield batch
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
