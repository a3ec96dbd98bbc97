"""Audio preprocessing: STFTSpectrogram and MelSpectrogram against Keras (outputs, shapes,
configs), and audio_dataset_from_directory on real WAV files (Keras's version needs
TensorFlow, so it is checked against Keras's documented behaviour)."""

import sys
import wave

import keras
import numpy as np
import pytest

import lamina
from lamina import layers

SIGNAL = np.random.RandomState(0).randn(2, 300, 2).astype("float32")
AUDIO = np.random.RandomState(1).randn(2, 1000).astype("float32")

STFT_ARGS = [
    dict(mode="log", frame_length=64, frame_step=16),
    dict(mode="magnitude", frame_length=50, fft_length=64, window="hamming", padding="same",
         periodic=True, scaling="spectrum"),
    dict(mode="psd", frame_length=32, expand_dims=True),
    dict(mode="angle", frame_length=32, data_format="channels_first"),
    dict(mode="stft", frame_length=32, scaling=None),
    dict(mode="real", frame_length=16),
    dict(mode="imag", frame_length=16, expand_dims=True, data_format="channels_first"),
]
MEL_ARGS = [
    dict(fft_length=256, sequence_stride=64, num_mel_bins=32),
    dict(fft_length=128, sequence_stride=50, sequence_length=100, window="hamming",
         num_mel_bins=16, power_to_db=False, mag_exp=1.0, min_freq=100.0, max_freq=6000),
    dict(fft_length=64, sequence_stride=32, num_mel_bins=10, top_db=20.0, ref_power=2.0,
         sampling_rate=8000, window=None),
]


def _signal_for(kwargs):
    return SIGNAL.transpose(0, 2, 1) if kwargs.get("data_format") else SIGNAL


@pytest.mark.parametrize("kwargs", STFT_ARGS, ids=lambda kw: kw["mode"])
def test_stft_spectrogram_matches_keras(kwargs):
    x = _signal_for(kwargs)
    ours, theirs = layers.STFTSpectrogram(**kwargs), keras.layers.STFTSpectrogram(**kwargs)
    expected = np.asarray(theirs(x))
    np.testing.assert_allclose(np.asarray(ours(x)), expected, atol=1e-4, rtol=1e-4)
    assert ours.compute_output_shape(x.shape) == tuple(theirs.compute_output_shape(x.shape))
    assert ours.get_config() == theirs.get_config()


def test_stft_spectrogram_kernels_are_keras_weights_and_trainable_switch_works():
    theirs = keras.layers.STFTSpectrogram(frame_length=32, trainable=False)
    ours = layers.STFTSpectrogram(frame_length=32, trainable=False)
    theirs.build(SIGNAL.shape)
    ours.build(SIGNAL.shape)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert ours.trainable_weights == [] and len(ours.non_trainable_weights) == 2
    real_only = layers.STFTSpectrogram(mode="real", frame_length=32)
    real_only(SIGNAL)
    assert [w.name for w in real_only.weights] == ["real_kernel"]


def test_stft_spectrogram_runs_inside_a_model_and_round_trips_its_config():
    model = lamina.Sequential([lamina.Input((300, 2)),
                               layers.STFTSpectrogram(frame_length=32, trainable=False),
                               layers.GlobalAveragePooling1D(), layers.Dense(3)])
    assert model.output_shape == (None, 3)
    clone = lamina.Sequential.from_config(model.get_config())
    assert clone.layers[0].get_config() == model.layers[0].get_config()


