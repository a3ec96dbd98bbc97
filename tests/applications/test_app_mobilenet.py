"""MobileNet, MobileNetV2, MobileNetV3Small/Large against keras.applications (the oracle):
same architecture (parameter count, layer names, weight shapes), and with Keras's weights the
same predictions, in inference and in training mode. The default run checks one small model
per family (32x32 inputs) and MobileNetV2's `weights="imagenet"` path end to end (Keras's
published file layout served under Keras's URL path); every width and variant runs under
`--applications-full`."""

from __future__ import annotations

import warnings
from urllib.parse import urlparse

import numpy as np
import pytest
from app_oracle import (assert_same_architecture, assert_same_model, assert_same_predictions,
                        assert_same_training_forward, keras_imagenet_model, loopback_storage,
                        random_images)

import lamina

SHAPE = (32, 32, 3)


@pytest.fixture
def storage(tmp_path, monkeypatch):
    yield from loopback_storage(tmp_path, monkeypatch)


def test_mobilenet_v2_imagenet_weights_predict_as_keras(storage, monkeypatch, tmp_path):
    kwargs = dict(alpha=0.35, include_top=False, input_shape=SHAPE)
    keras_model, (file_name, origin, file_hash) = keras_imagenet_model(
        "MobileNetV2", monkeypatch, tmp_path / "published.h5", **kwargs)
    storage.add(urlparse(origin).path, (tmp_path / "published.h5").read_bytes())
    lamina.backend.clear_session()
    with pytest.warns(UserWarning, match="Weights for input shape \\(224, 224\\)"):
        model = lamina.applications.MobileNetV2(weights="imagenet", **kwargs)
    assert file_hash is None  # Keras publishes no hash for MobileNet files
    assert storage.hits == {urlparse(origin).path: 1}
    assert (storage.keras_home / "models" / file_name).exists()
    assert model.name == keras_model.name == "mobilenetv2_0.35_224"
    assert_same_architecture(keras_model, model)
    assert_same_predictions(keras_model, model, random_images(keras_model))


def test_mobilenet_classifier_matches_keras_in_inference_and_training():
    keras_model, model = assert_same_model("MobileNet", alpha=0.25, dropout=0.0,
                                           input_shape=SHAPE, classes=10,
                                           classifier_activation=None)
    assert_same_training_forward(keras_model, model)


def test_mobilenet_v3_small_matches_keras():
    assert_same_model("MobileNetV3Small", include_top=False, input_shape=SHAPE)


@pytest.mark.parametrize("module", ["mobilenet", "mobilenet_v2", "mobilenet_v3"])
def test_preprocess_input_matches_keras(module):
    import keras

    x = (np.random.default_rng(0).random((2, 4, 5, 3)) * 255).astype("float32")
    expected = getattr(keras.applications, module).preprocess_input(x.copy())
    got = getattr(lamina.applications, module).preprocess_input(x.copy())
    np.testing.assert_allclose(got, expected, rtol=1e-6)


@pytest.mark.parametrize("name, kwargs", [
    ("MobileNet", {"weights": "imagenet", "depth_multiplier": 2, "include_top": False}),
    ("MobileNet", {"weights": "imagenet", "alpha": 0.3, "include_top": False}),
    ("MobileNetV2", {"weights": "imagenet", "alpha": 0.6, "include_top": False}),
    ("MobileNetV3Small", {"weights": "imagenet", "alpha": 0.75, "minimalistic": True}),
    ("MobileNetV3Large", {"weights": None, "input_shape": (16, 40, 3)}),
])
def test_invalid_arguments_raise_keras_errors(name, kwargs):
    import keras

    with pytest.raises(ValueError) as keras_error, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        getattr(keras.applications, name)(**kwargs)
    with pytest.raises(ValueError) as lamina_error:
        getattr(lamina.applications, name)(**kwargs)
    assert str(lamina_error.value) == str(keras_error.value)


FULL = [
    ("MobileNet", {"alpha": 1.0}),
    ("MobileNet", {"alpha": 0.75, "input_shape": (128, 128, 3)}),
    ("MobileNet", {"alpha": 0.5, "depth_multiplier": 2, "include_top": False,
                   "input_shape": (64, 48, 3), "pooling": "max"}),
    ("MobileNetV2", {"alpha": 1.0}),
    ("MobileNetV2", {"alpha": 1.4, "input_shape": (96, 96, 3)}),
    ("MobileNetV2", {"alpha": 0.5, "include_top": False, "pooling": "avg",
                     "input_shape": (64, 64, 3)}),
    ("MobileNetV2", {"alpha": 0.75, "include_top": False, "input_shape": (40, 56, 3)}),
    ("MobileNetV3Small", {"alpha": 1.0, "input_shape": (224, 224, 3)}),
    ("MobileNetV3Small", {"alpha": 0.75, "minimalistic": True, "classes": 10,
                          "input_shape": (64, 64, 3), "dropout_rate": 0.0}),
    ("MobileNetV3Large", {"alpha": 1.0, "input_shape": (224, 224, 3)}),
    ("MobileNetV3Large", {"alpha": 1.0, "minimalistic": True, "include_top": False,
                          "pooling": "avg", "include_preprocessing": False}),
    ("MobileNetV3Large", {"alpha": 0.75, "include_top": False, "input_shape": (64, 64, 3)}),
]


@pytest.mark.applications_full
@pytest.mark.parametrize("name, kwargs", FULL, ids=[f"{n}-{k}" for n, k in FULL])
def test_every_mobilenet_matches_keras(name, kwargs):
    if kwargs.get("include_top") is False and "input_shape" not in kwargs:
        kwargs = {**kwargs, "input_shape": (96, 96, 3)}  # any-size inputs need a size here
    keras_model, model = assert_same_model(name, **kwargs)
    if kwargs.get("dropout_rate") == 0.0 or kwargs.get("include_top") is False:
        assert_same_training_forward(keras_model, model)
