"""LSTM(128) over the 28 rows of each Fashion-MNIST image, Dense(10), adam, batch 32: lamina vs
Keras 3 (JAX backend) on full Fashion-MNIST.

Each contender runs in its own process, interleaved, `--reps` times; the steady-epoch time is the
median of epochs 2..N of each run (epoch 1 includes compilation). Prints times and the ratio.

    python benchmarks/lstm.py [--epochs 3] [--reps 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

CHILD = r"""
import json, os, sys, time
os.environ["KERAS_BACKEND"] = "jax"
contender, epochs = sys.argv[1], int(sys.argv[2])
if contender == "lamina":
    import lamina as keras
    from lamina import layers
    from lamina.callbacks import Callback
    from lamina.datasets import fashion_mnist
else:
    import keras
    from keras import layers
    from keras.callbacks import Callback
    from lamina.datasets import fashion_mnist  # same data for both; reads the system copy

class Timer(Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.t = time.perf_counter()
    def on_epoch_end(self, epoch, logs=None):
        times.append(time.perf_counter() - self.t)

times = []
(x, y), (xt, yt) = fashion_mnist.load_data()
x, xt = x.astype("float32") / 255.0, xt.astype("float32") / 255.0
keras.utils.set_random_seed(0)
model = keras.Sequential([layers.Input((28, 28)), layers.LSTM(128),
                          layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, batch_size=32, epochs=epochs, verbose=0, callbacks=[Timer()])
acc = model.evaluate(xt, yt, verbose=0)[1]
print(json.dumps({"epochs": times, "accuracy": float(acc)}))
"""


def run(contender: str, epochs: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, contender, str(epochs)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--reps", type=int, default=2)
    args = parser.parse_args()
    steady: dict[str, list[float]] = {"lamina": [], "keras-jax": []}
    for rep in range(args.reps):
        for contender in steady:
            result = run(contender, args.epochs)
            steady[contender] += result["epochs"][1:]
            print(f"rep {rep + 1} {contender:10s} epochs "
                  + " ".join(f"{t:.2f}s" for t in result["epochs"])
                  + f"  test accuracy {result['accuracy']:.4f}", flush=True)
    med = {k: statistics.median(v) for k, v in steady.items()}
    print(f"\nsteady epoch (median): lamina {med['lamina']:.3f}s, "
          f"keras-jax {med['keras-jax']:.3f}s")
    print(f"ratio lamina / keras-jax = {med['lamina'] / med['keras-jax']:.2f}x "
          f"({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
