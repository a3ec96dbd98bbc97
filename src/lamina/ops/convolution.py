"""Keras 3's convolution, pooling and patch ops (part of `ops.nn`)."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from lamina import config

__all__ = ["adaptive_average_pool", "adaptive_max_pool", "average_pool", "conv",
           "conv_transpose", "depth_to_space", "depthwise_conv", "fold", "max_pool",
           "separable_conv", "space_to_depth", "unfold"]


def _spatial(value, rank: int) -> tuple:
    return (value,) * rank if isinstance(value, int) else tuple(value)


def _to_channels_last(data_format) -> bool:
    return (data_format or config.image_data_format()) == "channels_last"


def _dimension_numbers(rank: int, data_format) -> tuple:
    """(lhs, rhs, out) specs: inputs N…C or NC…, kernels (*spatial, in, out)."""
    spatial = "DHW"[-rank:] if rank <= 3 else None
    lhs = f"N{spatial}C" if _to_channels_last(data_format) else f"NC{spatial}"
    return lhs, f"{spatial}IO", lhs


def conv(inputs, kernel, strides=1, padding: str = "valid", data_format=None,
         dilation_rate=1):
    """N-d convolution; `kernel` is (*spatial, in_channels / groups, out_channels)."""
    inputs, kernel = jnp.asarray(inputs), jnp.asarray(kernel)
    rank = inputs.ndim - 2
    numbers = _dimension_numbers(rank, data_format)
    groups = inputs.shape[-1 if numbers[0].endswith("C") else 1] // kernel.shape[-2]
    return lax.conv_general_dilated(
        inputs, kernel, _spatial(strides, rank), padding.upper(),
        rhs_dilation=_spatial(dilation_rate, rank), dimension_numbers=numbers,
        feature_group_count=groups)


def depthwise_conv(inputs, kernel, strides=1, padding: str = "valid", data_format=None,
                   dilation_rate=1):
    """Depthwise convolution; `kernel` is (*spatial, in_channels, depth_multiplier)."""
    kernel = jnp.asarray(kernel)
    channels = kernel.shape[-2]
    kernel = jnp.reshape(kernel, (*kernel.shape[:-2], 1, channels * kernel.shape[-1]))
    return conv(inputs, kernel, strides, padding, data_format, dilation_rate)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1,
                   padding: str = "valid", data_format=None, dilation_rate=1):
    """A depthwise convolution followed by a 1x1 (pointwise) convolution."""
    depthwise = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format,
                               dilation_rate)
    return conv(depthwise, pointwise_kernel, 1, "valid", data_format)


def _transpose_padding(kernel: int, stride: int, padding: str, output_padding) -> tuple:
    """(left, right) padding of the dilated input giving Keras's output length."""
    if padding.lower() == "valid":
        extra = max(kernel, stride) - kernel if output_padding is None else output_padding
        return kernel - 1, kernel - 1 + extra
    total = (stride + kernel - 2 if output_padding is None
             else kernel + kernel % 2 - 2 + output_padding)
    left = min(total // 2 + total % 2, kernel - 1)
    return left, total - left


def conv_transpose(inputs, kernel, strides=1, padding: str = "valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution; `kernel` is (*spatial, out_channels, in_channels)."""
    inputs, kernel = jnp.asarray(inputs), jnp.asarray(kernel)
    rank = inputs.ndim - 2
    strides, dilation = _spatial(strides, rank), _spatial(dilation_rate, rank)
    extras = (None,) * rank if output_padding is None else _spatial(output_padding, rank)
    pads = [_transpose_padding((size - 1) * rate + 1, stride, padding, extra)
            for size, rate, stride, extra in zip(kernel.shape[:-2], dilation, strides, extras)]
    return lax.conv_transpose(inputs, kernel, strides, pads, rhs_dilation=dilation,
                              dimension_numbers=_dimension_numbers(rank, data_format),
                              transpose_kernel=True)


def _pool(inputs, init, op, pool_size, strides, padding, data_format):
    inputs = jnp.asarray(inputs)
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
    inputs = jnp.asarray(inputs)
    counts = lax.reduce_window(jnp.ones_like(inputs), jnp.array(0, inputs.dtype), lax.add,
                               window, step, "SAME")
    return total / counts


@functools.partial(jax.jit, static_argnums=(1, 2, 3, 4))
def _adaptive_pool(x, output_size: tuple, last: bool, op, average: bool):
    """Pool each spatial axis in turn into `output_size` windows [floor(i n/o), ceil((i+1) n/o)).

    Those windows have one of two sizes; pool with both at stride 1 and gather each window.
    """
    init = jnp.array(0 if average else -jnp.inf, x.dtype)
    for axis, out in enumerate(output_size, start=1 if last else 2):
        n = x.shape[axis]
        small = -(-n // out)
        starts = np.floor(np.arange(out) * n / out).astype(int)
        sizes = np.ceil(np.arange(1, out + 1) * n / out).astype(int) - starts
        pooled = []
        for width in (small, small + 1):
            window = tuple(width if i == axis else 1 for i in range(x.ndim))
            total = lax.reduce_window(x, init, op, window, (1,) * x.ndim, "VALID")
            pooled.append(total / width if average else total)
        index = np.where(sizes == small + 1, starts + n - small + 1, starts)
        x = jnp.take(jnp.concatenate(pooled, axis=axis), index, axis=axis)
    return x


def _adaptive(inputs, output_size, data_format, op, average: bool):
    x = jnp.asarray(inputs)
    if x.ndim - 2 not in (1, 2, 3):
        raise ValueError(f"Adaptive pooling supports 1D/2D/3D inputs. Received: {x.shape}")
    return _adaptive_pool(x, _spatial(output_size, x.ndim - 2), _to_channels_last(data_format),
                          op, average)


def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a fixed spatial `output_size` (PyTorch's adaptive windows)."""
    return _adaptive(inputs, output_size, data_format, lax.add, True)


def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed spatial `output_size` (PyTorch's adaptive windows)."""
    return _adaptive(inputs, output_size, data_format, lax.max, False)


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of an NCHW batch, as PyTorch's unfold: (N, C * kh * kw, blocks)."""
    x = jnp.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"Input must be a 4D tensor. Received: input.shape={x.shape}")
    ph, pw = _spatial(padding, 2)
    x = jnp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    patches = lax.conv_general_dilated_patches(
        x, _spatial(kernel_size, 2), _spatial(stride, 2), "VALID",
        rhs_dilation=_spatial(dilation, 2), dimension_numbers=("NCHW", "OIHW", "NCHW"))
    return jnp.reshape(patches, (*patches.shape[:2], -1))


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Inverse of `unfold` (overlaps are summed): (N, C * kh * kw, L) -> (N, C, oh, ow)."""
    x = jnp.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"Input must be a 3D tensor. Received: input.shape={x.shape}")
    (oh, ow), (kh, kw) = _spatial(output_size, 2), _spatial(kernel_size, 2)
    (dh, dw), (ph, pw), (sh, sw) = (_spatial(v, 2) for v in (dilation, padding, stride))
    n, depth, _ = x.shape
    blocks = ((oh + 2 * ph - dh * (kh - 1) - 1) // sh + 1,
              (ow + 2 * pw - dw * (kw - 1) - 1) // sw + 1)
    x = jnp.reshape(x, (n, depth, *blocks))
    # A one-hot kernel sends input channel (c, i, j) to output channel c at offset (i, j);
    # conv_transpose flips kernels spatially, so flip it first.
    kernel = jnp.eye(depth, dtype=x.dtype).reshape(depth, depth // (kh * kw), kh, kw)
    kernel = jnp.flip(kernel.transpose(2, 3, 0, 1), axis=(0, 1))
    out = lax.conv_transpose(x, kernel, (sh, sw), "VALID", rhs_dilation=(dh, dw),
                             dimension_numbers=("NCHW", "HWIO", "NCHW"))
    return out[:, :, ph:ph + oh, pw:pw + ow]


def _check_block(block_size: int) -> None:
    if block_size < 2:
        raise ValueError(f"`block_size` must be at least 2. Received: block_size={block_size}")


def depth_to_space(x, block_size: int, data_format: str | None = "channels_last"):
    """Pixel shuffle: (N, H, W, C) -> (N, H * b, W * b, C / b²) (or channels_first)."""
    _check_block(block_size)
    x, b = jnp.asarray(x), block_size
    if _to_channels_last(data_format):
        n, h, w, c = x.shape
        x = jnp.reshape(x, (n, h, w, b, b, c // b**2)).transpose(0, 1, 3, 2, 4, 5)
        return jnp.reshape(x, (n, h * b, w * b, c // b**2))
    n, c, h, w = x.shape
    x = jnp.reshape(x, (n, c // b**2, b, b, h, w)).transpose(0, 1, 4, 2, 5, 3)
    return jnp.reshape(x, (n, c // b**2, h * b, w * b))


def space_to_depth(x, block_size: int, data_format: str | None = "channels_last"):
    """Pixel unshuffle: (N, H, W, C) -> (N, H / b, W / b, C * b²) (or channels_first)."""
    _check_block(block_size)
    x, b = jnp.asarray(x), block_size
    if _to_channels_last(data_format):
        n, h, w, c = x.shape
        x = jnp.reshape(x, (n, h // b, b, w // b, b, c)).transpose(0, 1, 3, 2, 4, 5)
        return jnp.reshape(x, (n, h // b, w // b, c * b**2))
    n, c, h, w = x.shape
    x = jnp.reshape(x, (n, c, h // b, b, w // b, b)).transpose(0, 1, 3, 5, 2, 4)
    return jnp.reshape(x, (n, c * b**2, h // b, w // b))
