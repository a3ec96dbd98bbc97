"""The Keras Sequential-API tutorial, with only the import lines changed.

Trains the tutorial MLP for 5 epochs on MNIST when it is cached or downloadable, otherwise on
the Fashion-MNIST copy on this machine, then evaluates, summarises, saves and reloads it.
"""

import os
import sys

import lamina as keras
from lamina import layers
from lamina.models import Sequential


def load_dataset():
    try:
        return "MNIST", keras.datasets.mnist.load_data()
    except OSError as exc:
        print(f"MNIST unavailable ({str(exc).splitlines()[0][:120]}...)", file=sys.stderr)
        return "Fashion-MNIST", keras.datasets.fashion_mnist.load_data()


def main() -> None:
    keras.utils.set_random_seed(42)
    name, ((x_train, y_train), (x_test, y_test)) = load_dataset()
    print(f"Data set: {name} ({len(x_train)} training and {len(x_test)} test images)")
    x_train, x_test = x_train / 255.0, x_test / 255.0

    model = Sequential([
        layers.Flatten(input_shape=(28, 28)),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=5, validation_split=0.2)
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test accuracy: {test_acc:.4f} (loss {test_loss:.4f})")
    predictions = model.predict(x_test, verbose=0)
    print(f"First test image: predicted class {predictions[0].argmax()}, true class {y_test[0]}")
    model.summary()

    os.makedirs("out", exist_ok=True)
    path = os.path.join("out", "quickstart.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)
    same = abs(reloaded.predict(x_test[:100], verbose=0) - predictions[:100]).max() < 1e-6
    print(f"Saved the model to {path} (Keras 3 format; reloaded with identical predictions: "
          f"{same})")


if __name__ == "__main__":
    main()
