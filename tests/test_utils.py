"""to_categorical, normalize, pad_sequences and split_dataset against Keras 3 on random inputs."""

from __future__ import annotations

import random

import jax.numpy as jnp
import numpy as np
import pytest

from lamina import errors, utils

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("shape,num_classes", [((7,), None), ((5, 1), 6), ((3, 4), None),
                                               ((2, 3, 1), 9), ((0,), 3)])
def test_to_categorical_matches_keras(rng, shape, num_classes):
    x = rng.integers(0, 5, shape)
    ours, theirs = utils.to_categorical(x, num_classes), keras.utils.to_categorical(x, num_classes)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_to_categorical_rejects_out_of_range_labels():
    with pytest.raises(errors.DataError, match="outside the classes"):
        utils.to_categorical([0, 3], num_classes=3)
    with pytest.raises(errors.DataError, match="integer"):
        utils.to_categorical([0.5])


@pytest.mark.parametrize("axis,order", [(-1, 2), (0, 2), (1, 1), (-1, np.inf)])
def test_normalize_matches_keras(rng, axis, order):
    x = rng.normal(size=(4, 5, 3))
    x[0, 0] = 0
    ours = utils.normalize(x, axis, order)
    if axis == 0:  # Keras's NumPy path mis-broadcasts axis=0 (`axis or -1`); check by hand
        theirs = x / np.maximum(np.linalg.norm(x, order, axis, keepdims=True), 1e-300)
    else:
        theirs = keras.utils.normalize(x, axis, order)
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    np.testing.assert_allclose(utils.normalize(jnp.asarray(x, "float32"), axis, order),
                               theirs, rtol=1e-5, atol=1e-6)


def random_sequences(rng, n=12, feature=None):
    shape = () if feature is None else (feature,)
    return [rng.integers(1, 50, (rng.integers(0, 9), *shape)).tolist() for _ in range(n)]


@pytest.mark.parametrize("kwargs", [
    {}, {"maxlen": 4}, {"maxlen": 10, "padding": "post"}, {"maxlen": 3, "truncating": "post"},
    {"maxlen": 5, "padding": "post", "truncating": "post", "value": -1.0},
    {"dtype": "float32", "value": 0.5}, {"maxlen": 6, "dtype": "int64"},
])
def test_pad_sequences_matches_keras(rng, kwargs):
    for feature in (None, 2):
        seqs = random_sequences(rng, feature=feature)
        ours = utils.pad_sequences(seqs, **kwargs)
        theirs = keras.utils.pad_sequences(seqs, **kwargs)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        np.testing.assert_array_equal(ours, theirs)


def test_pad_sequences_strings_and_errors():
    seqs = [["a", "b"], ["c"]]
    ours = utils.pad_sequences(seqs, dtype=object, value="<pad>")
    theirs = keras.utils.pad_sequences(seqs, dtype=object, value="<pad>")
    assert ours.tolist() == theirs.tolist()
    with pytest.raises(ValueError, match="dtype=object"):
        utils.pad_sequences(seqs, value="<pad>")
    with pytest.raises(ValueError, match="not understood"):
        utils.pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="non-iterable"):
        utils.pad_sequences([1, 2])


def keras_split(dataset, left_size, right_size, shuffle, seed):
    """Keras's split_dataset up to the point where it builds tf.data objects."""
    from keras.src.utils import dataset_utils as du

    spec = du._get_type_spec(dataset)
    samples = du._convert_dataset_to_list(dataset, spec)
    if shuffle:
        random.seed(seed)
        random.shuffle(samples)
    left, right = du._rescale_dataset_split_sizes(left_size, right_size, len(samples))
    return (du._restore_dataset_from_list(samples[:left], spec, dataset),
            du._restore_dataset_from_list(samples[-right:], spec, dataset))


@pytest.mark.parametrize("left_size,right_size,shuffle,seed", [
    (0.8, None, False, None), (None, 3, False, None), (7, 2, True, 11), (0.25, 0.5, True, 3),
    (0.6, None, True, 42),
])
def test_split_dataset_matches_keras(rng, left_size, right_size, shuffle, seed):
    x, y = rng.normal(size=(20, 3)), rng.integers(0, 4, 20)
    ours = utils.split_dataset((x, y), left_size, right_size, shuffle=shuffle, seed=seed)
    theirs = keras_split((x, y), left_size, right_size, shuffle, seed)
    for side, kside in zip(ours, theirs):
        assert isinstance(side, tuple) and len(side) == 2
        for a, b in zip(side, kside):
            np.testing.assert_array_equal(a, b)
    left, right = utils.split_dataset(x, left_size, right_size, shuffle=shuffle, seed=seed)
    np.testing.assert_array_equal(left, ours[0][0])
    np.testing.assert_array_equal(right, ours[1][0])
    d_left, _ = utils.split_dataset({"a": x, "b": y}, left_size, right_size, shuffle=shuffle,
                                    seed=seed)
    np.testing.assert_array_equal(d_left["b"], ours[0][1])


@pytest.mark.parametrize("left_size,right_size", [(None, None), (0, 0), (1.5, None), (20, None),
                                                  (0.7, 0.7), (12, 12)])
def test_split_dataset_bad_sizes(left_size, right_size):
    with pytest.raises((ValueError, TypeError)):
        utils.split_dataset(np.zeros((20, 2)), left_size, right_size)


def test_split_dataset_trains(rng):
    from lamina import layers
    from lamina.models import Sequential

    x, y = rng.normal(size=(40, 3)).astype("float32"), rng.normal(size=(40, 1))
    (xl, yl), (xr, yr) = utils.split_dataset((x, y), left_size=0.75, shuffle=True, seed=1)
    model = Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse")
    model.fit(xl, yl, validation_data=(xr, yr), epochs=1, verbose=0)
