"""lamina.distribution: Keras 3's API on jax.sharding.

The multi-device checks run one subprocess with 4 forced CPU devices (this process's devices
are the machine's cores; the one-device checks name cpu:0).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lamina as keras
from lamina import distribution, errors, layers

SCRIPT = Path(__file__).parent / "distribution_scripts" / "parallel_check.py"


@pytest.fixture(scope="module")
def four_devices():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4",
               JAX_PLATFORMS="cpu")
    done = subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_four_devices_are_listed(four_devices):
    assert four_devices["devices"] == ["cpu:0", "cpu:1", "cpu:2", "cpu:3"]


def test_data_parallel_matches_single_device(four_devices):
    assert all(v < 1e-5 for v in four_devices["dp"].values()), four_devices["dp"]
    assert four_devices["dp_kernel_devices"] == 4  # replicated on every device
    assert four_devices["after_scope"] == "None"  # the scope restores the previous one
    # saved under DataParallel, loaded on one device, predicting under DataParallel again
    assert four_devices["dp_reloaded"] == 0 and four_devices["dp_reloaded_predict"] < 1e-6


def test_data_parallel_shuffles_within_shards_and_sees_every_row_once(four_devices):
    rows = four_devices["dp_shuffled_rows"]  # 37 rows, batch 8 over 4 shards, shuffled
    assert sorted(rows) == list(range(37)) and rows != sorted(rows)
    # global row r lives on shard (r % 8) // 2: each batch takes 2 rows from every shard
    first_batch_shards = sorted((r % 8) // 2 for r in rows[:8])
    assert first_batch_shards == [0, 0, 1, 1, 2, 2, 3, 3]
    losses = four_devices["dp_shuffled_losses"]
    assert losses[-1] < losses[0]


def test_model_parallel_matches_unsharded(four_devices):
    assert all(v < 1e-5 for v in four_devices["mp"].values()), four_devices["mp"]
    assert four_devices["mp_kernel_spec"] == "P('model', None)"
    assert four_devices["mp_slot_specs"] == ["P('model', None)"]  # Adam slots follow the kernel
    # a model saved on one device loads under ModelParallel, predicts the same, trains sharded
    assert four_devices["mp_loaded_predict"] < 1e-6
    assert four_devices["mp_loaded_kernel_spec"] == "P('model', None)"


def test_bad_settings_name_the_argument_and_the_fix(four_devices):
    assert "batch_size=30" in four_devices["err_batch"]
    assert "multiple of 4" in four_devices["err_batch"]
    assert "generator's batch_size=30" in four_devices["err_generator"]
    assert "e.g. the generator's batch_size=28" in four_devices["err_generator"]
    assert four_devices["err_generator_unchanged"] == 0
    assert "'gpu:7'" in four_devices["err_device"] and "list_devices()" in four_devices["err_device"]
    assert "'cpu:99'" in four_devices["err_mesh_device"]
    rank = four_devices["err_rank"]
    assert rank.startswith("ConfigError") and "/kernel'" in rank and "rank 2" in rank
    assert "(None, None)" in rank


def test_layout_map_matches_paths_like_keras():
    mesh = distribution.DeviceMesh((1,), ("model",), ["cpu:0"])
    layout_map = distribution.LayoutMap(mesh)
    layout_map[".*dense.*kernel"] = (None, "model")
    layout_map["dense_1/bias"] = distribution.TensorLayout(("model",))
    assert layout_map["dense_3/kernel"].axes == (None, "model")
    assert layout_map.get("dense_1/bias").device_mesh is mesh
    assert layout_map["conv2d/kernel"] is None
    assert len(layout_map) == 2 and list(layout_map) == [".*dense.*kernel", "dense_1/bias"]
    layout_map[".*kernel"] = (None, None)
    with pytest.raises(errors.ConfigError, match="matches several"):
        layout_map["dense/kernel"]
    with pytest.raises(errors.ConfigError, match="already in the LayoutMap"):
        layout_map[".*kernel"] = (None, None)
    with pytest.raises(errors.ConfigError, match="not axes of the mesh"):
        distribution.TensorLayout(("batch",), mesh)


def test_mesh_and_strategies_on_one_device():
    mesh = distribution.DeviceMesh((1,), ("batch",), distribution.list_devices()[:1])
    assert mesh.devices.tolist() == ["cpu:0"] and mesh.backend_mesh.axis_names == ("batch",)
    with pytest.raises(errors.ConfigError, match="same length"):
        distribution.DeviceMesh((1,), ("batch", "model"))
    with pytest.raises(errors.ConfigError, match="holds 2 devices"):
        distribution.DeviceMesh((2,), ("batch",), ["cpu:0"])
    dp = distribution.DataParallel(devices=["cpu:0"])
    assert dp.batch_dim_name == "batch" and dp.num_model_replicas == 1
    with pytest.raises(errors.ConfigError, match="layout_map"):
        distribution.ModelParallel(layout_map=None)
    with pytest.raises(errors.ConfigError, match="batch_dim_name='data'"):
        distribution.ModelParallel(layout_map=distribution.LayoutMap(mesh), batch_dim_name="data")
    with pytest.raises(errors.ConfigError, match="set_distribution"):
        distribution.set_distribution("data_parallel")
    assert distribution.distribution() is None
    with distribution.distribution_scope(dp):
        assert distribution.distribution() is dp
    assert distribution.distribution() is None


def test_fit_under_a_one_device_distribution_trains_the_same():
    x = np.random.default_rng(1).normal(size=(64, 4)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("float32")

    def run():
        keras.utils.set_random_seed(3)
        model = keras.models.Sequential([layers.Dense(8, activation="relu", input_shape=(4,)),
                                         layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x, y, batch_size=16, epochs=2, verbose=0)
        return model.get_weights(), model.predict(x, verbose=0)

    plain = run()
    with distribution.DataParallel(devices=["cpu:0"]).scope():
        sharded = run()
    for a, b in zip(plain[0] + [plain[1]], sharded[0] + [sharded[1]]):
        np.testing.assert_allclose(a, b, atol=1e-6)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_train_like_one_and_only_process_0_writes(tmp_path):
    sys.path.insert(0, str(SCRIPT.parent))
    from multi_process_worker import build_and_fit

    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2",
               JAX_PLATFORMS="cpu")
    worker, port = SCRIPT.parent / "multi_process_worker.py", str(_free_port())
    procs = [subprocess.Popen([sys.executable, str(worker), port, str(i), str(tmp_path)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) for i in range(2)]
    try:
        logs = [p.communicate(timeout=240)[0] for p in procs]
    finally:
        for p in procs:
            p.kill()
    assert all(p.returncode == 0 for p in procs), "\n".join(log[-3000:] for log in logs)
    # one checkpoint, one CSV log, one saved model: no copies, no leftover temporary files
    assert sorted(f.name for f in tmp_path.iterdir()) == [
        "checkpoint.keras", "data_parallel.keras", "log.csv", "model_parallel.weights.h5",
        "model_parallel_predictions.npy", "process_0.txt", "process_1.txt", "weights.npz"]
    assert "/step - loss:" in logs[0] and "loss" not in logs[1], logs  # only process 0
    # 2 processes x 2 devices; model-parallel kernels span both processes
    assert (tmp_path / "process_0.txt").read_text() == "4 2"
    single, x = build_and_fit(keras, layers)
    expected = single.get_weights()
    sharded = np.load(tmp_path / "weights.npz")
    checkpoint = keras.models.load_model(tmp_path / "checkpoint.keras").get_weights()
    saved = keras.models.load_model(tmp_path / "data_parallel.keras").get_weights()
    for i, want in enumerate(expected):
        for got in (sharded[f"arr_{i}"], checkpoint[i], saved[i]):
            np.testing.assert_allclose(got, want, atol=1e-5)
    assert (tmp_path / "log.csv").read_text().splitlines()[0] == "epoch,loss,val_loss"  # as Keras
    # weights split across processes were gathered before saving
    single.load_weights(tmp_path / "model_parallel.weights.h5")
    for got, want in zip(single.get_weights(), expected):
        np.testing.assert_allclose(got, want, atol=1e-5)
    np.testing.assert_allclose(np.load(tmp_path / "model_parallel_predictions.npy"),
                               single.predict(x, batch_size=64, verbose=0), atol=1e-5)


def test_initialize_checks_its_arguments():
    with pytest.raises(errors.ConfigError, match="process_id=2"):
        distribution.initialize("127.0.0.1:1234", num_processes=2, process_id=2)
    with pytest.raises(errors.ConfigError, match="host:port"):
        distribution.initialize("localhost", num_processes=2, process_id=0)
