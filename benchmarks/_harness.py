"""Shared harness: one Keras-style model on full Fashion-MNIST (batch 32), lamina vs Keras 3
(JAX backend), each run in its own process, interleaved, `--reps` times.

The steady-epoch time is the median of epochs 2..N of every run (epoch 1 includes compiling).
Prints wall and process-CPU times and their ratios; CPU time is the steadier measure on a
machine shared with other work. A benchmark script only supplies its model.
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
else:
    import keras
    from keras import layers
    from keras.callbacks import Callback
from lamina.datasets import fashion_mnist  # the same data for both (Debian's system copy)

class Timer(Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.t, self.c = time.perf_counter(), time.process_time()
    def on_epoch_end(self, epoch, logs=None):
        times.append(time.perf_counter() - self.t)
        cpu.append(time.process_time() - self.c)

times, cpu = [], []
(x, y), (xt, yt) = fashion_mnist.load_data()
x, xt = x.astype("float32") / 255.0, xt.astype("float32") / 255.0
if %(channel_axis)r:
    x, xt = x[..., None], xt[..., None]
keras.utils.set_random_seed(0)
model = keras.Sequential(%(layers)s)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, batch_size=32, epochs=epochs, verbose=0, callbacks=[Timer()])
acc = model.evaluate(xt, yt, verbose=0)[1]
print(json.dumps({"epochs": times, "cpu": cpu, "accuracy": float(acc)}))
"""

CONTENDERS = ("lamina", "keras-jax")


def _run(child: str, contender: str, epochs: int) -> dict:
    out = subprocess.run([sys.executable, "-c", child, contender, str(epochs)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _ratio_line(label: str, medians: dict[str, float]) -> str:
    lam, ker = medians["lamina"], medians["keras-jax"]
    return f"{label}: lamina {lam:.3f}s, keras-jax {ker:.3f}s, ratio lamina / keras-jax = {lam / ker:.2f}x"


def main(name: str, layers: str, channel_axis: bool = False) -> None:
    """Benchmark `keras.Sequential(<layers>)` (source text using `layers.`) on Fashion-MNIST."""
    parser = argparse.ArgumentParser(description=f"{name}: lamina vs Keras-JAX")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--reps", type=int, default=2)
    args = parser.parse_args()
    child = CHILD % {"layers": layers, "channel_axis": channel_axis}
    wall: dict[str, list[float]] = {c: [] for c in CONTENDERS}
    cpu: dict[str, list[float]] = {c: [] for c in CONTENDERS}
    for rep in range(args.reps):
        for contender in CONTENDERS:
            result = _run(child, contender, args.epochs)
            wall[contender] += result["epochs"][1:]
            cpu[contender] += result["cpu"][1:]
            print(f"rep {rep + 1} {contender:10s} epochs "
                  + " ".join(f"{t:.2f}s" for t in result["epochs"])
                  + f"  test accuracy {result['accuracy']:.4f}", flush=True)
    print(f"\n{name} on full Fashion-MNIST, batch 32 ({time.strftime('%Y-%m-%d')}, "
          f"{os.cpu_count()} CPUs)")
    print(_ratio_line("steady epoch, wall (median)",
                      {c: statistics.median(v) for c, v in wall.items()}))
    print(_ratio_line("steady epoch, CPU (median)",
                      {c: statistics.median(v) for c, v in cpu.items()}))
