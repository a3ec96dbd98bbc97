"""plot_history writes a real PNG with two curves; plot_model draws the layer graph."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from lamina import layers, utils
from lamina.models import Sequential
from lamina.utils.plotting import model_to_dot, plot_history, plot_model

Image = pytest.importorskip("PIL.Image")
pytest.importorskip("matplotlib")

BLUE, ORANGE = (0x1F, 0x77, 0xB4), (0xFF, 0x7F, 0x0E)  # matplotlib's first two colours


def count_colour(pixels: np.ndarray, rgb, tolerance: int = 40) -> int:
    return int((np.abs(pixels[..., :3].astype(int) - rgb).sum(axis=-1) < tolerance).sum())


def test_plot_history_png_with_train_and_validation_curves(tmp_path):
    history = {"loss": [1.0, 0.6, 0.4, 0.3], "val_loss": [1.1, 0.8, 0.7, 0.69],
               "accuracy": [0.5, 0.7, 0.8, 0.9], "val_accuracy": [0.4, 0.6, 0.65, 0.7]}
    path = plot_history(history, tmp_path / "h.png", size=(900, 360))
    raw = open(path, "rb").read()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(path)
    assert image.format == "PNG" and image.size == (900, 360)
    pixels = np.asarray(image.convert("RGB"))
    assert pixels.std() > 10  # not blank
    assert count_colour(pixels, BLUE) > 200 and count_colour(pixels, ORANGE) > 200
    assert [p.name for p in tmp_path.iterdir()] == ["h.png"]  # no temporary left


def test_plot_history_from_fit_without_validation(tmp_path, rng):
    model = Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse")
    history = model.fit(rng.normal(size=(16, 3)), rng.normal(size=(16, 1)), epochs=3, verbose=0)
    pixels = np.asarray(Image.open(utils.plot_history(history, tmp_path / "fit.png"))
                        .convert("RGB"))
    assert pixels.shape == (400, 1000, 3)
    assert count_colour(pixels, BLUE) > 100 and count_colour(pixels, ORANGE) < 20
    with pytest.raises(ValueError, match="empty history"):
        plot_history({}, tmp_path / "none.png")


def small_model():
    model = Sequential([layers.Dense(8, activation="relu", input_shape=(4,), name="hidden"),
                        layers.Dense(2, name="out")])
    model.build((None, 4))
    return model


def test_model_to_dot_and_text_file(tmp_path):
    model = small_model()
    dot = model_to_dot(model, show_shapes=True, show_layer_activations=True)
    assert "hidden (Dense)" in dot and "out (Dense)" in dot and "n0 -> n1" in dot
    assert "params: 40" in dot and "(None, 8)" in dot and "activation: relu" in dot
    path = plot_model(model, tmp_path / "m.dot", show_shapes=True)
    assert open(path).read().startswith('digraph "')


def test_plot_model_png(tmp_path):
    path = plot_model(small_model(), tmp_path / "m.png", show_shapes=True, dpi=60)
    image = Image.open(path)
    assert image.format == "PNG" and np.asarray(image.convert("L")).std() > 5


def test_plot_model_functional_graph(tmp_path):
    functional = pytest.importorskip("lamina.models.functional")
    inputs = layers.Input((4,))
    a = layers.Dense(3, name="a")(inputs)
    b = layers.Dense(3, name="b")(inputs)
    out = layers.Add(name="add")([a, b]) if hasattr(layers, "Add") else a
    model = functional.Functional(inputs, out)
    dot = model_to_dot(model)
    names = [layer.name for layer in model.layers]
    index = {name: i for i, name in enumerate(names)}
    assert f"n{index['a']}" in dot and f"n{index[names[0]]} -> n{index['a']}" in dot
    if "add" in index:
        assert f"n{index['b']} -> n{index['add']}" in dot


def test_missing_matplotlib_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"lamina\[plot\]"):
        plot_history({"loss": [1.0]}, tmp_path / "x.png")


def test_missing_pillow_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    (tmp_path / "a").mkdir()
    with pytest.raises(ImportError, match=r"lamina\[images\]"):
        utils.image_dataset_from_directory(str(tmp_path), verbose=False)
