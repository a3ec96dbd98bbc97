"""The tutorial CNN on full Fashion-MNIST: 2 epochs, batch 32, >= 0.87 test accuracy."""

import numpy as np
import pytest

import lamina
from lamina import layers

pytestmark = pytest.mark.integration


def test_cnn_reaches_keras_accuracy(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    x_train = (x_train / 255.0).astype("float32")[..., None]
    x_test = (x_test / 255.0).astype("float32")[..., None]
    lamina.utils.set_random_seed(42)
    model = lamina.Sequential([
        layers.Input((28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=32, epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    assert test_acc >= 0.87, test_acc
    predictions = model.predict(x_test[:500], verbose=0)
    assert predictions.shape == (500, 10)
    np.testing.assert_allclose(predictions.sum(1), 1.0, atol=1e-5)
