"""Export for serving: `model.export(path, format=...)`, `keras.export.ExportArchive`, the
reloaded artifacts checked against lamina's predictions and Keras's (the oracle)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import lamina as keras
from lamina import layers
from lamina.export import load_stablehlo


def small_cnn(lib=keras):
    lib.utils.set_random_seed(1)
    return lib.Sequential([
        lib.Input((8, 8, 1)),
        lib.layers.Conv2D(4, 3, activation="relu"),
        lib.layers.MaxPooling2D(),
        lib.layers.Flatten(),
        lib.layers.Dropout(0.5),
        lib.layers.Dense(3, activation="softmax"),
    ])


def small_mlp(lib=keras):
    lib.utils.set_random_seed(2)
    return lib.Sequential([
        lib.Input((5,)),
        lib.layers.Dense(8, activation="relu"),
        lib.layers.BatchNormalization(),
        lib.layers.Dense(2),
    ])


def batches(shape, sizes=(1, 7)):
    rng = np.random.default_rng(0)
    return {n: rng.random((n, *shape)).astype("float32") for n in sizes}


FRESH_PROCESS = textwrap.dedent("""
    import importlib.util, json, sys
    from pathlib import Path
    import numpy as np
    from jax import export

    loader_path, artifact, inputs, out = sys.argv[1:]
    spec = importlib.util.spec_from_file_location("stablehlo_loader", loader_path)
    loader = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loader)
    loaded = loader.load_stablehlo(artifact)

    # The same artifact read with jax.export alone, from the manifest's layout.
    folder = Path(artifact)
    manifest = json.loads((folder / "manifest.json").read_text())
    entry = manifest["endpoints"]["serve"]
    raw = export.deserialize(bytearray((folder / entry["file"]).read_bytes()))
    stored = np.load(folder / "variables.npz")
    values = [stored[manifest["variables"][i]["key"]] for i in entry["variables"]]

    results = {}
    with np.load(inputs) as xs:
        for key in xs.files:
            results["loader_" + key] = np.asarray(loaded.serve(xs[key]))
            results["raw_" + key] = np.asarray(raw.call(values, xs[key]))
    assert not [m for m in sys.modules if m == "lamina" or m.startswith("lamina.")]
    np.savez(out, **results)
