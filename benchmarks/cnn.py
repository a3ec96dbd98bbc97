"""The tutorial CNN (Conv32-Pool-Conv64-Pool-Flatten-Dense128-Dense10) on full Fashion-MNIST,
batch 32: lamina vs Keras 3 (JAX backend). `python benchmarks/cnn.py [--epochs 3] [--reps 2]`"""

from _harness import main

LAYERS = """[layers.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu"),
    layers.MaxPooling2D(), layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(),
    layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")]"""

if __name__ == "__main__":
    main("CNN", LAYERS, channel_axis=True)
