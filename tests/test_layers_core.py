"""Core layers against Keras (oracle) and NumPy, with finite-difference gradient checks."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina import layers

keras = pytest.importorskip("keras")


def finite_difference_check(fn, x, eps=1e-3, tol=2e-2):
    """Compare jax.grad of sum(fn(x)) with central differences on a few coordinates."""
    x = np.asarray(x, np.float32)
    grad = np.asarray(jax.grad(lambda v: jnp.sum(fn(v)))(jnp.asarray(x)))
    flat = x.reshape(-1)
    for i in np.random.default_rng(1).choice(flat.size, size=min(8, flat.size), replace=False):
        plus, minus = flat.copy(), flat.copy()
        plus[i] += eps
        minus[i] -= eps
        numeric = (float(jnp.sum(fn(jnp.asarray(plus.reshape(x.shape)))))
                   - float(jnp.sum(fn(jnp.asarray(minus.reshape(x.shape)))))) / (2 * eps)
        assert abs(numeric - grad.reshape(-1)[i]) < tol * max(1.0, abs(numeric)), (i, numeric)


@pytest.mark.parametrize("kwargs", [
    dict(units=5), dict(units=3, activation="relu"), dict(units=4, use_bias=False),
    dict(units=2, activation="softmax"), dict(units=3, activation="tanh"),
])
def test_dense_matches_keras(kwargs, rng):
    x = rng.normal(size=(6, 7)).astype("float32")
    ours, theirs = layers.Dense(**kwargs), keras.layers.Dense(**kwargs)
    theirs.build((None, 7))
    ours.build((None, 7))
    ours.built = True
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(x), np.asarray(theirs(x)), atol=1e-6)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.weights]


def test_dense_on_3d_inputs_and_gradient(rng):
    layer = layers.Dense(3, activation="tanh")
    x = rng.normal(size=(2, 4, 5)).astype("float32")
    assert layer(x).shape == (2, 4, 3)
    finite_difference_check(layer, x)
    kernel = np.asarray(layer.kernel.value)
    expected = np.tanh(x @ kernel + np.asarray(layer.bias.value))
    np.testing.assert_allclose(layer(x), expected, atol=1e-5)


def test_dense_config_round_trip_matches_keras_keys():
    ours = layers.Dense(4, activation="relu", kernel_regularizer="l2", name="d")
    theirs = keras.layers.Dense(4, activation="relu", kernel_regularizer="l2", name="d")
    assert set(ours.get_config()) >= set(theirs.get_config()) - {"quantization_config"}
    clone = layers.Dense.from_config(ours.get_config())
    assert clone.units == 4 and clone.name == "d"
    assert clone.get_config()["activation"] == "relu"


def test_flatten_reshape_activation(rng):
    x = rng.normal(size=(3, 4, 5)).astype("float32")
    np.testing.assert_allclose(layers.Flatten()(x), x.reshape(3, 20))
    np.testing.assert_allclose(layers.Reshape((5, 4))(x), x.reshape(3, 5, 4))
    np.testing.assert_allclose(layers.Reshape((-1, 2))(x), x.reshape(3, 10, 2))
    np.testing.assert_allclose(layers.Activation("relu")(x), np.maximum(x, 0))
    assert layers.Reshape((-1, 2)).compute_output_shape((None, 4, 5)) == (None, 10, 2)
    assert layers.Flatten().compute_output_shape((None, 4, 5)) == (None, 20)
    finite_difference_check(layers.Activation("softplus"), x)


def test_reshape_rejects_incompatible_sizes():
    with pytest.raises(lamina.errors.ShapeError, match="Reshape"):
        layers.Reshape((7,))(np.zeros((2, 4, 5), "float32"))


def test_dropout_inverted_scaling_and_inference_identity():
    x = np.ones((200, 50), "float32")
    layer = layers.Dropout(0.3, seed=1)
    np.testing.assert_array_equal(layer(x), x)
    y = np.asarray(layer(x, training=True))
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    shared = np.asarray(layers.Dropout(0.5, noise_shape=(None, 1), seed=2)(x, training=True))
    assert all(len(set(row.tolist())) == 1 for row in shared)


def test_dropout_rate_validation():
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(1.5)


def test_layer_names_follow_keras():
    lamina.backend.clear_session()
    assert [layers.Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    assert layers.Flatten().name == "flatten"


def test_input_layer_and_input():
    t = lamina.Input(shape=(28, 28))
    assert t.shape == (None, 28, 28) and t.dtype == "float32"
    layer = layers.InputLayer(shape=(3,), name="inp")
    assert layer.get_config()["batch_shape"] == (None, 3)


def test_custom_keras_style_layer_trains():
    class Scale(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, inputs):
            return inputs * self.w

    model = lamina.Sequential([layers.Input((3,)), Scale(), layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    before = model.layers[0].w.numpy().copy()
    model.fit(x, x.sum(1), epochs=2, verbose=0)
    assert not np.allclose(before, model.layers[0].w.numpy())


def test_calling_build_directly_marks_the_layer_built():
    layer = layers.Dense(3)
    layer.build((None, 4))
    assert layer.built
    layer(np.ones((2, 4), "float32"))
    assert len(layer.weights) == 2  # not built a second time


def test_activity_regularizer_on_a_partial_batch_matches_keras():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 5)).astype("float32")  # 3 full batches of 32 and one of 4
    y = rng.normal(size=(100, 2)).astype("float32")
    make = lambda lib: lib.Sequential([lib.layers.Input((5,)), lib.layers.Dense(
        2, activity_regularizer=lib.regularizers.L2(0.1))])
    theirs, ours = make(keras), make(lamina)
    ours.set_weights(theirs.get_weights())
    for model, lib in ((theirs, keras), (ours, lamina)):
        model.compile(lib.optimizers.SGD(0.05), "mse")
    h1 = theirs.fit(x, y, shuffle=False, verbose=0)
    h2 = ours.fit(x, y, shuffle=False, verbose=0)
    np.testing.assert_allclose(h2.history["loss"], h1.history["loss"], rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("name,args", [("Activation", ("relu",)), ("Flatten", ()),
                                       ("LayerNormalization", ())])
def test_build_called_directly_gives_keras_built_state_and_configs(name, args):
    """`layer.build(shape)` called by the user (as the guides do) marks even a weightless
    layer built, and the build and layer configs equal Keras's (LayerNormalization's axis
    becomes a list)."""
    ours, theirs = getattr(lamina.layers, name)(*args), getattr(keras.layers, name)(*args)
    for layer in (ours, theirs):
        layer.build((None, 4))
    assert ours.built and theirs.built
    assert ours.get_build_config() == theirs.get_build_config()
    config = {k: v for k, v in ours.get_config().items() if k != "name"}
    expected = {k: v for k, v in theirs.get_config().items() if k in config and k != "name"}
    assert {k: config[k] for k in expected} == expected
