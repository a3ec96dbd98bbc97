"""SimpleRNN / LSTM / GRU against Keras (oracle), gradients, masks, state, config and errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.layers.recurrent_scan import scan_cell

keras = pytest.importorskip("keras")

KINDS = [("SimpleRNN", {}), ("LSTM", {}), ("GRU", {}), ("GRU", dict(reset_after=False)),
         ("LSTM", dict(unit_forget_bias=False, use_bias=False))]
CONFIGS = [{}, dict(return_sequences=True), dict(return_state=True), dict(go_backwards=True),
           dict(return_sequences=True, go_backwards=True, return_state=True)]


def pair(name, units=6, features=4, **kwargs):
    """The same layer in Keras and lamina, built, with Keras's weights copied into ours."""
    theirs = getattr(keras.layers, name)(units, **kwargs)
    ours = getattr(layers, name)(units, **kwargs)
    theirs.build((None, None, features))
    ours.build((None, None, features))
    ours.built = True
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def assert_same(ours, theirs, atol=1e-5):
    ours = ours if isinstance(ours, (list, tuple)) else [ours]
    theirs = theirs if isinstance(theirs, (list, tuple)) else [theirs]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=atol)


@pytest.mark.parametrize("name,kwargs", KINDS)
@pytest.mark.parametrize("config", CONFIGS)
def test_matches_keras(name, kwargs, config, rng):
    x = rng.normal(size=(3, 5, 4)).astype("float32")
    ours, theirs = pair(name, **kwargs, **config)
    assert_same(ours(x), theirs(x))


@pytest.mark.parametrize("name,kwargs", KINDS[:4])
def test_mask_and_initial_state_match_keras(name, kwargs, rng):
    x = rng.normal(size=(4, 6, 3)).astype("float32")
    mask = np.ones((4, 6), bool)
    mask[0, 4:] = False  # post-padding
    mask[1, :2] = False  # pre-padding
    mask[2, 3] = False  # a hole
    ours, theirs = pair(name, features=3, return_sequences=True, return_state=True, **kwargs)
    assert_same(ours(x, mask=mask), theirs(x, mask=mask))
    states = [rng.normal(size=(4, 6)).astype("float32") for _ in ours.state_size]
    assert_same(ours(x, initial_state=states, mask=mask),
                theirs(x, initial_state=states, mask=mask))


def test_masking_and_embedding_models_match_keras(rng):
    x = rng.normal(size=(4, 7, 3)).astype("float32")
    x[0, 5:] = 0.0
    x[2, :3] = 0.0
    ids = rng.integers(1, 20, size=(4, 7))
    ids[1, 4:] = 0
    ids[3, :2] = 0
    for build, data in [
        (lambda lib: [lib.layers.Input((7, 3)), lib.layers.Masking(),
                      lib.layers.GRU(5, return_sequences=True), lib.layers.LSTM(4)], x),
        (lambda lib: [lib.layers.Input((7,)), lib.layers.Embedding(20, 3, mask_zero=True),
                      lib.layers.SimpleRNN(5, go_backwards=True)], ids),
    ]:
        theirs, ours = keras.Sequential(build(keras)), lamina.Sequential(build(lamina))
        ours.set_weights(theirs.get_weights())
        assert_same(ours.predict(data, verbose=0), theirs.predict(data, verbose=0))


def generic_outputs(layer, x, mask=None):
    """The layer's outputs through the generic scan over cell.call (plain autodiff)."""
    inputs = jnp.swapaxes(x, 0, 1)
    m = None if mask is None else jnp.swapaxes(mask, 0, 1)
    states = layer.get_initial_state(x.shape[0])
    outputs, final = scan_cell(lambda xt, s: layer.cell.call(xt, s), inputs, states, m)
    return jnp.sum(outputs ** 2) + sum(jnp.sum(jnp.sin(s)) for s in final)


