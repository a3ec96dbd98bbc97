"""Models, mirroring `keras.models`."""

from lamina.models.functional import Functional
from lamina.models.model import Model
from lamina.models.sequential import Sequential


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    """Load a model saved by lamina or Keras (`.keras` or legacy `.h5`)."""
    from lamina import saving

    return saving.load_model(filepath, custom_objects=custom_objects, compile=compile,
                             safe_mode=safe_mode)


__all__ = ["Functional", "Model", "Sequential", "load_model"]
