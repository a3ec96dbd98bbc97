"""`History`: records each epoch's logs; `fit` returns it."""

from __future__ import annotations

from typing import Any

from lamina.callbacks.base import Callback, Logs

__all__ = ["History"]


class History(Callback):
    """Records epoch logs: `history[key]` is the list of that metric's values, one per epoch.

    `epoch` lists the epoch indices seen in the latest `fit`; `history` keeps accumulating
    across `fit` calls, as in Keras. The model's `history` attribute is set to this object.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[Any]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: Logs = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self._model is not None:
            self._model.history = self
