"""A PyDataset's `workers`: `__getitem__` computed ahead on a pool, batches yielded in order.

- `workers > 1`, `use_multiprocessing=False`: a pool of threads (helps whenever `__getitem__`
  waits on files or runs GIL-releasing code: NumPy, Pillow decoding).
- `use_multiprocessing=True`: a pool of forked processes, as Keras's `multiprocessing.Pool`,
  for pure-Python `__getitem__` code that needs several cores. Each worker inherits the
  dataset (it need not pickle; its batches must). Like Keras on JAX, the workers are forked
  from a process whose JAX runtime is running: `__getitem__` must then use NumPy only, never
  JAX or lamina ops (a forked JAX runtime can deadlock); JAX's fork warning, which says so,
  is not repeated at every epoch.

At most `max(workers, max_queue_size)` batches are requested ahead, only among the indices
the epoch will use, and the pool is closed when the epoch's batches stop being read: at the
end, on `steps_per_epoch`, on an exception or a KeyboardInterrupt raised while reading
(queued work is cancelled, running `__getitem__` calls finish, the workers exit), so no thread
or process outlives the epoch.
"""

from __future__ import annotations

import collections
import functools
import itertools
import multiprocessing
import warnings
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Callable, Iterator

THREAD_PREFIX = "lamina-pydataset"
_DATASET: Any = None  # the dataset, in a worker process


def fetch_in_order(dataset, indices: Iterator[int], workers: int, processes: bool,
                   max_queue_size: int) -> Iterator[Any]:
    """`dataset[i]` for each of `indices`, computed ahead on `workers` threads or processes."""
    submit, executor = _process_pool(dataset, workers) if processes else _thread_pool(
        dataset, workers)
    ahead = max(workers, max_queue_size or 0)
    pending: collections.deque[Future] = collections.deque()
    try:
        pending.extend(submit(i) for i in itertools.islice(indices, ahead))
        while pending:
            batch = pending.popleft().result()
            pending.extend(submit(i) for i in itertools.islice(indices, 1))
            yield batch
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _thread_pool(dataset, workers: int) -> tuple[Callable[[int], Future], Executor]:
    executor = ThreadPoolExecutor(workers, thread_name_prefix=THREAD_PREFIX)
    return functools.partial(executor.submit, dataset.__getitem__), executor


def _process_pool(dataset, workers: int) -> tuple[Callable[[int], Future], Executor]:
    """Forked processes, each holding the dataset; a worker that dies breaks the pool
    (`BrokenProcessPool` in `fit`) instead of hanging it."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    executor = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                                   initargs=(dataset,))

    def submit(index: int) -> Future:
        with warnings.catch_warnings():  # the first submit forks the workers
            warnings.filterwarnings("ignore", message=r".*os\.fork\(\) was called",
                                    category=RuntimeWarning)
            return executor.submit(_get_item, index)

    return submit, executor


def _init_worker(dataset) -> None:
    global _DATASET
    _DATASET = dataset
    process = multiprocessing.current_process()
    process.name = f"{THREAD_PREFIX}-{process.name}"


def _get_item(index: int) -> Any:
    return _DATASET[index]
