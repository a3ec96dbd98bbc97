"""The tutorial MLP on the full Fashion-MNIST: 60k train, 5 epochs, batch 32, >= 0.85 test accuracy."""

import numpy as np
import pytest

import lamina
from lamina import layers

pytestmark = pytest.mark.integration


def test_tutorial_mlp_reaches_keras_accuracy(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    x_train, x_test = x_train / 255.0, x_test / 255.0
    lamina.utils.set_random_seed(42)
    model = lamina.Sequential([
        layers.Flatten(input_shape=(28, 28)),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=32, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    assert test_acc >= 0.85, test_acc
    predictions = model.predict(x_test, verbose=0)
    assert predictions.shape == (10000, 10)
    np.testing.assert_allclose(predictions.sum(1), 1.0, atol=1e-5)
    assert (predictions.argmax(1) == y_test).mean() == pytest.approx(test_acc, abs=1e-6)
