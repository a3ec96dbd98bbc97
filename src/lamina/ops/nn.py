"""Keras 3's `ops.nn`: activations, one-hot, normalization, attention, losses.

Convolution and pooling live in `ops.convolution`, CTC in `ops.ctc`; this namespace
re-exports both.
"""

from __future__ import annotations

import functools
import warnings

import jax
import jax.numpy as jnp
from jax import lax

from lamina import config
from lamina.ops.convolution import *  # noqa: F401,F403
from lamina.ops.convolution import __all__ as _conv_names
from lamina.ops.ctc import *  # noqa: F401,F403
from lamina.ops.ctc import __all__ as _ctc_names

__all__ = sorted([*_conv_names, *_ctc_names, "batch_normalization", "binary_crossentropy",
                  "categorical_crossentropy", "celu", "dot_product_attention", "elu", "gelu",
                  "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh",
                  "layer_normalization", "leaky_relu", "log_sigmoid", "log_softmax", "moments",
                  "multi_hot", "normalize", "one_hot", "polar", "psnr", "relu", "relu6",
                  "rms_normalization", "selu", "sigmoid", "silu", "soft_shrink", "softmax",
                  "softplus", "softsign", "sparse_categorical_crossentropy", "sparse_plus",
                  "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh_shrink",
                  "threshold"])

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
sparse_sigmoid = jax.nn.sparse_sigmoid


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


def sparsemax(x, axis: int = -1):
    """Euclidean projection of `x` onto the probability simplex along `axis`."""
    x = jnp.asarray(x)
    ordered = -jnp.sort(-x, axis=axis)
    cumulative = jnp.cumsum(ordered, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    rank = jnp.arange(1, x.shape[axis] + 1).reshape(shape)
    support = ordered - (cumulative - 1) / rank > 0
    count = jnp.sum(support, axis=axis, keepdims=True)
    tau = (jnp.sum(jnp.where(support, cumulative, 0.0), axis=axis, keepdims=True) - 1) / count
    return jnp.maximum(x - tau, 0.0)


def polar(abs_, angle):
    """The complex numbers abs_ * exp(i * angle)."""
    abs_, angle = jnp.asarray(abs_), jnp.asarray(angle)
    return lax.complex(abs_ * jnp.cos(angle), abs_ * jnp.sin(angle))


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


def _compute_dtype(x):
    """Normalizations compute in at least float32 and return x's dtype."""
    x = jnp.asarray(x)
    return x.astype(jnp.promote_types(x.dtype, jnp.float32)), x.dtype


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta over `axis` (an int or a list)."""
    rms_scaling = kwargs.pop("rms_scaling", False)
    epsilon = config.epsilon() if epsilon is None else epsilon
    x, dtype = _compute_dtype(x)
    axes = sorted([axis] if isinstance(axis, int) else axis)
    shape = [x.shape[a] if a in axes or a - x.ndim in axes else 1 for a in range(x.ndim)]

    def broadcast(v):
        return None if v is None else jnp.reshape(jnp.asarray(v, x.dtype), shape)

    mean, variance = moments(x, axes, keepdims=True)
    inv = lax.rsqrt(variance + epsilon)
    gamma, beta = broadcast(gamma), broadcast(beta)
    if rms_scaling:  # Keras's deprecated variant: scales by the variance, ignores beta
        warnings.warn("rms_scaling=True is deprecated; use ops.rms_normalization instead.")
        return (x * inv * (1 if gamma is None else gamma)).astype(dtype)
    if gamma is not None:
        inv = inv * gamma
    shift = -mean * inv if beta is None else beta - mean * inv
    return (x * inv + shift).astype(dtype)


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x / sqrt(mean(x²) + epsilon) * scale over `axis`."""
    epsilon = config.epsilon() if epsilon is None else epsilon
    x, dtype = _compute_dtype(x)
    axis = sorted(axis) if isinstance(axis, (tuple, list)) else axis
    out = x * lax.rsqrt(jnp.mean(jnp.square(jnp.atleast_1d(x)), axis=axis, keepdims=True)
                        + epsilon)
    if scale is not None:
        out = out * jnp.asarray(scale, x.dtype)
    return out.astype(dtype)


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None,
                          is_causal: bool = False, flash_attention=None,
                          attn_logits_soft_cap=None):
    """softmax(q·k * scale + bias, masked) · v for (batch, time, heads, depth) inputs.

    `jax.nn.dot_product_attention` (XLA, or cuDNN when `flash_attention`).
    """
    if attn_logits_soft_cap is not None:
        raise ValueError("attn_logits_soft_cap is only supported for JAX on TPU (in Keras).")
    query, key, value = (jnp.asarray(t) for t in (query, key, value))
    if not query.ndim == key.ndim == value.ndim == 4:
        raise ValueError(f"dot_product_attention only supports 4D inputs. Received: "
                         f"{query.shape}, {key.shape}, {value.shape}.")
    dtype = jnp.result_type(query, key, value)
    query, key, value = (t.astype(dtype) for t in (query, key, value))
    bias = None if bias is None else jnp.asarray(bias, dtype)
    mask = None if mask is None else jnp.asarray(mask, bool)
    return _attention(query, key, value, bias, mask, None if scale is None else float(scale),
                      bool(is_causal), "cudnn" if flash_attention else None)


@functools.partial(jax.jit, static_argnums=(5, 6, 7))
def _attention(query, key, value, bias, mask, scale, is_causal: bool, implementation):
    return jax.nn.dot_product_attention(query, key, value, bias=bias, mask=mask, scale=scale,
                                        is_causal=is_causal, implementation=implementation)


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio (dB) between same-shape x1 and x2."""
    x1, x2 = jnp.asarray(x1), jnp.asarray(x2)
    if x1.shape != x2.shape:
        raise ValueError(f"psnr needs equal shapes. Received: {x1.shape} and {x2.shape}")
    mse = jnp.mean(jnp.square(x1 - x2))
    return 20 * jnp.log10(jnp.asarray(max_val, x2.dtype)) - 10 * jnp.log10(mse)


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
