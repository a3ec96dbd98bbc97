"""CategoryEncoding, and `encode_categorical`: Keras's one_hot / multi_hot / count encoding of
integer indices, shared by Hashing, HashedCrossing and Discretization."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.layers.base import KerasTensor, Layer

__all__ = ["CategoryEncoding"]

ENCODED_MODES = ("one_hot", "multi_hot", "count")


def encode_categorical(inputs, output_mode: str, depth: int, dtype, count_weights=None):
    """Encode integer `inputs` as Keras's `numerical_utils.encode_categorical_inputs` does on
    JAX: "int" casts; "one_hot" adds (or replaces a trailing size-1) axis of `depth`;
    "multi_hot"/"count" reduce axis 1 (axis 0 for rank 1) into a `depth` axis. Indices outside
    `[0, depth)` encode to zeros."""
    inputs = jnp.asarray(inputs)
    if output_mode == "int":
        return inputs.astype(dtype)
    if inputs.ndim == 0:
        inputs = inputs[None]
    if output_mode == "one_hot":
        if inputs.ndim > 1 and inputs.shape[-1] == 1:
            inputs = inputs[..., 0]
        return jax.nn.one_hot(inputs, depth, dtype=dtype)
    axis = 1 if inputs.ndim > 1 else 0
    if output_mode == "multi_hot":
        return jnp.max(jax.nn.one_hot(inputs.astype(jnp.int32), depth, dtype=dtype), axis=axis)
    if count_weights is not None:
        dtype = count_weights.dtype
    encoded = jax.nn.one_hot(inputs, depth, dtype=dtype)
    if count_weights is not None:
        encoded = encoded * count_weights[..., None]
    return jnp.sum(encoded, axis=axis)


def encoded_shape(input_shape: tuple, output_mode: str, depth: int) -> tuple:
    """The output shape of `encode_categorical` for `input_shape` (None for unknown axes)."""
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            input_shape = input_shape[:-1]
        return input_shape + (depth,)
    if len(input_shape) == 1:
        return (depth,)
    return (input_shape[0],) + input_shape[2:] + (depth,)


def check_output_mode(output_mode: str, allowed: tuple, caller: str) -> None:
    """Keras's `validate_string_arg` error for an unknown `output_mode`."""
    if not (isinstance(output_mode, str) and output_mode in allowed):
        raise ValueError(
            f"Unknown value for `output_mode` argument of {caller}. "
            f"Allowed values are: {allowed}. Received: output_mode={output_mode}")


class CategoryEncoding(Layer):
    """Encode integer features of `num_tokens` categories as one-hot, multi-hot or count
    vectors (Keras's `CategoryEncoding`). Runs as jnp inside the compiled step.

    Example:

        >>> layer = CategoryEncoding(num_tokens=4, output_mode="one_hot")
        >>> layer([3, 2, 0, 1]).tolist()[0]
        [0.0, 0.0, 0.0, 1.0]
    """

    def __init__(self, num_tokens: int | None = None, output_mode: str = "multi_hot",
                 sparse: bool = False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":  # Keras's deprecated name
            output_mode = "multi_hot"
        if output_mode not in ENCODED_MODES:
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError(
                "num_tokens must be set to use this layer. If the number of tokens is not "
                "known beforehand, use the IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("`sparse=True` is not supported: lamina's only engine is JAX, and "
                             "its preprocessing layers return dense arrays. Received: "
                             "sparse=True. Use sparse=False.")
        self.num_tokens, self.output_mode, self.sparse = int(num_tokens), output_mode, False

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(
                    "`count_weights` is not used when `output_mode` is not `'count'`. "
                    f"Received `count_weights={count_weights}`.")
            count_weights = jnp.asarray(count_weights, self.dtype)
        return encode_categorical(inputs, self.output_mode, self.num_tokens, self.dtype,
                                  count_weights)

    def compute_output_shape(self, input_shape) -> tuple:
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def compute_output_spec(self, inputs, count_weights=None):
        return KerasTensor(self.compute_output_shape(inputs.shape), self.dtype, name=self.name)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode}
