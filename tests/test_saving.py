"""lamina's own round trips, resumed training, custom objects, safe_mode, and bad files."""

import json
import zipfile

import h5py
import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.saving import (SavedFileError, get_custom_objects, load_model,
                           register_keras_serializable)


def _model():
    model = lamina.Sequential([layers.Dense(8, activation="relu", input_shape=(4,)),
                               layers.Dense(3, activation="softmax")])
    model.compile(optimizer=lamina.optimizers.Adam(0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(32, 4)).astype("float32"), rng.integers(0, 3, 32)


@pytest.mark.parametrize("ext", ["keras", "h5"])
def test_round_trip_keeps_predictions_config_and_optimizer(tmp_path, ext):
    x, y = _data()
    model = _model()
    model.train_on_batch(x[:8], y[:8])
    model.train_on_batch(x[8:16], y[8:16])
    model.save(tmp_path / f"m.{ext}")
    loaded = load_model(tmp_path / f"m.{ext}")
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-6, atol=1e-6)
    serialize = lamina.saving.serialize_keras_object
    assert serialize(loaded) == serialize(model)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.optimizer.iterations == model.optimizer.iterations == 2
    for a, b in zip(model.optimizer.keras_variables(model._optimizer_state),
                    loaded.optimizer.keras_variables(loaded._optimizer_state), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert loaded._compile_config.metric_identifiers == ["accuracy"]
    assert loaded.loss.name == model.loss.name


def test_resumed_training_matches_uninterrupted(tmp_path):
    x, y = _data()
    lamina.random.set_random_seed(1)
    model = _model()
    for i in range(3):
        model.train_on_batch(x[i * 8:(i + 1) * 8], y[i * 8:(i + 1) * 8])
    model.save(tmp_path / "ckpt.keras")
    resumed = load_model(tmp_path / "ckpt.keras")
    for m in (model, resumed):
        for i in range(3, 4):
            m.train_on_batch(x[i * 8:(i + 1) * 8], y[i * 8:(i + 1) * 8])
        m.train_on_batch(x[:8], y[:8])
    for a, b in zip(model.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_weights_only_round_trip_and_legacy_by_name(tmp_path):
    x, _ = _data()
    model = _model()
    model.save_weights(tmp_path / "w.weights.h5")
    other = _model()
    other.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_array_equal(np.asarray(other(x)), np.asarray(model(x)))
    model.save(tmp_path / "m.h5")
    third = _model()
    lamina.saving.load_weights(third, tmp_path / "m.h5")
    np.testing.assert_array_equal(np.asarray(third(x)), np.asarray(model(x)))


def _keras2_h5(path, with_extra_layer=False):
    """A tf.keras 2.x style file: batch_input_shape, `:0` weight names, bytes attributes."""
    rng = np.random.default_rng(5)
    kernel, bias = rng.normal(size=(3, 2)).astype("float32"), rng.normal(size=2).astype("float32")
    dense = {"class_name": "Dense", "config": {
        "name": "dense", "trainable": True, "dtype": "float32", "batch_input_shape": [None, 3],
        "units": 2, "activation": "linear", "use_bias": True,
        "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
        "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
        "bias_constraint": None}}
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3],
                                                "dtype": "float32", "sparse": False,
                                                "ragged": False, "name": "dense_input"}},
        dense]}}
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.11.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode()
        f.attrs["training_config"] = json.dumps({
            "loss": "mse", "metrics": None, "weighted_metrics": None, "loss_weights": None,
            "optimizer_config": {"class_name": "SGD", "config": {
                "name": "SGD", "learning_rate": 0.05, "momentum": 0.0, "nesterov": False}}})
        g = f.create_group("model_weights")
        names = ["dense"] + (["extra"] if with_extra_layer else [])
        g.attrs["layer_names"] = np.array([n.encode() for n in names])
        d = g.create_group("dense")
        d.attrs["weight_names"] = np.array([b"dense/kernel:0", b"dense/bias:0"])
        d.create_dataset("dense/kernel:0", data=kernel)
        d.create_dataset("dense/bias:0", data=bias)
    return kernel, bias


def test_reads_keras2_h5(tmp_path):
    kernel, bias = _keras2_h5(tmp_path / "old.h5")
    model = load_model(tmp_path / "old.h5")
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(np.asarray(model(x)), x @ kernel + bias, rtol=1e-6)
    assert type(model.optimizer).__name__ == "SGD"
    assert model.optimizer.learning_rate == pytest.approx(0.05)


def test_legacy_weights_by_name_and_skip_mismatch(tmp_path):
    kernel, bias = _keras2_h5(tmp_path / "old.h5")
    model = lamina.Sequential([layers.Dense(2, input_shape=(3,), name="dense"),
                               layers.Dense(4, name="head")])
    before = model.layers[1].get_weights()
    lamina.saving.load_weights(model, tmp_path / "old.h5", by_name=True)
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], kernel)
    np.testing.assert_array_equal(model.layers[1].get_weights()[0], before[0])
    with pytest.raises(lamina.errors.ConfigError, match="by_name=True"):
        lamina.saving.load_weights(model, tmp_path / "old.h5")
    wrong = lamina.Sequential([layers.Dense(5, input_shape=(3,), name="dense")])
    with pytest.raises(lamina.errors.ShapeError, match="skip_mismatch=True"):
        lamina.saving.load_weights(wrong, tmp_path / "old.h5", by_name=True)
    with pytest.warns(UserWarning, match="Skipping"):
        lamina.saving.load_weights(wrong, tmp_path / "old.h5", by_name=True, skip_mismatch=True)


