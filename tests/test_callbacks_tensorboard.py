"""`callbacks.TensorBoard` against Keras 3: the event files lamina writes hold the same runs,
tags, plugins, dtypes, shapes and steps as the ones Keras + TensorFlow write for the same fit
(recorded in tests/golden/tensorboard_keras.json by tests/golden/tensorboard_keras.py), and
their values, read back with tensorboard's event reader, equal the History, the evaluate
results and the weights."""

import collections
import glob
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("tensorboard")

import lamina as keras

GOLDEN_DIR = os.path.join(os.path.dirname(__file__), "golden")
sys.path.insert(0, GOLDEN_DIR)
import tensorboard_keras as recorder

with open(os.path.join(GOLDEN_DIR, "tensorboard_keras.json")) as f:
    GOLDEN = json.load(f)


@pytest.fixture(scope="module", autouse=True)
def tensorboard_without_tensorflow():
    """Read event files with tensorboard's own (TensorFlow-free) record reader, as TensorBoard
    does without TensorFlow: quicker than importing TensorFlow where it happens to be installed."""
    import types

    sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("notf"))
    yield


def events(run_dir):
    """(tag, step, tensor value) of every summary in a run directory, in order written."""
    from tensorboard.backend.event_processing import event_file_loader
    from tensorboard.util import tensor_util

    found = []
    for path in sorted(glob.glob(os.path.join(run_dir, "events.out.tfevents.*"))):
        for event in event_file_loader.EventFileLoader(path).Load():
            for value in event.summary.value:
                found.append((value.tag, event.step, tensor_util.make_ndarray(value.tensor)))
    return found


def last(run_dir, tag):
    return [value for t, _, value in events(run_dir) if t == tag][-1]


def fit_logged(log_dir, **tensorboard_kwargs):
    """The recorder's fit (2 epochs of 2 batches, validation, then an evaluate) in lamina."""
    return recorder.run(keras, str(log_dir), **tensorboard_kwargs)


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    """histogram_freq=1, write_images, update_freq='batch', embeddings: Keras's 'batch' case."""
    log_dir = tmp_path_factory.mktemp("tb") / "logs"
    model, result = fit_logged(log_dir, histogram_freq=1, write_images=True,
                               update_freq="batch", embeddings_freq=1,
                               embeddings_metadata={"embedding": "meta.tsv"})
    return log_dir, model, result


def as_multiset(values):
    return collections.Counter(json.dumps(v, sort_keys=True) for v in values)


def test_runs_tags_and_files_equal_keras(full_run):
    _, _, result = full_run
    expected = GOLDEN["batch"]
    for run in ("train", "validation"):
        assert as_multiset(result[run]) == as_multiset(expected[run]), run
    assert result["files"] == expected["files"]


def test_integer_update_freq_tags_equal_keras(tmp_path):
    """update_freq=2 as Keras; write_steps_per_second adds Keras's two rate tags (from its
    source: the recording ran without them)."""
    _, result = fit_logged(tmp_path / "logs", update_freq=2, write_steps_per_second=True)
    rate = {"content": "", "dtype": "float32", "plugin": "scalars", "shape": []}
    extra = [{**rate, "tag": "epoch_steps_per_second", "step": 0},
             {**rate, "tag": "epoch_steps_per_second", "step": 1},
             {**rate, "tag": "batch_steps_per_second", "step": 2},
             {**rate, "tag": "batch_steps_per_second", "step": 4}]
    assert as_multiset(result["train"]) == as_multiset(GOLDEN["every_2"]["train"] + extra)
    assert as_multiset(result["validation"]) == as_multiset(GOLDEN["every_2"]["validation"])
    rates = [float(v) for t, _, v in events(tmp_path / "logs" / "train") if "per_second" in t]
    assert all(r > 0 for r in rates)


def test_epoch_scalars_equal_history(full_run):
    log_dir, model, result = full_run
    history = result["history"]
    for run, prefix in (("train", ""), ("validation", "val_")):
        scalars = [(t, s, float(v)) for t, s, v in events(log_dir / run) if t.startswith("epoch_")]
        for name in ("loss", "accuracy"):
            logged = [v for t, _, v in sorted((x for x in scalars if x[0] == f"epoch_{name}"),
                                              key=lambda x: x[1])]
            np.testing.assert_allclose(logged, history[prefix + name], rtol=1e-6)
    rates = [float(v) for t, _, v in events(log_dir / "train") if t == "epoch_learning_rate"]
    np.testing.assert_allclose(rates, [model.optimizer.learning_rate] * 2, rtol=1e-6)


def test_batch_scalars_are_the_running_epoch_logs(full_run):
    """With update_freq='batch', `batch_loss` at each epoch's last batch is that epoch's loss."""
    log_dir, _, result = full_run
    batch_loss = {step: float(v) for t, step, v in events(log_dir / "train") if t == "batch_loss"}
    assert sorted(batch_loss) == [1, 2, 3, 4]
    np.testing.assert_allclose([batch_loss[2], batch_loss[4]], result["history"]["loss"],
                               rtol=1e-6)