@pytest.mark.parametrize("kwargs, match", [
    (dict(frame_step=0), "`frame_step` should be a positive integer"),
    (dict(frame_length=64, fft_length=32), "`fft_length` should be not less"),
    (dict(mode="power"), "Output mode is invalid"),
    (dict(scaling="max"), "Scaling is invalid"),
    (dict(padding="causal"), "Padding is invalid"),
])
def test_stft_spectrogram_rejects_bad_arguments_like_keras(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.STFTSpectrogram(**kwargs)
    with pytest.raises(ValueError, match=match):
        keras.layers.STFTSpectrogram(**kwargs)


def test_stft_spectrogram_rejects_integer_audio():
    with pytest.raises(TypeError, match="Expected `float16`, `float32` or `float64`"):
        layers.STFTSpectrogram(frame_length=16)(np.ones((1, 64, 1), "int32"))


@pytest.mark.parametrize("kwargs", MEL_ARGS, ids=["db", "linear", "db-floor"])
def test_mel_spectrogram_matches_keras(kwargs):
    ours, theirs = layers.MelSpectrogram(**kwargs), keras.layers.MelSpectrogram(**kwargs)
    expected = np.asarray(theirs(AUDIO))
    np.testing.assert_allclose(np.asarray(ours(AUDIO)), expected, atol=1e-4, rtol=1e-5)
    assert ours.get_config() == theirs.get_config()
    clone = layers.MelSpectrogram.from_config(theirs.get_config())
    np.testing.assert_allclose(np.asarray(clone(AUDIO)), expected, atol=1e-4, rtol=1e-5)


def test_mel_spectrogram_output_shape_is_the_computed_one():
    layer = layers.MelSpectrogram(fft_length=256, sequence_stride=64, num_mel_bins=32)
    theirs = keras.layers.MelSpectrogram(fft_length=256, sequence_stride=64, num_mel_bins=32)
    for length in (1000, 1023, 1024):
        expected = np.asarray(theirs(np.zeros((2, length), "float32"))).shape
        assert layer.compute_output_shape((2, length)) == expected


def test_mel_filter_bank_matches_keras():
    from lamina.layers.preprocessing.audio import linear_to_mel_weight_matrix

    theirs = keras.layers.MelSpectrogram().linear_to_mel_weight_matrix(
        num_mel_bins=24, num_spectrogram_bins=129, sampling_rate=16000,
        lower_edge_hertz=30.0, upper_edge_hertz=7000.0)
    ours = linear_to_mel_weight_matrix(24, 129, 16000, 30.0, 7000.0)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), atol=1e-6)


def test_mel_spectrogram_refuses_a_frame_longer_than_the_fft():
    with pytest.raises(ValueError, match="`fft_length` must be greater than or equal to"):
        layers.MelSpectrogram(fft_length=128, sequence_length=256)


# -- audio_dataset_from_directory -------------------------------------------------------------
def _write_wav(path, samples, rate=16000, width=2):
    scale = 2 ** (8 * width - 1)
    data = np.clip(np.round(samples * scale), -scale, scale - 1)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(samples.shape[1])
        handle.setsampwidth(width)
        handle.setframerate(rate)
        handle.writeframes(data.astype({2: "<i2", 4: "<i4"}[width]).tobytes())


@pytest.fixture
def audio_dir(tmp_path):
    """Two classes; clip lengths 100..150 so batches need padding; 'cat' files are 0.25s."""
    for label, value, count in (("dog", 0.5, 4), ("cat", -0.25, 3)):
        (tmp_path / label).mkdir()
        for i in range(count):
            clip = np.full((100 + 10 * i, 1), value)
            _write_wav(tmp_path / label / f"{i}.wav", clip)
    (tmp_path / "dog" / "notes.txt").write_text("not audio")
    return tmp_path


def test_audio_dataset_labels_classes_and_padding(audio_dir):
    ds = lamina.utils.audio_dataset_from_directory(audio_dir, batch_size=8, shuffle=False,
                                                   verbose=False)
    assert ds.class_names == ["cat", "dog"]
    audio, labels = ds[0]
    assert audio.dtype == np.float32 and audio.shape == (7, 130, 1)
    np.testing.assert_array_equal(labels, [0, 0, 0, 1, 1, 1, 1])
    assert labels.dtype == np.int32
    # Each clip is its constant value, then zeros up to the batch's longest clip.
    np.testing.assert_allclose(audio[0, :100, 0], -0.25)
    np.testing.assert_array_equal(audio[0, 100:, 0], 0.0)
    np.testing.assert_allclose(audio[6, :, 0], 0.5)


