"""Pooling layers against Keras 3 (oracle), and the reshape fast path against reduce_window."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from test_layers_conv import check_against_keras

import lamina
from lamina import layers
from lamina.layers import pooling

keras = pytest.importorskip("keras")

POOL_CASES = [
    ("MaxPooling1D", dict(), (2, 9, 3)),
    ("MaxPooling1D", dict(pool_size=3, strides=1, padding="same"), (2, 7, 3)),
    ("AveragePooling1D", dict(pool_size=3, strides=2), (2, 9, 3)),
    ("AveragePooling1D", dict(pool_size=2, padding="same", data_format="channels_first"),
     (2, 3, 7)),
    ("MaxPooling2D", dict(), (2, 7, 6, 3)),
    ("MaxPooling2D", dict(pool_size=(3, 2), strides=(1, 2), padding="same"), (2, 7, 6, 3)),
    ("MaxPooling2D", dict(pool_size=2, data_format="channels_first"), (2, 3, 6, 5)),
    ("AveragePooling2D", dict(pool_size=2), (2, 6, 6, 3)),
    ("AveragePooling2D", dict(pool_size=3, strides=2, padding="same"), (2, 7, 6, 2)),
    ("AveragePooling2D", dict(pool_size=2, padding="same"), (2, 5, 7, 2)),
    ("MaxPooling3D", dict(), (2, 4, 5, 4, 2)),
    ("MaxPooling3D", dict(pool_size=2, strides=1, padding="same"), (1, 3, 4, 3, 2)),
    ("AveragePooling3D", dict(pool_size=(2, 1, 2)), (2, 4, 3, 4, 2)),
    ("AveragePooling3D", dict(pool_size=2, padding="same", data_format="channels_first"),
     (1, 2, 3, 4, 5)),
    ("GlobalMaxPooling1D", dict(), (2, 5, 3)),
    ("GlobalAveragePooling1D", dict(keepdims=True), (2, 5, 3)),
    ("GlobalAveragePooling1D", dict(data_format="channels_first"), (2, 5, 3)),
    ("GlobalMaxPooling2D", dict(keepdims=True, data_format="channels_first"), (2, 3, 4, 5)),
    ("GlobalAveragePooling2D", dict(), (2, 4, 5, 3)),
    ("GlobalMaxPooling3D", dict(), (2, 3, 4, 2, 3)),
    ("GlobalAveragePooling3D", dict(keepdims=True), (2, 3, 4, 2, 3)),
]


@pytest.mark.parametrize("name,kwargs,shape", POOL_CASES)
def test_pooling_matches_keras(name, kwargs, shape):
    check_against_keras(name, kwargs, shape)


@pytest.mark.parametrize("op", ["max", "average"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_tiled_pooling_equals_reduce_window_with_gradients(op, data_format, rng):
    x = jnp.asarray(rng.normal(size=(3, 7, 9, 4)).astype("float32"))
    axes = (1, 2) if data_format == "channels_last" else (2, 3)

    def tiled(v):
        return pooling._tiled_pool(v, axes, (2, 3), op)

    def window(v):
        return pooling._window_pool(v, axes, (2, 3), (2, 3), "valid", op)

    np.testing.assert_allclose(tiled(x), window(x), atol=1e-6)
    cotangent = jnp.asarray(rng.normal(size=tiled(x).shape).astype("float32"))
    g1 = jax.grad(lambda v: jnp.sum(tiled(v) * cotangent))(x)
    g2 = jax.grad(lambda v: jnp.sum(window(v) * cotangent))(x)
    np.testing.assert_allclose(g1, g2, atol=1e-6)


def test_non_overlapping_pooling_avoids_reduce_window():
    layer = layers.MaxPooling2D()
    jaxpr = str(jax.make_jaxpr(layer.call)(jnp.zeros((2, 28, 28, 8))))
    assert "reduce_window" not in jaxpr and "reduce_max" in jaxpr
    overlapping = layers.AveragePooling2D(3, strides=2)
    assert "reduce_window" in str(jax.make_jaxpr(overlapping.call)(jnp.zeros((2, 9, 9, 1))))
    overlapping_max = layers.MaxPooling2D(3, strides=2)  # shifted windows on CPU
    assert "reduce_window" not in str(jax.make_jaxpr(overlapping_max.call)(
        jnp.zeros((2, 9, 9, 1))))


def test_masked_global_average_pooling_1d_matches_keras(rng):
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [1, 0, 1, 0, 0]], bool)
    ours = layers.GlobalAveragePooling1D()(x, mask=mask)
    theirs = keras.layers.GlobalAveragePooling1D()(x, mask=mask)
    np.testing.assert_allclose(ours, np.asarray(theirs), atol=1e-6)
    assert layers.GlobalAveragePooling1D().compute_mask(x, mask) is None


def test_pooling_errors_name_the_layer():
    with pytest.raises(lamina.errors.ShapeError, match=r"(?s)'p' \(MaxPooling2D\).*x\[\.\.\., None\]"):
        layers.MaxPooling2D(name="p")(np.zeros((2, 8, 8), "float32"))
    with pytest.raises(lamina.errors.ShapeError, match="pool_size larger"):
        layers.MaxPooling2D(4)(np.zeros((1, 3, 3, 1), "float32"))
    with pytest.raises(lamina.errors.ConfigError, match="padding"):
        layers.AveragePooling1D(padding="full")
    assert layers.MaxPool2D is layers.MaxPooling2D
