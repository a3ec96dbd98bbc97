"""`LearningRateScheduler`: set the learning rate at the start of each epoch from a function."""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable

import numpy as np

from lamina import errors
from lamina.callbacks.base import Callback, Logs
from lamina.training.progbar import write

__all__ = ["LearningRateScheduler"]


def _takes_two_arguments(schedule: Callable) -> bool:
    """Whether `schedule` accepts `(epoch, lr)`; else it is the old one-argument form."""
    try:
        inspect.signature(schedule).bind(0, 0.0)
    except TypeError:
        return False
    except ValueError:  # no signature (some builtins): assume the current form
        return True
    return True


def _as_float(value, epoch: int) -> float:
    if isinstance(value, bool) or not (isinstance(value, numbers.Real) or (
            hasattr(value, "__array__") and np.ndim(value) == 0
            and np.asarray(value).dtype.kind == "f")):
        raise errors.ConfigError(
            "The output of the `schedule` function should be a float (the learning rate). "
            f"Received at epoch {epoch}: {value!r}. Return e.g. `lr * 0.9`.")
    return float(value)


class LearningRateScheduler(Callback):
    """At each epoch's start, set the learning rate to `schedule(epoch, lr)`.

    Args:
        schedule: a function of the epoch index (from 0) and the current learning rate (a
            float) returning the new rate; a function of the epoch alone also works.
        verbose: 1 prints the rate set at each epoch.

    Each epoch's logs get a `learning_rate` entry, as in Keras.

    Example:

    ```python
    def scheduler(epoch, lr):
        return lr if epoch < 10 else lr * 0.9

    model.fit(x, y, epochs=15, callbacks=[lamina.callbacks.LearningRateScheduler(scheduler)])
    ```
    """

    def __init__(self, schedule: Callable, verbose: int = 0) -> None:
        super().__init__()
        if not callable(schedule):
            raise errors.ConfigError(
                "LearningRateScheduler needs a function schedule(epoch, lr) -> float. "
                f"Received: schedule={schedule!r}")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        optimizer = self.model.optimizer
        if _takes_two_arguments(self.schedule):
            value = self.schedule(epoch, float(optimizer.learning_rate))
        else:
            value = self.schedule(epoch)
        learning_rate = _as_float(value, epoch)
        optimizer.learning_rate = learning_rate
        if self.verbose > 0:
            write(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{learning_rate}.\n")

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
