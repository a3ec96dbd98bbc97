"""Keras 3's `ops.nn`: activations, one-hot, convolution, pooling, normalization, losses."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from lamina import config

__all__ = ["average_pool", "batch_normalization", "binary_crossentropy",
           "categorical_crossentropy", "celu", "conv", "depthwise_conv", "elu", "gelu", "glu",
           "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "leaky_relu",
           "log_sigmoid", "log_softmax", "max_pool", "moments", "multi_hot", "normalize",
           "one_hot", "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax",
           "softplus", "softsign", "sparse_categorical_crossentropy", "sparse_plus",
           "squareplus", "swish", "tanh_shrink", "threshold"]

relu = jax.nn.relu
relu6 = jax.nn.relu6
sigmoid = jax.nn.sigmoid
softplus = jax.nn.softplus
soft_sign = softsign = jax.nn.soft_sign
silu = swish = jax.nn.silu
log_sigmoid = jax.nn.log_sigmoid
selu = jax.nn.selu
hard_sigmoid = jax.nn.hard_sigmoid
hard_silu = hard_swish = jax.nn.hard_silu
hard_tanh = jax.nn.hard_tanh


def elu(x, alpha: float = 1.0):
    return jax.nn.elu(x, alpha)


def celu(x, alpha: float = 1.0):
    return jax.nn.celu(x, alpha)


def gelu(x, approximate: bool = True):
    return jax.nn.gelu(x, approximate=approximate)


def glu(x, axis: int = -1):
    return jax.nn.glu(x, axis=axis)


def leaky_relu(x, negative_slope: float = 0.2):
    return jax.nn.leaky_relu(x, negative_slope)


def softmax(x, axis: int = -1):
    return jax.nn.softmax(x, axis=axis)


def log_softmax(x, axis: int = -1):
    return jax.nn.log_softmax(x, axis=axis)


def hard_shrink(x, threshold: float = 0.5):
    return jnp.where(jnp.abs(x) > threshold, x, 0.0)


def soft_shrink(x, threshold: float = 0.5):
    return jnp.where(x > threshold, x - threshold, jnp.where(x < -threshold, x + threshold, 0.0))


def tanh_shrink(x):
    return x - jnp.tanh(x)


def threshold(x, threshold, default_value):  # noqa: A002 - Keras's name
    return jnp.where(x > threshold, x, default_value)


def sparse_plus(x):
    return jnp.where(x <= -1, 0.0, jnp.where(x >= 1, x, 0.25 * (x + 1) ** 2))


def squareplus(x, b: float = 4):
    return (x + jnp.sqrt(jnp.square(x) + b)) / 2


def one_hot(x, num_classes: int, axis: int = -1, dtype=None, sparse: bool = False):
    return jax.nn.one_hot(x, num_classes, axis=axis, dtype=dtype or config.floatx())


def multi_hot(inputs, num_classes: int, axis: int = -1, dtype=None, sparse: bool = False):
    """One-hot of every index in the last axis, OR-ed together."""
    inputs = jnp.asarray(inputs)
    reduction_axis = 1 if inputs.ndim > 1 else 0
    hot = jax.nn.one_hot(inputs, num_classes, axis=axis, dtype=dtype or config.floatx())
    return jnp.max(hot, axis=reduction_axis)


def normalize(x, axis: int = -1, order: int = 2, epsilon=None):
    """x / max(norm(x), epsilon); for order 2, Keras's x * min(rsqrt(Σx²), 1/epsilon)."""
    epsilon = config.epsilon() if epsilon is None else epsilon
    if order == 2:
        square_sum = jnp.sum(jnp.square(x), axis=axis, keepdims=True)
        return x * jnp.minimum(lax.rsqrt(square_sum), 1.0 / epsilon)
    norm = jnp.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / jnp.maximum(norm, epsilon)


def moments(x, axes, keepdims: bool = False, synchronized: bool = False):
    mean = jnp.mean(x, axis=axes, keepdims=True)
    variance = jnp.var(x, axis=axes, keepdims=True)
    if not keepdims:
        mean, variance = jnp.squeeze(mean, axes), jnp.squeeze(variance, axes)
    return mean, variance


