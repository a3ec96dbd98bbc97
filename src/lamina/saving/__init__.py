"""Saving and loading in Keras's formats; every write is atomic."""

from lamina.saving.weights_h5 import load_weights, save_weights

__all__ = ["load_weights", "save_weights"]
