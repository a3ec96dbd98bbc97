"""Embedding and Masking against Keras (oracle): outputs, masks, gradients, config, errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina import layers

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("kwargs", [dict(), dict(mask_zero=True)])
def test_embedding_matches_keras(kwargs, rng):
    ids = rng.integers(0, 10, size=(3, 5))
    ids[0, 3:] = 0
    theirs, ours = keras.layers.Embedding(10, 4, **kwargs), layers.Embedding(10, 4, **kwargs)
    theirs.build((None, 5))
    ours.build((None, 5))
    ours.built = True
    ours.set_weights(theirs.get_weights())
    assert [w.shape for w in ours.get_weights()] == [(10, 4)]
    np.testing.assert_allclose(ours(ids), np.asarray(theirs(ids)), atol=1e-6)
    np.testing.assert_allclose(ours(ids.astype("float32")), np.asarray(theirs(ids)), atol=1e-6)
    expected = theirs.compute_mask(ids)
    got = ours.compute_mask(ids)
    assert (got is None) == (expected is None)
    if expected is not None:
        np.testing.assert_array_equal(got, np.asarray(expected))


def test_input_length_is_accepted_with_keras_warning():
    with pytest.warns(UserWarning, match="input_length"):
        layer = layers.Embedding(10, 4, input_length=5)
    assert "input_length" not in layer.get_config()


def test_embedding_default_init_shape_dtype_and_summary():
    ours = lamina.Sequential([layers.Input((6,)), layers.Embedding(50, 8)])
    theirs = keras.Sequential([keras.layers.Input((6,)), keras.layers.Embedding(50, 8)])
    assert ours.output_shape == theirs.output_shape == (None, 6, 8)
    assert ours.count_params() == theirs.count_params() == 400
    table = np.asarray(ours.layers[0].embeddings.value)
    assert np.abs(table).max() <= 0.05 and table.std() > 0.01  # uniform(-0.05, 0.05)
    out = ours.predict(np.arange(12).reshape(2, 6), verbose=0)
    assert out.dtype == np.float32 and out.shape == (2, 6, 8)


def test_embedding_gradient_is_a_scatter_add(rng):
    layer = layers.Embedding(6, 3)
    ids = np.array([[1, 2, 1], [5, 1, 0]])
    layer(ids)
    weights = rng.normal(size=(2, 3, 3)).astype("float32")

    def loss(table):
        with lamina.variables.bind([layer.embeddings], [table]):
            return jnp.sum(layer(ids) * weights)

    grad = np.asarray(jax.grad(loss)(layer.embeddings.value))
    expected = np.zeros((6, 3), "float32")
    np.add.at(expected, ids, weights)
    np.testing.assert_allclose(grad, expected, atol=1e-6)


def test_embedding_config_round_trip_and_keras_keys():
    ours = layers.Embedding(20, 5, mask_zero=True, embeddings_regularizer="l2", name="emb")
    theirs = keras.layers.Embedding(20, 5, mask_zero=True, embeddings_regularizer="l2")
    assert set(ours.get_config()) >= set(theirs.get_config()) - {
        "lora_rank", "lora_alpha", "quantization_config"}
    clone = layers.Embedding.from_config(ours.get_config())
    assert (clone.input_dim, clone.output_dim, clone.mask_zero, clone.name) == (20, 5, True,
                                                                                "emb")
    assert clone.get_config() == ours.get_config()
    weights = np.ones((20, 5), "float32")
    np.testing.assert_array_equal(layers.Embedding(20, 5, weights=[weights]).get_weights()[0],
                                  weights)


def test_embedding_errors_name_the_layer_and_fix():
    with pytest.raises(lamina.errors.ConfigError, match=r"Embedding.*input_dim=0"):
        layers.Embedding(0, 4)
    with pytest.raises(lamina.errors.ConfigError, match=r"output_dim=-2"):
        layers.Embedding(5, -2)
    with pytest.raises(lamina.errors.DataError, match=r"\[0, 5\).*\[0, 7\].*input_dim"):
        layers.Embedding(5, 2)(np.array([[0, 7]]))


def test_masking_matches_keras(rng):
    x = rng.normal(size=(3, 4, 2)).astype("float32")
    x[0, 2:] = 0.0
    x[1, 1] = [0.0, 1.0]  # only one feature equals mask_value: kept
    x[2, 0] = 5.0
    for value in (0.0, 5.0):
        ours, theirs = layers.Masking(value), keras.layers.Masking(value)
        np.testing.assert_allclose(ours(x), np.asarray(theirs(x)))
        np.testing.assert_array_equal(ours.compute_mask(x), np.asarray(theirs.compute_mask(x)))
    clone = layers.Masking.from_config(layers.Masking(2.5).get_config())
    assert clone.mask_value == 2.5
    assert layers.Masking().compute_output_shape((None, 4, 2)) == (None, 4, 2)


@pytest.mark.parametrize("mask_zero", [False, True])
def test_embedding_gap1d_model_trains_like_keras(mask_zero):
    rng = np.random.default_rng(3)
    x = rng.integers(0, 20, size=(100, 7)).astype("int32")
    x[::3, 4:] = 0  # padded sequences
    y = (x.sum(1) % 2).astype("float32")

    def build(lib):
        return lib.Sequential([lib.layers.Input((7,), dtype="int32"),
                               lib.layers.Embedding(20, 4, mask_zero=mask_zero),
                               lib.layers.GlobalAveragePooling1D(),
                               lib.layers.Dense(1, activation="sigmoid")])

    theirs, ours = build(keras), build(lamina)
    ours.set_weights(theirs.get_weights())
    for model, lib in ((theirs, keras), (ours, lamina)):
        model.compile(lib.optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
    h1 = theirs.fit(x, y, shuffle=False, verbose=0)
    h2 = ours.fit(x, y, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-4)
    np.testing.assert_allclose(h2.history["loss"], h1.history["loss"], rtol=1e-4)
