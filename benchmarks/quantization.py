"""int8 vs float32 `predict` speed in lamina on this CPU (and Keras 3, JAX backend, alongside):
a Dense MLP and an Embedding + Dense model, each quantized with `model.quantize("int8")`.

    python benchmarks/quantization.py [--reps 5] [--samples 8192] [--batch 256]

Prints the median time of one `predict` over `--samples` rows after a warm-up call (which
compiles), and the float32 / int8 ratio (> 1 means int8 is faster).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402


def mlp(k, features: int = 1024, hidden: int = 2048):
    return k.Sequential([k.Input((features,)), k.layers.Dense(hidden, activation="relu"),
                         k.layers.Dense(hidden, activation="relu"), k.layers.Dense(10)])


def embedding_model(k, vocab: int = 50_000, dim: int = 256, length: int = 64):
    return k.Sequential([k.Input((length,), dtype="int32"), k.layers.Embedding(vocab, dim),
                         k.layers.GlobalAveragePooling1D(), k.layers.Dense(1024, activation="relu"),
                         k.layers.Dense(10)])


def time_predict(model, x, batch: int, reps: int) -> float:
    model.predict(x[:batch], batch_size=batch, verbose=0)  # compile
    model.predict(x, batch_size=batch, verbose=0)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        model.predict(x, batch_size=batch, verbose=0)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compare(lib, name: str, build, x, batch: int, reps: int) -> None:
    model = build(lib)
    float_time = time_predict(model, x, batch, reps)
    reference = model.predict(x[:batch], batch_size=batch, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.quantize("int8")
    int8_time = time_predict(model, x, batch, reps)
    error = np.abs(model.predict(x[:batch], batch_size=batch, verbose=0) - reference).max()
    print(f"{lib.__name__:7s} {name:16s} float32 {float_time * 1e3:8.1f} ms   int8 "
          f"{int8_time * 1e3:8.1f} ms   float32/int8 {float_time / int8_time:5.2f}x   "
          f"max |int8 - float32| {error:.2e}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--samples", type=int, default=8192)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--keras", action="store_true", help="also time Keras 3")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    dense_x = rng.normal(size=(args.samples, 1024)).astype("float32")
    ids = rng.integers(0, 50_000, size=(args.samples, 64)).astype("int32")
    import lamina

    libraries = [lamina]
    if args.keras:
        import keras

        libraries.append(keras)
    for lib in libraries:
        compare(lib, "Dense MLP", mlp, dense_x, args.batch, args.reps)
        compare(lib, "Embedding+Dense", embedding_model, ids, args.batch, args.reps)


if __name__ == "__main__":
    main()
