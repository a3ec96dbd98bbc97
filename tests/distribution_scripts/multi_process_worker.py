"""One process of a 2-process data-parallel run on 127.0.0.1 (see tests/test_distribution.py).

    XLA_FLAGS=--xla_force_host_platform_device_count=2 JAX_PLATFORMS=cpu \
        python multi_process_worker.py PORT PROCESS_ID OUT_DIR
"""

import sys
from pathlib import Path

import numpy as np

from lamina import distribution


def build_and_fit(keras, layers):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 8, 8)).astype("float32")
    y = rng.integers(0, 10, size=512)
    keras.utils.set_random_seed(0)
    model = keras.models.Sequential([layers.Flatten(input_shape=(8, 8)),
                                     layers.Dense(32, activation="relu"),
                                     layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    return model


def main():
    port, pid, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    distribution.initialize(f"127.0.0.1:{port}", num_processes=2, process_id=pid)
    import lamina as keras
    from lamina import layers

    with distribution.DataParallel().scope():
        model = build_and_fit(keras, layers)
        weights = model.get_weights()
    if distribution.process_id() == 0:
        np.savez(out / "weights.npz", *weights)
    (out / f"devices_{pid}.txt").write_text(f"{len(distribution.list_devices())}")


if __name__ == "__main__":
    main()
