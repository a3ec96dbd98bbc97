"""audio_dataset_from_directory, as in `keras.utils`: WAV files in class sub-folders ->
batches `(audio, labels)` with audio float32 `(batch, samples, channels)` in [-1, 1).

Files are indexed, labelled, shuffled and split by the same code as
`image_dataset_from_directory` (`lamina.utils.directory`); WAV files are decoded with the
standard library's `wave` module (PCM, 8/16/24/32-bit), or with `soundfile` when it is
installed and `wave` cannot read the file (e.g. float WAVs).
"""

from __future__ import annotations

import wave
from typing import Sequence

import numpy as np

from lamina import errors
from lamina.utils.directory import _from_directory

__all__ = ["audio_dataset_from_directory"]

ALLOWED_FORMATS = (".wav",)


def _pcm_to_float(frames: bytes, width: int, channels: int) -> np.ndarray:
    """Interleaved PCM bytes -> float32 (samples, channels), scaled as TF's `decode_wav`."""
    if width == 1:  # 8-bit WAV is unsigned
        data = (np.frombuffer(frames, np.uint8).astype("float32") - 128.0) / 128.0
    elif width == 3:  # 24-bit: widen to int32 by putting the 3 bytes in the high bytes
        raw = np.frombuffer(frames, np.uint8).reshape(-1, 3)
        padded = np.zeros((raw.shape[0], 4), np.uint8)
        padded[:, 1:] = raw
        data = padded.view("<i4").reshape(-1).astype("float32") / 2.0 ** 31
    else:
        dtype = {2: "<i2", 4: "<i4"}[width]
        data = np.frombuffer(frames, dtype).astype("float32") / 2.0 ** (8 * width - 1)
    return data.reshape(-1, channels)


def read_wav(path: str) -> tuple[np.ndarray, int]:
    """(float32 (samples, channels) audio, sampling rate) of one WAV file."""
    try:
        with wave.open(path, "rb") as handle:
            frames = handle.readframes(handle.getnframes())
            audio = _pcm_to_float(frames, handle.getsampwidth(), handle.getnchannels())
            return audio, handle.getframerate()
    except (wave.Error, EOFError, KeyError) as error:
        try:
            import soundfile
        except ImportError:
            raise errors.DataError(
                f"Could not read the WAV file {path} with Python's `wave` module ({error}); "
                "it reads 8/16/24/32-bit PCM only. For other encodings, "
                "`pip install soundfile`.") from error
        audio, rate = soundfile.read(path, dtype="float32", always_2d=True)
        return audio, rate


def _fit_length(audio: np.ndarray, length: int | None) -> np.ndarray:
    """Cut or zero-pad `audio` to `length` samples (TF's `desired_samples`)."""
    if length is None or audio.shape[0] == length:
        return audio
    if audio.shape[0] > length:
        return audio[:length]
    return np.pad(audio, [(0, length - audio.shape[0]), (0, 0)])


def _resample(audio: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """`audio` at `rate_out` samples per second (polyphase filter, via scipy)."""
    if rate_in == rate_out:
        return audio
    try:
        from scipy.signal import resample_poly
    except ImportError as error:
        raise ImportError("To use the argument `sampling_rate` on files recorded at another "
                          "rate, install scipy: `pip install scipy`.") from error
    return resample_poly(audio, rate_out, rate_in, axis=0).astype("float32")


def _pad_to_longest(batch: list) -> np.ndarray:
    """Stack clips of different lengths, zero-padding each to the batch's longest (Keras's
    `padded_batch`)."""
    longest = max(clip.shape[0] for clip in batch)
    return np.stack([_fit_length(clip, longest) for clip in batch])


def _check_audio_args(labels, class_names, sampling_rate, output_sequence_length,
                      ragged) -> None:
    if labels not in ("inferred", None) and class_names:
        raise errors.ConfigError(f'You can only pass `class_names` if `labels="inferred"`. '
                                 f"Received: labels={labels}, and class_names={class_names}")
    if ragged and output_sequence_length is not None:
        raise errors.ConfigError("Cannot set both `ragged` and `output_sequence_length`")
    if sampling_rate is not None:
        if not isinstance(sampling_rate, int) or isinstance(sampling_rate, bool):
            raise errors.ConfigError("`sampling_rate` should have an integer value. "
                                     f"Received: sampling_rate={sampling_rate}")
        if sampling_rate <= 0:
            raise errors.ConfigError("`sampling_rate` should be higher than 0. "
                                     f"Received: sampling_rate={sampling_rate}")


def audio_dataset_from_directory(directory: str, labels="inferred", label_mode: str | None = "int",
                                 class_names: Sequence[str] | None = None,
                                 batch_size: int | None = 32, sampling_rate: int | None = None,
                                 output_sequence_length: int | None = None, ragged: bool = False,
                                 shuffle: bool = True, seed: int | None = None,
                                 validation_split: float | None = None, subset: str | None = None,
                                 follow_links: bool = False, verbose: bool = True):
    """WAV files in class sub-folders -> a `DirectoryDataset` of `(audio, labels)` batches.

    Audio is float32 `(batch, samples, channels)`: cut or zero-padded to
    `output_sequence_length` when set, else padded to the longest clip of each batch; with
    `ragged=True` each batch is a list of `(samples, channels)` arrays (Keras gives
    `tf.RaggedTensor`s). `sampling_rate` resamples each clip (after the length fix, as Keras
    does); Keras uses tensorflow-io for that, lamina scipy's polyphase filter, so resampled
    values differ slightly. Labels, class names, order and splits are Keras's.
    `subset="both"` returns `[train, validation]`.
    """
    _check_audio_args(labels, class_names, sampling_rate, output_sequence_length, ragged)
    if label_mode is None:
        labels = None

    def load(path: str) -> np.ndarray:
        audio, rate = read_wav(path)
        audio = _fit_length(audio, output_sequence_length)
        return audio if sampling_rate is None else _resample(audio, rate, sampling_rate)

    collate = list if ragged else _pad_to_longest
    return _from_directory(directory, labels, label_mode, class_names, batch_size, shuffle,
                           seed, validation_split, subset, follow_links, verbose,
                           ALLOWED_FORMATS, load, "audio", collate=collate)
