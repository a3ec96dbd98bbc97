"""Preprocessing layers against Keras (oracle): Rescaling, Normalization.adapt, CenterCrop,
Resizing."""

import numpy as np
import pytest

import lamina
from lamina import layers

keras = pytest.importorskip("keras")


def same_config_keys(ours, theirs):
    assert set(ours.get_config()) == set(theirs.get_config())
    clone = type(ours).from_config(ours.get_config())
    assert clone.get_config() == ours.get_config()
    type(theirs).from_config(ours.get_config())  # Keras reads our config


@pytest.mark.parametrize("kwargs", [dict(scale=1 / 255), dict(scale=2.0, offset=-1.0),
                                    dict(scale=[0.5, 1.0, 2.0], offset=[0.0, 1.0, 2.0])])
def test_rescaling_matches_keras(kwargs, rng):
    x = rng.integers(0, 256, size=(2, 4, 4, 3)).astype("uint8")
    ours, theirs = layers.Rescaling(**kwargs), keras.layers.Rescaling(**kwargs)
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-6)
    assert ours(x).dtype == theirs(x).dtype
    same_config_keys(ours, theirs)


NORM_CONFIGS = [
    ((50, 4), dict()),
    ((20, 3, 5), dict(axis=1)),
    ((20, 3, 5), dict(axis=(1, 2))),
    ((20, 3, 5), dict(axis=None)),
    ((20, 3, 5), dict(axis=-1, invert=True)),
]


@pytest.mark.parametrize("shape,kwargs", NORM_CONFIGS)
def test_normalization_adapt_matches_keras(shape, kwargs, rng):
    data = (rng.normal(size=shape) * 3 + 2).astype("float32")
    ours, theirs = layers.Normalization(**kwargs), keras.layers.Normalization(**kwargs)
    ours.adapt(data)
    theirs.adapt(data)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.weights]
    x = rng.normal(size=shape[:1] and (3, *shape[1:])).astype("float32")
    np.testing.assert_allclose(ours(x), theirs(x), atol=1e-5)
    same_config_keys(ours, theirs)


def test_normalization_adapt_on_batches_matches_numpy(rng):
    data = (rng.normal(size=(70, 3, 4)) * 2 - 1).astype("float32")
    batches = [data[i:i + 16] for i in range(0, 70, 16)]
    ours = layers.Normalization(axis=-1)
    ours.adapt(b for b in batches)  # Keras needs TensorFlow for this; NumPy is the oracle
    np.testing.assert_allclose(ours.get_weights()[0], data.mean((0, 1)), rtol=1e-5)
    np.testing.assert_allclose(ours.get_weights()[1], data.var((0, 1)), rtol=1e-4)
    ours.adapt([(b, b[:, 0]) for b in batches])  # (x, y) tuples: x is used
    np.testing.assert_allclose(ours.get_weights()[0], data.mean((0, 1)), rtol=1e-5)


def test_normalization_with_given_statistics_matches_keras(rng):
    x = rng.normal(size=(4, 3, 2)).astype("float32")
    for kwargs in (dict(mean=2.0, variance=4.0), dict(mean=[1.0, 2.0], variance=[0.5, 4.0]),
                   dict(axis=(1, 2), mean=[1.0, 2.0], variance=[0.5, 4.0], invert=True)):
        ours, theirs = layers.Normalization(**kwargs), keras.layers.Normalization(**kwargs)
        np.testing.assert_allclose(ours(x), theirs(x), atol=1e-6)
        assert ours.get_weights() == [] and theirs.get_weights() == []
        same_config_keys(ours, theirs)