@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("masked", [False, True])
def test_custom_vjp_equals_autodiff(name, masked, rng):
    layer = getattr(layers, name)(5, return_sequences=True, return_state=True)
    x = jnp.asarray(rng.normal(size=(3, 6, 4)), jnp.float32)
    mask = jnp.asarray(rng.random((3, 6)) > 0.3) if masked else None
    layer(x)
    weights = layer.trainable_weights

    def fast(values, x):
        with lamina.variables.bind(weights, values):
            seq, *final = layer(x, mask=mask)
            return jnp.sum(seq ** 2) + sum(jnp.sum(jnp.sin(s)) for s in final)

    def plain(values, x):
        with lamina.variables.bind(weights, values):
            return generic_outputs(layer, x, mask)

    values = [w.value for w in weights]
    np.testing.assert_allclose(fast(values, x), plain(values, x), rtol=1e-5)
    for a, b in zip(jax.tree_util.tree_leaves(jax.grad(fast, (0, 1))(values, x)),
                    jax.tree_util.tree_leaves(jax.grad(plain, (0, 1))(values, x))):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("name,kwargs", KINDS[:4])
def test_finite_difference_gradient(name, kwargs, rng):
    layer = getattr(layers, name)(4, **kwargs)
    x = rng.normal(size=(2, 5, 3))
    layer(x.astype("float32"))
    kernel = layer.cell.recurrent_kernel
    base = np.asarray(kernel.value, np.float64)

    def loss(k, x=x.astype("float32")):
        with lamina.variables.bind([kernel], [k]):
            return jnp.sum(jnp.tanh(layer(x)) * jnp.arange(1.0, 5.0))

    grad = np.asarray(jax.grad(loss)(jnp.asarray(base, jnp.float32)))
    eps = 1e-2
    for i, j in [(0, 0), (1, 2), (3, 3 if name == "SimpleRNN" else 7)]:
        plus, minus = base.copy(), base.copy()
        plus[i, j] += eps
        minus[i, j] -= eps
        numeric = (float(loss(jnp.asarray(plus, jnp.float32)))
                   - float(loss(jnp.asarray(minus, jnp.float32)))) / (2 * eps)
        assert abs(numeric - grad[i, j]) < 2e-2 * max(1.0, abs(numeric)), (i, j, numeric)


def test_stateful_carries_and_resets_like_keras(rng):
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    theirs = keras.layers.LSTM(5, stateful=True)
    ours = layers.LSTM(5, stateful=True)
    theirs.build((2, 4, 3))
    ours.build((2, 4, 3))
    ours.built = True
    ours.set_weights(theirs.get_weights() + [np.zeros((2, 5), "float32")] * 2)
    for _ in range(2):
        assert_same(ours(x), theirs(x))
    ours.reset_state()
    theirs.reset_state()
    assert_same(ours(x), theirs(x))
    with pytest.raises(lamina.errors.ShapeError, match="batch size"):
        layers.GRU(3, stateful=True).build((None, 4, 3))


def test_dropout_masks_are_fixed_across_time():
    layer = layers.SimpleRNN(8, dropout=0.5, activation=None, return_sequences=True, seed=3)
    x = np.ones((4, 5, 6), "float32")
    layer(x)
    layer.cell.recurrent_kernel.assign(np.zeros((8, 8)))
    with lamina.random.key_scope(jax.random.PRNGKey(0)):
        out = np.asarray(layer(x, training=True))
    np.testing.assert_allclose(out, np.repeat(out[:, :1], 5, axis=1))  # same mask each step
    assert not np.allclose(out, np.asarray(layer(x)))
    rec = layers.LSTM(4, recurrent_dropout=0.3, dropout=0.2, return_sequences=True)
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    plain = np.asarray(rec(x))
    assert not np.allclose(np.asarray(rec(x, training=True)), plain)
    np.testing.assert_allclose(rec(x, training=False), plain)


def test_config_round_trip_and_keras_keys():
    for name, kwargs in KINDS:
        ours = getattr(layers, name)(3, return_sequences=True, dropout=0.1, **kwargs)
        theirs = getattr(keras.layers, name)(3, return_sequences=True, dropout=0.1, **kwargs)
        assert set(ours.get_config()) >= set(theirs.get_config())
        clone = type(ours).from_config(ours.get_config())
        assert clone.get_config() == ours.get_config()
        assert clone.units == 3 and clone.dropout == 0.1 and clone.cell.name == ours.cell.name
    rnn = layers.RNN(layers.GRUCell(4, reset_after=False), go_backwards=True)
    clone = layers.RNN.from_config(rnn.get_config())
    assert isinstance(clone.cell, layers.GRUCell) and not clone.cell.reset_after
    assert clone.go_backwards


