"""Depthwise convolution as a sum of shifted input windows times per-channel weights, on CPU.

XLA:CPU runs a depthwise convolution (`feature_group_count` = channels) as a grouped
convolution, one small convolution per channel: on MobileNetV2's shapes (batch 32) its
forward pass took 12-25x, and its gradients 3-20x, the CPU time of summing the kernel's
shifted windows, each scaled by its weights, which XLA fuses into one elementwise loop
(`benchmarks/conv_forms.py` measures it). The sums run in the same order as XLA's, so the
results are equal. Other backends keep `lax.conv_general_dilated`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.layers import conv_im2col as im2col


def usable(data_format: str) -> bool:
    """Whether `depthwise` applies: CPU and channels last."""
    return jax.default_backend() == "cpu" and data_format == "channels_last"


def depthwise(x, kernel, strides, padding, dilation):
    """Depthwise convolution of channels-last `x` with a Keras kernel (*k, channels,
    multiplier); output channel c * multiplier + j is channel c through filter j. `padding`
    is a list of (low, high) pairs per spatial axis."""
    sizes, multiplier = kernel.shape[:-2], kernel.shape[-1]
    windows, _ = im2col.shifted_windows(x, sizes, strides, padding, dilation)
    weights = kernel.reshape(len(windows), *kernel.shape[-2:])
    total = None
    for window, weight in zip(windows, weights):
        term = window * weight[:, 0] if multiplier == 1 else window[..., None] * weight
        total = term if total is None else total + term
    return total if multiplier == 1 else total.reshape(*total.shape[:-2], -1)
