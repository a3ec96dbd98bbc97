"""`TerminateOnNaN`: stop training as soon as the loss becomes NaN or infinite."""

from __future__ import annotations

import numpy as np

from lamina.callbacks.base import Callback, Logs
from lamina.training.progbar import write

__all__ = ["TerminateOnNaN"]


class TerminateOnNaN(Callback):
    """Stop training at the first batch whose loss is NaN or infinite.

    Checking every batch makes the engine return to Python after each step (no fused steps),
    as Keras does.

    Args:
        raise_error: False (default) stops gracefully with `model.stop_training = True`, so
            `on_train_end` of every callback still runs; True raises a `RuntimeError` at once.
    """

    def __init__(self, raise_error: bool = False) -> None:
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch: int, logs: Logs = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None or np.isfinite(loss):
            return
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. "
                               f"Loss value: {loss}. Terminating training immediately.")
        write(f"Batch {batch}: Invalid loss, terminating training\n")
        self.model.stop_training = True
