"""ConvLSTM1D / 2D / 3D against Keras (oracle): outputs, config, gradients, files and fit."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina import layers

keras = pytest.importorskip("keras")

CASES = [
    (1, (2, 3, 5, 2), dict(padding="same", use_bias=False, activation="relu", kernel_size=3)),
    (2, (2, 3, 5, 4, 2), dict(return_sequences=True, strides=2, unit_forget_bias=False)),
    (3, (1, 2, 4, 3, 4, 2), dict(dilation_rate=2, return_state=True, padding="same")),
    (2, (2, 3, 2, 5, 4), dict(data_format="channels_first", go_backwards=True,
                              return_sequences=True, return_state=True)),
]


def as_list(outputs):
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


@pytest.mark.parametrize("rank,shape,kwargs", CASES)
def test_matches_keras_with_copied_weights(rank, shape, kwargs, rng):
    kwargs = {"filters": 3, "kernel_size": 2, **kwargs}
    x = rng.normal(size=shape).astype("float32")
    theirs = getattr(keras.layers, f"ConvLSTM{rank}D")(**kwargs)
    ours = getattr(layers, f"ConvLSTM{rank}D")(**kwargs)
    expected = as_list(theirs(x))
    ours.build(x.shape)
    plain = lambda path: re.sub(r"_\d+(?=/|$)", "", path)  # noqa: E731 (name counters)
    assert [plain(w.path) for w in ours.weights] == [plain(w.path) for w in theirs.weights]
    ours.set_weights([w.numpy() for w in theirs.weights])
    got = as_list(ours(x))
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5)
    shapes = ours.compute_output_shape(x.shape)
    shapes = list(shapes) if isinstance(shapes[0], tuple) else [shapes]
    assert [tuple(s) for s in shapes] == [tuple(np.shape(e)) for e in expected]
    assert ours.get_config() == {**theirs.get_config(), "name": ours.name}
    again = type(ours).from_config(ours.get_config())
    assert again.get_config() == ours.get_config()
    assert again.filters == 3 and again.padding == ours.padding


def test_finite_difference_gradient(rng):
    layer = layers.ConvLSTM1D(2, 3, padding="same")
    x = rng.normal(size=(2, 3, 5, 2)).astype("float32")
    layer(x)
    kernel = layer.cell.recurrent_kernel
    base = np.asarray(kernel.value, np.float64)

    def loss(k):
        with lamina.variables.bind([kernel], [k]):
            return jnp.sum(jnp.tanh(layer(x)) * jnp.arange(1.0, 3.0))

    grad = np.asarray(jax.grad(loss)(jnp.asarray(base, jnp.float32)))
    eps = 1e-2
    for index in [(0, 0, 0), (1, 1, 5), (2, 0, 7)]:
        plus, minus = base.copy(), base.copy()
        plus[index] += eps
        minus[index] -= eps
        numeric = (float(loss(jnp.asarray(plus, jnp.float32)))
                   - float(loss(jnp.asarray(minus, jnp.float32)))) / (2 * eps)
        assert abs(numeric - grad[index]) < 2e-2 * max(1.0, abs(numeric)), (index, numeric)


def small_model(lib):
    return lib.Sequential([
        lib.layers.Input((3, 4, 4, 1)),
        lib.layers.ConvLSTM2D(2, 3, padding="same", return_sequences=True),
        lib.layers.ConvLSTM2D(2, 2, recurrent_activation="hard_sigmoid"),
        lib.layers.Flatten(),
        lib.layers.Dense(1),
    ])


def test_keras_files_load_both_ways(tmp_path, rng):
    x = rng.normal(size=(3, 3, 4, 4, 1)).astype("float32")
    theirs = small_model(keras)
    theirs.save(tmp_path / "keras_made.keras")
    ours = lamina.models.load_model(tmp_path / "keras_made.keras")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               atol=1e-5)
    mine = small_model(lamina)
    mine.save(tmp_path / "lamina_made.keras")
    back = keras.models.load_model(tmp_path / "lamina_made.keras")
    np.testing.assert_allclose(back.predict(x, verbose=0), mine.predict(x, verbose=0),
                               atol=1e-5)


def test_one_epoch_of_fit_matches_keras(rng):
    x = rng.normal(size=(8, 3, 4, 4, 1)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    theirs, ours = small_model(keras), small_model(lamina)
    ours.set_weights(theirs.get_weights())
    for model in (theirs, ours):
        model.compile(keras.optimizers.SGD(0.05) if model is theirs
                      else lamina.optimizers.SGD(0.05), "mse")
    h_theirs = theirs.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    h_ours = ours.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-4)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-4)


def test_masked_steps_carry_the_state(rng):
    x = rng.normal(size=(2, 4, 5, 2)).astype("float32")
    layer = layers.ConvLSTM1D(3, 2, return_state=True)
    mask = np.array([[True, True, False, False], [True, True, True, True]])
    out, h, c = layer(x, mask=mask)
    short = layer(x[:1, :2])  # the first sample stops after two steps
    np.testing.assert_allclose(np.asarray(out[0]), np.asarray(short[0][0]), atol=1e-6)
    np.testing.assert_allclose(np.asarray(c[0]), np.asarray(short[2][0]), atol=1e-6)
    np.testing.assert_allclose(np.asarray(h), np.asarray(out), atol=1e-6)
    np.testing.assert_allclose(np.asarray(out[1]), np.asarray(layer(x[1:])[0][0]), atol=1e-6)


def test_dropout_masks_are_per_call_and_off_in_inference(rng):
    x = rng.normal(size=(2, 3, 5, 2)).astype("float32")
    layer = layers.ConvLSTM1D(3, 2, dropout=0.5, recurrent_dropout=0.5, seed=1)
    plain = np.asarray(layer(x))
    first, second = np.asarray(layer(x, training=True)), np.asarray(layer(x, training=True))
    assert not np.allclose(first, plain) and not np.allclose(first, second)
    np.testing.assert_allclose(np.asarray(layer(x, training=False)), plain)


def test_stateful_conv_lstm_carries_and_resets(rng):
    x = rng.normal(size=(2, 3, 5, 2)).astype("float32")
    theirs = keras.layers.ConvLSTM1D(3, 2, stateful=True)
    ours = layers.ConvLSTM1D(3, 2, stateful=True)
    theirs.build(x.shape)
    ours.build(x.shape)
    ours.set_weights([w.numpy() for w in theirs.weights] + [np.zeros((2, 4, 3), "float32")] * 2)
    for _ in range(2):
        np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), atol=1e-5)
    ours.reset_states()
    theirs.reset_states()
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), atol=1e-5)


def test_bad_arguments_say_what_was_wrong():
    with pytest.raises(ValueError, match="dilation_rate"):
        layers.ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="padding"):
        layers.ConvLSTM2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="filters=0"):
        layers.ConvLSTM1D(0, 3)
    with pytest.raises(ValueError, match="static input shapes"):
        layers.ConvLSTM2D(2, 3).build((None, 3, None, 4, 1))
