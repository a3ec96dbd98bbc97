"""Keras's quantizers: abs-max int8 (and int4-range) quantization, float8 scaling helpers and
int4 nibble packing. Same arithmetic as Keras 3 so quantized weights match bit for bit."""

from __future__ import annotations

import jax.numpy as jnp
import ml_dtypes
import numpy as np

__all__ = ["AbsMaxQuantizer", "Quantizer", "abs_max_quantize",
           "abs_max_quantize_grouped_with_zero_point", "compute_float8_amax_history",
           "compute_float8_scale", "dequantize_with_sz_map", "pack_int4",
           "quantize_and_dequantize", "unpack_int4"]

_EPSILON = 1e-7  # Keras binds `backend.epsilon()` at import time: its default, 1e-7


class Quantizer:
    """Base class of quantizers: `quantizer(x)` returns the quantized `x` (and a scale)."""

    def __init__(self, output_dtype: str = "int8"):
        self.output_dtype = output_dtype

    def __call__(self, x):
        return x

    @classmethod
    def from_config(cls, config: dict) -> Quantizer:
        return cls(**config)

    def get_config(self) -> dict:
        raise NotImplementedError(f"{self} does not implement get_config()")


def _axes(axis, ndim: int) -> tuple:
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % ndim for a in axes)


def abs_max_quantize(inputs, axis, value_range=(-127, 127), dtype: str = "int8",
                     epsilon: float = _EPSILON, to_numpy: bool = False):
    """`(quantized, scale)`: `round(inputs * scale)` clipped to `value_range`, where
    `scale = value_range[1] / (max|inputs| over axis + epsilon)` (kept dims)."""
    if to_numpy:
        original_dtype = np.asarray(inputs).dtype
        values = np.asarray(inputs)
        axes = _axes(axis, values.ndim)
        scale = np.divide(value_range[1],
                          np.add(np.max(np.abs(values), axis=axes, keepdims=True), epsilon))
        outputs = np.clip(np.round(values * scale), value_range[0], value_range[1])
        return jnp.asarray(outputs.astype(dtype)), jnp.asarray(scale, dtype=original_dtype)
    inputs = jnp.asarray(inputs)
    axes = _axes(axis, inputs.ndim)
    scale = jnp.divide(value_range[1],
                       jnp.max(jnp.abs(inputs), axis=axes, keepdims=True) + epsilon)
    scale = scale.astype(inputs.dtype)
    outputs = jnp.clip(jnp.round(inputs * scale), value_range[0], value_range[1])
    return outputs.astype(dtype), scale


class AbsMaxQuantizer(Quantizer):
    """Abs-max quantization along `axis` (given at call; -1 when never given)."""

    def __init__(self, axis=None, value_range=(-127, 127), epsilon: float = _EPSILON,
                 output_dtype: str = "int8"):
        super().__init__(output_dtype=output_dtype)
        self.axis = None if axis is None else ((axis,) if isinstance(axis, int)
                                               else tuple(axis))
        self.value_range = value_range
        self.epsilon = epsilon
        if output_dtype == "int8" and (value_range[0] < -128 or value_range[1] > 127):
            raise ValueError("Quantizer with output_dtype='int8' requires value_range to be "
                             f"within the interval [-128, 127]. Received: "
                             f"value_range={value_range}")

    def __call__(self, x, axis=None, to_numpy: bool = False):
        axis = self.axis if axis is None else axis
        return abs_max_quantize(x, -1 if axis is None else axis, self.value_range,
                                self.output_dtype, self.epsilon, to_numpy)

    def get_config(self) -> dict:
        config = {"value_range": self.value_range, "epsilon": self.epsilon,
                  "output_dtype": self.output_dtype}
        if self.axis is not None:
            config["axis"] = self.axis
        return config


def compute_float8_scale(amax, scale, dtype_max, margin: int = 0):
    """The next float8 scale from the amax history (NVIDIA Transformer Engine's rule); keeps
    the old scale where amax is zero or not finite."""
    old = jnp.reciprocal(scale)
    sf = jnp.divide(jnp.divide(dtype_max, amax), 2 ** margin)
    sf = jnp.where(amax > 0.0, sf, old)
    sf = jnp.where(jnp.isfinite(amax), sf, old)
    return jnp.reciprocal(sf)


def compute_float8_amax_history(x, amax_history):
    """`amax_history` rolled one step with `max|x|` written at position 0."""
    amax_update = jnp.max(jnp.abs(x)).astype(amax_history.dtype)
    return jnp.roll(amax_history, shift=-1).at[0].set(amax_update)


