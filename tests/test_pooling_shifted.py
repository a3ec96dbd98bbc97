"""Overlapping max pooling as shifted windows (CPU, channels last) equals `reduce_window`:
values, and gradients that go to each window's first maximum, ties included; the layers
equal Keras's and train like them."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina
from lamina.layers import conv_im2col as im2col
from lamina.layers import pooling_shifted as shifted

CASES = [  # (input shape, pool, strides, padding)
    ((2, 9, 3), (3,), (2,), "valid"),
    ((2, 10, 9, 3), (3, 3), (2, 2), "valid"),
    ((2, 10, 9, 3), (3, 3), (2, 2), "same"),
    ((2, 8, 8, 2), (2, 2), (1, 1), "same"),
    ((2, 7, 6, 5, 2), (2, 3, 2), (1, 2, 2), "same"),
]


def reference(x, pool, strides, padding):
    ones = (1,)
    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, ones + pool + ones,
                                 ones + strides + ones, padding.upper())


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("shape,pool,strides,padding", CASES)
def test_values_and_gradients_equal_reduce_window(shape, pool, strides, padding, ties):
    rng = np.random.default_rng(0)
    values = rng.integers(0, 3, size=shape) if ties else rng.normal(size=shape)
    x = jnp.asarray(values, jnp.float32)  # with ties: many equal maxima per window
    pads = tuple(im2col.explicit_padding(padding, shape[1:-1], pool, strides, (1,) * len(pool)))
    ours = shifted.window_max(x, pool, strides, pads)
    theirs = reference(x, pool, strides, padding)
    np.testing.assert_array_equal(ours, theirs)
    cotangent = jnp.asarray(rng.normal(size=theirs.shape), jnp.float32)
    grads = [jax.grad(lambda a, f=f: jnp.sum(f(a) * cotangent))(x) for f in (
        lambda a: shifted.window_max(a, pool, strides, pads),
        lambda a: reference(a, pool, strides, padding))]
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kwargs", [dict(pool_size=3, strides=2),
                                    dict(pool_size=3, strides=2, padding="same"),
                                    dict(pool_size=2, strides=1)])
def test_layer_equals_keras_and_trains_like_it(kwargs):
    x = np.random.default_rng(1).normal(size=(4, 9, 9, 2)).astype("float32")
    y = np.arange(4, dtype="float32")[:, None]
    models = []
    for module in (keras, lamina):
        models.append(module.Sequential([
            module.Input((9, 9, 2)), module.layers.Conv2D(3, 2, activation="relu"),
            module.layers.MaxPooling2D(**kwargs), module.layers.Flatten(),
            module.layers.Dense(1)]))
    theirs, ours = models
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    for model, module in ((theirs, keras), (ours, lamina)):
        model.compile(module.optimizers.SGD(0.05), "mse")
        model.fit(x, y, batch_size=4, epochs=3, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
