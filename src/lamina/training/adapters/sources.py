"""Iterable inputs of `fit` / `evaluate` / `predict`, one kind each, behind one interface:
`epoch(steps, convert)` yields one epoch's batches, each through `convert` (the host
conversion and checks of training/data.py).

- indexed datasets (`PyDataset`, or any object with `__len__` and `__getitem__`): read by index,
  in order or shuffled, on the dataset's `workers` (training/adapters/workers.py), between its
  `on_epoch_begin()` and `on_epoch_end()`;
- everything else (`tf.data.Dataset`, torch `DataLoader`, Grain datasets and loaders, Python
  generators and iterators): iterated, read ahead on a background thread
  (training/adapters/prefetch.py).

A source whose number of batches is known has `len()`, as Keras's `num_batches`.
"""

from __future__ import annotations

import itertools
import random
from typing import Any, Callable, Iterator

from lamina import errors
from lamina.training.adapters import detect
from lamina.training.adapters.epochs import EpochReader
from lamina.training.adapters.prefetch import prefetched
from lamina.training.adapters.workers import fetch_in_order

_UNREAD = object()


class IteratedSource:
    """A source that is iterated; each pass is `iter(source)`."""

    def __init__(self, source: Any, num_batches: int | None) -> None:
        self.source = source
        self.num_batches = num_batches
        self.reader = EpochReader(lambda: iter(source), num_batches)
        self._first_batch: Any = _UNREAD  # a one-shot iterator's first batch, read by peek()

    def epoch(self, steps: int | None, convert: Callable) -> Iterator:
        return prefetched(self.reader.epoch(steps), convert)

    def peek(self) -> Any:
        """The first batch, from a pass of its own; a one-shot iterator (a generator) gets it
        back as the first item of its first epoch."""
        if iter(self.source) is not self.source:
            return _first(iter(self.source))
        if self._first_batch is _UNREAD:
            self._first_batch = _first(self.source)
            pending = [self._first_batch]
            self.reader.open_pass = lambda: (
                itertools.chain([pending.pop()], self.source) if pending else self.source)
        return self._first_batch


class IndexedSource:
    """A `PyDataset`-style source, read by index; `shuffle` draws each pass's order from
    Python's `random`, as Keras does."""

    def __init__(self, dataset: Any, shuffle: bool) -> None:
        self.source = dataset
        self.shuffle = shuffle
        self.num_batches = _indexed_count(dataset)
        endless = itertools.count()  # an endless dataset resumes where it stopped
        self.reader = EpochReader(
            (lambda: endless) if self.num_batches is None else self._order, self.num_batches)

    def peek(self) -> Any:
        """The first batch (read again by the first epoch, as in Keras)."""
        return self.source[0]

    def _order(self) -> Iterator[int]:
        order = list(range(self.num_batches))
        if self.shuffle:
            random.shuffle(order)
        return iter(order)

    def epoch(self, steps: int | None, convert: Callable) -> Iterator:
        dataset = self.source
        if hasattr(dataset, "on_epoch_begin"):
            dataset.on_epoch_begin()
        indices, workers = self.reader.epoch(steps), _worker_count(dataset)
        if workers:
            batches = fetch_in_order(dataset, indices, workers,
                                     bool(getattr(dataset, "use_multiprocessing", False)),
                                     getattr(dataset, "max_queue_size", 10))
        else:
            batches = (dataset[i] for i in indices)
        try:
            for batch in batches:
                yield convert(batch)
        finally:
            batches.close()  # the workers stop now, also on an exception
        if hasattr(dataset, "on_epoch_end"):
            dataset.on_epoch_end()


def _first(items: Iterator) -> Any:
    try:
        return next(items)
    except StopIteration:
        raise errors.DataError(
            "The data source yielded no batches: a generator or dataset must yield at least "
            "one batch. Check that it is not used up (a Python generator can be read only "
            "once).") from None


class _Sized:
    def __len__(self) -> int:
        return self.num_batches


class SizedIteratedSource(_Sized, IteratedSource):
    """An iterated source of known length."""


class SizedIndexedSource(_Sized, IndexedSource):
    """An indexed source of known length."""


def _indexed_count(dataset) -> int | None:
    """Batches per pass: a PyDataset's `num_batches` (None: endless), else `len()`."""
    return dataset.num_batches if hasattr(dataset, "num_batches") else len(dataset)


def _worker_count(dataset) -> int:
    """Workers that should call `__getitem__` (0: the caller's thread), as Keras decides."""
    workers = getattr(dataset, "workers", 1) or 0
    multiprocessing = getattr(dataset, "use_multiprocessing", False)
    return workers if workers > 1 or (workers > 0 and multiprocessing) else 0


def iterated_count(source: Any) -> int | None:
    """The number of batches of a tf.data / torch / Grain / other iterable, when known."""
    if detect.is_tf_dataset(source):
        count = int(source.cardinality())
        return count if count >= 0 else None  # -1: infinite, -2: unknown
    if detect.is_torch_dataloader(source):
        return len(source) if hasattr(source.dataset, "__len__") else None
    return None  # generators; Grain (as Keras: its length is not read)


def check_class_weight(x: Any, class_weight: dict) -> None:
    """Keras takes `class_weight` with a tf.data.Dataset or a PyDataset only."""
    if detect.is_tf_dataset(x) or _is_indexed(x):
        return
    kind = ("torch DataLoader" if detect.is_torch_dataloader(x) else
            "grain.Dataset and grain.DataLoader" if detect.is_grain_dataset(x) else
            "Python generator")
    raise errors.ConfigError(
        f"Argument `class_weight` is not supported for {kind} inputs. Yield "
        "(x, y, sample_weight) batches with the class weights folded into sample_weight, or "
        f"use a tf.data.Dataset or PyDataset. Received: class_weight={class_weight}")


def _is_indexed(x: Any) -> bool:
    """A `PyDataset`-style object (read by index), not a tf.data / Grain dataset."""
    indexed = hasattr(x, "__getitem__") and (hasattr(x, "__len__") or hasattr(x, "num_batches"))
    return indexed and not detect.is_tf_dataset(x) and not detect.is_grain_dataset(x)


def make_source(x: Any, shuffle: bool) -> IteratedSource | IndexedSource:
    """The source over `x`; `shuffle` applies to indexed datasets only (the others are
    expected to come shuffled, as in Keras)."""
    if _is_indexed(x):
        sized = _indexed_count(x) is not None
        return (SizedIndexedSource if sized else IndexedSource)(x, shuffle)
    count = iterated_count(x)
    return (IteratedSource if count is None else SizedIteratedSource)(x, count)
