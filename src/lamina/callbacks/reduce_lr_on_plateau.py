"""`ReduceLROnPlateau`: lower the learning rate when a monitored metric stops improving."""

from __future__ import annotations

import numpy as np

from lamina import errors
from lamina.callbacks.base import Logs
from lamina.callbacks.monitor import MonitorCallback
from lamina.training.progbar import write

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by `factor` after `patience` epochs without improvement.

    The new rate applies from the next epoch. Each epoch's logs get a `learning_rate` entry
    (so History and CSVLogger record it), as in Keras.

    Args:
        monitor: the logs key to watch. Defaults to `"val_loss"`.
        factor: `new_lr = lr * factor`; must be below 1.
        patience: epochs without improvement before the rate is reduced.
        verbose: 1 prints a message at each reduction.
        mode: `"auto"`, `"min"` or `"max"`.
        min_delta: changes smaller than this do not count as improvements.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the rate is never reduced below this.

    Example:

    ```python
    reduce_lr = lamina.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5)
    model.fit(x, y, validation_split=0.2, callbacks=[reduce_lr])
    ```
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0, **kwargs) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        if kwargs:
            raise errors.ConfigError(
                f"ReduceLROnPlateau got unknown argument(s): {sorted(kwargs)}. Expected "
                "monitor, factor, patience, verbose, mode, min_delta, cooldown, min_lr.")
        if factor >= 1.0:
            raise errors.ConfigError(
                "ReduceLROnPlateau does not support a factor >= 1.0: it multiplies the "
                f"learning rate by factor. Received: factor={factor}. Use e.g. factor=0.1.")
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs: Logs = None) -> None:
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def in_cooldown(self) -> bool:
        """Whether a reduction happened less than `cooldown` epochs ago."""
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = self.get_monitor_value(logs)
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce(epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def _reduce(self, epoch: int) -> bool:
        """Lower the optimizer's learning rate unless it is already at `min_lr`."""
        optimizer = self.model.optimizer
        old_lr = float(optimizer.learning_rate)
        if not old_lr > np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            write(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.\n")
        return True
