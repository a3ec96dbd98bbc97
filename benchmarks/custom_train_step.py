"""A custom JAX `train_step` (the "Customizing fit() with JAX" guide's model) trained by fit in
lamina and in Keras 3 (JAX backend), side by side: steady epoch times and their ratio.

    python benchmarks/custom_train_step.py [--samples 20000] [--epochs 4] [--reps 3]

Each library runs in its own process (interleaved, `--reps` times); an epoch is 20000 samples
of 32 features in batches of 32, a Dense(64, relu) -> Dense(1) model with Adam and an `mae`
metric, and the train_step of the guide (stateless_call, jax.value_and_grad,
optimizer.stateless_apply, stateless metric updates). The first epoch (compiling) is left out.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import json, os, sys, time
os.environ["KERAS_BACKEND"] = "jax"
import jax, numpy as np
lib = sys.argv[1]
if lib == "keras":
    import keras
else:
    import lamina as keras
samples, epochs = int(sys.argv[2]), int(sys.argv[3])

class CustomModel(keras.Model):
    def compute_loss_and_updates(self, trainable, non_trainable, x, y, training=False):
        y_pred, non_trainable = self.stateless_call(trainable, non_trainable, x,
                                                    training=training)
        return self.compute_loss(x, y, y_pred), (y_pred, non_trainable)

    def train_step(self, state, data):
        trainable, non_trainable, optimizer_vars, metrics_vars = state
        x, y = data
        (loss, (y_pred, non_trainable)), grads = jax.value_and_grad(
            self.compute_loss_and_updates, has_aux=True)(trainable, non_trainable, x, y, True)
        trainable, optimizer_vars = self.optimizer.stateless_apply(optimizer_vars, grads,
                                                                   trainable)
        new_vars, logs = [], {}
        for metric in self.metrics:
            mine = metrics_vars[len(new_vars):len(new_vars) + len(metric.variables)]
            mine = (metric.stateless_update_state(mine, loss) if metric.name == "loss"
                    else metric.stateless_update_state(mine, y, y_pred))
            logs = metric.stateless_result(mine)
            new_vars += mine
        return logs, (trainable, non_trainable, optimizer_vars, new_vars)

class Timer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()
    def on_epoch_end(self, epoch, logs=None):
        times.append(time.perf_counter() - self.start)

rng = np.random.default_rng(0)
x = rng.random((samples, 32)).astype("float32")
y = rng.random((samples, 1)).astype("float32")
inputs = keras.Input((32,))
outputs = keras.layers.Dense(1)(keras.layers.Dense(64, activation="relu")(inputs))
model = CustomModel(inputs, outputs)
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
times = []
model.fit(x, y, batch_size=32, epochs=epochs, verbose=0, callbacks=[Timer()])
print(json.dumps(times[1:]))
"""


def run(lib: str, samples: int, epochs: int) -> list[float]:
    python = os.environ.get("PYTHON", sys.executable)
    out = subprocess.run([python, "-c", CHILD, lib, str(samples), str(epochs)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"lamina": [], "keras": []}
    for _ in range(args.reps):
        for lib in times:
            times[lib] += run(lib, args.samples, args.epochs)
    medians = {lib: statistics.median(t) for lib, t in times.items()}
    for lib, median in medians.items():
        print(f"{lib:7s} steady epoch median {median:.3f} s over {len(times[lib])} epochs")
    print(f"lamina / Keras-JAX: {medians['lamina'] / medians['keras']:.2f}x")


if __name__ == "__main__":
    main()
