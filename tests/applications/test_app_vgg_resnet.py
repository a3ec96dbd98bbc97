"""VGG16/19, ResNet50/101/152 and ResNet50V2/101V2/152V2 against keras.applications: same
architecture (parameter count, layer names, weight shapes) and, with Keras's weights copied in,
the same predictions. The default run checks ResNet50 and VGG16 at 32x32; every architecture
runs under `--applications-full`."""

from __future__ import annotations

import numpy as np
import pytest
from app_oracle import (assert_same_architecture, assert_same_predictions, build_pair,
                        copy_keras_weights, numpy_keras_init, random_images,
                        write_published_layout)

import lamina


def assert_same_model(name: str, atol: float = 1e-4, published_dir=None, **kwargs) -> None:
    """Same architecture and predictions; with `published_dir`, lamina reads Keras's weights
    from a file in the published layout (`weights=<path>`) instead of `set_weights`."""
    with numpy_keras_init():
        keras_model, lamina_model = build_pair(name, **kwargs)
    assert lamina_model.name == keras_model.name
    assert_same_architecture(keras_model, lamina_model)
    copy_keras_weights(keras_model, lamina_model)
    if published_dir is not None:
        path = published_dir / f"{name.lower()}_weights.h5"
        write_published_layout(keras_model, path)
        lamina_model = getattr(lamina.applications, name)(weights=str(path), **kwargs)
    assert_same_predictions(keras_model, lamina_model, random_images(keras_model), atol=atol)


def test_resnet50_features_match_keras_with_its_weights_file(tmp_path):
    assert_same_model("ResNet50", include_top=False, input_shape=(32, 32, 3),
                      published_dir=tmp_path)


def test_vgg16_classifier_matches_keras():
    assert_same_model("VGG16", include_top=True, classes=10, input_shape=(32, 32, 3),
                      classifier_activation=None)


def test_input_tensor_becomes_the_model_input_as_in_keras():
    import keras

    models = []
    for lib in (keras, lamina):
        inputs = lib.Input((40, 40, 3), name="pixels")
        x = lib.layers.Rescaling(1 / 255.0, name="rescale")(inputs)
        with numpy_keras_init():
            models.append(lib.applications.VGG16(weights=None, include_top=False,
                                                 input_tensor=x, pooling="max"))
    keras_model, lamina_model = models
    assert [t.name for t in lamina_model.inputs] == ["pixels"]
    assert lamina_model.input_shape == keras_model.input_shape
    assert lamina_model.output_shape == keras_model.output_shape == (None, 512)
    assert [layer.name for layer in lamina_model.layers][:2] == ["pixels", "rescale"]


@pytest.mark.parametrize("module, mode", [("vgg16", "caffe"), ("vgg19", "caffe"),
                                          ("resnet", "caffe"), ("resnet50", "caffe"),
                                          ("resnet_v2", "tf")])
def test_family_preprocess_input_matches_keras(module, mode):
    import keras

    x = (np.random.default_rng(0).random((2, 5, 6, 3)) * 255).astype("float32")
    expected = getattr(keras.applications, module).preprocess_input(x.copy())
    got = getattr(lamina.applications, module).preprocess_input(x.copy())
    np.testing.assert_array_equal(got, expected)
    reference = lamina.applications.imagenet_utils.preprocess_input(x.copy(), mode=mode)
    np.testing.assert_array_equal(got, reference)


def test_resnet50_module_reexports_resnet():
    from lamina.applications import resnet, resnet50

    assert resnet50.ResNet50 is resnet.ResNet50 is lamina.applications.ResNet50
    assert resnet50.preprocess_input is resnet.preprocess_input


FULL_CASES = [
    ("VGG16", {}, 1e-4),
    ("VGG19", {}, 1e-4),
    ("ResNet50", {}, 1e-4),
    ("ResNet50V2", {}, 1e-4),
    ("ResNet101", dict(input_shape=(64, 64, 3)), 1e-3),
    ("ResNet152", dict(input_shape=(64, 64, 3)), 1e-3),
    ("ResNet101V2", dict(input_shape=(64, 64, 3)), 1e-3),
    ("ResNet152V2", dict(input_shape=(64, 64, 3)), 1e-3),
    ("ResNet50", dict(include_top=False, pooling="avg", input_shape=(48, 40, 3)), 1e-4),
    ("ResNet50V2", dict(include_top=False, pooling="max", input_shape=(48, 40, 3)), 1e-4),
    ("VGG19", dict(include_top=False, pooling="avg", input_shape=(40, 48, 3)), 1e-4),
]


@pytest.mark.applications_full
@pytest.mark.parametrize("name, kwargs, atol", FULL_CASES,
                         ids=[f"{n}-{'-'.join(map(str, k.values()))}" for n, k, _ in FULL_CASES])
def test_every_architecture_matches_keras(name, kwargs, atol):
    """include_top=True with 1000 classes (224x224 where affordable), and pooled features."""
    assert_same_model(name, atol=atol, **kwargs)


@pytest.mark.applications_full
@pytest.mark.parametrize("name", ["ResNet50", "ResNet50V2", "VGG16"])
def test_channels_first_matches_keras(name):
    import keras

    keras.backend.set_image_data_format("channels_first")
    lamina.backend.set_image_data_format("channels_first")
    try:
        assert_same_model(name, include_top=False, input_shape=(3, 32, 32))
    finally:
        keras.backend.set_image_data_format("channels_last")
        lamina.backend.set_image_data_format("channels_last")
