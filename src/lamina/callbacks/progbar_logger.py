"""`ProgbarLogger`: prints the progress bar and metrics of `fit`, `evaluate` and `predict`."""

from __future__ import annotations

from typing import Any

from lamina.callbacks.base import Callback, Logs, lazy_logs_reader
from lamina.training.progbar import Progbar, write

__all__ = ["ProgbarLogger"]

REDRAW_INTERVAL = 0.1  # seconds: at most ~10 redraws per second on a terminal


def _items(logs: Logs) -> list[tuple[str, Any]]:
    """The logs' items (reading a `LazyLogs` copies its values from the device)."""
    return list(logs.items()) if logs is not None else []


def _display_order(items: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Training metrics first, then `val_` ones (Keras's order: batch keys come first)."""
    return [kv for kv in items if not kv[0].startswith("val_")] + \
           [kv for kv in items if kv[0].startswith("val_")]


class ProgbarLogger(Callback):
    """Prints `Epoch i/n` and a progress bar with the metrics, as Keras 3 does.

    Reads `params["verbose"]` (0, 1, 2; `"auto"` means 1), `params["epochs"]` and
    `params["steps"]` (None when unknown). Batch logs are read only when the bar is redrawn
    (on a terminal, at most every 0.1 s); off a terminal, verbose=1 prints one line per epoch.
    Inside `fit`, validation is silent; `evaluate` and `predict` print their own bar.
    """

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0
        self.progbar: Progbar | None = None
        self.target: int | None = None
        self.verbose: int = 1
        self.epochs: int = 1
        self._called_in_fit = False

    def set_params(self, params: dict[str, Any]) -> None:
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs: Logs = None) -> None:
        self._called_in_fit = True  # validation inside fit is silent

    def on_train_end(self, logs: Logs = None) -> None:
        self._called_in_fit = False

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            write(f"Epoch {epoch + 1}/{self.epochs}\n")

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        self._finalize_progbar(logs)

    def on_test_begin(self, logs: Logs = None) -> None:
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_test_end(self, logs: Logs = None) -> None:
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_begin(self, logs: Logs = None) -> None:
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_predict_end(self, logs: Logs = None) -> None:
        self._finalize_progbar(None)

    @lazy_logs_reader
    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._update_progbar(batch, logs)

    @lazy_logs_reader
    def on_test_batch_end(self, batch: int, logs: Logs = None) -> None:
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    @lazy_logs_reader
    def on_predict_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._update_progbar(batch, None)  # never show prediction outputs

    def _reset_progbar(self) -> None:
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self) -> None:
        if self.progbar is None:
            self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step",
                                   interval=REDRAW_INTERVAL, stateless_metrics=set())

    def _update_progbar(self, batch: int, logs: Logs) -> None:
        """Advance to step `batch + 1`; the logs are read only if the bar is redrawn."""
        self._maybe_init_progbar()
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, lambda: _items(logs), finalize=False)

    def _finalize_progbar(self, logs: Logs) -> None:
        self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, lambda: _display_order(_items(logs)), finalize=True)
