"""Keras 3's math ops: segment reductions, top-k, special functions, FFTs and the STFT.

Complex results are returned as Keras does: a `(real, imag)` pair of float arrays, and complex
inputs are taken as such a pair.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

__all__ = ["cdist", "erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2", "ifft2",
           "in_top_k", "irfft", "istft", "logdet", "logsumexp", "rfft", "rsqrt", "segment_max",
           "segment_min", "segment_prod", "segment_sum", "stft", "top_k", "view_as_complex",
           "view_as_real"]


def _segment(reduce):
    def op(data, segment_ids, num_segments=None, sorted: bool = False):  # noqa: A002
        return reduce(data, segment_ids, num_segments, indices_are_sorted=sorted)

    op.__name__ = reduce.__name__
    op.__doc__ = f"`jax.ops.{reduce.__name__}` under Keras's argument names."
    return op


segment_sum = _segment(jax.ops.segment_sum)
segment_max = _segment(jax.ops.segment_max)
segment_min = _segment(jax.ops.segment_min)
segment_prod = _segment(jax.ops.segment_prod)


def top_k(x, k: int, sorted: bool = True):  # noqa: A002 - Keras's name
    """(values, indices) of the k largest entries along the last axis (always sorted)."""
    return lax.top_k(x, k)


def in_top_k(targets, predictions, k: int):
    """Whether each target's prediction is among the k largest (ties count, NaN ranks last)."""
    target_values = jnp.take_along_axis(predictions, jnp.asarray(targets)[..., None], axis=-1)
    target_values = jnp.where(jnp.isnan(target_values), -jnp.inf, target_values)
    return jnp.sum(predictions > target_values, axis=-1) < k


def logsumexp(x, axis=None, keepdims: bool = False):
    return jax.scipy.special.logsumexp(x, axis=axis, keepdims=keepdims)


def erf(x):
    return jax.scipy.special.erf(x)


def erfc(x):
    return jax.scipy.special.erfc(x)


def erfinv(x):
    return jax.scipy.special.erfinv(x)


def rsqrt(x):
    return lax.rsqrt(jnp.asarray(x))


def logdet(x):
    """log(det(x)) through `slogdet` (stable)."""
    return jnp.linalg.slogdet(x)[1]


def cdist(x, y):
    """Euclidean distances between the rows of `x` (..., P, M) and of `y` (..., R, M)."""
    x, y = jnp.asarray(x), jnp.asarray(y)
    if x.ndim < 2 or y.ndim < 2 or x.shape[-1] != y.shape[-1]:
        raise ValueError(f"cdist needs rank >= 2 inputs with the same last dimension. "
                         f"Received: x.shape={x.shape}, y.shape={y.shape}")
    diff = x[..., :, None, :] - y[..., None, :, :]
    return jnp.sqrt(jnp.sum(diff * diff, axis=-1))


def extract_sequences(x, sequence_length: int, sequence_stride: int):
    """Frames of `sequence_length` along the last axis, every `sequence_stride` samples."""
    x = jnp.asarray(x)
    *batch, length = x.shape
    frames = lax.conv_general_dilated_patches(
        jnp.reshape(x, (math.prod(batch), length, 1)), (sequence_length,), (sequence_stride,),
        "VALID", dimension_numbers=("NTC", "OIT", "NTC"))
    return jnp.reshape(frames, (*batch, *frames.shape[-2:]))


def _complex(x):
    """A complex array from Keras's `(real, imag)` pair of same-shape float arrays."""
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"Input `x` should be a tuple of two tensors - real and imaginary. "
                         f"Received: x={x}")
    real, imag = jnp.asarray(x[0]), jnp.asarray(x[1])
    if real.shape != imag.shape:
        raise ValueError(f"The real and imaginary parts must have the same shape. "
                         f"Received: {real.shape} and {imag.shape}")
    if not (jnp.issubdtype(real.dtype, jnp.floating) and jnp.issubdtype(imag.dtype, jnp.floating)):
        raise ValueError(f"The real and imaginary parts must be floats. Received: x={x}")
    return lax.complex(real, imag)


def _pair(z) -> tuple:
    return jnp.real(z), jnp.imag(z)


def fft(x) -> tuple:
    """1-D FFT of the last axis of a `(real, imag)` pair."""
    return _pair(jnp.fft.fft(_complex(x)))


def fft2(x) -> tuple:
    """2-D FFT of the last two axes of a `(real, imag)` pair."""
    return _pair(jnp.fft.fft2(_complex(x)))


def ifft2(x) -> tuple:
    """2-D inverse FFT of the last two axes of a `(real, imag)` pair."""
    return _pair(jnp.fft.ifft2(_complex(x)))