@pytest.mark.parametrize("name,kwargs", KINDS)
def test_param_counts_and_output_shapes_match_keras(name, kwargs):
    def model(lib):
        return lib.Sequential([lib.layers.Input((7, 5)),
                               getattr(lib.layers, name)(6, return_sequences=True, **kwargs),
                               getattr(lib.layers, name)(3, **kwargs)])

    ours, theirs = model(lamina), model(keras)
    assert ours.count_params() == theirs.count_params()
    assert ours.output_shape == theirs.output_shape
    assert [layer.count_params() for layer in ours.layers] == [
        layer.count_params() for layer in theirs.layers]


def test_bad_configurations_name_the_layer_and_fix():
    with pytest.raises(lamina.errors.ConfigError, match=r"LSTM.*positive integer.*units=0"):
        layers.LSTM(0)
    with pytest.raises(lamina.errors.ConfigError, match=r"dropout=1.5"):
        layers.GRU(3, dropout=1.5)
    with pytest.raises(lamina.errors.ConfigError, match=r"recurrent_dropout=-0.1"):
        layers.SimpleRNNCell(3, recurrent_dropout=-0.1)
    with pytest.raises(lamina.errors.ShapeError, match=r"LSTM.*3D.*\(2, 5\)"):
        layers.LSTM(3)(np.zeros((2, 5), "float32"))
    with pytest.raises(lamina.errors.ConfigError, match="cell"):
        layers.RNN("lstm")


FIT_MODELS = {
    "lstm": lambda lib: [lib.layers.Input((6, 3)), lib.layers.LSTM(8),
                         lib.layers.Dense(4, activation="softmax")],
    "gru": lambda lib: [lib.layers.Input((6, 3)), lib.layers.GRU(8, return_sequences=True),
                        lib.layers.GRU(5, reset_after=False),
                        lib.layers.Dense(4, activation="softmax")],
    # GlobalAveragePooling1D is not in lamina yet: Embedding + LSTM stands in for it
    "embedding": lambda lib: [lib.layers.Input((6,)), lib.layers.Embedding(12, 4, mask_zero=True),
                              lib.layers.LSTM(5), lib.layers.Dense(4, activation="softmax")],
}


@pytest.mark.parametrize("kind", sorted(FIT_MODELS))
def test_one_epoch_of_fit_matches_keras(kind, rng):
    if kind == "embedding":
        x = rng.integers(1, 12, size=(96, 6))
        x[::3, 4:] = 0  # padded sequences
    else:
        x = rng.normal(size=(96, 6, 3)).astype("float32")
    y = rng.integers(0, 4, size=(96,))
    theirs = keras.Sequential(FIT_MODELS[kind](keras))
    ours = lamina.Sequential(FIT_MODELS[kind](lamina))
    ours.set_weights(theirs.get_weights())
    for model in (theirs, ours):
        model.compile("adam", "sparse_categorical_crossentropy")
    h_theirs = theirs.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    h_ours = ours.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-4)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-4)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_matches_keras(merge_mode, return_sequences, rng):
    x = rng.normal(size=(3, 5, 4)).astype("float32")
    mask = np.ones((3, 5), bool)
    mask[0, 3:] = False
    ours = layers.Bidirectional(layers.LSTM(3, return_sequences=return_sequences),
                                merge_mode=merge_mode)
    theirs = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=return_sequences),
                                        merge_mode=merge_mode)
    ours.build((None, 5, 4))
    theirs.build((None, 5, 4))
    ours.built = True
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    assert_same(ours(x), theirs(x))
    assert_same(ours(x, mask=mask), theirs(x, mask=mask))
    shape = ours.compute_output_shape((None, 5, 4))
    assert shape == theirs.compute_output_shape((None, 5, 4))


