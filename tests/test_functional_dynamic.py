"""Functional models as Keras builds them: unknown (None) axes, input-rank adjustment, and
Model subclasses built from (inputs, outputs). Numbers checked against Keras 3."""

import numpy as np
import pytest

import lamina

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)


def _data(*shape):
    return RNG.normal(size=shape).astype("float32")


def _close(got, want, atol=1e-5):
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=atol)


def _pair(build):
    """The same model built by Keras and by lamina, with Keras's weights in both."""
    theirs, ours = build(keras), build(lamina)
    ours.set_weights(theirs.get_weights())
    return theirs, ours


def _fit_both(theirs, ours, x, y):
    for model, lib in ((theirs, keras), (ours, lamina)):
        model.compile(lib.optimizers.SGD(0.1), "mse")
    want = theirs.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0).history["loss"]
    got = ours.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0).history["loss"]
    _close(got, want, atol=1e-5)
    for g, w in zip(ours.get_weights(), theirs.get_weights()):
        _close(g, w, atol=1e-5)


# -- unknown axes ---------------------------------------------------------------------------
def seq2seq(lib):
    """Encoder LSTM states start the decoder LSTM; both read sequences of any length."""
    encoder_inputs = lib.Input((None, 3))
    decoder_inputs = lib.Input((None, 4))
    _, state_h, state_c = lib.layers.LSTM(6, return_state=True)(encoder_inputs)
    decoded = lib.layers.LSTM(6, return_sequences=True)(decoder_inputs,
                                                        initial_state=[state_h, state_c])
    outputs = lib.layers.Dense(4, activation="softmax")(decoded)
    return lib.Model([encoder_inputs, decoder_inputs], outputs)


def fully_convolutional(lib):
    inputs = lib.Input((None, None, 3))
    x = lib.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    x = lib.layers.Conv2D(5, 3)(x)
    return lib.Model(inputs, lib.layers.Dense(2)(lib.layers.GlobalMaxPooling2D()(x)))


def sequential_conv1d(lib):
    return lib.Sequential([lib.Input((None, 4)), lib.layers.Conv1D(3, 2, activation="relu"),
                           lib.layers.GlobalAveragePooling1D(), lib.layers.Dense(1)])


def test_seq2seq_over_sequences_of_any_length_matches_keras():
    theirs, ours = _pair(seq2seq)
    assert ours.output_shape == (None, None, 4)
    for encoder_steps, decoder_steps in ((5, 7), (9, 3)):
        x = [_data(4, encoder_steps, 3), _data(4, decoder_steps, 4)]
        _close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))
    x = [_data(4, 6, 3), _data(4, 2, 4)]
    _fit_both(theirs, ours, x, np.full((4, 2, 4), 0.25, "float32"))


@pytest.mark.parametrize("build, shapes", [
    (fully_convolutional, [(3, 8, 8, 3), (3, 11, 6, 3)]),
    (sequential_conv1d, [(3, 5, 4), (3, 9, 4)]),
], ids=["conv2d", "sequential_conv1d"])
def test_convolutional_net_over_inputs_of_any_size_matches_keras(build, shapes):
    theirs, ours = _pair(build)
    for shape in shapes:
        x = _data(*shape)
        _close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))
        _close(ours(x), theirs(x))
    x = _data(*shapes[1])
    _fit_both(theirs, ours, x, np.ones((len(x), theirs.output_shape[-1]), "float32"))


# -- input-rank adjustment ------------------------------------------------------------------
def trailing_one(lib):
    inputs = lib.Input((4, 1))
    return lib.Model(inputs, lib.layers.Dense(2)(lib.layers.Flatten()(inputs)))


def flat_sequential(lib):
    return lib.Sequential([lib.Input((5,)), lib.layers.Dense(2)])


@pytest.mark.parametrize("build, shape", [
    (trailing_one, (6, 4)),  # one axis fewer: Keras adds it
    (flat_sequential, (6, 5, 1)),  # one trailing axis of 1 more: Keras drops it
], ids=["expand", "squeeze"])
def test_data_one_trailing_axis_off_is_adjusted_as_in_keras(build, shape):
    theirs, ours = _pair(build)
    x, y = _data(*shape), np.ones((shape[0], 2), "float32")
    _close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))
    _close(ours(x), theirs(x))
    _fit_both(theirs, ours, x, y)
    for model, lib in ((theirs, keras), (ours, lamina)):
        model.compile("sgd", "mse")
    _close(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0))


