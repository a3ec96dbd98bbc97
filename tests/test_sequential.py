"""Sequential: construction, naming, weights, summary — against Keras."""

import io

import numpy as np
import pytest

import lamina
from lamina import layers

keras = pytest.importorskip("keras")


def tutorial_layers(lib):
    return [lib.layers.Flatten(input_shape=(28, 28)), lib.layers.Dense(128, activation="relu"),
            lib.layers.Dropout(0.2), lib.layers.Dense(64, activation="relu"),
            lib.layers.Dense(10, activation="softmax")]


def capture_summary(model, **kwargs):
    lines = []
    model.summary(print_fn=lambda line, *a, **k: lines.append(line), **kwargs)
    return "\n".join(lines)


def test_tutorial_mlp_summary_matches_keras(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    lamina.backend.clear_session()
    keras.backend.clear_session()
    ours = lamina.Sequential(tutorial_layers(lamina))
    theirs = keras.Sequential(tutorial_layers(keras))
    assert ours.count_params() == theirs.count_params() == 109_386
    text = capture_summary(ours, line_length=76)
    ref = capture_summary(theirs, line_length=76)
    assert text.splitlines() == [line.rstrip() for line in ref.splitlines() if line.strip()]


def test_summary_reports_optimizer_params_after_fit():
    model = lamina.Sequential([layers.Input((4,)), layers.Dense(3)])
    model.compile("adam", "mse")
    model.fit(np.zeros((8, 4)), np.zeros((8, 3)), verbose=0)
    text = capture_summary(model)
    assert "Optimizer params: 32 (128.00 B)" in text  # 2 moments x 15 + iterations + lr


def test_add_pop_and_deferred_build():
    model = lamina.Sequential(name="net")
    model.add(layers.Dense(4))
    assert not model.built
    model.add(layers.Dense(2))
    y = model(np.ones((3, 5), "float32"))
    assert y.shape == (3, 2) and model.built
    assert [w.shape for w in model.get_weights()] == [(5, 4), (4,), (4, 2), (2,)]
    popped = model.pop()
    assert isinstance(popped, layers.Dense) and len(model.layers) == 1
    assert model.name == "net"


def test_input_as_first_element_and_get_layer():
    model = lamina.Sequential([lamina.Input((3,)), layers.Dense(2, name="out")])
    assert model.built and len(model.layers) == 1
    assert model.get_layer("out") is model.get_layer(index=0)
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("nope")


def test_weights_order_and_set_weights_match_keras(rng):
    lamina.backend.clear_session()
    ours = lamina.Sequential(tutorial_layers(lamina))
    theirs = keras.Sequential(tutorial_layers(keras))
    ours.set_weights(theirs.get_weights())
    x = rng.random((16, 28, 28)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               atol=1e-5)
    np.testing.assert_allclose(np.asarray(ours(x)), theirs.predict(x, verbose=0), atol=1e-5)
    assert len(ours.trainable_weights) == 6 and ours.non_trainable_weights == []


def test_trainable_flag_freezes_layer():
    model = lamina.Sequential([layers.Input((3,)), layers.Dense(2), layers.Dense(1)])
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    model.compile("sgd", "mse")
    frozen = model.layers[0].get_weights()
    model.fit(np.ones((8, 3)), np.ones((8, 1)), verbose=0)
    for a, b in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)


def test_set_weights_wrong_shape_names_variable():
    model = lamina.Sequential([layers.Input((3,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="kernel"):
        model.set_weights([np.zeros((4, 2)), np.zeros(2)])


def test_sequential_config_round_trip():
    model = lamina.Sequential(tutorial_layers(lamina))
    clone = lamina.Sequential.from_config(model.get_config())
    assert [type(layer) for layer in clone.layers] == [type(layer) for layer in model.layers]
    assert clone.count_params() == model.count_params()


def test_masks_flow_through_sequential_to_layers_that_take_them():
    class MaskZeros(layers.Layer):
        def call(self, inputs):
            return inputs

        def compute_mask(self, inputs, previous_mask=None):
            return inputs[..., 0] != 0

    class MaskedSum(layers.Layer):
        def call(self, inputs, mask=None):
            if mask is None:
                return inputs.sum(axis=1)
            return (inputs * mask[..., None]).sum(axis=1)

    x = np.array([[[1.0, 2.0], [0.0, 5.0], [3.0, 1.0]]], "float32")
    model = lamina.Sequential([layers.Input((3, 2)), MaskZeros(), layers.Activation("linear"),
                               MaskedSum()])
    np.testing.assert_allclose(model.predict(x, verbose=0), [[4.0, 3.0]])
    plain = lamina.Sequential([layers.Input((3, 2)), MaskZeros(), layers.Flatten(),
                               layers.Reshape((3, 2)), MaskedSum()])
    # Flatten does not support masking: the mask stops there
    np.testing.assert_allclose(plain.predict(x, verbose=0), [[4.0, 8.0]])


@pytest.mark.parametrize("declared", ["input_shape", "Input", "deferred"])
def test_sequential_is_a_graph_feature_extraction_matches_keras(declared, rng):
    def build(lib):
        stack = [lib.layers.Dense(6, activation="relu"), lib.layers.Dropout(0.3),
                 lib.layers.Dense(4, activation="tanh"), lib.layers.Dense(2)]
        if declared == "input_shape":
            stack[0] = lib.layers.Dense(6, activation="relu", input_shape=(5,))
        elif declared == "Input":
            stack.insert(0, lib.Input((5,)))
        return lib.Sequential(stack)

    x = rng.normal(size=(7, 5)).astype("float32")
    ours, theirs = build(lamina), build(keras)
    if declared == "deferred":  # built by its first call, like Keras
        ours(x), theirs(x)
    theirs.set_weights(ours.get_weights())
    assert [t.shape[1:] for t in ours.inputs] == [tuple(t.shape[1:]) for t in theirs.inputs]
    assert ours.output.shape == (None, 2) and theirs.outputs[0].shape[1:] == (2,)
    for index in (0, 2):
        ours_features = lamina.Model(ours.inputs, ours.layers[index].output)
        theirs_features = keras.Model(theirs.inputs, theirs.layers[index].output)
        np.testing.assert_allclose(ours_features.predict(x, verbose=0),
                                   theirs_features.predict(x, verbose=0), atol=1e-6)
        assert ours_features.count_params() == theirs_features.count_params()
    ours.add(lamina.layers.Dense(3))  # adding extends the same graph
    np.testing.assert_allclose(
        lamina.Model(ours.input, ours.layers[2].output).predict(x, verbose=0),
        theirs_features.predict(x, verbose=0), atol=1e-6)
    assert ours.output.shape == (None, 3) and ours.predict(x, verbose=0).shape == (7, 3)


def test_unbuilt_sequential_has_no_inputs_yet():
    model = lamina.Sequential([layers.Dense(3)])
    with pytest.raises(AttributeError, match="not built.*Input"):
        model.inputs
