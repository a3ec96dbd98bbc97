"""Pickling a fitted wrapper: its lamina models travel as `.keras` bytes (as Keras's
`KerasSaveable.__reduce__` does), its `History` without the back-reference to the model.

scikit-learn pickles estimators (joblib workers, `check_estimators_pickle`, users saving a
fitted pipeline); a lamina model holds compiled JAX functions that `pickle` cannot store."""

from __future__ import annotations

import copy
import os
import tempfile
from typing import Any


class SavedModel:
    """A lamina `Model` stored as the bytes of its `.keras` file (weights, config, compile
    state and optimizer included)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    @classmethod
    def from_model(cls, model) -> "SavedModel":
        from lamina.saving import save_model

        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "model.keras")
            save_model(model, path)
            with open(path, "rb") as f:
                return cls(f.read())

    def load(self):
        """The model back; `safe_mode=False` as in Keras's unpickling (pickle is never safe)."""
        from lamina.saving import load_model

        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "model.keras")
            with open(path, "wb") as f:
                f.write(self.data)
            return load_model(path, safe_mode=False)


def pack_state(state: dict[str, Any]) -> dict[str, Any]:
    """A copy of an estimator's `__dict__` that `pickle` can store."""
    from lamina.callbacks import History
    from lamina.models import Model

    packed = dict(state)
    for key, value in state.items():
        if isinstance(value, Model):
            packed[key] = SavedModel.from_model(value)
        elif isinstance(value, History):
            history = copy.copy(value)
            history.set_model(None)
            packed[key] = history
    return packed


def unpack_state(state: dict[str, Any]) -> dict[str, Any]:
    """Undo `pack_state`: load the models and point `history_` at `model_` again."""
    unpacked = {key: value.load() if isinstance(value, SavedModel) else value
                for key, value in state.items()}
    if "history_" in unpacked and "model_" in unpacked:
        unpacked["history_"].set_model(unpacked["model_"])
    return unpacked
