"""`python -m lamina inspect|convert` as a user runs it: output, exit codes, errors."""

import os
import re
import subprocess
import sys

import keras
import numpy as np
import pytest

import lamina
import lamina.cli

ENV = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}


def run(*args):
    return subprocess.run([sys.executable, "-m", "lamina", *map(str, args)], capture_output=True,
                          text=True, env=ENV, timeout=120)


@pytest.fixture(scope="module")
def keras_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "k.keras"
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(7, activation="relu"),
                              keras.layers.Dense(3)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 5)), np.ones((4, 3)), verbose=0)
    model.save(path)
    return path, model


def test_inspect_keras_file_matches_keras_summary(keras_file):
    path, model = keras_file
    result = run("inspect", path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Keras 3 .keras zip" in out and "Keras 3." in out
    for layer in model.layers:
        row = re.search(rf"{layer.name} \({type(layer).__name__}\)\s+(\S.*?)\s+([\d,]+)\n", out)
        assert row, out
        assert int(row.group(2).replace(",", "")) == layer.count_params()
        assert row.group(1) == str(layer.output.shape)
    assert f"Total params: {model.count_params():,}" in out
    assert "Optimizer: Adam" in out and "iterations=1" in out
    assert re.search(r"layers/dense\S*/vars/0\s+\(5, 7\)\s+float32\s+min=\S+ max=\S+ mean=\S+ nan=0",
                     out)


def main(*args):
    """In-process run for the cheaper checks (the subprocess path is covered above)."""
    return lamina.cli.main([str(a) for a in args])


def test_convert_between_formats_loads_in_keras(keras_file, tmp_path):
    path, model = keras_file
    x = np.random.default_rng(0).normal(size=(3, 5)).astype("float32")
    expected = np.asarray(model(x))
    assert run("convert", path, tmp_path / "m.h5").returncode == 0
    assert main("convert", tmp_path / "m.h5", tmp_path / "back.keras") == 0
    assert main("convert", tmp_path / "back.keras", tmp_path / "w.weights.h5") == 0
    loaded = keras.models.load_model(tmp_path / "back.keras")
    np.testing.assert_allclose(np.asarray(loaded(x)), expected, rtol=1e-6, atol=1e-6)
    weights_only = keras.models.clone_model(model)
    weights_only.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_allclose(np.asarray(weights_only(x)), expected, rtol=1e-6, atol=1e-6)
    assert "Keras 3 .weights.h5" in "\n".join(lamina.cli.inspect_file(str(tmp_path / "w.weights.h5")))


def test_exit_codes_and_errors(tmp_path, capsys):
    (tmp_path / "fake.keras").write_bytes(b"\x89PNG\r\n\x1a\n0000")
    bad = run("inspect", tmp_path / "fake.keras")
    assert bad.returncode == 1 and "PNG image" in bad.stderr and "fake.keras" in bad.stderr
    assert main("inspect", tmp_path / "none.keras") == 1
    assert "no such file" in capsys.readouterr().err
    assert run().returncode == 2
    with pytest.raises(SystemExit) as exit_info:
        main("frobnicate", "x")
    assert exit_info.value.code == 2
    model = lamina.Sequential([lamina.layers.Dense(2, input_shape=(3,))])
    model.save(tmp_path / "m.keras")
    assert main("convert", tmp_path / "m.keras", tmp_path / "m.txt") == 2
    assert not (tmp_path / "m.txt").exists()