def test_normalization_trains_inside_a_model_with_adapted_statistics(rng):
    x = (rng.normal(size=(64, 3)) * 5 + 10).astype("float32")
    y = x.sum(1, keepdims=True)
    norm = layers.Normalization()
    norm.adapt(x)
    model = lamina.Sequential([layers.Input((3,)), norm, layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    np.testing.assert_allclose(norm.get_weights()[0], x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(norm(x)).mean(0), 0, atol=1e-5)


def test_normalization_errors_name_the_layer():
    with pytest.raises(lamina.errors.ConfigError, match=r"'n'.*mean.*variance"):
        layers.Normalization(mean=1.0, name="n")
    layer = layers.Normalization(name="n2")
    layer.adapt(np.zeros((4, 3), "float32"))
    with pytest.raises(lamina.errors.ShapeError, match=r"'n2'.*\(4, 5\)"):
        layer.adapt(np.zeros((4, 5), "float32"))
    with pytest.raises(lamina.errors.DataError, match="no batches"):
        layers.Normalization().adapt([])


@pytest.mark.parametrize("size,data_format", [((4, 6), "channels_last"), ((5, 3), None),
                                              ((4, 4), "channels_first"), ((9, 4), None),
                                              ((12, 12), "channels_last")])
def test_center_crop_matches_keras(size, data_format, rng):
    x = rng.normal(size=(2, 8, 7, 3)).astype("float32")
    if data_format == "channels_first":
        x = x.transpose(0, 3, 1, 2)
    ours = layers.CenterCrop(*size, data_format=data_format)
    theirs = keras.layers.CenterCrop(*size, data_format=data_format)
    np.testing.assert_allclose(ours(x), theirs(x), atol=1e-5)
    np.testing.assert_allclose(ours(x[0]), theirs(x[0]), atol=1e-5)
    assert ours.compute_output_shape((None, *x.shape[1:])) == tuple(
        theirs.compute_output_shape((None, *x.shape[1:])))
    same_config_keys(ours, theirs)


@pytest.mark.parametrize("kwargs", [
    dict(height=5, width=9), dict(height=16, width=4, interpolation="nearest"),
    dict(height=4, width=4, crop_to_aspect_ratio=True),
    dict(height=6, width=12, pad_to_aspect_ratio=True, fill_value=0.5),
    dict(height=6, width=5, interpolation="bicubic", data_format="channels_first"),
    dict(height=3, width=3, antialias=True),
    dict(height=10, width=7, interpolation="lanczos3", crop_to_aspect_ratio=True),
])
def test_resizing_matches_keras(kwargs, rng):
    x = rng.uniform(0, 255, size=(2, 8, 6, 3)).astype("float32")
    ours, theirs = layers.Resizing(**kwargs), keras.layers.Resizing(**kwargs)
    np.testing.assert_allclose(ours(x), theirs(x), atol=1e-5 * 255)
    np.testing.assert_allclose(ours(x[1]), theirs(x[1]), atol=1e-5 * 255)
    assert ours.compute_output_shape((None, 8, 6, 3)) == tuple(
        theirs.compute_output_shape((None, 8, 6, 3)))
    same_config_keys(ours, theirs)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic"])
def test_resizing_integer_images_match_keras(interpolation, rng):
    x = rng.integers(0, 256, size=(2, 7, 5, 3)).astype("uint8")
    ours = layers.Resizing(9, 4, interpolation=interpolation)
    theirs = keras.layers.Resizing(9, 4, interpolation=interpolation)
    assert ours(x).dtype == theirs(x).dtype
    np.testing.assert_array_equal(ours(x), theirs(x))


def test_resizing_in_a_model_and_bad_arguments(rng):
    model = lamina.Sequential([layers.Input((8, 8, 1)), layers.Resizing(4, 4),
                               layers.Rescaling(1 / 255), layers.Flatten(), layers.Dense(2)])
    assert model.predict(rng.uniform(0, 255, (3, 8, 8, 1)), verbose=0).shape == (3, 2)
    with pytest.raises(lamina.errors.ConfigError, match="bilinaer"):
        layers.Resizing(4, 4, interpolation="bilinaer")
    with pytest.raises(lamina.errors.ShapeError, match=r"'crop'.*rank 2"):
        layers.CenterCrop(2, 2, name="crop")(np.zeros((3, 4), "float32"))
