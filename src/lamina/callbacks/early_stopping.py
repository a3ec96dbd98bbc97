"""`EarlyStopping`: stop training when a monitored metric has stopped improving."""

from __future__ import annotations

from lamina.callbacks.base import Logs
from lamina.callbacks.monitor import MonitorCallback
from lamina.training.progbar import write

__all__ = ["EarlyStopping"]


class EarlyStopping(MonitorCallback):
    """Stop training when `monitor` has not improved for `patience` epochs (Keras 3's rules).

    Args:
        monitor: the logs key to watch. Defaults to `"val_loss"`.
        min_delta: changes smaller than this do not count as improvements.
        patience: epochs without improvement after which training stops.
        verbose: 1 prints a message when training stops or weights are restored.
        mode: `"auto"`, `"min"` or `"max"`.
        baseline: training stops after `patience` epochs unless the metric beats this value.
        restore_best_weights: at the end of training, set the weights of the best epoch
            (whenever any epoch was monitored, even if none beat `baseline`).
        start_from_epoch: epochs of warm-up before monitoring begins.

    Example:

    ```python
    stop = lamina.callbacks.EarlyStopping(monitor="loss", patience=3)
    model.fit(x, y, epochs=100, callbacks=[stop])
    ```
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs: Logs = None) -> None:
        # Reset, so one instance can serve several fit() calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self._remember(epoch)  # until something improves, the first weights are the best
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self._remember(epoch)
            # Only restart the wait when beating both the previous best and the baseline.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def _remember(self, epoch: int) -> None:
        self.best_epoch = epoch
        if self.restore_best_weights:
            self.best_weights = self.model.get_weights()

    def on_train_end(self, logs: Logs = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            write(f"Epoch {self.stopped_epoch + 1}: early stopping\n")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                write("Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.\n")
            self.model.set_weights(self.best_weights)
