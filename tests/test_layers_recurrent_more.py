"""RNN with user cells (the keras.io RNN guide), lists of cells, StackedRNNCells, stateful
predict and recurrent dropout, against Keras (oracle) or NumPy."""

import re

import jax
import numpy as np
import pytest

import lamina
from lamina import layers

keras = pytest.importorskip("keras")


def minimal_rnn_cell(lib):
    """The `MinimalRNNCell` of Keras's RNN docs, written against `lib` (keras or lamina)."""

    class MinimalRNNCell(lib.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                          initializer="uniform", name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                    initializer="uniform",
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            prev_output = states[0]
            h = lib.ops.matmul(inputs, self.kernel)
            output = h + lib.ops.matmul(prev_output, self.recurrent_kernel)
            return output, [output]

    return MinimalRNNCell


def two_state_cell(lib):
    """A user cell with two states of different sizes and an `output_size`."""

    class TwoStateCell(lib.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = [units, 2 * units]
            self.output_size = 2 * units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], 2 * self.units),
                                          initializer="glorot_uniform", name="kernel")

        def call(self, inputs, states):
            h, c = states
            c = lib.ops.tanh(lib.ops.matmul(inputs, self.kernel) + c)
            h = h + c[:, :self.units]
            return c, [h, c]

    return TwoStateCell


class NestedCell(layers.Layer):
    """The nested-structure cell of the keras.io RNN guide (inputs and states of two shapes);
    Keras 3.15 cannot run it (its RNN takes one input tensor), so NumPy is the oracle."""

    def __init__(self, unit_1, unit_2, unit_3, **kwargs):
        self.unit_1 = unit_1
        self.unit_2 = unit_2
        self.unit_3 = unit_3
        self.state_size = [(unit_1,), (unit_2, unit_3)]
        self.output_size = [(unit_1,), (unit_2, unit_3)]
        super().__init__(**kwargs)

    def build(self, input_shapes):
        # expect input_shape to contain 2 items, [(batch, i1), (batch, i2, i3)]
        i1 = input_shapes[0][1]
        i2 = input_shapes[1][1]
        i3 = input_shapes[1][2]
        self.kernel_1 = self.add_weight(shape=(i1, self.unit_1), initializer="uniform",
                                        name="kernel_1")
        self.kernel_2_3 = self.add_weight(shape=(i2, i3, self.unit_2, self.unit_3),
                                          initializer="uniform", name="kernel_2_3")

    def call(self, inputs, states):
        input_1, input_2 = inputs
        s1, s2 = states
        output_1 = lamina.ops.matmul(input_1, self.kernel_1)
        output_2_3 = lamina.ops.einsum("bij,ijkl->bkl", input_2, self.kernel_2_3)
        return (output_1, output_2_3), (s1 + output_1, s2 + output_2_3)


def test_nested_inputs_and_states_as_in_the_guide(rng):
    a = rng.normal(size=(2, 4, 5)).astype("float32")
    b = rng.normal(size=(2, 4, 6, 7)).astype("float32")
    input_1, input_2 = lamina.Input((None, 5)), lamina.Input((None, 6, 7))
    rnn = layers.RNN(NestedCell(3, 2, 4), return_sequences=True, return_state=True)
    model = lamina.Model([input_1, input_2], rnn((input_1, input_2)))
    (out_1, out_2), s1, s2 = model.predict([a, b], verbose=0)
    k1, k23 = (np.asarray(w, np.float64) for w in rnn.get_weights())
    steps_1, steps_2 = a @ k1, np.einsum("btij,ijkl->btkl", b, k23)
    np.testing.assert_allclose(out_1, steps_1, atol=1e-5)
    np.testing.assert_allclose(out_2, steps_2, atol=1e-5)
    np.testing.assert_allclose(s1, steps_1.sum(1), atol=1e-5)
    np.testing.assert_allclose(s2, steps_2.sum(1), atol=1e-5)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
    (out_1, out_2), s1, s2 = rnn((a, b), mask=mask)  # masked steps keep the states
    np.testing.assert_allclose(s1[0], steps_1[0, :2].sum(0), atol=1e-5)
    np.testing.assert_allclose(out_2[0, 3], steps_2[0, 1], atol=1e-5)
    assert rnn.compute_output_shape([(None, 4, 5), (None, 4, 6, 7)]) == (
        [(None, 4, 3), (None, 4, 2, 4)], (None, 3), (None, 2, 4))


def both(build):
    """`build(lib)` for Keras and lamina, with Keras's weights copied into ours."""
    theirs, ours = build(keras), build(lamina)
    return theirs, ours


