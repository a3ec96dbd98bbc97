"""Audio front ends: `STFTSpectrogram` (trainable DFT kernels as a strided 1-D convolution) and
`MelSpectrogram` (STFT magnitude -> mel filter bank -> decibels), with Keras 3's arguments,
defaults and arithmetic, so spectrograms match Keras's to float32 rounding."""

from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp

from lamina import config
from lamina.initializers_stft import STFT, _WINDOW_A0
from lamina.layers.base import Layer
from lamina.layers.input_spec import InputSpec
from lamina.layers.preprocessing.image_base import standardize_data_format

__all__ = ["MelSpectrogram", "STFTSpectrogram"]

_MODES = ["log", "magnitude", "psd", "real", "imag", "angle", "stft"]
_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def _check_stft_args(mode, frame_length, frame_step, fft_length, window, scaling, padding):
    """Keras's argument checks for `STFTSpectrogram`, with Keras's messages."""
    if frame_step is not None and (frame_step > frame_length or frame_step < 1):
        raise ValueError("`frame_step` should be a positive integer not greater than "
                         f"`frame_length`. Received frame_step={frame_step}, "
                         f"frame_length={frame_length}")
    if fft_length is not None and fft_length < frame_length:
        raise ValueError("`fft_length` should be not less than `frame_length`. "
                         f"Received fft_length={fft_length}, frame_length={frame_length}")
    if fft_length is not None and (fft_length & -fft_length) != fft_length:
        warnings.warn(f"`fft_length` is recommended to be a power of two. "
                      f"Received fft_length={fft_length}")
    if mode not in _MODES:
        raise ValueError(f"Output mode is invalid, it must be one of {', '.join(_MODES)}. "
                         f"Received: mode={mode}")
    if scaling is not None and scaling not in ["density", "spectrum"]:
        raise ValueError("Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                         f"Received scaling={scaling}")
    if padding not in ["valid", "same"]:
        raise ValueError(f"Padding is invalid, it should be 'valid', 'same'. "
                         f"Received: padding={padding}")
    if isinstance(window, str) and window not in _WINDOW_A0:
        raise ValueError(f'A string `window` must be "hann" or "hamming" (pass any other '
                         f"window as an array of length frame_length). Received: window={window}")


class STFTSpectrogram(Layer):
    """Spectrogram of `(batch, time, channels)` signals by convolving each channel with DFT
    kernels (Keras's `STFTSpectrogram`); the kernels are weights, trainable unless
    `trainable=False`. `mode` picks log / magnitude / psd / real / imag / angle / stft."""

    def __init__(self, mode: str = "log", frame_length: int = 256, frame_step: int | None = None,
                 fft_length: int | None = None, window="hann", periodic: bool = False,
                 scaling: str | None = "density", padding: str = "valid",
                 expand_dims: bool = False, data_format: str | None = None, **kwargs):
        _check_stft_args(mode, frame_length, frame_step, fft_length, window, scaling, padding)
        super().__init__(**kwargs)
        self.mode, self.frame_length, self.frame_step = mode, frame_length, frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window, self.periodic, self.scaling = window, periodic, scaling
        self.padding, self.expand_dims = padding, expand_dims
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape) -> None:
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        for side in ("real", "imag"):
            if self.mode != {"real": "imag", "imag": "real"}[side]:
                setattr(self, f"{side}_kernel", self.add_weight(
                    name=f"{side}_kernel", shape=shape,
                    initializer=STFT(side, self.window, self.scaling, self.periodic)))

    def _apply_conv(self, inputs, kernel):
        """(batch, channels, freq, frames): every channel convolved with `kernel` alone."""
        if self.data_format == "channels_last":
            inputs = jnp.swapaxes(inputs, 1, 2)
        batch, channels, time = inputs.shape
        signals = inputs.reshape(-1, 1, time)
        kernel = jnp.asarray(kernel, inputs.dtype)
        out = jax.lax.conv_general_dilated(
            signals, kernel, (self._frame_step,), self.padding.upper(),
            dimension_numbers=("NCH", "HIO", "NCH"))
        return out.reshape(-1, channels, out.shape[1], out.shape[2])

    def _adjust_shapes(self, outputs):
        _, channels, freq, frames = outputs.shape
        if self.expand_dims:
            order = (0, 3, 2, 1) if self.data_format == "channels_last" else (0, 1, 3, 2)
            return jnp.transpose(outputs, order)
        outputs = outputs.reshape(-1, channels * freq, frames)
        return jnp.swapaxes(outputs, 1, 2) if self.data_format == "channels_last" else outputs

    def call(self, inputs):
        dtype = str(inputs.dtype)
        if dtype not in {"float16", "float32", "float64"}:
            raise TypeError("Invalid input type. Expected `float16`, `float32` or `float64`. "
                            f"Received: input type={dtype}")
        real = self._apply_conv(inputs, self.real_kernel) if self.mode != "imag" else None
        imag = self._apply_conv(inputs, self.imag_kernel) if self.mode != "real" else None
        if self.mode in ("real", "imag"):
            return self._adjust_shapes(real if self.mode == "real" else imag)
        if self.mode == "angle":
            return self._adjust_shapes(jnp.arctan2(imag, real))
        if self.mode == "stft":
            return self._adjust_shapes(jnp.concatenate([real, imag], axis=2))
        power = jnp.square(real) + jnp.square(imag)
        if self.mode == "psd":
            doubled = jnp.pad(power[:, :, 1:-1, :], [[0, 0], [0, 0], [1, 1], [0, 0]])
            return self._adjust_shapes(power + doubled)
        linear = self._adjust_shapes(jnp.sqrt(jnp.maximum(power, config.epsilon())))
        if self.mode == "magnitude":
            return linear
        return jnp.log(jnp.maximum(linear, config.epsilon()))

    def compute_output_shape(self, input_shape) -> tuple:
        channels_last = self.data_format == "channels_last"
        batch, time, channels = input_shape if channels_last else (
            input_shape[0], input_shape[2], input_shape[1])
        freq = (self._fft_length // 2 + 1) * (2 if self.mode == "stft" else 1)
        if time is None:
            frames = None
        elif self.padding == "same":
            frames = -(-time // self._frame_step)
        else:
            frames = (time - self.frame_length) // self._frame_step + 1
        if self.expand_dims:
            return (batch, frames, freq, channels) if channels_last else (
                batch, channels, frames, freq)
        features = None if channels is None else freq * channels
        return (batch, frames, features) if channels_last else (batch, features, frames)

    def get_config(self) -> dict:
        return {**super().get_config(), "mode": self.mode, "frame_length": self.frame_length,
                "frame_step": self.frame_step, "fft_length": self.fft_length,
                "window": self.window, "periodic": self.periodic, "scaling": self.scaling,
                "padding": self.padding, "data_format": self.data_format,
                "expand_dims": self.expand_dims}


def _hertz_to_mel(hertz):
    return _MEL_HIGH_FREQUENCY_Q * jnp.log(1.0 + hertz / _MEL_BREAK_FREQUENCY_HERTZ)


def linear_to_mel_weight_matrix(num_mel_bins: int = 20, num_spectrogram_bins: int = 129,
                                sampling_rate: float = 8000, lower_edge_hertz: float = 125.0,
                                upper_edge_hertz: float = 3800.0, dtype: str = "float32"):
    """(num_spectrogram_bins, num_mel_bins) HTK triangular filters with peak 1, bin 0 zeroed
    (Keras's / TensorFlow's `linear_to_mel_weight_matrix`)."""
    nyquist = jnp.asarray(sampling_rate, dtype) / 2.0
    linear = jnp.linspace(jnp.asarray(0.0, dtype), nyquist, num_spectrogram_bins)[1:]
    bins_mel = _hertz_to_mel(linear)[:, None]
    edges = jnp.linspace(_hertz_to_mel(jnp.asarray(lower_edge_hertz, dtype)),
                         _hertz_to_mel(jnp.asarray(upper_edge_hertz, dtype)), num_mel_bins + 2)
    lower, center, upper = edges[None, :-2], edges[None, 1:-1], edges[None, 2:]
    lower_slopes = (bins_mel - lower) / (center - lower)
    upper_slopes = (upper - bins_mel) / (upper - center)
    weights = jnp.maximum(jnp.asarray(0.0, dtype), jnp.minimum(lower_slopes, upper_slopes))
    return jnp.pad(weights, [[1, 0], [0, 0]])


class MelSpectrogram(Layer):
    """`(batch, time)` audio -> `(batch, num_mel_bins, frames)` mel spectrogram (Keras's
    `MelSpectrogram`): centred STFT, magnitude ** `mag_exp`, mel filters, and with
    `power_to_db` decibels relative to `ref_power`, floored at `top_db` below the maximum."""

    def __init__(self, fft_length: int = 2048, sequence_stride: int = 512,
                 sequence_length: int | None = None, window: str | None = "hann",
                 sampling_rate: int = 16000, num_mel_bins: int = 128, min_freq: float = 20.0,
                 max_freq: float | None = None, power_to_db: bool = True, top_db: float = 80.0,
                 mag_exp: float = 2.0, min_power: float = 1e-10, ref_power: float = 1.0,
                 **kwargs):
        self.fft_length, self.sequence_stride = fft_length, sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError("`fft_length` must be greater than or equal to   "
                             f"`sequence_length`. Received: `sequence_length`="
                             f"{self.sequence_length}, `fft_length`={self.fft_length}.")
        self.window, self.sampling_rate, self.num_mel_bins = window, sampling_rate, num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db, self.top_db, self.mag_exp = power_to_db, top_db, mag_exp
        self.min_power, self.ref_power = min_power, ref_power
        super().__init__(**kwargs)

    def call(self, inputs):
        dtype = "float64" if self.dtype == "float64" else "float32"
        inputs = jnp.asarray(inputs, dtype)
        from lamina.ops.math import stft  # noqa: PLC0415
        real, imag = stft(inputs, self.sequence_length, self.sequence_stride, self.fft_length,
                          window=self.window, center=True)
        spec = jnp.power(jnp.sqrt(jnp.square(real) + jnp.square(imag)), self.mag_exp)
        matrix = linear_to_mel_weight_matrix(self.num_mel_bins, spec.shape[-1],
                                             self.sampling_rate, self.min_freq, self.max_freq)
        outputs = jnp.tensordot(spec, matrix, axes=1)
        if self.power_to_db:
            outputs = self._dbscale(outputs)
        return jnp.swapaxes(outputs, -1, -2).astype(self.dtype or dtype)

    def _dbscale(self, inputs):
        log_spec = 10.0 * jnp.log10(jnp.maximum(inputs, self.min_power))
        ref = jnp.abs(jnp.asarray(self.ref_power, inputs.dtype))
        log_spec = log_spec - 10.0 * jnp.log10(jnp.maximum(ref, self.min_power))
        return jnp.maximum(log_spec, jnp.max(log_spec) - self.top_db)

    def compute_output_shape(self, input_shape) -> tuple:
        """The frame count of the centred STFT `call` computes (Keras's formula,
        `(time + stride + 1) // stride`, is one too many for some lengths)."""
        *batch, time = input_shape
        frames = None if time is None else \
            1 + (time + 2 * (self.fft_length // 2) - self.fft_length) // self.sequence_stride
        return (*batch, self.num_mel_bins, frames)

    def get_config(self) -> dict:
        return {**super().get_config(), "fft_length": self.fft_length,
                "sequence_stride": self.sequence_stride, "sequence_length": self.sequence_length,
                "window": self.window, "sampling_rate": self.sampling_rate,
                "num_mel_bins": self.num_mel_bins, "min_freq": self.min_freq,
                "max_freq": self.max_freq, "power_to_db": self.power_to_db,
                "top_db": self.top_db, "mag_exp": self.mag_exp, "min_power": self.min_power,
                "ref_power": self.ref_power}
