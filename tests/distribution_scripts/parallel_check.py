"""Run in a subprocess with 4 forced CPU devices; prints one JSON line of results.

    XLA_FLAGS=--xla_force_host_platform_device_count=4 JAX_PLATFORMS=cpu python parallel_check.py
"""

import json
import tempfile
from pathlib import Path

import jax
import numpy as np

import lamina as keras
from lamina import distribution, layers
from lamina.models import Sequential

rng = np.random.default_rng(0)
X = rng.normal(size=(512, 8, 8)).astype("float32")
Y = rng.integers(0, 10, size=512)


def train(shuffle=False, epochs=1):
    keras.utils.set_random_seed(0)
    model = Sequential([layers.Flatten(input_shape=(8, 8)),
                        layers.Dense(128, activation="relu"),
                        layers.Dense(64, activation="relu"),
                        layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(X, Y, batch_size=32, epochs=epochs, shuffle=shuffle, verbose=0,
                        validation_split=0.25)
    evaluated = model.evaluate(X, Y, batch_size=64, verbose=0)
    predictions = model.predict(X, batch_size=64, verbose=0)
    return model, history.history, evaluated, predictions


def diff(a, b):
    return max(float(np.max(np.abs(np.asarray(x) - np.asarray(y)))) for x, y in zip(a, b))


def compare(base, other):
    (m0, h0, e0, p0), (m1, h1, e1, p1) = base, other
    return {"weights": diff(m0.get_weights(), m1.get_weights()),
            "predictions": diff([p0], [p1]), "evaluate": diff(e0, e1),
            "history": max(abs(h0[k][i] - h1[k][i]) for k in h0 for i in range(len(h0[k])))}


def shuffled_epoch_rows(n=37, batch=8):
    """The rows an epoch visits under the current distribution, in batch order (shuffled)."""
    from lamina.training import data as data_module, feed, fused

    data = data_module.ArrayData(np.arange(n, dtype="float32")[:, None], None, None, n)
    epoch = feed.epoch(data, batch, jax.random.PRNGKey(1), True)
    visited = []
    for step in range(epoch.steps):
        (x, _, _), index, mask, start = epoch.chunk(step, 1)
        rows = np.asarray(fused.gather(x, index[start]))[:, 0]
        visited += rows[np.asarray(mask[start]).reshape(-1) > 0].astype(int).tolist()
    return visited


def error_text(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return f"{type(e).__name__}: {e}"
    return None


def main():
    out = {"devices": distribution.list_devices()}
    base = train()

    data_parallel = distribution.DataParallel()
    with data_parallel.scope():
        run = train()
        out["dp"] = compare(base, run)
        kernel = run[0].layers[1].kernel.value
        out["dp_kernel_devices"] = len(kernel.sharding.device_set)
        out["dp_shuffled_rows"] = shuffled_epoch_rows()
        out["dp_shuffled_losses"] = train(shuffle=True, epochs=3)[1]["loss"]
        out["err_batch"] = error_text(lambda: run[0].fit(X, Y, batch_size=30, verbose=0))
        before = run[0].get_weights()
        batches = ((X[i:i + 30], Y[i:i + 30]) for i in range(0, 512, 30))
        out["err_generator"] = error_text(lambda: run[0].fit(batches, verbose=0))
        out["err_generator_unchanged"] = diff(before, run[0].get_weights())
        with tempfile.TemporaryDirectory() as tmp:
            run[0].save(Path(tmp) / "dp.keras")  # written from replicated arrays
            distribution.set_distribution(None)
            reloaded = keras.models.load_model(Path(tmp) / "dp.keras")
            out["dp_reloaded"] = diff(run[0].get_weights(), reloaded.get_weights())
            distribution.set_distribution(data_parallel)
            out["dp_reloaded_predict"] = diff([run[3]], [reloaded.predict(X, batch_size=64,
                                                                         verbose=0)])
    out["after_scope"] = repr(distribution.distribution())

    mesh = distribution.DeviceMesh((2, 2), ("batch", "model"), distribution.list_devices())
    layout_map = distribution.LayoutMap(mesh)
    layout_map[".*dense.*kernel"] = ("model", None)
    layout_map[".*dense.*bias"] = (None,)
    model_parallel = distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch")
    distribution.set_distribution(model_parallel)
    try:
        run = train()
        out["mp"] = compare(base, run)
        out["mp_kernel_spec"] = str(run[0].layers[1].kernel.value.sharding.spec)
        out["mp_kernel_path"] = run[0].layers[1].kernel.path
        opt_specs = {str(getattr(leaf, "sharding", None) and leaf.sharding.spec)
                     for leaf in jax.tree_util.tree_leaves(run[0]._optimizer_state)
                     if getattr(leaf, "shape", None) == (64, 128)}
        out["mp_slot_specs"] = sorted(opt_specs)
        with tempfile.TemporaryDirectory() as tmp:  # saved on one device, loaded sharded
            base[0].save(Path(tmp) / "single.keras")
            loaded = keras.models.load_model(Path(tmp) / "single.keras")
            out["mp_loaded_predict"] = diff([base[3]], [loaded.predict(X, batch_size=64,
                                                                        verbose=0)])
            loaded.fit(X, Y, batch_size=32, epochs=1, verbose=0)
            out["mp_loaded_kernel_spec"] = str(loaded.layers[1].kernel.value.sharding.spec)
    finally:
        distribution.set_distribution(None)

    bad_map = distribution.LayoutMap(mesh)
    bad_map[".*dense.*kernel"] = ("model",)
    with distribution.distribution_scope(distribution.ModelParallel(layout_map=bad_map)):
        out["err_rank"] = error_text(train)
    out["err_device"] = error_text(lambda: distribution.DataParallel(devices=["cpu:0", "gpu:7"]))
    out["err_mesh_device"] = error_text(
        lambda: distribution.DeviceMesh((2,), ("batch",), ["cpu:0", "cpu:99"]))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
