"""keras.random's sampling distributions and the distribution helpers keras.distribution has:
sample statistics against the distributions' known moments, Keras's shapes and dtypes."""

import jax
import numpy as np
import pytest

import lamina
from lamina import distribution, random

keras = pytest.importorskip("keras")


def test_categorical_shape_dtype_and_frequencies():
    logits = np.log(np.array([[0.7, 0.2, 0.1], [0.05, 0.05, 0.9]], "float32"))
    draws = random.categorical(logits, 20000, seed=3)
    theirs = keras.random.categorical(logits, 5, seed=3)
    assert draws.shape == (2, 20000) and draws.dtype == theirs.dtype == np.int32
    freq = np.stack([np.bincount(np.asarray(row), minlength=3) / 20000 for row in draws])
    np.testing.assert_allclose(freq, np.exp(logits), atol=0.02)


@pytest.mark.parametrize("name, kwargs, mean, var", [
    ("gamma", {"alpha": 3.0}, 3.0, 3.0),
    ("binomial", {"counts": 10.0, "probabilities": 0.3}, 3.0, 2.1),
    ("beta", {"alpha": 2.0, "beta": 5.0}, 2 / 7, 10 / (49 * 8)),
])
def test_sample_moments_match_the_distribution(name, kwargs, mean, var):
    sample = np.asarray(getattr(random, name)((40000,), seed=5, **kwargs))
    assert sample.dtype == np.float32
    np.testing.assert_allclose(sample.mean(), mean, rtol=0.03)
    np.testing.assert_allclose(sample.var(), var, rtol=0.06)
    again = np.asarray(getattr(random, name)((40000,), seed=5, **kwargs))
    np.testing.assert_array_equal(sample, again)  # an integer seed repeats, as in Keras


def test_device_count_and_distribute_tensor():
    assert distribution.get_device_count() == len(jax.devices())
    assert distribution.get_device_count("cpu") == keras.distribution.get_device_count("cpu")
    mesh = distribution.DeviceMesh((len(jax.devices()),), ["batch"])
    layout = distribution.TensorLayout(["batch", None], mesh)
    x = np.arange(8.0 * 3).reshape(8, 3)
    placed = distribution.distribute_tensor(x, layout)
    assert placed.sharding == layout.backend_layout
    inside = jax.jit(lambda t: distribution.distribute_tensor(t * 2, layout))(x)
    np.testing.assert_array_equal(inside, x * 2)
    assert lamina.distribution.distribute_tensor is distribution.distribute_tensor
