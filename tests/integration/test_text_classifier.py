"""keras.io's "text classification from scratch", end to end on raw strings: TextVectorization
adapted on the training texts, a model whose input is `Input(shape=(1,), dtype="string")`, fit,
evaluate and predict on raw strings (the host stage runs the vectorizer per batch), then the
saved `.keras` file (vocabulary as an asset) reloads and predicts the same.

The reviews are generated here (no download): each mixes filler words with cue words of its
class, in varied case and with punctuation for the standardization to remove.
"""

import numpy as np
import pytest

import lamina as keras
from lamina import layers

pytestmark = pytest.mark.integration

POSITIVE = ["great", "wonderful", "loved", "brilliant", "moving", "superb"]
NEGATIVE = ["awful", "boring", "hated", "dull", "terrible", "waste"]


def make_reviews(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    filler = [f"word{i}" for i in range(400)]
    labels = rng.integers(0, 2, n)
    texts = []
    for label in labels:
        own, other = (POSITIVE, NEGATIVE) if label else (NEGATIVE, POSITIVE)
        words = list(rng.choice(filler, 30)) + list(rng.choice(own, 3)) + list(rng.choice(other, 1))
        rng.shuffle(words)
        words = [w.capitalize() + "!" if rng.random() < 0.1 else w for w in words]
        texts.append(" ".join(words) + ".")
    return np.array(texts), labels.astype("float32")


def test_text_classifier_trains_on_raw_strings_and_reloads(tmp_path):
    keras.utils.set_random_seed(5)
    x_train, y_train = make_reviews(3000, 0)
    x_test, y_test = make_reviews(500, 1)
    vectorize_layer = layers.TextVectorization(max_tokens=1000, output_mode="int",
                                               output_sequence_length=40)
    vectorize_layer.adapt(x_train)
    assert {"great", "awful", "word7"} <= set(vectorize_layer.get_vocabulary())

    inputs = keras.Input(shape=(1,), dtype="string")
    x = vectorize_layer(inputs)
    x = layers.Embedding(1000, 16)(x)
    x = layers.Dropout(0.2)(x)
    x = layers.Conv1D(32, 5, activation="relu")(x)
    x = layers.GlobalMaxPooling1D()(x)
    outputs = layers.Dense(1, activation="sigmoid", name="predictions")(x)
    model = keras.Model(inputs, outputs)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x_train, y_train, validation_split=0.1, epochs=3, batch_size=32,
                        verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.9, accuracy  # chance 0.5; 3 own-class cues against 1 other

    path = tmp_path / "text_classifier.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    raw = np.array(["A Brilliant, moving film!", "dull... a terrible waste of time"])
    np.testing.assert_allclose(reloaded.predict(raw, verbose=0), model.predict(raw, verbose=0),
                               rtol=1e-6)
    scores = reloaded.predict(raw, verbose=0)[:, 0]
    assert scores[0] > 0.5 > scores[1]