def copy_weights(ours, theirs):
    assert [w.path.split("/")[-1] for w in ours.weights] == \
        [w.path.split("/")[-1] for w in theirs.weights]
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])


def assert_same(ours, theirs, atol=1e-5):
    flat_ours, flat_theirs = jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(theirs)
    assert len(flat_ours) == len(flat_theirs)
    for a, b in zip(flat_ours, flat_theirs):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=atol)


CELL_STACKS = {
    "minimal": lambda lib: minimal_rnn_cell(lib)(4),
    "minimal_list": lambda lib: [minimal_rnn_cell(lib)(4), minimal_rnn_cell(lib)(3)],
    "two_state": lambda lib: two_state_cell(lib)(3),
    "mixed_list": lambda lib: [lib.layers.LSTMCell(4), two_state_cell(lib)(2),
                               lib.layers.GRUCell(3), lib.layers.SimpleRNNCell(2)],
    "stacked": lambda lib: lib.layers.StackedRNNCells(
        [lib.layers.GRUCell(3), minimal_rnn_cell(lib)(2), lib.layers.LSTMCell(4)]),
}


@pytest.mark.parametrize("kind", sorted(CELL_STACKS))
def test_user_cells_and_stacks_match_keras(kind, rng):
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    # Keras's JAX masking repeats `states[0]` (or states[-1][0]): right only when that is
    # the output, so other kinds are checked against Keras unmasked, and masked against
    # the same sequences cut short
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    keras_masks = kind in ("minimal", "stacked")
    theirs, ours = both(lambda lib: lib.layers.RNN(CELL_STACKS[kind](lib),
                                                   return_sequences=True, return_state=True))
    expected = theirs(x, mask=mask if keras_masks else None)
    ours(x)
    copy_weights(ours, theirs)
    got = ours(x, mask=mask if keras_masks else None)
    assert len(got) == len(expected)
    assert_same(got, expected)
    assert_same(ours.compute_output_shape(x.shape), theirs.compute_output_shape(x.shape))
    masked, short = ours(x, mask=mask), ours(x[:1, :3])
    assert_same(masked[0][0, 3:], np.repeat(np.asarray(short[0][0, 2:]), 2, axis=0))
    assert_same([s[:1] for s in jax.tree_util.tree_leaves(masked[1:])], short[1:])


def test_rnn_in_a_functional_model_matches_keras(rng):
    x = rng.normal(size=(3, 4, 5)).astype("float32")

    def build(lib):
        inputs = lib.Input((None, 5))
        outputs = lib.layers.RNN([minimal_rnn_cell(lib)(4), lib.layers.LSTMCell(3)])(inputs)
        return lib.Model(inputs, lib.layers.Dense(2)(outputs))

    theirs, ours = both(build)
    copy_weights(ours, theirs)
    assert_same(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))


def test_stacked_cells_weights_and_config_match_keras():
    theirs, ours = both(lambda lib: lib.layers.RNN(lib.layers.StackedRNNCells(
        [lib.layers.LSTMCell(4, dropout=0.1), lib.layers.GRUCell(3, reset_after=False)])))
    theirs.build((None, 6, 5))
    ours.build((None, 6, 5))
    plain = lambda path: re.sub(r"_\d+(?=/|$)", "", path)  # noqa: E731 (name counters)
    assert [plain(w.path) for w in ours.weights] == [plain(w.path) for w in theirs.weights]
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    mine, keras_config = ours.get_config(), theirs.get_config()
    cells = mine["cell"]["config"].pop("cells")
    keras_cells = keras_config["cell"]["config"].pop("cells")
    assert [c["class_name"] for c in cells] == [c["class_name"] for c in keras_cells]
    unnamed = lambda config: {**config, "name": None}  # noqa: E731 (counters differ)
    for ours_cell, keras_cell in zip(cells, keras_cells):
        assert unnamed(ours_cell["config"]) == unnamed(keras_cell["config"])
    keras_config["cell"].pop("build_config")  # lamina's configs do not depend on building
    for config in (mine, keras_config):
        config["cell"]["config"] = unnamed(config["cell"]["config"])
    assert unnamed(mine) == unnamed(keras_config)
    again = layers.RNN.from_config(ours.get_config())
    assert [type(c).__name__ for c in again.cell.cells] == ["LSTMCell", "GRUCell"]
    assert again.cell.cells[1].reset_after is False