def test_bidirectional_backward_layer_state_and_config(rng):
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    make = lambda lib, back: lib.layers.Bidirectional(  # noqa: E731
        lib.layers.GRU(3, return_state=True),
        backward_layer=lib.layers.SimpleRNN(3, return_state=True, go_backwards=back),
        merge_mode="sum")
    ours, theirs = make(lamina, True), make(keras, True)
    theirs.build((None, 4, 3))
    ours.build((None, 4, 3))
    ours.built = True
    ours.set_weights(theirs.get_weights())
    assert_same(ours(x), theirs(x))
    clone = layers.Bidirectional.from_config(ours.get_config())
    assert isinstance(clone.backward_layer, layers.SimpleRNN)
    assert clone.forward_layer.name.startswith("forward_gru")
    assert clone.get_config() == ours.get_config()
    with pytest.raises(lamina.errors.ConfigError, match="opposite directions"):
        make(lamina, False)
    with pytest.raises(lamina.errors.ConfigError, match="merge_mode='max'"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")


def test_bidirectional_in_a_model_trains_like_keras(rng):
    x = rng.normal(size=(64, 5, 3)).astype("float32")
    y = rng.integers(0, 3, size=(64,))

    def model(lib):
        return lib.Sequential([lib.layers.Input((5, 3)),
                               lib.layers.Bidirectional(lib.layers.LSTM(4)),
                               lib.layers.Dense(3, activation="softmax")])

    ours, theirs = model(lamina), model(keras)
    assert ours.count_params() == theirs.count_params()
    assert ours.output_shape == theirs.output_shape
    ours.set_weights(theirs.get_weights())
    for m in (ours, theirs):
        m.compile("adam", "sparse_categorical_crossentropy")
        m.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-4)


def test_time_distributed_matches_keras(rng):
    x = rng.normal(size=(2, 5, 4)).astype("float32")
    ours, theirs = (layers.TimeDistributed(layers.Dense(3, activation="relu")),
                    keras.layers.TimeDistributed(keras.layers.Dense(3, activation="relu")))
    theirs.build((None, 5, 4))
    ours.build((None, 5, 4))
    ours.built = True
    ours.set_weights(theirs.get_weights())
    assert_same(ours(x), theirs(x))
    assert ours.compute_output_shape((None, 5, 4)) == theirs.compute_output_shape((None, 5, 4))
    model = lamina.Sequential([layers.Input((5, 4)), ours, layers.LSTM(2)])
    assert model.output_shape == (None, 2)
    clone = layers.TimeDistributed.from_config(ours.get_config())
    assert isinstance(clone.layer, layers.Dense) and clone.layer.units == 3
    with pytest.raises(lamina.errors.ShapeError, match="time axis"):
        layers.TimeDistributed(layers.Dense(2))(np.zeros((2, 3), "float32"))


class MinimalRNNCell(layers.Layer):
    """The user cell from Keras's RNN docs: h = x @ kernel + h_prev @ recurrent_kernel."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units))
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, self.units))

    def call(self, inputs, states):
        h = inputs @ self.kernel.value + states[0] @ self.recurrent_kernel.value
        return h, [h]


def test_rnn_with_builtin_and_user_cells(rng):
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    lstm = layers.LSTM(5, return_sequences=True)
    rnn = layers.RNN(layers.LSTMCell(5), return_sequences=True, unroll=True)
    lstm(x), rnn(x)
    rnn.set_weights(lstm.get_weights())
    np.testing.assert_allclose(rnn(x), lstm(x), atol=1e-6)
    user = layers.RNN(MinimalRNNCell(3), return_state=True, go_backwards=True)
    out, state = user(x)
    kernel, recurrent = (np.asarray(w) for w in user.get_weights())
    h = np.zeros((2, 3), "float32")
    for t in reversed(range(4)):
        h = x[:, t] @ kernel + h @ recurrent
    np.testing.assert_allclose(out, h, atol=1e-5)
    np.testing.assert_allclose(state, h, atol=1e-5)


def test_stateful_model_fits_and_carries_state(rng):
    model = lamina.Sequential([layers.Input((5, 3), batch_size=4),
                               layers.GRU(6, stateful=True), layers.Dense(1)])
    gru = model.layers[0]
    assert len(model.trainable_weights) == 5 and len(gru.non_trainable_weights) == 1
    model.compile("sgd", "mse")
    x = rng.normal(size=(16, 5, 3)).astype("float32")
    model.fit(x, rng.normal(size=(16, 1)), batch_size=4, epochs=1, shuffle=False, verbose=0)
    state = np.asarray(gru.states[0].value)
    assert np.abs(state).max() > 0  # the compiled step wrote the final state back
    gru.reset_state()
    assert np.abs(np.asarray(gru.states[0].value)).max() == 0
