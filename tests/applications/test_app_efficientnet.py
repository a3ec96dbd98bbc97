"""EfficientNetB0-B7 and EfficientNetV2 (B0-B3, S, M, L) against keras.applications (the
oracle): same architecture (parameter count, layer names, weight shapes, the normalization
layers inside the model and the stochastic-depth rates), and with Keras's weights the same
predictions. The default run checks EfficientNetB0's `weights="imagenet"` path end to end
(Keras's published file layout served under Keras's URL path and hash; ImageNet weights add
a `Rescaling` inside the model, as in Keras) and EfficientNetV2B0, at 32x32; every variant
runs under `--applications-full`, some in training mode."""

from __future__ import annotations

import hashlib
from urllib.parse import urlparse

import numpy as np
import pytest
from app_oracle import (assert_same_architecture, assert_same_model, assert_same_predictions,
                        assert_same_training_forward, keras_imagenet_model, loopback_storage,
                        numpy_keras_init, random_images, randomize_trivial_weights)

import lamina
from lamina.applications import efficientnet, efficientnet_v2

SHAPE = (32, 32, 3)


@pytest.fixture
def storage(tmp_path, monkeypatch):
    yield from loopback_storage(tmp_path, monkeypatch)


def layer_settings(model) -> list:
    """What the architecture check does not see: the preprocessing layers' constants and
    the dropout (stochastic depth) rates, per layer."""
    keys = ("scale", "offset", "mean", "variance", "axis", "rate", "noise_shape")
    settings = []
    for layer in model.layers:
        if type(layer).__name__ in {"Rescaling", "Normalization", "Dropout"}:
            config = layer.get_config()
            values = {k: np.asarray(config[k], "float64").round(7).tolist()
                      if k in ("scale", "mean", "variance") and config[k] is not None
                      else config[k] for k in keys if k in config}
            settings.append((layer.name, values))
    return settings


def test_efficientnet_b0_imagenet_weights_predict_as_keras(storage, monkeypatch, tmp_path):
    kwargs = dict(include_top=False, input_shape=SHAPE)
    published = tmp_path / "published.h5"
    keras_model, (file_name, origin, file_hash) = keras_imagenet_model(
        "EfficientNetB0", monkeypatch, published, **kwargs)
    assert (file_name, file_hash) == ("efficientnetb0_notop.h5",
                                      efficientnet.WEIGHTS_HASHES["b0"][1])
    body = published.read_bytes()
    storage.add(urlparse(origin).path, body)
    digest = hashlib.md5(body).hexdigest()
    monkeypatch.setitem(efficientnet.WEIGHTS_HASHES, "b0", (digest, digest))
    lamina.backend.clear_session()
    model = lamina.applications.EfficientNetB0(weights="imagenet", **kwargs)
    assert storage.hits == {urlparse(origin).path: 1}
    assert model.name == keras_model.name == "efficientnetb0"
    assert_same_architecture(keras_model, model)
    assert layer_settings(model) == layer_settings(keras_model)
    assert [layer.name for layer in model.layers[1:5]] == [
        "rescaling", "normalization", "rescaling_1", "stem_conv_pad"]
    assert_same_predictions(keras_model, model, random_images(keras_model))


def test_efficientnet_v2_b0_matches_keras():
    keras_model, model = assert_same_model("EfficientNetV2B0", include_top=False,
                                           input_shape=SHAPE)
    assert layer_settings(model) == layer_settings(keras_model)


@pytest.mark.parametrize("name, kwargs", [
    ("EfficientNetV2B1", {"input_shape": (32, 32, 1), "include_top": False}),
    ("EfficientNetV2B0", {"include_preprocessing": False, "input_shape": SHAPE, "classes": 7}),
    ("EfficientNetB1", {"input_shape": (40, 40, 3), "classes": 7, "pooling": "max"}),
])
def test_preprocessing_and_heads_are_keras(name, kwargs):
    """Architecture only: a grey input rescales to [-1, 1] instead of ImageNet's mean and
    variance; `include_preprocessing=False` drops the layers; a classifier head."""
    import keras

    keras.backend.clear_session()
    lamina.backend.clear_session()
    with numpy_keras_init():
        keras_model = getattr(keras.applications, name)(weights=None, **kwargs)
    model = getattr(lamina.applications, name)(weights=None, **kwargs)
    assert model.name == keras_model.name
    assert_same_architecture(keras_model, model)
    assert layer_settings(model) == layer_settings(keras_model)


