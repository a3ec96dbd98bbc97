"""PyDataset: the Keras base class for batch-producing datasets (`__len__` + `__getitem__`)."""

from __future__ import annotations


class PyDataset:
    """Subclass with `__len__` (batches per epoch) and `__getitem__(i)` -> (x, y[, w])."""

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False,
                 max_queue_size: int = 10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def on_epoch_end(self) -> None:
        """Called after each epoch; override to reshuffle."""

    @property
    def num_batches(self) -> int:
        return len(self)
