"""Read ahead: a source's next batch is fetched and converted on a background thread while
the training step runs, so the compiled step does not wait on the host when the pipeline can
keep up (Keras's JAX trainer reads one batch ahead only for accelerators; here the host work
of a batch, e.g. a generator's NumPy code or a tf.data / torch iteration, overlaps the
previous step on any backend). On an accelerator the thread also copies each batch's numeric
arrays to the device (`jax.device_put`, asynchronous), so the host-to-device transfer of the
next batch overlaps the current step too; under a distribution the step places the batch
itself, so the thread leaves it on the host.

The thread reads at most what the consumer will take (callers bound `items`), never runs
after the consumer is done (stopping early or on an exception or KeyboardInterrupt joins it),
and hands exceptions over to the consumer with their tracebacks.
"""

from __future__ import annotations

import queue
import threading
from typing import Any, Callable, Iterator

import jax
import numpy as np

_DONE, _ITEM, _ERROR = range(3)


def prefetched(items: Iterator, convert: Callable[[Any], Any], ahead: int = 1) -> Iterator:
    """`convert(item)` for each of `items`, computed on a thread `ahead` items early."""
    ready: queue.Queue = queue.Queue(maxsize=max(int(ahead), 1))
    stage = _device_stage()
    stop = threading.Event()

    def put(message: tuple) -> bool:
        while not stop.is_set():
            try:
                ready.put(message, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if stop.is_set() or not put((_ITEM, stage(convert(item)))):
                    return
            put((_DONE, None))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the consumer
            put((_ERROR, exc))

    thread = threading.Thread(target=work, name="lamina-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = ready.get()
            if kind == _DONE:
                return
            if kind == _ERROR:
                raise value
            yield value
    finally:
        stop.set()
        thread.join()  # the source may not be read by two threads at once (next epoch)


def _device_stage() -> Callable[[Any], Any]:
    """What the thread does to a converted batch: on an accelerator without a distribution,
    copy its numeric NumPy arrays to the default device; else nothing."""
    from lamina.distribution.strategies import distribution

    if jax.default_backend() == "cpu" or distribution() is not None:
        return lambda batch: batch
    return lambda batch: jax.tree_util.tree_map(_to_device, batch)


def _to_device(leaf: Any) -> Any:
    numeric = isinstance(leaf, np.ndarray) and leaf.dtype.kind in "biuf"
    return jax.device_put(leaf) if numeric else leaf
