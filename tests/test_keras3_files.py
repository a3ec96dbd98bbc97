"""The Keras-3 half of the file corpus: files written by Keras 3 itself load in lamina.

One functional Keras model holds every single-input layer type lamina has (the cases of
test_saving_every_layer.py, rebuilt in Keras from the same configs) as branches over four
inputs; Keras writes it as `.keras`, legacy `.h5` and `.weights.h5` in the test's setup, with
random weights. Each file must load in lamina with Keras's predictions (1e-5) and layer types.
"""

import numpy as np
import pytest

import lamina

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.filterwarnings("ignore:Layer 'flat_masking'")  # Keras's own warning

from test_saving_every_layer import CASES  # noqa: E402  (the layer table, shared)


def _keras_layer(factory):
    ours = factory()
    return getattr(keras.layers, type(ours).__name__).from_config(ours.get_config())


@pytest.fixture(scope="module")
def keras_files(tmp_path_factory):
    """Keras's model, its inputs and predictions, and the three files it wrote."""
    shapes = sorted({shape for _, shape in CASES.values()}, key=len)
    inputs = {shape: keras.Input(shape, name=f"input_{len(shape)}d") for shape in shapes}
    outputs = [keras.layers.Flatten(name=f"flat_{name.lower()}")(
        _keras_layer(factory)(inputs[shape])) for name, (factory, shape) in sorted(CASES.items())]
    model = keras.Model([inputs[s] for s in shapes], outputs)
    rng = np.random.default_rng(0)
    model.set_weights([np.abs(rng.normal(size=w.shape)).astype(w.dtype) + 0.1
                       if "variance" in w.path else rng.normal(size=w.shape).astype(w.dtype)
                       for w in model.weights])
    x = [rng.normal(size=(3, *s)).astype("float32") for s in shapes]
    folder = tmp_path_factory.mktemp("keras3")
    model.save(folder / "m.keras")
    model.save(folder / "m.h5")
    model.save_weights(folder / "m.weights.h5")
    return model, x, model.predict(x, verbose=0), folder


@pytest.mark.parametrize("fmt", ["keras", "h5"])
def test_whole_model_files_written_by_keras3_load_with_its_predictions(keras_files, fmt):
    model, x, expected, folder = keras_files
    loaded = lamina.models.load_model(folder / f"m.{fmt}")
    assert [type(layer).__name__ for layer in loaded.layers] == [
        type(layer).__name__ for layer in model.layers]
    for ours, theirs in zip(loaded.predict(x, verbose=0), expected):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_weights_file_written_by_keras3_loads_into_the_same_architecture(keras_files):
    model, x, expected, folder = keras_files
    ours = lamina.models.model_from_json(model.to_json())
    ours.load_weights(folder / "m.weights.h5")
    for got, theirs in zip(ours.predict(x, verbose=0), expected):
        np.testing.assert_allclose(got, theirs, rtol=1e-5, atol=1e-5)