def quantize_and_dequantize(inputs, scale, quantized_dtype, compute_dtype):
    """`inputs` rounded through `quantized_dtype` (e.g. "float8_e4m3fn") at `scale`."""
    dtype_max = jnp.asarray(float(ml_dtypes.finfo(quantized_dtype).max), compute_dtype)
    scale = jnp.asarray(scale).astype(compute_dtype)
    x = jnp.clip(jnp.divide(inputs, scale), -dtype_max, dtype_max).astype(quantized_dtype)
    return x.astype(compute_dtype) * scale


def pack_int4(arr, axis: int = 0, dtype: str = "int8"):
    """`(packed, packed_shape, orig_len)`: pairs of int4 values along `axis` in one byte
    (low nibble first), the axis zero-padded to even length."""
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    if np.dtype(arr.dtype) != np.dtype(dtype):
        raise TypeError(f"Expected {dtype} tensor for packing, got {np.dtype(arr.dtype)}.")
    values = np.moveaxis(np.asarray(arr), axis % np.ndim(arr), 0)
    n = values.shape[0]
    if n % 2:
        values = np.concatenate([values, np.zeros((1, *values.shape[1:]), values.dtype)])
    mask = np.array(0x0F, dtype=dtype)
    low, high = values[::2] & mask, values[1::2] & mask
    packed = np.moveaxis((low | (high << np.array(4, dtype=dtype))).astype(dtype), 0,
                         axis % np.ndim(arr))
    return jnp.asarray(packed), tuple(packed.shape), n


def unpack_int4(packed, orig_len: int, axis: int = 0, dtype: str = "int8"):
    """Inverse of `pack_int4`: the `orig_len` int4 values along `axis` (sign-extended for
    int8)."""
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    packed = jnp.asarray(packed)
    if np.dtype(packed.dtype) not in (np.dtype("int8"), np.dtype("uint8")):
        raise TypeError(f"Expected int8 or uint8 tensor for unpacking, got {packed.dtype}")
    axis = axis % packed.ndim
    moved = jnp.moveaxis(packed, axis, 0)
    mask = jnp.asarray(0x0F, packed.dtype)
    low, high = moved & mask, jnp.right_shift(moved, 4) & mask
    if dtype == "int8":
        eight = jnp.asarray(8, packed.dtype)
        low, high = (low ^ eight) - eight, (high ^ eight) - eight
    stacked = jnp.stack([low.astype(dtype), high.astype(dtype)], axis=1)
    unpacked = stacked.reshape((-1, *moved.shape[1:]))[:orig_len]
    return jnp.moveaxis(unpacked, 0, axis)


def abs_max_quantize_grouped_with_zero_point(inputs, block_size: int, value_range=(-8, 7),
                                             dtype: str = "int8", epsilon: float = _EPSILON,
                                             to_numpy: bool = False):
    """`(quantized, scale, zero_point)` of a 2D `(input_dim, output_dim)` tensor quantized
    asymmetrically in groups of `block_size` rows; scale and zero point are
    `(ceil(input_dim / block_size), output_dim)`. Computed on the host (`to_numpy` is
    accepted for Keras's signature)."""
    values = np.asarray(inputs)
    original_dtype = values.dtype
    input_dim, output_dim = values.shape
    n_groups = -(-input_dim // block_size)
    qmin, qmax = value_range
    padded = np.zeros((n_groups * block_size, output_dim), values.dtype)
    padded[:input_dim] = values
    groups = padded.reshape(n_groups, block_size, output_dim)
    low, high = groups.min(axis=1, keepdims=True), groups.max(axis=1, keepdims=True)
    scale = np.divide((high - low) + epsilon, qmax - qmin)
    zero = np.clip(np.round(np.divide(-low, scale)) + qmin, qmin, qmax)
    outputs = np.clip(np.round(np.divide(groups, scale)) + zero, qmin, qmax).astype(dtype)
    outputs = outputs.reshape(n_groups * block_size, output_dim)[:input_dim]
    return (jnp.asarray(outputs), jnp.asarray(np.squeeze(scale, 1), dtype=original_dtype),
            jnp.asarray(np.squeeze(zero, 1).astype("int8")))


def dequantize_with_sz_map(weights_matrix, scale, zero, g_idx, group_axis: int = -1):
    """`(weights - zero[g]) * scale[g]` with each position's group `g` from `g_idx`."""
    groups = jnp.asarray(g_idx).astype("int32")
    scales = jnp.take(scale, groups, axis=group_axis)
    zeros = jnp.take(zero, groups, axis=group_axis).astype(scales.dtype)
    return (weights_matrix - zeros) * scales