""")


def test_stablehlo_artifact_serves_in_a_fresh_process_without_lamina(tmp_path):
    model = small_cnn()
    xs = batches((8, 8, 1))
    model.export(tmp_path / "cnn", format="stablehlo", verbose=False)
    np.savez(tmp_path / "x.npz", **{f"x{n}": x for n, x in xs.items()})
    script = tmp_path / "serve.py"
    script.write_text(FRESH_PROCESS)
    from lamina.export import stablehlo_loader

    subprocess.run([sys.executable, str(script), stablehlo_loader.__file__,
                    str(tmp_path / "cnn"), str(tmp_path / "x.npz"), str(tmp_path / "y.npz")],
                   check=True, capture_output=True, timeout=120, cwd=tmp_path)
    served = np.load(tmp_path / "y.npz")
    for n, x in xs.items():
        expected = model.predict(x, verbose=0)
        np.testing.assert_allclose(served[f"loader_x{n}"], expected, rtol=0, atol=1e-6)
        np.testing.assert_allclose(served[f"raw_x{n}"], expected, rtol=0, atol=1e-6)


def test_stablehlo_matches_keras_predictions(tmp_path):
    import keras as real_keras

    model, oracle = small_cnn(), small_cnn(real_keras)
    oracle.set_weights(model.get_weights())
    model.export(tmp_path / "cnn", format="stablehlo", verbose=False)
    artifact = load_stablehlo(tmp_path / "cnn")
    for x in batches((8, 8, 1), sizes=(3, 10)).values():
        np.testing.assert_allclose(np.asarray(artifact.serve(x)),
                                   oracle.predict(x, verbose=0), atol=1e-6)


def test_functional_multi_input_and_subclassed_models(tmp_path):
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    hidden = layers.Concatenate()([layers.Dense(5, activation="tanh")(a), b])
    functional = keras.Model([a, b], [layers.Dense(2)(hidden), layers.Dense(1)(hidden)])

    class TwoDense(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden, self.out = layers.Dense(6, activation="relu"), layers.Dense(2)

        def call(self, x):
            return self.out(self.hidden(x))

    subclassed = TwoDense()
    subclassed(np.zeros((1, 4), "float32"))
    x = [np.ones((2, 4), "float32"), np.full((2, 3), 0.5, "float32")]
    functional.export(tmp_path / "functional", format="stablehlo", verbose=False)
    subclassed.export(tmp_path / "subclassed", format="stablehlo", verbose=False)
    outputs = load_stablehlo(tmp_path / "functional").serve(x)
    for got, expected in zip(outputs, functional.predict(x, verbose=0)):
        np.testing.assert_allclose(np.asarray(got), expected, atol=1e-6)
    np.testing.assert_allclose(np.asarray(load_stablehlo(tmp_path / "subclassed").serve(x[0])),
                               subclassed.predict(x[0], verbose=0), atol=1e-6)
    manifest = json.loads((tmp_path / "functional" / "manifest.json").read_text())
    assert manifest["endpoints"]["serve"]["inputs"] == [[
        {"shape": [None, 4], "dtype": "float32", "name": "a"},
        {"shape": [None, 3], "dtype": "float32", "name": "b"}]]


def test_export_archive_endpoints_and_variable_collections(tmp_path, capsys):
    model = small_mlp()
    model.compile(optimizer="adam", loss="mse")
    x, y = batches((5,), sizes=(6,))[6], np.ones((6, 2), "float32")
    model.train_on_batch(x, y)

    export_archive = keras.export.ExportArchive()
    export_archive.track(model)
    export_archive.add_endpoint(
        name="serve", fn=model.call,
        input_signature=[keras.InputSpec(shape=(None, 5), dtype="float32")])
    export_archive.add_endpoint(
        name="call_training", fn=lambda t: model.call(t, training=True),
        input_signature=[keras.InputSpec(shape=(None, 5), dtype="float32")])
    export_archive.add_variable_collection(
        name="optimizer_variables", variables=model.optimizer.variables)
    export_archive.write_out(tmp_path / "mlp", format="stablehlo")
    assert "* Endpoint 'serve'" in capsys.readouterr().out

    reloaded = load_stablehlo(tmp_path / "mlp")
    np.testing.assert_allclose(np.asarray(reloaded.serve(x)), model.predict(x, verbose=0),
                               atol=1e-6)
    np.testing.assert_allclose(np.asarray(reloaded.call_training(x)),
                               np.asarray(model(x, training=True)), atol=1e-5)
    assert len(reloaded.optimizer_variables) == len(model.optimizer.variables)
    for got, variable in zip(reloaded.optimizer_variables, model.optimizer.variables):
        np.testing.assert_array_equal(got, np.asarray(variable))


def test_reexport_replaces_an_artifact_but_never_a_foreign_folder(tmp_path):
    model = small_mlp()
    model.export(tmp_path / "mlp", format="stablehlo", verbose=False)
    model.export(tmp_path / "mlp", format="stablehlo", verbose=False)  # replaces itself
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mlp"]
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "todo.txt").write_text("keep me")
    with pytest.raises(ValueError, match="not an exported artifact"):
        model.export(foreign, format="stablehlo", verbose=False)
    assert (foreign / "todo.txt").read_text() == "keep me"
    with pytest.raises(TypeError, match="Endpoint 'serve' takes 1 argument"):
        load_stablehlo(tmp_path / "mlp").serve(np.ones((2, 5)), np.ones((2, 5)))


@pytest.mark.parametrize("fmt, message", [
    ("foo", r"Unrecognized format=foo. Supported formats are: \['tf_saved_model', 'onnx', "
            r"'stablehlo'\]"),
    ("openvino", "not supported: OpenVINO export"),
    ("litert", "not supported: LiteRT export"),
])
def test_bad_formats_name_the_alternatives(tmp_path, fmt, message):
    with pytest.raises(ValueError, match=message):
        small_mlp().export(tmp_path / "m", format=fmt)


def test_unbuilt_models_and_missing_signatures_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="has not yet been built"):
        keras.Sequential([layers.Dense(2)]).export(tmp_path / "m", format="stablehlo")
    archive = keras.export.ExportArchive()
    with pytest.raises(ValueError, match="must provide an `input_signature`"):
        archive.add_endpoint("serve", small_mlp().call)
    with pytest.raises(ValueError, match="No endpoints have been set yet"):
        archive.write_out(tmp_path / "m", format="stablehlo")
    with pytest.raises(ValueError, match="The `shape` and `dtype` must be provided"):
        archive.add_endpoint("serve", small_mlp().call, [keras.InputSpec(ndim=2)])


def test_default_format_without_tensorflow_names_stablehlo(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # as if TensorFlow were not installed
    with pytest.raises(ImportError, match="format='stablehlo'"):
        small_mlp().export(tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_tf_saved_model_serves_two_batch_sizes(tmp_path):
    tf = pytest.importorskip("tensorflow", reason="format='tf_saved_model' needs TensorFlow")
    model = small_mlp()
    model.export(tmp_path / "saved", verbose=False)  # Keras's default format
    reloaded = tf.saved_model.load(str(tmp_path / "saved"))
    serving_default = reloaded.signatures["serving_default"]  # what TF-Serving calls
    (input_name,) = serving_default.structured_input_signature[1]
    for x in batches((5,)).values():
        expected = model.predict(x, verbose=0)
        np.testing.assert_allclose(reloaded.serve(x).numpy(), expected, atol=1e-6)
        np.testing.assert_allclose(
            serving_default(**{input_name: tf.constant(x)})["output_0"], expected, atol=1e-6)


@pytest.mark.parametrize("make, shape", [(small_mlp, (5,)), (small_cnn, (8, 8, 1))])
def test_onnx_matches_lamina_under_onnxruntime(tmp_path, make, shape):
    ort = pytest.importorskip("onnxruntime", reason="format='onnx' is checked with onnxruntime")
    pytest.importorskip("jax2onnx", reason="format='onnx' needs jax2onnx")
    model = make()
    model.export(tmp_path / "model.onnx", format="onnx", verbose=False)
    session = ort.InferenceSession(str(tmp_path / "model.onnx"))
    name = session.get_inputs()[0].name
    for x in batches(shape).values():
        np.testing.assert_allclose(session.run(None, {name: x})[0],
                                   model.predict(x, verbose=0), atol=1e-5)


def test_cli_exports_a_keras_file(tmp_path):
    model = small_cnn()
    model.save(tmp_path / "cnn.keras")
    done = subprocess.run([sys.executable, "-m", "lamina.cli", "export",
                           str(tmp_path / "cnn.keras"), str(tmp_path / "served"),
                           "--format", "stablehlo"], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "Wrote" in done.stdout
    x = batches((8, 8, 1), sizes=(4,))[4]
    np.testing.assert_allclose(np.asarray(load_stablehlo(tmp_path / "served").serve(x)),
                               model.predict(x, verbose=0), atol=1e-6)
    from lamina import cli

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["export", str(tmp_path / "cnn.keras"), str(tmp_path / "o"), "--format",
                  "tflite"])
    assert exit_info.value.code == 2