class Scale(layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_custom_objects_and_registration(tmp_path):
    model = lamina.Sequential([layers.Dense(2, input_shape=(3,)), Scale(3.0, name="scale")])
    model.save(tmp_path / "c.keras")
    with zipfile.ZipFile(tmp_path / "c.keras") as z:
        entry = json.loads(z.read("config.json"))["config"]["layers"][-1]
    assert entry["class_name"] == "Scale" and entry["module"] == __name__
    loaded = load_model(tmp_path / "c.keras", custom_objects={"Scale": Scale})
    assert isinstance(loaded.layers[-1], Scale) and loaded.layers[-1].factor == 3.0

    registered = register_keras_serializable(package="Tests")(Scale)
    assert get_custom_objects()["Tests>Scale"] is registered
    assert lamina.saving.serialize_keras_object(Scale(1.5))["registered_name"] == "Tests>Scale"
    restored = lamina.saving.deserialize_keras_object(
        lamina.saving.serialize_keras_object(Scale(1.5)))
    assert isinstance(restored, Scale) and restored.factor == 1.5
    del get_custom_objects()["Tests>Scale"]


def _keras_zip(path, config=None, members=("metadata.json", "config.json", "model.weights.h5")):
    with zipfile.ZipFile(path, "w") as z:
        for name in members:
            z.writestr(name, json.dumps(config or {}) if name.endswith(".json") else b"")


def test_safe_mode_refuses_lambda_bytecode(tmp_path):
    config = {"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [
        {"module": "keras.layers", "class_name": "Lambda", "config": {"name": "lambda", "function": {
            "class_name": "__lambda__", "config": {"code": "4wEAAAAA", "defaults": None}}}}]}}
    _keras_zip(tmp_path / "lam.keras", config)
    with pytest.raises(lamina.errors.ConfigError, match="safe_mode=True refuses"):
        load_model(tmp_path / "lam.keras")
    with pytest.raises(lamina.errors.ConfigError, match="never runs"):
        load_model(tmp_path / "lam.keras", safe_mode=False)


BAD_FILES = {
    "missing": (None, "no such file"),
    "empty": (b"", "empty"),
    "png": (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "PNG image"),
    "pickle": (b"\x80\x04\x95" + b"\0" * 20, "pickle"),
    "text": (b"hello, world", "not a zip archive or an HDF5 file"),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_files_raise_clear_errors(tmp_path, kind):
    content, message = BAD_FILES[kind]
    path = tmp_path / "model.keras"
    if content is not None:
        path.write_bytes(content)
    error = FileNotFoundError if kind == "missing" else SavedFileError
    with pytest.raises(error, match=message) as info:
        load_model(path)
    assert str(path) in str(info.value)


def test_truncated_corrupt_and_foreign_archives(tmp_path):
    good = tmp_path / "good.keras"
    _model().save(good)
    data = good.read_bytes()
    (tmp_path / "trunc.keras").write_bytes(data[: len(data) // 2])
    corrupt = bytearray(data)
    corrupt[len(data) // 2] ^= 0xFF
    (tmp_path / "corrupt.keras").write_bytes(bytes(corrupt))
    _keras_zip(tmp_path / "noconfig.keras", members=("metadata.json", "model.weights.h5"))
    _model().save(tmp_path / "m.h5")
    h5_data = (tmp_path / "m.h5").read_bytes()
    (tmp_path / "trunc.h5").write_bytes(h5_data[: len(h5_data) // 2])
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = np.zeros(3)
    _model().save_weights(tmp_path / "w.weights.h5")
    cases = {"trunc.keras": "truncated or corrupt", "corrupt.keras": "corrupt",
             "noconfig.keras": "no 'config.json'", "trunc.h5": "truncated or corrupt",
             "other.h5": "holds no Keras model", "w.weights.h5": "weights-only"}
    for name, message in cases.items():
        with pytest.raises(SavedFileError, match=message) as info:
            load_model(tmp_path / name)
        assert name in str(info.value)


def test_failed_load_weights_leaves_model_untouched(tmp_path):
    model = _model()
    small = lamina.Sequential([layers.Dense(8, input_shape=(4,)), layers.Dense(2)])
    small.save_weights(tmp_path / "small.weights.h5")
    before = model.get_weights()
    with pytest.raises(lamina.errors.ShapeError, match="small.weights.h5"):
        model.load_weights(tmp_path / "small.weights.h5")
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_save_is_atomic_and_respects_overwrite(tmp_path):
    model = _model()
    model.save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError):
        lamina.saving.save_model(model, tmp_path / "m.keras", overwrite=False)
    with pytest.raises(lamina.errors.ConfigError, match="extension"):
        model.save(tmp_path / "m.pkl")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]
