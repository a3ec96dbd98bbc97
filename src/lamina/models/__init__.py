"""Models, mirroring `keras.models`."""

from __future__ import annotations

import json
from typing import Any, Mapping

from lamina.models.cloning import clone_model
from lamina.models.functional import Functional
from lamina.models.model import Model
from lamina.models.sequential import Sequential


def load_model(filepath, custom_objects: Mapping[str, Any] | None = None, compile: bool = True,
               safe_mode: bool = True):
    """Load a model saved by lamina or Keras (`.keras` or legacy `.h5`)."""
    from lamina import saving

    return saving.load_model(filepath, custom_objects=custom_objects, compile=compile,
                             safe_mode=safe_mode)


def save_model(model, filepath, overwrite: bool = True, zipped: bool | None = None,
               **kwargs) -> None:
    """Save the whole model (`.keras` zip or legacy `.h5`), atomically; as `model.save`."""
    from lamina import saving

    saving.save_model(model, filepath, overwrite=overwrite, zipped=zipped, **kwargs)


def model_from_json(json_string: str, custom_objects: Mapping[str, Any] | None = None):
    """The model a `model.to_json()` string (lamina's or Keras's) describes, with new
    weights."""
    from lamina.saving.deserialization import deserialize_keras_object

    try:
        config = json.loads(json_string)
    except (TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"model_from_json expects the JSON string of model.to_json() "
                         f"({exc}). Received: json_string={str(json_string)[:80]!r}") from None
    return deserialize_keras_object(config, custom_objects=custom_objects)


__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json",
           "save_model"]