def test_evaluation_vs_iterations_equal_validation_and_evaluate(full_run):
    """After each validation (at 2 and 4 iterations) and the final `evaluate` (also at 4, same
    weights and data), `evaluation_*_vs_iterations` holds the results at that iteration."""
    log_dir, _, result = full_run
    history = result["history"]
    for name in ("loss", "accuracy"):
        logged = [(s, float(v)) for t, s, v in events(log_dir / "validation")
                  if t == f"evaluation_{name}_vs_iterations"]
        expected = history[f"val_{name}"] + history[f"val_{name}"][-1:]
        assert [s for s, _ in logged] == [2, 4, 4]
        np.testing.assert_allclose([v for _, v in logged], expected, rtol=1e-6)


def test_histograms_are_tensorflows_buckets_of_each_weight(full_run):
    log_dir, model, _ = full_run
    for layer in model.layers:
        for weight in layer.weights:
            values = np.asarray(weight).ravel().astype(np.float64)
            hist = last(log_dir / "train", f"{weight.path}/histogram")
            assert hist.shape == (30, 3)
            assert hist[0, 0] == values.min() and hist[-1, 1] == values.max()
            counts, _ = np.histogram(values, bins=30, range=(values.min(), values.max()))
            np.testing.assert_array_equal(hist[:, 2], counts)


def test_histogram_and_image_of_keras_weights_equal_keras(tmp_path):
    """The recorded Keras kernel, written by lamina's writer, gives TensorFlow's histogram
    and TensorFlow's PNG pixels."""
    from PIL import Image

    from lamina.callbacks.tensorboard_images import weight_as_images
    from lamina.callbacks.tensorboard_writer import SummaryWriter

    sample = GOLDEN["sample"]
    kernel = np.asarray(sample["kernel"], np.float32)
    writer = SummaryWriter(str(tmp_path))
    writer.histogram("kernel/histogram", kernel, step=0)
    writer.image("kernel/image", weight_as_images(kernel), step=0)
    writer.close()
    np.testing.assert_allclose(last(tmp_path, "kernel/histogram"), sample["histogram"],
                               rtol=1e-12)
    width, height, png = last(tmp_path, "kernel/image")
    pixels = np.asarray(Image.open(io.BytesIO(png)))[..., None]
    np.testing.assert_array_equal(pixels, np.asarray(sample["image"], np.uint8))
    assert (int(width), int(height)) == (pixels.shape[1], pixels.shape[0])


def test_write_graph_writes_the_model_config(full_run):
    log_dir, model, _ = full_run
    (written,) = {v.item() for t, _, v in events(log_dir / "train") if t == "keras"}
    assert json.loads(written) == json.loads(model.to_json())
    assert keras.models.model_from_json(written).count_params() == model.count_params()


def test_embeddings_projector_config_and_checkpoints(full_run):
    log_dir, model, result = full_run
    assert result["projector_config"] == (
        GOLDEN["batch"]["projector_config"].removesuffix("}\n")
        + '  metadata_path: "meta.tsv"\n}\n')
    restored = recorder.build_model(keras)
    restored.load_weights(log_dir / "train" / "keras_embedding.ckpt-1.weights.h5")
    for a, b in zip(restored.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_default_tags_equal_keras_and_profile_batch_writes_a_jax_trace(tmp_path):
    """Defaults (update_freq='epoch') write Keras's epoch-level tags only; profiling batches
    2 to 3 adds a jax.profiler trace where TensorBoard's profile tab looks for it."""
    _, result = fit_logged(tmp_path, profile_batch=(2, 3))
    for run in ("train", "validation"):
        assert as_multiset(result[run]) == as_multiset(GOLDEN["epoch"][run]), run
    traces = glob.glob(str(tmp_path / "train" / "plugins" / "profile" / "*" / "*.xplane.pb"))
    assert len(traces) == 1 and os.path.getsize(traces[0]) > 0


@pytest.mark.parametrize("kwargs, match", [
    ({"update_freq": "step"}, "update_freq='step'"),
    ({"update_freq": 0}, "update_freq=0"),
    ({"histogram_freq": -1}, "histogram_freq=-1"),
    ({"profile_batch": (3, 2)}, "Found: \\(3, 2\\)"),
    ({"profile_batch": "a,b"}, "Found: a,b"),
])
def test_bad_arguments_name_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        keras.callbacks.TensorBoard("logs", **kwargs)


def test_unknown_embedding_names_are_refused(tmp_path):
    model = recorder.build_model(keras)
    with pytest.raises(ValueError, match="embeddings_metadata.*'dense_9'"):
        model.fit(*recorder.data(), epochs=1, verbose=0, callbacks=[keras.callbacks.TensorBoard(
            tmp_path, embeddings_freq=1, embeddings_metadata={"dense_9": "m.tsv"})])


def test_lamina_imports_without_tensorboard_and_says_how_to_get_it():
    """lamina.callbacks loads neither tensorboard nor orbax; TensorBoard() names the fix."""
    code = ("import sys; sys.modules['tensorboard'] = None\n"
            "import lamina, lamina.callbacks\n"
            "print('orbax' in sys.modules)\n"
            "try:\n    lamina.callbacks.TensorBoard('logs')\n"
            "except ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True,
                         text=True, timeout=120, env={**os.environ, "JAX_PLATFORMS": "cpu"})
    lines = out.stdout.splitlines()
    assert lines[0] == "False" and "pip install tensorboard" in lines[1], out.stderr
