"""LSTM(128) over the 28 rows of each Fashion-MNIST image, then Dense(10), batch 32:
lamina vs Keras 3 (JAX backend). `python benchmarks/lstm.py [--epochs 3] [--reps 2]`"""

from _harness import main

LAYERS = """[layers.Input((28, 28)), layers.LSTM(128), layers.Dense(10, activation="softmax")]"""

if __name__ == "__main__":
    main("LSTM", LAYERS)