def test_data_of_another_rank_is_still_an_error():
    model = trailing_one(lamina)
    with pytest.raises(ValueError, match="shape"):
        model.predict(_data(6, 4, 2), verbose=0)
    with pytest.raises(ValueError, match="shape"):
        model.predict(_data(6, 4, 1, 1, 1), verbose=0)


# -- Model subclasses built from (inputs, outputs) ------------------------------------------
def _custom_model_class(lib):
    class CustomModel(lib.Model):
        def describe(self) -> str:
            return f"{self.name} with {len(self.layers)} layers"

    return CustomModel


def _custom(lib, cls):
    inputs = lib.Input((3,))
    hidden = lib.layers.Dense(4, activation="relu")(inputs)
    return cls(inputs=inputs, outputs=lib.layers.Dense(2)(hidden))


def test_model_subclass_given_inputs_and_outputs_is_functional_like_keras():
    ours_cls, theirs_cls = _custom_model_class(lamina), _custom_model_class(keras)
    theirs, ours = _custom(keras, theirs_cls), _custom(lamina, ours_cls)
    ours.set_weights(theirs.get_weights())
    assert isinstance(ours, ours_cls) and isinstance(ours, lamina.models.Functional)
    assert ours.describe() == theirs.describe().replace(theirs.name, ours.name)
    assert [type(layer).__name__ for layer in ours.layers] == \
        [type(layer).__name__ for layer in theirs.layers]
    assert ours.count_params() == theirs.count_params() == 26
    lines = []
    ours.summary(print_fn=lambda line, *a, **k: lines.append(line))
    assert any("dense" in line and "(None, 4)" in line for line in lines)
    x, y = _data(8, 3), _data(8, 2)
    _close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))
    _fit_both(theirs, ours, x, y)


def test_model_subclass_with_own_init_passes_inputs_and_outputs_on():
    class Scaled(lamina.Model):
        def __init__(self, *args, scale=2.0, **kwargs):
            super().__init__(*args, **kwargs)
            self.scale = scale

    inputs = lamina.Input((3,))
    model = Scaled(inputs, lamina.layers.Dense(1)(inputs), scale=3.0, name="scaled")
    assert (model.scale, model.name, len(model.layers)) == (3.0, "scaled", 2)
    assert model.predict(_data(2, 3), verbose=0).shape == (2, 1)


def test_functional_model_subclass_saves_and_loads_both_ways(tmp_path):
    ours_cls, theirs_cls = _custom_model_class(lamina), _custom_model_class(keras)
    theirs, ours = _custom(keras, theirs_cls), _custom(lamina, ours_cls)
    ours.set_weights(theirs.get_weights())
    x = _data(5, 3)
    expected = theirs.predict(x, verbose=0)
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    for path in (tmp_path / "ours.keras", tmp_path / "theirs.keras"):
        loaded = lamina.models.load_model(path, custom_objects={"CustomModel": ours_cls})
        assert type(loaded) is ours_cls and loaded.describe().endswith("3 layers")
        _close(loaded.predict(x, verbose=0), expected)
    back = keras.models.load_model(tmp_path / "ours.keras",
                                   custom_objects={"CustomModel": theirs_cls})
    assert type(back) is theirs_cls
    _close(back.predict(x, verbose=0), expected)


def test_registered_functional_model_subclass_loads_without_custom_objects(tmp_path):
    @lamina.saving.register_keras_serializable(package="dynamic_tests")
    class Registered(lamina.Model):
        def twice(self, x):
            return 2 * self.predict(x, verbose=0)

    model = _custom(lamina, Registered)
    model.save(tmp_path / "registered.keras")
    loaded = lamina.models.load_model(tmp_path / "registered.keras")
    x = _data(4, 3)
    assert type(loaded) is Registered
    _close(loaded.twice(x), model.twice(x))


def test_subclass_passing_something_else_to_model_init_gets_a_clear_error():
    class Wrong(lamina.Model):
        def __init__(self):
            super().__init__(lamina.layers.Dense(2))

    with pytest.raises(lamina.errors.ConfigError, match="needs both"):
        Wrong()
