"""Every bad input of the foundation issue: its error type, and a message naming what and the fix.
A failed call must leave the model as it was."""

import numpy as np
import pytest

import lamina
from lamina import errors, layers


def tutorial():
    model = lamina.Sequential([layers.Flatten(input_shape=(28, 28)),
                               layers.Dense(128, activation="relu"),
                               layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


X = np.random.default_rng(0).random((64, 28, 28)).astype("float32")
Y = np.random.default_rng(0).integers(0, 10, 64)


def unchanged_after(model, call):
    before = model.get_weights()
    with pytest.raises(Exception) as info:
        call()
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    model.fit(X, Y, epochs=1, verbose=0)  # still usable
    return info


def test_dense_last_axis_mismatch_names_layer_and_fix():
    model = lamina.Sequential([layers.Input((784,)), layers.Dense(10, name="dense_in")])
    with pytest.raises(errors.ShapeError) as info:
        model.layers[0](np.zeros((32, 28, 28), "float32"))
    text = str(info.value)
    assert "dense_in" in text and "784" in text and "(32, 28, 28)" in text
    assert "Flatten()" in text


def test_model_input_shape_mismatch_is_caught_before_training():
    model = tutorial()
    info = unchanged_after(model, lambda: model.fit(np.zeros((8, 784)), np.zeros(8), verbose=0))
    assert isinstance(info.value, errors.ShapeError)
    assert "(None, 28, 28)" in str(info.value) and "(8, 784)" in str(info.value)


@pytest.mark.parametrize("labels,needle", [
    (np.full(64, 10), "out of range"),
    (np.full(64, -1), "out of range"),
    (np.eye(10)[Y], "one-hot"),
    (Y + 0.5, "integer"),
])
def test_sparse_label_errors(labels, needle):
    model = tutorial()
    info = unchanged_after(model, lambda: model.fit(X, labels, verbose=0))
    assert isinstance(info.value, errors.DataError) and needle in str(info.value)


def test_integer_labels_with_categorical_crossentropy():
    model = tutorial()
    model.compile("adam", "categorical_crossentropy")
    with pytest.raises(errors.DataError, match="sparse_categorical_crossentropy"):
        model.fit(X, Y, verbose=0)


def test_class_labels_with_binary_crossentropy():
    model = lamina.Sequential([layers.Input((3,)), layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    with pytest.raises(errors.DataError, match=r"\[0, 1\]"):
        model.fit(np.zeros((5, 3)), np.arange(5), verbose=0)


@pytest.mark.parametrize("kwargs,error,needle", [
    (dict(batch_size=0), errors.ConfigError, "batch_size"),
    (dict(batch_size=-3), errors.ConfigError, "batch_size"),
    (dict(epochs=-1), errors.ConfigError, "epochs"),
    (dict(validation_split=1.0), errors.ConfigError, "validation_split"),
    (dict(validation_split=-0.1), errors.ConfigError, "validation_split"),
    (dict(verbose=5), errors.ConfigError, "verbose"),
])
def test_bad_fit_arguments(kwargs, error, needle):
    model = tutorial()
    info = unchanged_after(model, lambda: model.fit(X, Y, **kwargs))
    assert isinstance(info.value, error) and needle in str(info.value)


def test_length_mismatch_empty_and_non_numeric():
    model = tutorial()
    with pytest.raises(errors.DataError, match="x has 64, y has 63"):
        model.fit(X, Y[:63], verbose=0)
    with pytest.raises(errors.DataError, match="empty"):
        model.fit(X[:0], Y[:0], verbose=0)
    with pytest.raises(errors.DataError, match="numeric"):
        model.fit(np.array([["a"] * 28] * 28, dtype=object)[None].repeat(2, 0), [1, 2],
                  verbose=0)


def test_fit_before_compile():
    model = lamina.Sequential([layers.Input((3,)), layers.Dense(1)])
    with pytest.raises(errors.NotCompiledError, match="compile"):
        model.fit(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(errors.NotCompiledError, match="compile"):
        model.evaluate(np.zeros((4, 3)), np.zeros(4))


@pytest.mark.parametrize("kwargs,kind,typo,suggestion", [
    (dict(metrics=["acuracy"]), "metric", "acuracy", "accuracy"),
    (dict(optimizer="adamm"), "optimizer", "adamm", "adam"),
    (dict(loss="sparse_categorical_crossentropi"), "loss", "crossentropi",
     "sparse_categorical_crossentropy"),
])
def test_unknown_names_suggest_close_matches(kwargs, kind, typo, suggestion):
    model = tutorial()
    args = dict(optimizer="adam", loss="mse") | kwargs
    with pytest.raises(errors.UnknownNameError) as info:
        model.compile(**args)
    text = str(info.value).lower()
    assert kind in text and typo in text and f"'{suggestion}'" in text and "did you mean" in text


def test_unknown_activation_and_initializer():
    with pytest.raises(errors.UnknownNameError, match="relu"):
        layers.Dense(3, activation="relux")
    with pytest.raises(errors.UnknownNameError, match="glorot_uniform"):
        layers.Dense(3, kernel_initializer="glorot_unifrom")


def test_nan_inputs_raise_before_training():
    model = tutorial()
    x = X.copy()
    x[0, 0, 0] = np.nan
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match="x contains 1 non-finite"):
        model.fit(x, Y, epochs=1, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_errors_are_value_or_type_errors():
    assert issubclass(errors.ShapeError, ValueError)
    assert issubclass(errors.DataError, ValueError)
    assert issubclass(errors.ConfigError, ValueError)
