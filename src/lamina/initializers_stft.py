"""Keras's `STFT` initializer: DFT kernels (real or imaginary side) for `STFTSpectrogram`.

Kept apart from `lamina.initializers` (which re-exports it) to keep that module small.
Windows are computed here for "hann" and "hamming" (what Keras gets from scipy), so no
scipy dependency is needed; any other window must be given as an array.
"""

from __future__ import annotations

from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from lamina.initializers import Initializer, _catalog, _dtype

_WINDOW_A0 = {"hann": 0.5, "hamming": 0.54}


def _named_window(name: str, length: int, periodic: bool) -> np.ndarray:
    """scipy.signal.get_window(name, length, fftbins=periodic) for hann and hamming."""
    if length == 1:
        return np.ones((1,))
    a0 = _WINDOW_A0[name]
    n = np.arange(length)
    return a0 - (1 - a0) * np.cos(2 * np.pi * n / (length if periodic else length - 1))


@_catalog.register("STFTInitializer")
class STFT(Initializer):
    """Real (`side="real"`) or imaginary (`side="imag"`) DFT kernel of shape
    `(frame_length, 1, fft_length // 2 + 1)`, multiplied by `window` and divided by its
    L2 (`scaling="density"`) or L1 (`scaling="spectrum"`) norm."""

    def __init__(self, side: str = "real", window: Any = "hann", scaling: str | None = "density",
                 periodic: bool = False):
        if side not in ["real", "imag"]:
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str) and window not in _WINDOW_A0:
            raise ValueError(f'A string `window` must be "hann" or "hamming" (pass other '
                             f"windows as an array). Received: window={window}")
        if scaling is not None and scaling not in ["density", "spectrum"]:
            raise ValueError("Scaling is invalid, it must be `None`, 'density' "
                             f"or 'spectrum'. Received scaling={scaling}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape: Sequence[int], dtype=None) -> jax.Array:
        dtype = _dtype(dtype)
        frame_length, _, fft_length = shape
        # Computed in `dtype` in Keras's order of operations, so the rounding matches.
        freq = jnp.arange(fft_length, dtype=dtype).reshape(1, 1, -1) / ((fft_length - 1) * 2)
        time = jnp.arange(frame_length, dtype=dtype).reshape(-1, 1, 1)
        args = (-2 * time) * freq * jnp.arccos(jnp.asarray(-1, dtype))
        kernel = (jnp.cos(args) if self.side == "real" else jnp.sin(args)).astype(dtype)
        if self.window is None:
            return kernel
        win = self.window
        if isinstance(win, str):
            win = _named_window(win, frame_length, self.periodic)
        win = jnp.asarray(win, dtype)
        if win.ndim != 1 or win.shape[-1] != frame_length:
            raise ValueError("The shape of `window` must be equal to [frame_length]."
                             f"Received: window shape={win.shape}")
        scaling = 1
        if self.scaling == "density":
            scaling = jnp.sqrt(jnp.sum(jnp.square(win)))
        elif self.scaling == "spectrum":
            scaling = jnp.sum(jnp.abs(win))
        return kernel * win.reshape(frame_length, 1, 1) / scaling

    def get_config(self) -> dict:
        return {"side": self.side, "window": self.window, "periodic": self.periodic,
                "scaling": self.scaling}
