"""Layers, mirroring `keras.layers`."""

from lamina.layers.base import KerasTensor, Layer
from lamina.layers.core import Activation, Dense, Input, InputLayer
from lamina.layers.input_spec import InputSpec
from lamina.layers.regularization import Dropout
from lamina.layers.reshaping import Flatten, Reshape

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "InputSpec",
           "KerasTensor", "Layer", "Reshape"]
