"""lamina on an accelerator (issue 24 item 4).

Tests marked `accelerator` need a GPU or TPU (`jax.default_backend() != "cpu"`); they skip on a
CPU unless ACCELERATOR_ALLOW_CPU=1 forces them on for a smoke run. `bash
benchmarks/accelerator.sh` runs them. The unmarked tests check, on any machine, what the
accelerator path depends on: the read-ahead thread's device copies, the GPU XLA flags (and that
a CPU run sees no change) and the accelerator benchmark's report.
"""

import os
import subprocess
import sys

import jax
import keras
import numpy as np
import pytest

import lamina
from lamina import accelerator_flags
from lamina.training import data as data_module
from lamina.training.adapters import prefetch

ON_ACCELERATOR = jax.default_backend() != "cpu" or os.environ.get("ACCELERATOR_ALLOW_CPU") == "1"
#: float32 matmuls on a recent GPU may run as TF32 (XLA's default precision): ~1e-3 apart
TOLERANCE = 1e-5 if jax.default_backend() == "cpu" else 1e-3
on_accelerator = pytest.mark.skipif(
    not ON_ACCELERATOR, reason="needs a GPU/TPU (or ACCELERATOR_ALLOW_CPU=1 for a CPU smoke run)")


def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64")


def mlp(k, seed=0):
    k.utils.set_random_seed(seed)
    model = k.Sequential([k.Input((8,)), k.layers.Dense(16, activation="relu"),
                          k.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


@pytest.fixture
def mixed_bfloat16():
    """Both libraries under the mixed_bfloat16 global policy for one test."""
    keras.config.set_dtype_policy("mixed_bfloat16")
    lamina.config.set_dtype_policy("mixed_bfloat16")
    yield
    keras.config.set_dtype_policy("float32")
    lamina.config.set_dtype_policy("float32")


def device_set(tree):
    return {d for leaf in jax.tree_util.tree_leaves(tree) for d in leaf.devices()}


@pytest.mark.accelerator
@on_accelerator
def test_fit_keeps_weights_and_in_memory_data_on_the_default_device(monkeypatch):
    staged = []
    on_device = data_module.ArrayData.on_device
    monkeypatch.setattr(data_module.ArrayData, "on_device",
                        lambda self: staged.append(on_device(self)) or staged[-1])
    seen = []

    class WeightsDevices(lamina.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(device_set([v.value for v in self.model.weights]))

    x, y = data()
    model = mlp(lamina)
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[WeightsDevices()])
    default = {jax.devices()[0]}
    assert seen == [default, default]
    assert device_set([v.value for v in model.weights]) == default
    if jax.default_backend() != "cpu":  # a CPU streams in-memory batches from the host
        assert staged and all(device_set(arrays) == default for arrays in staged)


@pytest.mark.accelerator
@on_accelerator
def test_mixed_bfloat16_fit_trains_in_bfloat16(mixed_bfloat16):
    x, y = data(n=128)
    model = mlp(lamina)
    history = model.fit(x, y, batch_size=32, epochs=5, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    dense = model.layers[0]
    assert (dense.compute_dtype, dense.variable_dtype) == ("bfloat16", "float32")
    assert dense.kernel.dtype == "float32"
    assert model(x[:4]).dtype == "bfloat16"


@pytest.mark.accelerator
@on_accelerator
def test_mixed_bfloat16_predict_matches_float32_and_keras(mixed_bfloat16):
    x, _ = data(n=48)
    ours, theirs = mlp(lamina), mlp(keras)
    theirs.set_weights(ours.get_weights())
    lamina.config.set_dtype_policy("float32")
    reference = mlp(lamina)
    reference.set_weights(ours.get_weights())
    predicted = ours.predict(x, batch_size=16, verbose=0)
    np.testing.assert_allclose(np.asarray(predicted, np.float32),
                               reference.predict(x, batch_size=16, verbose=0), atol=2e-2)
    np.testing.assert_allclose(np.asarray(predicted, np.float32),
                               np.asarray(theirs.predict(x, batch_size=16, verbose=0),
                                          np.float32), atol=1e-2)


@pytest.mark.accelerator
@on_accelerator
def test_predict_compiles_a_few_padded_shapes_not_one_per_batch_size():
    x, _ = data(n=40)
    model = mlp(lamina)
    for rows in (1, 3, 5, 17, 32, 2, 7, 1, 32):
        np.testing.assert_allclose(model.predict(x[:rows], verbose=0), np.asarray(model(x[:rows])),
                                   atol=TOLERANCE)
    # rows padded to powers of two: 1, 2, 4, 8 and 32 compiled, nothing per row count
    assert model._engine._cache["predict_batch"]._cache_size() == 5


@pytest.mark.accelerator
@on_accelerator
def test_generator_fit_on_the_device_matches_keras():
    x, y = data(n=64)

    def batches():
        for start in range(0, 64, 16):
            yield x[start:start + 16], y[start:start + 16]

    ours, theirs = mlp(lamina), mlp(keras)
    theirs.set_weights(ours.get_weights())
    ours.fit(batches(), epochs=1, verbose=0)
    theirs.fit(batches(), epochs=1, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=TOLERANCE)


@pytest.mark.parametrize("backend", ["gpu", "cpu"])
def test_read_ahead_copies_numeric_batches_to_an_accelerator(monkeypatch, backend):
    monkeypatch.setattr(prefetch.jax, "default_backend", lambda: backend)
    batch = (np.ones((4, 2), np.float32), np.array(["a", "b", "c", "d"]), None)
    (x, text, none), = prefetch.prefetched(iter([batch]), lambda item: item)
    assert isinstance(x, jax.Array) == (backend == "gpu")
    np.testing.assert_array_equal(np.asarray(x), batch[0])
    assert text is batch[1] and none is None  # strings stay on the host


@pytest.mark.parametrize("environ, plugin, started, expected", [
    ({}, True, False, " ".join(accelerator_flags.GPU_FLAGS)),
    ({"JAX_PLATFORMS": "cuda"}, True, False, " ".join(accelerator_flags.GPU_FLAGS)),
    ({}, False, False, None),  # no CUDA plugin: a CPU machine, nothing changes
    ({"XLA_FLAGS": "--xla_dump_to=/tmp/x"}, True, False, None),  # the user's flags win
    ({"JAX_PLATFORMS": "cpu"}, True, False, None),
    ({}, True, True, None),  # JAX already running: XLA has read its flags
])
def test_gpu_flags_only_before_a_gpu_backend_starts(environ, plugin, started, expected):
    assert accelerator_flags.gpu_flags_for(environ, plugin, started) == expected


def run_python(code: str, **env) -> str:
    base = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**base, **env}, timeout=120, check=True)
    return done.stdout.strip().splitlines()[-1]


def test_cpu_import_leaves_xla_flags_alone_and_cpu_runs_with_the_gpu_flags():
    code = "import os, lamina; print(repr(os.environ.get('XLA_FLAGS')))"
    if not accelerator_flags.cuda_plugin_installed():
        assert run_python(code) == "None"
    assert run_python(code, XLA_FLAGS="--xla_force_host_platform_device_count=1") == \
        "'--xla_force_host_platform_device_count=1'"
    # the flags parse on a CPU-only XLA too: a machine with the plugin but no GPU still runs
    fit = ("import lamina, numpy as np; m = lamina.Sequential([lamina.Input((2,)), "
           "lamina.layers.Dense(1)]); m.compile('sgd', 'mse'); "
           "print(m.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0).history['loss'][0] > 0)")
    assert run_python(fit, XLA_FLAGS=" ".join(accelerator_flags.GPU_FLAGS)) == "True"


def bench_modules():
    from test_bench_report import BENCH, _load  # loads benchmarks/ modules by path

    return (_load("bench_accelerator", BENCH / "accelerator.py"),
            _load("bench_run_for_accelerator", BENCH / "run.py"))


def test_accelerator_plans_smoke_and_gpu_sizes_and_only():
    accelerator, run = bench_modules()
    smoke = accelerator.make_plan(run.parse_args(["--accelerator", "--smoke"]))
    assert (smoke.reps, smoke.workloads) == (1, accelerator.SMOKE_WORKLOADS)
    assert all(smoke.train_limit[w] for w in smoke.workloads)  # tiny, never the whole set
    assert smoke.test_limit == accelerator.SMOKE_TEST_LIMIT
    gpu = accelerator.make_plan(run.parse_args(["--accelerator"]))
    assert gpu.workloads == accelerator.WORKLOADS and gpu.train_limit["mlp"] == 0
    assert gpu.test_limit == 0
    with pytest.raises(SystemExit):  # --smoke alone: argparse's usage error
        run.parse_args(["--smoke"])
    only = accelerator.make_plan(run.parse_args(["--accelerator", "--only", "cnn,mlp"]))
    assert only.workloads == ("mlp", "cnn")
    assert [c.name for c in accelerator.with_policy("mixed_bfloat16")] == ["lamina", "keras-jax"]
    assert all(c.argv("mlp")[-2:] == ["--policy", "mixed_bfloat16"]
               for c in accelerator.with_policy("mixed_bfloat16"))


def test_accelerator_report_has_ratios_per_policy_speedups_and_targets():
    accelerator, _ = bench_modules()
    report = accelerator.report
    tables = {"float32": {"lamina": {"mlp_epoch_wall": 1.0}, "keras-jax": {"mlp_epoch_wall": 2.0}},
              "mixed_bfloat16": {"lamina": {"mlp_epoch_wall": 0.5},
                                 "keras-jax": {"mlp_epoch_wall": 0.5}}}
    text = report.accelerator_document("t", [("device", "H100")], tables, ["mlp", "cnn"], {},
                                       ["n"])
    assert "## float32: lamina / peer" in text and "## mixed_bfloat16: lamina / peer" in text
    assert "| mlp " in text and "2.00x" in text and "4.00x" in text  # fp32 / bf16 speedups
    assert "- [x] mlp (float32) steady epoch <= 0.8x Keras-JAX: measured 0.50x (met)" in text
    assert "- [ ] mlp (mixed_bfloat16) steady epoch <= 0.8x Keras-JAX: measured 1.00x " \
           "(missed)" in text
    assert "- [ ] cnn (float32) steady epoch <= 0.8x Keras-JAX: not measured" in text
