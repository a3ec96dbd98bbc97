"""`ModelCheckpoint`: save the model or its weights during training (every write atomic)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from lamina import errors
from lamina.callbacks.base import Logs
from lamina.callbacks.monitor import (BatchCounter, MonitorCallback, check_save_freq,
                                      disable_batch_hooks, log_keys_hint)
from lamina.training.progbar import write

__all__ = ["ModelCheckpoint"]


def _check_filepath(filepath: str, save_weights_only: bool) -> None:
    if save_weights_only and not filepath.endswith(".weights.h5"):
        raise errors.ConfigError(
            "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath must end in "
            f"`.weights.h5`. Received: filepath={filepath}")
    if not save_weights_only and not filepath.endswith((".keras", ".h5")):
        raise errors.ConfigError(
            "The filepath provided must end in `.keras` (Keras model format) or `.h5` (legacy "
            f"HDF5) to save the whole model. Received: filepath={filepath}.\nTo save only the "
            "weights, pass save_weights_only=True and a name ending in `.weights.h5`.")


class ModelCheckpoint(MonitorCallback):
    """Save the model (`model.save`) or its weights (`model.save_weights`) as training goes.

    Args:
        filepath: where to save; may hold `str.format` fields filled with `epoch` (counted from
            1), `batch` (with `save_freq=N`, from 1) and the logs, e.g.
            `"ckpt/weights.{epoch:02d}-{val_loss:.2f}.weights.h5"`. Must end in
            `.weights.h5` when `save_weights_only=True`, else in `.keras` or `.h5`.
        monitor: the logs key that decides what is "best" (with `save_best_only`).
        verbose: 1 prints a message at each save decision.
        save_best_only: save only when `monitor` improves on the best value so far.
        save_weights_only: save only the weights.
        mode: `"auto"`, `"min"` or `"max"`.
        save_freq: `"epoch"` (at each epoch end) or an integer N (every N training batches).
        initial_value_threshold: the best value to beat at the start (with `save_best_only`).

    Example:

    ```python
    checkpoint = lamina.callbacks.ModelCheckpoint(
        "best.keras", monitor="val_accuracy", mode="max", save_best_only=True)
    model.fit(x, y, validation_split=0.2, epochs=10, callbacks=[checkpoint])
    ```
    """

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto", save_freq: str | int = "epoch",
                 initial_value_threshold: float | None = None) -> None:
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = check_save_freq("ModelCheckpoint", save_freq)
        _check_filepath(self.filepath, save_weights_only)
        self._current_epoch = 0
        self._batches = None
        if self.save_freq == "epoch":
            disable_batch_hooks(self)  # lets the engine keep fusing steps
        else:
            self._batches = BatchCounter(self.save_freq)

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        self._current_epoch = epoch

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        if self._batches is not None and self._batches.step(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _save_model(self, epoch: int, batch: int | None, logs: Logs) -> None:
        logs = dict(logs or {})
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save_model(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise errors.ConfigError(
                "Please specify a non-directory filepath for ModelCheckpoint. Filepath used is "
                f"an existing directory: {filepath}")
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            write(f"\nEpoch {epoch + 1}: finished saving model to {filepath}\n")

    def _get_file_path(self, epoch: int, batch: int | None, logs: Mapping[str, Any]) -> str:
        """The filepath template filled with the epoch (from 1), batch (from 1) and logs."""
        fields = {"epoch": epoch + 1}
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**{**logs, **fields})
        except KeyError as exc:
            key = exc.args[0]
            raise errors.UnknownNameError(
                f"ModelCheckpoint could not fill the filepath template '{self.filepath}': it "
                f"uses {{{key}}}, which is not in the logs at epoch {epoch + 1}. "
                f"{log_keys_hint(logs, str(key))} Fix the template or pass the data that "
                "produces that key.") from None

    def _should_save_model(self, epoch: int, logs: Mapping[str, Any], filepath: str) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                write(f"\nEpoch {epoch + 1}: saving model to {filepath}\n")
            return True
        current = self.get_monitor_value(logs)
        if current is None or np.ndim(current) > 0:
            return True  # as Keras: without a scalar to compare, save anyway
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                write(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                      f"{current:.5f}, saving model to {filepath}\n")
            self.best = current
            return True
        if self.verbose > 0:
            write(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}\n")
        return False
