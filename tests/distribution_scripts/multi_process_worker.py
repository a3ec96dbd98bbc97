"""One process of a 2-process run on 127.0.0.1 (see tests/test_distribution.py).

    XLA_FLAGS=--xla_force_host_platform_device_count=2 JAX_PLATFORMS=cpu \
        python multi_process_worker.py PORT PROCESS_ID OUT_DIR

Trains data-parallel with a checkpoint, a CSV log and progress output (only process 0 may
write them), then model-parallel with Dense kernels split across the two processes, saving
weights that must be gathered from both.
"""

import sys
from pathlib import Path

import numpy as np

from lamina import distribution


def build_and_fit(keras, layers, callbacks=(), verbose=0):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 8, 8)).astype("float32")
    y = rng.integers(0, 10, size=512)
    keras.utils.set_random_seed(0)
    model = keras.models.Sequential([layers.Flatten(input_shape=(8, 8)),
                                     layers.Dense(32, activation="relu"),
                                     layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=verbose,
              callbacks=list(callbacks))
    return model, x


def main():
    port, pid, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    distribution.initialize(f"127.0.0.1:{port}", num_processes=2, process_id=pid)
    import lamina as keras
    from lamina import layers

    with distribution.DataParallel().scope():
        model, _ = build_and_fit(keras, layers, verbose=2, callbacks=[
            keras.callbacks.ModelCheckpoint(str(out / "checkpoint.keras")),
            keras.callbacks.CSVLogger(str(out / "log.csv"))])
        weights = model.get_weights()
        model.save(out / "data_parallel.keras")
    if distribution.process_id() == 0:
        np.savez(out / "weights.npz", *weights)

    # 'model' is the mesh's first axis: devices 0-1 (process 0) hold one half of each kernel,
    # devices 2-3 (process 1) the other
    mesh = distribution.DeviceMesh((2, 2), ("model", "batch"), distribution.list_devices())
    layout_map = distribution.LayoutMap(mesh)
    layout_map[".*dense.*kernel"] = (None, "model")
    with distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch").scope():
        model, x = build_and_fit(keras, layers)
        spans = len({d.process_index for d in model.layers[1].kernel.value.sharding.device_set})
        predictions = model.predict(x, batch_size=64, verbose=0)
        model.save_weights(out / "model_parallel.weights.h5")
    if distribution.process_id() == 0:
        np.save(out / "model_parallel_predictions.npy", predictions)
    (out / f"process_{pid}.txt").write_text(f"{len(distribution.list_devices())} {spans}")


if __name__ == "__main__":
    main()
