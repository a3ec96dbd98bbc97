"""Models whose first layers take strings: the host stage runs them batch by batch, before the
compiled step, in fit / evaluate / predict and direct calls (models/host_stage.py).

Written as the keras.io text-classification guide writes it: `Input(shape=(1,), dtype="string")`
into `TextVectorization`, or a Sequential starting with it, trained on raw strings.
"""

import numpy as np
import pytest

import lamina as keras
from lamina import errors, layers

TEXTS = np.array(["the movie was great fun", "a terrible boring film", "great acting, great fun",
                  "boring and terrible", "fun fun fun", "the plot was terrible",
                  "great great film", "a boring movie"])
LABELS = np.array([1, 0, 1, 0, 1, 0, 1, 0], np.float32)


def _vectorizer(**kwargs):
    vec = layers.TextVectorization(max_tokens=30, **kwargs)
    vec.adapt(TEXTS)
    return vec


def _head(seq_len=None):
    inputs = keras.Input(shape=(seq_len,), dtype="int32")
    x = layers.Embedding(30, 8)(inputs)
    x = layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))


def _end_to_end(vec, head):
    text = keras.Input(shape=(1,), dtype="string")
    return keras.Model(text, head(vec(text)))


def test_string_input_model_predicts_as_the_integer_model_on_vectorized_text():
    keras.utils.set_random_seed(0)
    vec, head = _vectorizer(output_sequence_length=6), _head(6)
    model = _end_to_end(vec, head)
    expected = head.predict(np.asarray(vec(TEXTS)), verbose=0)
    np.testing.assert_allclose(model.predict(TEXTS, verbose=0), expected, rtol=1e-6)
    np.testing.assert_allclose(model.predict(TEXTS[:, None], batch_size=3, verbose=0), expected,
                               rtol=1e-6)
    np.testing.assert_allclose(np.asarray(model(TEXTS[:, None])), expected, rtol=1e-6)
    np.testing.assert_allclose(model.predict(list(TEXTS), verbose=0), expected, rtol=1e-6)


@pytest.mark.parametrize("sequence_length", [6, None])
def test_fit_on_raw_strings_trains_exactly_as_on_vectorized_batches(sequence_length):
    """Host stage per batch == vectorizing each batch by hand (with output_sequence_length=None
    each batch pads to its own longest text, as Keras's tf.data pipeline does)."""
    keras.utils.set_random_seed(1)
    vec, head = _vectorizer(output_sequence_length=sequence_length), _head(sequence_length)
    reference = keras.models.clone_model(head)
    reference.set_weights(head.get_weights())
    model = _end_to_end(vec, head)
    model.compile(keras.optimizers.SGD(0.5), "binary_crossentropy", metrics=["accuracy"])
    reference.compile(keras.optimizers.SGD(0.5), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(TEXTS, LABELS, batch_size=3, epochs=2, shuffle=False, verbose=0)
    for _ in range(2):
        for start in range(0, len(TEXTS), 3):
            reference.train_on_batch(np.asarray(vec(TEXTS[start:start + 3])),
                                     LABELS[start:start + 3])
    for got, want in zip(head.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert len(history.history["loss"]) == 2
    loss, _ = model.evaluate(TEXTS, LABELS, verbose=0)
    assert loss == pytest.approx(float(reference.evaluate(np.asarray(vec(TEXTS)), LABELS,
                                                          verbose=0)[0]), rel=1e-5)


def test_sequential_starting_with_text_vectorization_trains_saves_and_reloads(tmp_path):
    keras.utils.set_random_seed(2)
    model = keras.Sequential([_vectorizer(output_sequence_length=5), layers.Embedding(30, 8),
                              layers.GlobalAveragePooling1D(),
                              layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(TEXTS, LABELS, epochs=3, validation_split=0.25, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    path = tmp_path / "text.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(TEXTS, verbose=0), model.predict(TEXTS, verbose=0),
                               rtol=1e-6)
    assert loaded.layers[0].get_vocabulary() == model.layers[0].get_vocabulary()


def test_generator_of_raw_string_batches():
    keras.utils.set_random_seed(3)
    vec, head = _vectorizer(output_sequence_length=6), _head(6)
    model = _end_to_end(vec, head)
    model.compile("adam", "binary_crossentropy")

    def batches():
        for start in range(0, len(TEXTS), 4):
            yield TEXTS[start:start + 4], LABELS[start:start + 4]

    before = [w.copy() for w in head.get_weights()]
    model.fit(batches(), epochs=1, verbose=0)
    assert any(not np.allclose(a, b) for a, b in zip(before, head.get_weights()))
    out = model.predict((t for t, _ in batches()), verbose=0)
    np.testing.assert_allclose(out, head.predict(np.asarray(vec(TEXTS)), verbose=0), rtol=1e-6)


def test_string_and_numeric_features_in_one_model():
    """Structured data: a string column through StringLookup(one_hot) and a numeric column,
    concatenated; the numeric input goes straight to the compiled part."""
    colour = keras.Input(shape=(1,), dtype="string", name="colour")
    size = keras.Input(shape=(1,), name="size")
    lookup = layers.StringLookup(vocabulary=["red", "green", "blue"], output_mode="one_hot")
    features = layers.Concatenate()([lookup(colour), size])
    dense = layers.Dense(1, kernel_initializer="ones", use_bias=False)
    model = keras.Model({"colour": colour, "size": size}, dense(features))
    data = {"colour": np.array([["red"], ["blue"], ["pink"]]),
            "size": np.array([[0.5], [2.0], [1.0]], np.float32)}
    # one-hot has 4 columns (OOV first): each row sums to 1 + size with a kernel of ones
    np.testing.assert_allclose(model.predict(data, verbose=0), [[1.5], [3.0], [2.0]], rtol=1e-6)
    model.compile("sgd", "mse")
    model.fit(data, np.zeros((3, 1)), epochs=1, verbose=0)


def test_integer_lookup_on_integer_input_runs_on_the_host():
    """IntegerLookup cannot be traced: fed from an integer Input it runs on the host too."""
    code = keras.Input(shape=(1,), dtype="int64")
    lookup = layers.IntegerLookup(vocabulary=[7, 3, 9], output_mode="one_hot")
    model = keras.Model(code, layers.Dense(2, kernel_initializer="ones")(lookup(code)))
    np.testing.assert_allclose(model.predict(np.array([[3], [5]]), verbose=0), [[1, 1], [1, 1]])
    model.compile("sgd", "mse")
    model.fit(np.array([[3], [9], [7]]), np.zeros((3, 2)), epochs=1, verbose=0)


def test_a_layer_that_cannot_take_strings_is_named():
    text = keras.Input(shape=(1,), dtype="string")
    with pytest.raises(ValueError, match="'scores'.*cannot take strings"):
        layers.Dense(1, name="scores")(text)


def test_strings_into_a_numeric_model_still_get_the_clear_error():
    model = keras.Sequential([keras.Input(shape=(1,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(errors.DataError, match="x must be numeric"):
        model.fit(TEXTS[:, None], LABELS, verbose=0)
