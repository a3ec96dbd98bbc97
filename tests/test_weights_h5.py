"""save_weights / load_weights in Keras 3's .weights.h5 layout, both ways, atomically."""

import os

import numpy as np
import pytest

import lamina

keras = pytest.importorskip("keras")


def model(lib):
    return lib.Sequential([lib.layers.Input((6,)), lib.layers.Flatten(), lib.layers.Dense(5),
                           lib.layers.Dropout(0.1), lib.layers.Dense(3, activation="softmax")])


def test_round_trip_with_keras_both_ways(tmp_path, rng):
    x = rng.normal(size=(4, 6)).astype("float32")
    ours, theirs = model(lamina), model(keras)
    ours.save_weights(tmp_path / "ours.weights.h5")
    theirs.load_weights(tmp_path / "ours.weights.h5")
    np.testing.assert_allclose(theirs.predict(x, verbose=0), ours.predict(x, verbose=0), atol=1e-6)
    keras_file = str(tmp_path / "keras.weights.h5")
    fresh = model(keras)
    fresh.save_weights(keras_file)
    ours.load_weights(keras_file)
    np.testing.assert_allclose(ours.predict(x, verbose=0), fresh.predict(x, verbose=0), atol=1e-6)


def test_wrong_architecture_is_refused_and_model_unchanged(tmp_path):
    path = tmp_path / "small.weights.h5"
    lamina.Sequential([lamina.layers.Input((6,)), lamina.layers.Dense(2)]).save_weights(path)
    ours = model(lamina)
    before = ours.get_weights()
    with pytest.raises(ValueError, match="variables|shape"):
        ours.load_weights(path)
    for a, b in zip(before, ours.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_failed_save_keeps_previous_file(tmp_path):
    path = tmp_path / "m.weights.h5"
    ours = model(lamina)
    ours.save_weights(path)
    good = path.read_bytes()
    ours.layers[1].kernel._value = object()  # make the next write fail midway
    with pytest.raises(Exception):
        ours.save_weights(path)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["m.weights.h5"]


def test_suffix_is_required(tmp_path):
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model(lamina).save_weights(tmp_path / "w.h5")
