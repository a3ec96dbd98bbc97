"""Dense, Activation and InputLayer (and Lambda, from lambda_layer.py)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from lamina import activations, errors, quantizers, regularizers
from lamina.layers.base import KerasTensor, Layer, standardize_dtype
from lamina.layers.input_spec import InputSpec
from lamina.layers.weight_args import dense_like_config, set_dense_like_args
from lamina.layers.lambda_layer import Lambda
from lamina.layers.quantized import QuantizableMixin
from lamina.layers.quantized import float8 as _float8
from lamina.layers.quantized import int4 as _int4
from lamina.layers.quantized import int8 as _int8

__all__ = ["Activation", "Dense", "Input", "InputLayer", "Lambda"]


class Dense(QuantizableMixin, Layer):
    """`activation(inputs @ kernel + bias)` over the last axis of the inputs."""

    supports_masking = True
    _quantized_modes = {"int8": _int8.DENSE, "int4": _int4.DENSE, "float8": _float8.DENSE}

    def __init__(self, units: int, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        kwargs.pop("lora_rank", None), kwargs.pop("lora_alpha", None)
        quantization_config = kwargs.pop("quantization_config", None)
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        self.quantization_config = quantizers.get(quantization_config)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise errors.ConfigError(f"Dense: units must be a positive integer. Received: "
                                     f"units={units!r}")
        self.units = units
        set_dense_like_args(self, activation, use_bias, kernel_initializer, bias_initializer,
                            kernel_regularizer, bias_regularizer, kernel_constraint,
                            bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape) -> None:
        input_dim = input_shape[-1]
        if input_dim is None:
            raise errors.ShapeError(f"Layer '{self.name}' (Dense) needs a known last axis to "
                                    f"build. Received: input_shape={input_shape}")
        if self.quantization_mode:
            self._quantized_build((input_dim, self.units))
        if self._builds_float_weight():
            self.kernel = self.add_weight(name="kernel", shape=(input_dim, self.units),
                                          initializer=self.kernel_initializer,
                                          regularizer=self.kernel_regularizer,
                                          constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})

    def call(self, inputs, training=None):
        if self.quantization_mode:
            return self._quantized_call(inputs, training=training)
        outputs = jnp.matmul(inputs, self.kernel.value)
        if self.bias is not None:
            outputs = outputs + self.bias.value
        return self.activation(outputs)

    def compute_output_shape(self, input_shape) -> tuple:
        return (*input_shape[:-1], self.units)

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, **dense_like_config(self),
                "quantization_config": quantizers.serialize(self.quantization_config)}


class Activation(Layer):
    """Applies an activation function (name or callable) to its input."""

    supports_masking = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class InputLayer(Layer):
    """Marks the input of a model: its shape (without batch) and dtype."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, ragged=None, **kwargs):
        if shape is None and batch_shape is None and "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        kwargs.pop("batch_input_shape", None)
        super().__init__(name=name, dtype=dtype, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise errors.ConfigError("InputLayer needs a shape. Received: shape=None, "
                                         "batch_shape=None. Pass shape=(features, ...).")
            given, shape = shape, (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size, *shape)
            if isinstance(given, str) or not all(
                    d is None or (isinstance(d, (int, np.integer)) and d >= 0) for d in shape):
                raise errors.ConfigError(
                    f"Cannot convert {given!r} to a shape. Received: shape={given!r}. Pass a "
                    "tuple of non-negative ints or None, e.g. shape=(28, 28, 1).")
        self.batch_shape = tuple(batch_shape)
        self.built = True
        from lamina.models.graph import record_node

        record_node(self, (), {}, KerasTensor(self.batch_shape, self.dtype, name=self.name))

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {"batch_shape": self.batch_shape, "dtype": self.dtype, "sparse": False,
                "ragged": False, "name": self.name, "optional": False}

    @classmethod
    def from_config(cls, config: dict) -> InputLayer:
        config = {k: v for k, v in config.items() if k not in ("sparse", "ragged", "optional")}
        if "batch_input_shape" in config:
            config["batch_shape"] = config.pop("batch_input_shape")
        return cls(**config)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False) -> KerasTensor:
    """A symbolic input tensor, as `keras.Input`."""
    try:
        dtype = standardize_dtype(dtype)
    except TypeError:
        raise errors.ArgumentTypeError(f"Invalid dtype: {dtype}. Received: dtype={dtype!r}. Use "
                                       "e.g. dtype='float32', 'int32' or 'string'.") from None
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype,
                       batch_shape=batch_shape, name=name)
    tensor = layer.output
    tensor._input_layer = layer
    return tensor
