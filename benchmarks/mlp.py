"""The tutorial MLP (Flatten-Dense128-Dropout-Dense64-Dense10) on full Fashion-MNIST, batch 32:
lamina vs Keras 3 (JAX backend). `python benchmarks/mlp.py [--epochs 3] [--reps 2]`"""

from _harness import main

LAYERS = """[layers.Input((28, 28)), layers.Flatten(), layers.Dense(128, activation="relu"),
    layers.Dropout(0.2), layers.Dense(64, activation="relu"),
    layers.Dense(10, activation="softmax")]"""

if __name__ == "__main__":
    main("MLP", LAYERS)
