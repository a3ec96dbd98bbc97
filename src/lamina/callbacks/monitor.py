"""What callbacks watch: a monitored metric (ModelCheckpoint, EarlyStopping, ReduceLROnPlateau)
and a count of batches for `save_freq=N` (ModelCheckpoint, BackupAndRestore).

`MonitorCallback` holds the one copy of the monitor / mode / min_delta / best logic:
which direction is better, whether a value improves on a reference, and reading the monitored
value from the logs (warning once, per callback, when it is missing).
"""

from __future__ import annotations

import difflib
import numbers
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from lamina import errors
from lamina.callbacks.base import Callback

__all__ = ["BatchCounter", "MonitorCallback", "check_save_freq", "disable_batch_hooks",
           "log_keys_hint"]

MODES = ("auto", "min", "max")
# Names that are better when larger, for mode='auto' when the metric object does not say.
HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "f1", "fbeta", "iou")


def log_keys_hint(logs: Mapping[str, Any] | None, key: str) -> str:
    """'Available keys: ...' plus a close match and what `val_` keys need, for messages."""
    keys = sorted(logs or ())
    text = f"Available keys: {', '.join(keys) if keys else '(none)'}."
    close = difflib.get_close_matches(key, keys, n=1, cutoff=0.7)
    if close:
        text += f" Did you mean '{close[0]}'?"
    if key.startswith("val_"):
        text += (" Keys starting with 'val_' exist only when fit() gets validation_data or "
                 "validation_split (and only on epochs where validation runs, see "
                 "validation_freq).")
    return text


def _model_metrics(model: Any) -> list:
    """The model's metric objects: the compiled ones, then `model.metrics` (a container of
    compiled metrics opened up); empty for an uncompiled or stand-in model."""
    config = getattr(model, "_compile_config", None)
    found = list(getattr(config, "metrics", None) or [])
    listed = getattr(model, "metrics", None)
    for metric in listed if isinstance(listed, (list, tuple)) else []:
        found.extend(getattr(metric, "metrics", None) or [metric])
    return found


def infer_direction(monitor: str, model: Any = None) -> str:
    """'min' or 'max' for mode='auto': losses are minimized; otherwise the compiled metric's
    own direction (as Keras 3), else 'max' for accuracy/AUC-like names and 'min' for the rest."""
    name = monitor.removeprefix("val_")
    if name == "loss" or name.endswith("_loss"):
        return "min"
    for metric in _model_metrics(model):
        direction = getattr(metric, "direction", None) or getattr(metric, "_direction", None)
        if getattr(metric, "name", None) == name and direction in ("up", "down"):
            return "max" if direction == "up" else "min"
    return "max" if any(part in name.lower() for part in HIGHER_IS_BETTER) else "min"


class MonitorCallback(Callback):
    """Base class of callbacks that watch one metric and act when it improves (or does not).

    Args:
        monitor: the logs key to watch, e.g. `"val_loss"`.
        mode: `"min"`, `"max"`, or `"auto"` (decided from the metric, see `infer_direction`).
        baseline: the initial best value (`None`: the first value seen is the best).
        min_delta: changes smaller than this (in absolute value) are not improvements.
    """

    def __init__(self, monitor: str = "val_loss", mode: str = "auto", baseline=None,
                 min_delta: float = 0) -> None:
        super().__init__()
        if mode not in MODES:
            raise errors.ConfigError(
                f"{type(self).__name__} got an unknown mode. Expected one of 'auto', 'min', "
                f"'max'. Received: mode={mode!r}")
        if not isinstance(monitor, str):
            raise errors.ConfigError(
                f"{type(self).__name__} monitor must be a logs key (a string) such as "
                f"'val_loss'. Received: monitor={monitor!r}")
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.direction: str | None = None if mode == "auto" else mode
        self._warned_missing = False

    def _resolve_direction(self) -> str:
        if self.direction is None:
            self.direction = infer_direction(self.monitor, self._model)
        return self.direction

    def _is_improvement(self, current, reference) -> bool:
        """Whether `current` beats `reference` by more than `min_delta` (always, if no
        reference); NaN never improves."""
        if reference is None:
            return True
        if self._resolve_direction() == "min":
            return bool(np.less(current + self.min_delta, reference))
        return bool(np.greater(current - self.min_delta, reference))

    def get_monitor_value(self, logs: Mapping[str, Any] | None):
        """The monitored value, or None (with a warning, the first time) if it is missing."""
        value = (logs or {}).get(self.monitor)
        if value is None:
            self._warn_missing(logs)
        return value

    def _warn_missing(self, logs: Mapping[str, Any] | None) -> None:
        if self._warned_missing:
            return
        self._warned_missing = True
        warnings.warn(
            f"{type(self).__name__} is conditioned on metric '{self.monitor}', which is not "
            f"in the logs, so it does nothing this epoch. {log_keys_hint(logs, self.monitor)}",
            stacklevel=3)


def check_save_freq(owner: str, save_freq, allow_false: bool = False):
    """Validate `save_freq`: `'epoch'` or a positive integer (or `False` where allowed)."""
    if save_freq == "epoch" or (allow_false and save_freq is False):
        return save_freq
    if isinstance(save_freq, numbers.Integral) and not isinstance(save_freq, bool) \
            and save_freq > 0:
        return int(save_freq)
    expected = "'epoch', a positive integer (a number of batches)"
    raise errors.ConfigError(
        f"{owner} got an invalid save_freq. Expected {expected}"
        f"{' or False' if allow_false else ''}. Received: save_freq={save_freq!r}")


class BatchCounter:
    """Counts training batches for `save_freq=N`: `step(batch)` is True every N batches.

    Works with fused steps too: the engine then reports only the last batch of each chunk, and
    the batches in between are counted from the index (as Keras does for steps_per_execution).
    """

    def __init__(self, every: int) -> None:
        self.every = every
        self.seen = 0
        self.last_batch: int | None = None

    def step(self, batch: int) -> bool:
        """Count the batches up to `batch` (a new epoch restarts the index at 0)."""
        if self.last_batch is None or batch <= self.last_batch:
            self.seen += batch + 1
        else:
            self.seen += batch - self.last_batch
        self.last_batch = batch
        if self.seen >= self.every:
            self.seen = 0
            return True
        return False


def disable_batch_hooks(callback: Callback) -> None:
    """Replace `callback`'s train-batch hook with the base class's do-nothing default.

    Used when `save_freq='epoch'`: the engine then sees no batch hook and keeps fusing steps
    into one compiled call instead of returning to Python after every batch.
    """
    callback.on_train_batch_end = Callback.on_train_batch_end.__get__(callback)  # type: ignore