def batch_normalization(x, mean, variance, axis: int, offset=None, scale=None,
                        epsilon: float = 1e-3):
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    inv = lax.rsqrt(jnp.reshape(variance, shape) + epsilon)
    if scale is not None:
        inv = inv * jnp.reshape(scale, shape)
    out = (x - jnp.reshape(mean, shape)) * inv
    return out + jnp.reshape(offset, shape) if offset is not None else out


def _spatial(value, rank: int) -> tuple:
    return (value,) * rank if isinstance(value, int) else tuple(value)


def _to_channels_last(data_format) -> bool:
    return (data_format or config.image_data_format()) == "channels_last"


def conv(inputs, kernel, strides=1, padding: str = "valid", data_format=None,
         dilation_rate=1):
    """N-d convolution; `kernel` is (*spatial, in_channels / groups, out_channels)."""
    rank = inputs.ndim - 2
    spatial = "DHW"[-rank:] if rank <= 3 else None
    lhs = f"N{spatial}C" if _to_channels_last(data_format) else f"NC{spatial}"
    groups = inputs.shape[-1 if lhs.endswith("C") else 1] // kernel.shape[-2]
    return lax.conv_general_dilated(
        inputs, kernel, _spatial(strides, rank), padding.upper(),
        rhs_dilation=_spatial(dilation_rate, rank),
        dimension_numbers=(lhs, f"{spatial}IO", lhs), feature_group_count=groups)


def depthwise_conv(inputs, kernel, strides=1, padding: str = "valid", data_format=None,
                   dilation_rate=1):
    """Depthwise convolution; `kernel` is (*spatial, in_channels, depth_multiplier)."""
    channels = kernel.shape[-2]
    kernel = jnp.reshape(kernel, (*kernel.shape[:-2], 1, channels * kernel.shape[-1]))
    return conv(inputs, kernel, strides, padding, data_format, dilation_rate)


def _pool(inputs, init, op, pool_size, strides, padding, data_format):
    rank = inputs.ndim - 2
    pool = _spatial(pool_size, rank)
    stride = _spatial(strides if strides is not None else pool_size, rank)
    last = _to_channels_last(data_format)
    window = (1, *pool, 1) if last else (1, 1, *pool)
    step = (1, *stride, 1) if last else (1, 1, *stride)
    init = jnp.array(init, inputs.dtype)
    return lax.reduce_window(inputs, init, op, window, step, padding.upper()), window, step


def max_pool(inputs, pool_size, strides=None, padding: str = "valid", data_format=None):
    return _pool(inputs, -jnp.inf, lax.max, pool_size, strides, padding, data_format)[0]


def average_pool(inputs, pool_size, strides=None, padding: str = "valid", data_format=None):
    """Average over each window; with 'same' padding, over its real (unpadded) elements."""
    total, window, step = _pool(inputs, 0.0, lax.add, pool_size, strides, padding,
                                data_format)
    if padding.lower() == "valid":
        return total / jnp.prod(jnp.array(window))
    counts = lax.reduce_window(jnp.ones_like(inputs), jnp.array(0, inputs.dtype), lax.add,
                               window, step, "SAME")
    return total / counts


def binary_crossentropy(target, output, from_logits: bool = False):
    if from_logits:
        return jnp.maximum(output, 0) - output * target + jnp.log1p(jnp.exp(-jnp.abs(output)))
    output = jnp.clip(output, config.epsilon(), 1.0 - config.epsilon())
    return -(target * jnp.log(output) + (1.0 - target) * jnp.log(1.0 - output))


def categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1):
    if from_logits:
        return -jnp.sum(target * jax.nn.log_softmax(output, axis=axis), axis=axis)
    output = output / jnp.sum(output, axis=axis, keepdims=True)
    output = jnp.clip(output, config.epsilon(), 1.0 - config.epsilon())
    return -jnp.sum(target * jnp.log(output), axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits: bool = False,
                                    axis: int = -1):
    target = jax.nn.one_hot(jnp.asarray(target).astype("int32"), output.shape[axis], axis=axis)
    return categorical_crossentropy(target, output, from_logits, axis)
