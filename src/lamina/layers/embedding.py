"""Embedding (integer ids -> dense vectors) and Masking: the two layers that start a mask."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np

from lamina import constraints, errors, initializers, quantizers, regularizers
from lamina.layers.base import Layer
from lamina.layers.quantized import QuantizableMixin
from lamina.layers.quantized import int4 as _int4
from lamina.layers.quantized import int8 as _int8

__all__ = ["Embedding", "Masking"]


class Embedding(QuantizableMixin, Layer):
    """Looks up row `i` of an (input_dim, output_dim) table for every integer id `i`.

    With `mask_zero=True` id 0 is padding: the layer emits a mask (ids != 0) that recurrent
    and pooling layers downstream honour, and `input_dim` must count the padding id.
    """

    _quantized_modes = {"int8": _int8.EMBEDDING, "int4": _int4.EMBEDDING}

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None,
                 mask_zero: bool = False, weights=None, **kwargs):
        for key in ("lora_rank", "lora_alpha"):
            kwargs.pop(key, None)
        quantization_config = quantizers.get(kwargs.pop("quantization_config", None))
        if kwargs.pop("input_length", None) is not None:  # Keras 3: accepted, ignored, warned
            warnings.warn("Argument `input_length` is deprecated. Just remove it.", stacklevel=2)
        activity_regularizer = regularizers.get(kwargs.pop("activity_regularizer", None))
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
                raise errors.ConfigError(errors.message(
                    f"got an invalid `{name}`.", where=errors.layer_label(self),
                    expected="a positive integer", got=f"{name}={value!r}",
                    fix="input_dim is the vocabulary size (largest id + 1); output_dim the "
                        "vector size."))
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.quantization_config = quantization_config
        if weights is not None:
            self._maybe_build(None)
            self.set_weights(weights if isinstance(weights, list) else [weights])

    def build(self, input_shape=None) -> None:
        if self.quantization_mode:
            return self._quantized_build((self.input_dim, self.output_dim))
        self.embeddings = self.add_weight(
            name="embeddings", shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer, constraint=self.embeddings_constraint)

    def call(self, inputs):
        if not jnp.issubdtype(inputs.dtype, jnp.integer):
            inputs = inputs.astype("int32")
        if not isinstance(inputs, jax.core.Tracer):
            self._check_ids(inputs)
        if self.quantization_mode:
            return self._quantized_call(inputs)
        return jnp.take(self.embeddings.value, inputs, axis=0)

    def _check_ids(self, ids) -> None:
        if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= self.input_dim):
            raise errors.DataError(errors.message(
                "got ids outside its vocabulary.", where=errors.layer_label(self),
                expected=f"ids in [0, {self.input_dim})",
                got=f"ids in [{int(ids.min())}, {int(ids.max())}]",
                fix="Raise input_dim to the largest id + 1, or map unknown ids to a reserved "
                    "one."))

    def compute_mask(self, inputs, previous_mask=None):
        return jnp.not_equal(inputs, 0) if self.mask_zero else None

    def compute_output_shape(self, input_shape) -> tuple:
        return (*input_shape, self.output_dim)

    def compute_output_dtype(self, input_dtype) -> str:
        return self.compute_dtype

    def get_config(self) -> dict:
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero,
                "quantization_config": quantizers.serialize(self.quantization_config)}


class Masking(Layer):
    """Masks the time steps whose features all equal `mask_value` (and zeroes them)."""

    supports_masking = True

    def __init__(self, mask_value: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value

    def compute_mask(self, inputs, previous_mask=None):
        return jnp.any(jnp.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = jnp.any(jnp.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return jnp.where(keep, inputs, jnp.zeros_like(inputs))

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "mask_value": self.mask_value}
