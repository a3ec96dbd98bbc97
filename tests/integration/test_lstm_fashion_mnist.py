"""LSTM(128) over the 28 rows of each Fashion-MNIST image: 2 epochs, batch 32, >= 0.83 accuracy."""

import numpy as np
import pytest

import lamina
from lamina import layers

pytestmark = pytest.mark.integration


def test_lstm_over_rows_reaches_keras_accuracy(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    x_train = (x_train / 255.0).astype("float32")
    x_test = (x_test / 255.0).astype("float32")
    lamina.utils.set_random_seed(42)
    model = lamina.Sequential([
        layers.Input((28, 28)),
        layers.LSTM(128),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=32, epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    assert test_acc >= 0.83, test_acc  # Keras, PyTorch and plain JAX got 0.843-0.855 here
    predictions = model.predict(x_test[:300], verbose=0)
    assert predictions.shape == (300, 10)
    np.testing.assert_allclose(predictions.sum(1), 1.0, atol=1e-5)
