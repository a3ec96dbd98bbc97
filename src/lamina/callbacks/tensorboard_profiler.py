"""`TensorBoard(profile_batch=...)`: trace a range of training batches with `jax.profiler`.

The trace lands in `<log_dir>/train/plugins/profile/<run>/`, where TensorBoard's profile tab
(`pip install tensorboard-plugin-profile`) reads it. Each profiled batch is a
`TraceAnnotation` named "Profiled batch N", as in Keras's JAX backend. Profiler errors are
logged, never raised: profiling must not break training (as in Keras).
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["BatchProfiler", "parse_profile_batch"]

logger = logging.getLogger(__name__)


def parse_profile_batch(profile_batch: Any) -> tuple[int, int]:
    """`(start, stop)` from an int, a pair, or a "start,stop" string; `(0, 0)` disables."""
    message = ("profile_batch must be a non-negative integer or 2-tuple of positive integers. "
               "A pair of positive integers signifies a range of batches to profile. "
               f"Found: {profile_batch}")
    value = profile_batch
    if isinstance(value, str):
        try:
            value = [int(part) for part in value.split(",")]
        except ValueError:
            raise ValueError(message) from None
        value = value[0] if len(value) == 1 else value
    if isinstance(value, int) and not isinstance(value, bool):
        start = stop = value
    elif isinstance(value, (tuple, list)) and len(value) == 2 \
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        start, stop = value
    else:
        raise ValueError(message)
    if start < 0 or stop < start:
        raise ValueError(message)
    return start, stop


class BatchProfiler:
    """Starts `jax.profiler` at training batch `start` (counted from 1 over the whole fit)
    and stops it after batch `stop`."""

    def __init__(self, start: int, stop: int) -> None:
        self.start, self.stop = start, stop
        self.tracing = False
        self._annotation: Any = None

    @property
    def enabled(self) -> bool:
        return not (self.start == 0 and self.stop == 0)

    def batch_begin(self, global_batch: int, batch: int, log_dir: str) -> None:
        """Start the trace at the first profiled batch; annotate each profiled batch."""
        import jax

        if global_batch == self.start and not self.tracing:
            try:
                jax.profiler.start_trace(log_dir)
                self.tracing = True
            except Exception as exc:  # noqa: BLE001 - profiling must not stop training
                logger.error("Failed to start profiler: %s", exc)
        if self.tracing:
            self._annotation = jax.profiler.TraceAnnotation(f"Profiled batch {batch}")
            self._annotation.__enter__()

    def batch_end(self, global_batch: int) -> None:
        """Close the batch's annotation; stop the trace after the last profiled batch."""
        if self._annotation is not None:
            self._annotation.__exit__(None, None, None)
            self._annotation = None
        if self.tracing and global_batch >= self.stop:
            self.stop_trace()

    def stop_trace(self) -> None:
        """Stop the trace and write it (a no-op when not tracing)."""
        if not self.tracing:
            return
        import jax

        try:
            jax.profiler.stop_trace()
        except Exception as exc:  # noqa: BLE001
            logger.error("Failed to stop profiler: %s", exc)
        finally:
            self.tracing = False
