"""Convolution as shifted slices and one matmul, for small channels-last convolutions on CPU.

XLA:CPU's convolution and its two gradients ran the tutorial CNN (Conv32-Pool-Conv64-Pool,
batch 32, 28x28) at 7.5 ms a training step; gathering the kernel's shifted windows with slices
(one per kernel offset, concatenated on the channel axis) and contracting them with the kernel
in one matmul ran it at 5.6 ms, with gradients equal to 1e-8, and lets training steps be scanned.

The windows are held in memory: past about 64k window elements per sample (a 3x3 kernel over
28x28x8) XLA's convolution wins, 1.5-7x on ResNet-like 3x3 layers (`benchmarks/conv_forms.py`),
so those keep `lax.conv_general_dilated`. A 1x1 kernel has no windows to copy: it is one matmul
at any size, 1.1-1.2x faster forward and 1.6-4.7x faster in gradients than XLA's convolution.
"""

from __future__ import annotations

import itertools
import math

import jax
import jax.numpy as jnp

#: Largest window tensor per sample (elements) for which the matmul form is used.
MAX_WINDOW_ELEMENTS = 1 << 16


def usable(input_shape, kernel_shape, strides, dilation, data_format: str, groups: int) -> bool:
    """Whether `convolve` applies: CPU, channels last, one group, windows small enough."""
    if jax.default_backend() != "cpu" or data_format != "channels_last" or groups != 1:
        return False
    spatial = input_shape[1:-1]
    if any(d is None for d in spatial):
        return False
    if math.prod(kernel_shape[:-2]) == 1:  # a 1x1 kernel: the input is its only window
        return True
    window = math.prod(kernel_shape[:-1])  # kernel offsets x input channels
    return math.prod(spatial) * window <= MAX_WINDOW_ELEMENTS


def convolve(x, kernel, strides, padding, dilation):
    """`lax.conv_general_dilated` for NHWC-like `x` and a (*k, in, out) kernel; `padding` is a
    list of (low, high) pairs per spatial axis."""
    windows, out = shifted_windows(x, kernel.shape[:-2], strides, padding, dilation)
    patches = jnp.concatenate(windows, axis=-1)
    flat = patches.reshape(-1, patches.shape[-1]) @ kernel.reshape(-1, kernel.shape[-1])
    return flat.reshape(x.shape[0], *out, kernel.shape[-1])


def shifted_windows(x, sizes, strides, padding, dilation,
                    fill: float = 0.0) -> tuple[list, list[int]]:
    """The input window under each kernel offset (row-major over `sizes`), each shaped like
    the output with `x`'s channels, and the output's spatial sizes: a convolution is
    sum over offsets of window(offset) . kernel[offset]. Padding holds `fill`."""
    rank = len(sizes)
    if any(low or high for low, high in padding):
        x = jnp.pad(x, [(0, 0), *padding, (0, 0)], constant_values=fill)
    out = [(x.shape[1 + a] - (sizes[a] - 1) * dilation[a] - 1) // strides[a] + 1
           for a in range(rank)]
    windows = []
    for offsets in itertools.product(*(range(k) for k in sizes)):
        index = [slice(None)]
        for a, o in enumerate(offsets):
            start = o * dilation[a]
            index.append(slice(start, start + (out[a] - 1) * strides[a] + 1, strides[a]))
        windows.append(x[tuple(index)])
    return windows, out


def explicit_padding(padding: str, input_spatial, sizes, strides, dilation) -> list:
    """XLA's (low, high) pads for 'valid', 'same' (extra on the high side) or 'causal'."""
    pads = []
    for n, k, s, d in zip(input_spatial, sizes, strides, dilation):
        span = (k - 1) * d + 1
        if padding == "valid":
            pads.append((0, 0))
        elif padding == "causal":
            pads.append((span - 1, 0))
        else:
            total = max((-(-n // s) - 1) * s + span - n, 0)
            pads.append((total // 2, total - total // 2))
    return pads