def rfft(x, fft_length: int | None = None) -> tuple:
    """FFT of a real signal (last axis): the `fft_length // 2 + 1` non-negative frequencies."""
    return _pair(jnp.fft.rfft(x, n=fft_length, axis=-1))


def irfft(x, fft_length: int | None = None):
    """Real inverse of `rfft` for a `(real, imag)` pair."""
    return jnp.fft.irfft(_complex(x), n=fft_length, axis=-1)


def view_as_real(x):
    """A complex array as a float array with a trailing (real, imag) axis."""
    x = jnp.asarray(x)
    return jnp.stack((jnp.real(x), jnp.imag(x)), axis=-1)


def view_as_complex(x):
    """Inverse of `view_as_real`: the trailing axis of size 2 becomes complex64 values."""
    x = jnp.asarray(x)
    if x.ndim < 1 or x.shape[-1] != 2:
        raise ValueError(f"The last dimension of the input must have size 2 (real, imaginary). "
                         f"Received shape: {x.shape}")
    return x[..., 0].astype("complex64") + 1j * x[..., 1].astype("complex64")


_WINDOW_A0 = {"hann": 0.5, "hamming": 0.54}


def _window(window, sequence_length: int, fft_length: int, dtype):
    """Keras's STFT window: scipy's periodic hann/hamming or an array, centred in fft_length."""
    if window is None:
        return jnp.ones((fft_length,), dtype)
    if isinstance(window, str):
        if window not in _WINDOW_A0:
            raise ValueError(f'A string `window` must be "hann" or "hamming". Received: {window}')
        a0 = _WINDOW_A0[window]
        n = np.arange(sequence_length)
        window = a0 - (1 - a0) * np.cos(2 * np.pi * n / sequence_length)
    window = jnp.asarray(window, dtype)
    if window.shape != (sequence_length,):
        raise ValueError(f"The shape of `window` must be ({sequence_length},). "
                         f"Received: window shape={window.shape}")
    left = (fft_length - sequence_length) // 2
    return jnp.pad(window, (left, fft_length - sequence_length - left))


def _check_stride(sequence_stride) -> None:
    if not isinstance(sequence_stride, int) or sequence_stride <= 0:
        raise ValueError(f"`sequence_stride` must be a positive integer. "
                         f"Received: sequence_stride={sequence_stride}")


def stft(x, sequence_length: int, sequence_stride: int, fft_length: int, window="hann",
         center: bool = True) -> tuple:
    """Short-time Fourier transform of the last axis: (real, imag), (..., frames, bins)."""
    _check_stride(sequence_stride)
    x = jnp.asarray(x)
    if x.dtype not in (jnp.float32, jnp.float64):
        raise TypeError(f"stft expects float32 or float64 input. Received: {x.dtype}")
    if fft_length < sequence_length:
        raise ValueError(f"`fft_length` ({fft_length}) must be >= `sequence_length` "
                         f"({sequence_length}).")
    win = _window(window, sequence_length, fft_length, x.dtype)
    return _stft(x, win, sequence_stride, fft_length, center)


@functools.partial(jax.jit, static_argnums=(2, 3, 4))
def _stft(x, win, stride: int, fft_length: int, center: bool) -> tuple:
    if center:
        half = fft_length // 2
        x = jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(half, half)], mode="reflect")
    result = jax.scipy.signal.stft(x, fs=1.0, window=win, nperseg=fft_length,
                                   noverlap=fft_length - stride, nfft=fft_length,
                                   boundary=None, padded=False)[-1]
    result = jnp.swapaxes(result * jnp.abs(win.sum()), -2, -1)  # undo scipy's 1/sum(win)
    return _pair(result)


def istft(x, sequence_length: int, sequence_stride: int, fft_length: int, length=None,
          window="hann", center: bool = True):
    """Inverse of `stft` for a `(real, imag)` pair of (..., frames, bins) arrays."""
    _check_stride(sequence_stride)
    x = _complex(x)
    if x.ndim < 2:
        raise ValueError(f"istft input must have at least 2 dimensions. Received: {x.shape}")
    win = _window(window, sequence_length, fft_length, jnp.real(x).dtype)
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + length
    elif center:
        end = -(fft_length // 2)
    else:
        end = fft_length + sequence_stride * (x.shape[-2] - 1)
    return _istft(x, win, sequence_stride, fft_length, window is not None)[..., start:end]


@functools.partial(jax.jit, static_argnums=(2, 3, 4))
def _istft(x, win, stride: int, fft_length: int, windowed: bool):
    signal = jax.scipy.signal.istft(x, fs=1.0, window=win, nperseg=fft_length,
                                    noverlap=fft_length - stride, nfft=fft_length,
                                    boundary=False, time_axis=-2, freq_axis=-1)[-1]
    return signal / win.sum() if windowed else signal / stride