def test_stacked_cells_from_a_keras_file(tmp_path, rng):
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    theirs = keras.Sequential([keras.Input((4, 3)), keras.layers.RNN(
        [keras.layers.SimpleRNNCell(3), keras.layers.LSTMCell(2)], return_sequences=True)])
    theirs.save(tmp_path / "stacked.keras")
    ours = lamina.models.load_model(tmp_path / "stacked.keras")
    assert_same(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))


def test_stateful_predict_carries_state_across_batches(rng):
    """Keras's rule for stateful RNNs: sample i of each batch continues from sample i of the
    previous batch (what Keras's eager calls do, batch after batch)."""
    x = rng.normal(size=(6, 3, 2)).astype("float32")

    def build(lib):
        inputs = lib.Input((3, 2), batch_size=2)
        rnn = lib.layers.LSTM(4, stateful=True, return_sequences=True)
        return lib.Model(inputs, lib.layers.Dense(1)(rnn(inputs)))

    theirs, ours = both(build)
    # lamina lists the states after the weights (Keras leaves them out of get_weights)
    ours.set_weights(theirs.get_weights()[:3] + [np.zeros((2, 4), "float32")] * 2
                     + theirs.get_weights()[3:])
    expected = np.concatenate([np.asarray(theirs(x[i:i + 2])) for i in (0, 2, 4)])
    assert_same(ours.predict(x, batch_size=2, verbose=0), expected)
    rnn = ours.layers[1]
    assert_same(rnn.states[0].value, theirs.layers[1].states[0].value)
    assert_same(ours.predict(x[:2], verbose=0), theirs(x[:2]))  # goes on from there
    rnn.reset_states()
    theirs.layers[1].reset_states()
    assert_same(ours.predict(x[:2], verbose=0), theirs(x[:2]))


def test_stateful_models_load_from_and_into_keras_files(tmp_path, rng):
    """Keras's files hold no RNN states; lamina's neither, so they load both ways."""
    x = rng.normal(size=(2, 3, 2)).astype("float32")
    theirs = keras.Sequential([keras.Input((3, 2), batch_size=2),
                               keras.layers.GRU(3, stateful=True)])
    theirs.save(tmp_path / "keras_made.keras")
    ours = lamina.models.load_model(tmp_path / "keras_made.keras")
    assert_same(ours.predict(x, verbose=0), theirs(x))
    ours.save(tmp_path / "lamina_made.keras")
    back = keras.models.load_model(tmp_path / "lamina_made.keras")
    assert_same(back.get_weights(), theirs.get_weights())


def test_recurrent_dropout_masks_are_fixed_across_time_in_stacks():
    """With zero kernels but one, each step repeats the previous one's output unless the
    dropout masks changed between steps; a new call draws new masks."""
    cell = layers.SimpleRNNCell(8, activation=None, recurrent_dropout=0.5, seed=3)
    rnn = layers.RNN([layers.SimpleRNNCell(8, activation=None, dropout=0.5, seed=2), cell],
                     return_sequences=True)
    x = np.ones((4, 5, 6), "float32")
    rnn(x)
    first = rnn.cell.cells[0]
    first.recurrent_kernel.assign(np.zeros((8, 8)))
    cell.kernel.assign(np.eye(8))
    cell.recurrent_kernel.assign(np.zeros((8, 8)))
    with lamina.random.key_scope(jax.random.PRNGKey(0)):
        out = np.asarray(rnn(x, training=True))
        again = np.asarray(rnn(x, training=True))
    np.testing.assert_allclose(out, np.repeat(out[:, :1], 5, axis=1), atol=1e-6)
    assert not np.allclose(out, again)  # per call (per batch), new masks
    assert not np.allclose(out, np.asarray(rnn(x)))
    # the recurrent mask multiplies the state each step: a constant state gives h_t = m * h_0
    cell.recurrent_kernel.assign(np.eye(8))
    cell.kernel.assign(np.zeros((8, 8)))
    state = np.ones((4, 8), "float32")
    with lamina.random.key_scope(jax.random.PRNGKey(1)):
        seq = np.asarray(layers.RNN(cell, return_sequences=True)(
            np.ones((4, 5, 8), "float32"), initial_state=[state], training=True))
    mask = seq[:, 0] / state
    np.testing.assert_allclose(seq, np.cumprod(np.repeat(mask[:, None], 5, 1), 1), atol=1e-5)


def test_bad_cells_name_the_problem():
    with pytest.raises(ValueError, match="state_size"):
        layers.StackedRNNCells([layers.Dense(3)])
    with pytest.raises(ValueError, match="cell"):
        layers.RNN(layers.Dense(3))