def test_audio_dataset_output_length_label_modes_and_class_names(audio_dir):
    ds = lamina.utils.audio_dataset_from_directory(
        audio_dir, batch_size=3, output_sequence_length=105, label_mode="categorical",
        class_names=["dog", "cat"], shuffle=False, verbose=False)
    assert len(ds) == 3 and ds.class_names == ["dog", "cat"]
    audio, labels = ds[0]
    assert audio.shape == (3, 105, 1)
    np.testing.assert_array_equal(labels, np.eye(2)[[0, 0, 0]])
    assert ds[2][0].shape == (1, 105, 1)
    binary = lamina.utils.audio_dataset_from_directory(audio_dir, label_mode="binary",
                                                       shuffle=False, verbose=False)
    assert binary[0][1].shape == (7, 1) and binary[0][1].dtype == np.float32
    unlabelled = lamina.utils.audio_dataset_from_directory(audio_dir, label_mode=None,
                                                           batch_size=None, verbose=False)
    assert unlabelled[0].ndim == 2 and len(unlabelled) == 7


def test_audio_dataset_splits_without_overlap(audio_dir):
    train, val = lamina.utils.audio_dataset_from_directory(
        audio_dir, validation_split=0.3, subset="both", seed=7, verbose=False)
    assert (len(train.file_paths), len(val.file_paths)) == (5, 2)
    assert not set(train.file_paths) & set(val.file_paths)
    again = lamina.utils.audio_dataset_from_directory(
        audio_dir, validation_split=0.3, subset="validation", seed=7, verbose=False)
    assert again.file_paths == val.file_paths


def test_audio_dataset_ragged_and_resampling(audio_dir):
    ragged = lamina.utils.audio_dataset_from_directory(audio_dir, ragged=True, shuffle=False,
                                                       verbose=False)
    clips, _ = ragged[0]
    assert [c.shape[0] for c in clips] == [100, 110, 120, 100, 110, 120, 130]
    half = lamina.utils.audio_dataset_from_directory(audio_dir, sampling_rate=8000,
                                                     shuffle=False, verbose=False)
    assert half[0][0].shape == (7, 65, 1)


def test_audio_dataset_trains_a_model(audio_dir):
    ds = lamina.utils.audio_dataset_from_directory(audio_dir, batch_size=4,
                                                   output_sequence_length=128, seed=1,
                                                   verbose=False)
    model = lamina.Sequential([lamina.Input((128, 1)), layers.Flatten(), layers.Dense(2)])
    model.compile("adam", lamina.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(ds, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


@pytest.mark.parametrize("kwargs, match", [
    (dict(ragged=True, output_sequence_length=10), "Cannot set both `ragged`"),
    (dict(sampling_rate=8000.0), "`sampling_rate` should have an integer value"),
    (dict(sampling_rate=0), "`sampling_rate` should be higher than 0"),
    (dict(label_mode="sparse"), "`label_mode` argument must be one of"),
    (dict(validation_split=0.2, subset="training"), "you must provide a `seed`"),
    (dict(class_names=["cow"]), "`class_names` passed did not match"),
])
def test_audio_dataset_rejects_bad_arguments(audio_dir, kwargs, match):
    with pytest.raises(ValueError, match=match):
        lamina.utils.audio_dataset_from_directory(audio_dir, verbose=False, **kwargs)


def test_wav_decoding_scales_as_tensorflow_and_refuses_unreadable_files(tmp_path,
                                                                       monkeypatch):
    from lamina.utils.audio_dataset import read_wav

    stereo = np.array([[0.5, -0.5], [0.25, -1.0], [0.0, 0.75]])
    for width in (2, 4):
        _write_wav(tmp_path / f"w{width}.wav", stereo, rate=22050, width=width)
        audio, rate = read_wav(str(tmp_path / f"w{width}.wav"))
        assert rate == 22050 and audio.shape == (3, 2) and audio.dtype == np.float32
        np.testing.assert_allclose(audio, stereo, atol=1e-4)
    (tmp_path / "bad.wav").write_bytes(b"RIFF0000WAVEjunk")
    monkeypatch.setitem(sys.modules, "soundfile", None)  # as where soundfile is missing
    with pytest.raises(ValueError, match="Could not read the WAV file"):
        read_wav(str(tmp_path / "bad.wav"))
