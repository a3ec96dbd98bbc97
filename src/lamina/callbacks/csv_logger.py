"""`CSVLogger`: write each epoch's logs as a row of a CSV file.

Crash safety: each epoch rewrites the whole file atomically (`atomic_write`: a temporary file in
the same directory, fsync, rename), so the file on disk is always a complete CSV, old or new,
never one with a half-written row. The cost is rewriting the (small) file once per epoch.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from typing import Any

import numpy as np

from lamina.callbacks.base import Callback, Logs

__all__ = ["CSVLogger"]


def _cell(value: Any) -> Any:
    """Keras's rendering of a log value: 1-D iterables as a quoted list, the rest as is."""
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable) and not (isinstance(value, np.ndarray) and value.ndim == 0):
        return f'"[{", ".join(map(str, value))}]"'
    return value


def _columns(logs: dict) -> list[str]:
    """Sorted keys; without validation keys, Keras also adds a `val_` column for each."""
    keys = sorted(logs)
    if keys and not any(key.startswith("val_") for key in keys):
        keys += [f"val_{key}" for key in keys]
    return keys


class CSVLogger(Callback):
    """Write the logs of each epoch as a row of a CSV file (columns: `epoch`, then the sorted
    log keys, as in Keras).

    Args:
        filename: the CSV file, e.g. `"run/log.csv"`.
        separator: the string that separates the cells.
        append: True continues an existing file (writing the header only if it is empty);
            False overwrites it.

    Example:

    ```python
    model.fit(x, y, callbacks=[lamina.callbacks.CSVLogger("training.log")])
    ```
    """

    def __init__(self, filename: str | os.PathLike, separator: str = ",",
                 append: bool = False) -> None:
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.keys: list[str] | None = None
        self._text = io.StringIO()
        self._writer: csv.DictWriter | None = None
        self._append_header = True

    def on_train_begin(self, logs: Logs = None) -> None:
        previous = ""
        if self.append and os.path.exists(self.filename):
            with open(self.filename, newline="") as handle:
                previous = handle.read()
        self._text = io.StringIO()
        self._text.write(previous)
        self._append_header = not previous
        self._writer = None
        self.keys = None
        self._flush()

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        logs = dict(logs or {})
        if self.keys is None:
            self.keys = _columns(logs)
        if self._writer is None:
            self._writer = self._make_writer()
        row = {"epoch": epoch}
        row.update((key, _cell(logs.get(key, "NA"))) for key in self.keys)
        self._writer.writerow(row)
        self._flush()

    def on_train_end(self, logs: Logs = None) -> None:
        self._writer = None

    def _make_writer(self) -> csv.DictWriter:
        dialect = type("Dialect", (csv.excel,), {"delimiter": self.sep})
        writer = csv.DictWriter(self._text, fieldnames=["epoch", *self.keys], dialect=dialect)
        if self._append_header:
            writer.writeheader()
        return writer

    def _flush(self) -> None:
        """Replace the file with everything written so far, atomically."""
        from lamina.saving.atomic import atomic_write  # lazy: lamina.saving imports models

        with atomic_write(self.filename) as tmp:
            with open(tmp, "w", newline="") as handle:
                handle.write(self._text.getvalue())
