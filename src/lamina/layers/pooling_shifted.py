"""Overlapping max pooling on CPU as the maximum of shifted input windows.

XLA:CPU's `reduce_window` and its gradient (`select_and_scatter`) are slow: for a 3x3,
stride-2 pool over (32, 114, 114, 64) (ResNet's stem) they took 29 ms and 732 ms of CPU time,
against 7 ms and 127 ms for the elementwise maximum of the nine strided windows, which XLA
fuses into one loop. The gradient goes, as `select_and_scatter`'s, to the first maximum of
each window in row-major order, so ties (ReLU's zeros) train exactly as in Keras.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from lamina.layers import conv_im2col as im2col


def usable(axes: tuple, ndim: int) -> bool:
    """CPU, and the pooled axes are channels-last spatial axes (1 .. ndim - 2)."""
    return jax.default_backend() == "cpu" and tuple(axes) == tuple(range(1, ndim - 1))


@functools.partial(jax.custom_vjp, nondiff_argnums=(1, 2, 3))
def window_max(x, sizes: tuple, strides: tuple, padding: tuple):
    """Max pooling of channels-last `x`; `padding` holds (low, high) pairs per spatial axis,
    padded with -inf as Keras's 'same' max pooling is."""
    return _maximum(_windows(x, sizes, strides, padding))


def _windows(x, sizes, strides, padding) -> list:
    return im2col.shifted_windows(x, sizes, strides, list(padding), (1,) * len(sizes),
                                  fill=-jnp.inf)[0]


def _maximum(windows: list):
    return functools.reduce(jnp.maximum, windows)


def _forward(x, sizes, strides, padding):
    return window_max(x, sizes, strides, padding), x


def _backward(sizes, strides, padding, x, grad):
    windows, spread = jax.vjp(lambda a: _windows(a, sizes, strides, padding), x)
    best = _maximum(windows)
    taken = jnp.zeros(best.shape, bool)
    parts = []
    for window in windows:
        pick = (window == best) & ~taken
        taken = taken | pick
        parts.append(jnp.where(pick, grad, jnp.zeros_like(grad)))
    return spread(parts)


window_max.defvjp(_forward, _backward)
