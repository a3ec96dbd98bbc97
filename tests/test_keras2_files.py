"""Files written by Keras 2 (tf-keras 2.21) load in lamina with Keras 2's predictions.

The corpus in tests/keras2_files/ was written by tests/keras2_files/generate.py under tf-keras:
whole models (`model.save("m.h5")`, compiled and trained, so with their optimizer state) and
weights-only files (`model.save_weights("w.h5")`); `cases.json` holds each file's inputs and
Keras 2's predictions (the oracle) and the optimizer's iteration count.
"""

import json
import os
import warnings

import h5py
import numpy as np
import pytest

import lamina

HERE = os.path.join(os.path.dirname(__file__), "keras2_files")
with open(os.path.join(HERE, "cases.json")) as _f:
    CASES = json.load(_f)
MODELS = sorted(name for name, case in CASES.items() if case["kind"] == "model")
STEPPED = sorted(name for name, case in CASES.items() if "step_targets" in case)
#: files Keras 3 cannot load either, and the error lamina gives instead.
UNSUPPORTED = {"gru_time_major": "time_major=True"}


def _load(name: str, **kwargs):
    base = name.replace(".weights_only", "")
    if base in UNSUPPORTED:
        with pytest.raises(ValueError, match=UNSUPPORTED[base]):
            lamina.models.load_model(os.path.join(HERE, f"{base}.h5"), **kwargs)
        pytest.skip(f"{base}: Keras 3 has no {UNSUPPORTED[base]}; lamina says so clearly")
    return lamina.models.load_model(os.path.join(HERE, f"{base}.h5"), **kwargs)
WEIGHTS = sorted(name for name, case in CASES.items() if case["kind"] == "weights")


def _inputs(case: dict):
    if case["multi_input"]:
        return [np.asarray(a, case["x_dtype"]) for a in case["x"]]
    return np.asarray(case["x"], case["x_dtype"])


def _architecture(name: str):
    """The file's architecture with fresh weights (a clone of the whole-model file)."""
    return lamina.models.clone_model(_load(name, compile=False))


@pytest.mark.parametrize("name", MODELS)
def test_whole_model_file_predicts_as_keras2(name):
    case = CASES[name]
    model = _load(name)
    np.testing.assert_allclose(model.predict(_inputs(case), verbose=0), case["y"],
                               rtol=1e-5, atol=1e-5)
    assert model.compiled
    assert int(model.optimizer.iterations) == case["iterations"]
    compiled = model.get_compile_config()
    assert compiled["loss"] == "mse"
    assert compiled["metrics"] == (None if name.startswith("optimizer_") else ["mae"])
    assert type(model.optimizer).__name__ == case.get("optimizer", "Adam")


NADAM_BUG = pytest.mark.xfail(strict=True, reason=(
    "Keras 2's Nadam multiplies its u_product once per variable per step (its Python step "
    "counter is frozen when tf.function traces it), so its next step is not Keras 3's Nadam"))


@pytest.mark.parametrize("name", [pytest.param(n, marks=NADAM_BUG) if n.endswith("nadam")
                                  else n for n in STEPPED])
def test_training_continues_as_in_keras2(name):
    """The next step's loss and weights equal Keras 2's: the optimizer's iterations, slots and
    (legacy `decay`) learning-rate schedule came across."""
    case = CASES[name]
    model = _load(name)
    x = _inputs(case)
    loss = model.train_on_batch(x, np.asarray(case["step_targets"], "float32"))
    np.testing.assert_allclose(loss, case["step_loss"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict(x, verbose=0), case["y_after_step"],
                               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", WEIGHTS)
@pytest.mark.parametrize("by_name", [False, True], ids=["topology", "by_name"])
def test_weights_file_predicts_as_keras2(name, by_name):
    case = CASES[name]
    model = _architecture(name)
    model.load_weights(os.path.join(HERE, f"{name}.h5"), by_name=by_name)
    np.testing.assert_allclose(model.predict(_inputs(case), verbose=0), case["y"],
                               rtol=1e-5, atol=1e-5)


def test_weights_file_skip_mismatch_by_name():
    """A model whose last layer changed keeps its own weights there, and loads the rest."""
    model = lamina.Sequential([
        lamina.Input((6,)), lamina.layers.Dense(8, activation="relu", name="d1"),
        lamina.layers.Dense(5, name="d2")])
    fresh = model.get_layer("d2").get_weights()
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        model.load_weights(os.path.join(HERE, "dense_mlp.weights_only.h5"), by_name=True,
                           skip_mismatch=True)
    with h5py.File(os.path.join(HERE, "dense_mlp.weights_only.h5"), "r") as f:
        kernel = np.asarray(f["d1/d1/kernel:0"])
    np.testing.assert_array_equal(model.get_layer("d1").get_weights()[0], kernel)
    for ours, before in zip(model.get_layer("d2").get_weights(), fresh):
        np.testing.assert_array_equal(ours, before)


def test_keras2_lr_and_decay_names(tmp_path):
    """Keras < 2.3 wrote `lr` (and `decay`) in the optimizer config: the same settings load."""
    path = str(tmp_path / "old.h5")
    with open(os.path.join(HERE, "optimizer_legacy_adam.h5"), "rb") as src, \
            open(path, "wb") as dst:
        dst.write(src.read())
    with h5py.File(path, "r+") as f:
        training = json.loads(f.attrs["training_config"])
        optimizer = training["optimizer_config"]["config"]
        optimizer["lr"] = optimizer.pop("learning_rate")
        f.attrs["training_config"] = json.dumps(training)
    case = CASES["optimizer_legacy_adam"]
    model = lamina.models.load_model(path)
    assert model.optimizer.get_config()["learning_rate"]["config"] == {
        "initial_learning_rate": optimizer["lr"], "decay_steps": 1,
        "decay_rate": optimizer["decay"], "staircase": False, "name": "InverseTimeDecay"}
    loss = model.train_on_batch(_inputs(case), np.asarray(case["step_targets"], "float32"))
    np.testing.assert_allclose(loss, case["step_loss"], rtol=1e-5, atol=1e-6)