@pytest.mark.parametrize("module", ["efficientnet", "efficientnet_v2"])
def test_preprocess_input_is_the_identity_as_in_keras(module):
    x = (np.random.default_rng(0).random((2, 4, 5, 3)) * 255).astype("float32")
    assert getattr(lamina.applications, module).preprocess_input(x) is x


def test_published_file_tables_are_keras():
    from keras.src.applications import efficientnet as keras_efficientnet
    from keras.src.applications import efficientnet_v2 as keras_efficientnet_v2

    for mine, theirs in ((efficientnet, keras_efficientnet),
                         (efficientnet_v2, keras_efficientnet_v2)):
        assert mine.WEIGHTS_HASHES == theirs.WEIGHTS_HASHES
        assert mine.BASE_WEIGHTS_PATH == theirs.BASE_WEIGHTS_PATH
        assert mine.DEFAULT_BLOCKS_ARGS == theirs.DEFAULT_BLOCKS_ARGS


def test_imagenet_weights_need_1000_classes():
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        lamina.applications.EfficientNetV2S(weights="imagenet", classes=10)


FULL = [
    ("EfficientNetB0", {}),
    ("EfficientNetB1", {}),
    ("EfficientNetB2", {"include_top": False, "input_shape": (64, 64, 3), "pooling": "avg"}),
    ("EfficientNetB3", {"include_top": False, "input_shape": (64, 64, 3)}),
    ("EfficientNetB4", {"include_top": False, "input_shape": (64, 64, 3)}),
    ("EfficientNetB5", {"include_top": False, "input_shape": (64, 64, 3)}),
    ("EfficientNetB6", {"include_top": False, "input_shape": (64, 64, 3)}),
    ("EfficientNetB7", {"include_top": False, "input_shape": (64, 64, 3)}),
    ("EfficientNetV2B0", {}),
    ("EfficientNetV2B1", {"include_top": False, "input_shape": (64, 64, 3)}),
    ("EfficientNetV2B2", {"include_top": False, "input_shape": (64, 64, 3)}),
    ("EfficientNetV2B3", {"include_top": False, "input_shape": (64, 64, 3), "pooling": "max"}),
    ("EfficientNetV2S", {"include_top": False, "input_shape": (64, 64, 3)}),
    ("EfficientNetV2M", {"include_top": False, "input_shape": (64, 64, 3)}),
    ("EfficientNetV2L", {"include_top": False, "input_shape": (64, 64, 3)}),
]


def assert_same_contractive_model(name: str, **kwargs):
    """`assert_same_model` with Keras's random kernels halved. At Keras's initial scale (and
    random BatchNorm statistics) the deep variants amplify float32 rounding exponentially: the
    relative difference grows about 3x per block, to O(1) by block 6 of EfficientNetV2B1 at
    64x64, in Keras against itself as much as against lamina. Halved kernels keep the network
    contractive, so the comparison stays exact to 1e-4."""
    import keras

    keras.backend.clear_session()
    lamina.backend.clear_session()
    with numpy_keras_init():
        keras_model = getattr(keras.applications, name)(weights=None, **kwargs)
    model = getattr(lamina.applications, name)(weights=None, **kwargs)
    assert model.name == keras_model.name
    assert_same_architecture(keras_model, model)
    randomize_trivial_weights(keras_model)
    keras_model.set_weights([value * 0.5 if weight.path.endswith("kernel") else value
                             for weight, value in zip(keras_model.weights,
                                                      keras_model.get_weights())])
    model.set_weights(keras_model.get_weights())
    assert_same_predictions(keras_model, model, random_images(keras_model))
    assert layer_settings(model) == layer_settings(keras_model)
    return keras_model, model


@pytest.mark.applications_full
@pytest.mark.parametrize("name, kwargs", FULL, ids=[n for n, _ in FULL])
def test_every_efficientnet_matches_keras(name, kwargs):
    assert_same_contractive_model(name, **kwargs)


@pytest.mark.applications_full
@pytest.mark.parametrize("name", ["EfficientNetB0", "EfficientNetV2B0"])
def test_training_mode_matches_keras_with_stochastic_depth_off(name):
    # 64x64 and 8 images: BatchNorm's batch statistics over 1x1 maps of a few images would
    # amplify rounding differences in a few channels.
    keras_model, model = assert_same_contractive_model(name, include_top=False,
                                                       input_shape=(64, 64, 3))
    for m in (keras_model, model):
        for layer in m.layers:
            if type(layer).__name__ == "Dropout":
                layer.rate = 0.0
    assert_same_training_forward(keras_model, model, batch=8)
