"""DenseNet121/169/201, InceptionV3, InceptionResNetV2 and Xception against keras.applications:
same architecture (parameter count, layer names, weight shapes) and, with Keras's weights, the
same predictions. The default run compares Xception's predictions (through a weights file in
the layout of Keras's published ones) and DenseNet121's and InceptionV3's layers, at their
smallest inputs; their predictions (10-16 s to compile) and every other architecture run under
`--applications-full`."""

from __future__ import annotations

import numpy as np
import pytest
from app_oracle import (assert_published_files_are_keras, assert_same_architecture,
                        assert_same_model, assert_same_predictions, build_fresh_pair,
                        layer_entries, loopback_storage, numpy_keras_init, random_images,
                        randomize_trivial_weights, write_published_layout)

import lamina


def test_xception_loads_a_published_layout_weights_file(tmp_path):
    import keras

    keras.backend.clear_session()
    lamina.backend.clear_session()
    with numpy_keras_init():
        keras_model = keras.applications.Xception(weights=None, include_top=False,
                                                  input_shape=(71, 71, 3))
    randomize_trivial_weights(keras_model)
    path = tmp_path / "xception_weights_tf_dim_ordering_tf_kernels_notop.h5"
    write_published_layout(keras_model, path)
    model = lamina.applications.Xception(weights=str(path), include_top=False,
                                         input_shape=(71, 71, 3))
    assert model.name == "xception"
    assert_same_architecture(keras_model, model)
    assert_same_predictions(keras_model, model, random_images(keras_model))


@pytest.mark.parametrize("name, kwargs, output_shape", [
    ("DenseNet121", dict(input_shape=(32, 32, 3), pooling="avg"), (None, 1024)),
    ("InceptionV3", dict(input_shape=(75, 75, 3)), (None, 1, 1, 2048)),
])
def test_architecture_matches_keras(name, kwargs, output_shape):
    """Layers only; the predictions (10-16 s to compile even at these sizes) are compared in
    the full corpus."""
    keras_model, model = build_fresh_pair(name, include_top=False, **kwargs)
    assert model.name == keras_model.name
    assert_same_architecture(keras_model, model)
    assert model.output_shape == keras_model.output_shape == output_shape


@pytest.mark.parametrize("module", ["densenet", "inception_v3", "inception_resnet_v2",
                                    "xception"])
def test_family_preprocess_input_matches_keras(module):
    import keras

    x = (np.random.default_rng(0).random((2, 5, 6, 3)) * 255).astype("float32")
    expected = getattr(keras.applications, module).preprocess_input(x.copy())
    got = getattr(lamina.applications, module).preprocess_input(x.copy())
    np.testing.assert_allclose(got, expected, rtol=1e-6)


@pytest.mark.parametrize("module", ["densenet", "inception_v3", "inception_resnet_v2",
                                    "xception"])
def test_published_weight_files_are_keras(module):
    assert_published_files_are_keras(module)


def test_decode_predictions_wants_imagenet_scores():
    with pytest.raises(ValueError, match="1000"):
        lamina.applications.densenet.decode_predictions(np.zeros((2, 10)))


def test_densenet_refuses_channels_first_as_keras():
    lamina.config.set_image_data_format("channels_first")
    try:
        with pytest.raises(ValueError, match="DenseNet does not support the `channels_first`"):
            lamina.applications.DenseNet121(weights=None)
    finally:
        lamina.config.set_image_data_format("channels_last")


@pytest.mark.parametrize("name", ["DenseNet169", "InceptionV3", "InceptionResNetV2", "Xception"])
def test_imagenet_weights_need_1000_classes(name):
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        getattr(lamina.applications, name)(weights="imagenet", classes=10)


FULL_CASES = [
    ("DenseNet121", dict(include_top=False, input_shape=(32, 32, 3)), 1e-4),
    ("InceptionV3", dict(include_top=False, input_shape=(75, 75, 3)), 1e-4),
    ("DenseNet121", {}, 1e-4),
    ("DenseNet169", dict(include_top=False, input_shape=(64, 64, 3), pooling="avg"), 1e-4),
    ("DenseNet201", dict(include_top=False, input_shape=(64, 64, 3), pooling="max"), 1e-3),
    ("InceptionV3", {}, 1e-4),
    ("InceptionV3", dict(include_top=False, input_shape=(96, 80, 3), pooling="max"), 1e-4),
    ("InceptionResNetV2", dict(include_top=False, input_shape=(75, 75, 3)), 1e-3),
    ("InceptionResNetV2", dict(input_shape=(75, 75, 3), classes=7,
                               classifier_activation=None), 1e-3),
    ("Xception", {}, 1e-4),
    ("Xception", dict(include_top=False, input_shape=(71, 71, 3), pooling="avg"), 1e-4),
]


@pytest.mark.applications_full
@pytest.mark.parametrize("name, kwargs, atol", FULL_CASES,
                         ids=[f"{name}-{i}" for i, (name, _, _) in enumerate(FULL_CASES)])
def test_predictions_match_keras(name, kwargs, atol):
    assert_same_model(name, atol=atol, **kwargs)


@pytest.mark.applications_full
def test_input_tensor_becomes_the_model_input_as_in_keras():
    import keras

    models = []
    for lib in (keras, lamina):
        lib.backend.clear_session()
        inputs = lib.Input((80, 80, 3), name="pixels")
        x = lib.layers.Rescaling(1 / 127.5, offset=-1, name="rescale")(inputs)
        with numpy_keras_init():
            models.append(lib.applications.Xception(weights=None, include_top=False,
                                                    input_tensor=x, pooling="avg"))
    keras_model, lamina_model = models
    assert [t.name for t in lamina_model.inputs] == ["pixels"]
    assert lamina_model.output_shape == keras_model.output_shape == (None, 2048)
    assert [layer.name for layer in lamina_model.layers] == [
        layer.name for layer in keras_model.layers]


@pytest.mark.applications_full
def test_inception_resnet_v2_keras_file_loads_in_lamina(tmp_path):
    """CustomScaleLayer is read from, and written to, `.keras` files under Keras's name."""
    import keras

    keras.backend.clear_session()
    with numpy_keras_init():
        keras_model = keras.applications.InceptionResNetV2(
            weights=None, include_top=False, input_shape=(75, 75, 3), pooling="avg")
    randomize_trivial_weights(keras_model)
    keras_model.save(tmp_path / "irv2.keras")
    model = lamina.saving.load_model(tmp_path / "irv2.keras")
    assert_same_architecture(keras_model, model)
    assert_same_predictions(keras_model, model, random_images(keras_model), atol=1e-3)
    model.save(tmp_path / "back.keras")
    with numpy_keras_init():
        reloaded = keras.saving.load_model(tmp_path / "back.keras")
    assert layer_entries(reloaded) == layer_entries(keras_model)
    images = random_images(keras_model, seed=3)
    np.testing.assert_allclose(reloaded.predict(images, verbose=0),
                               keras_model.predict(images, verbose=0), rtol=1e-5, atol=1e-5)


@pytest.fixture
def storage(tmp_path, monkeypatch):
    """Keras's storage on 127.0.0.1 (LAMINA_WEIGHTS_MIRROR), Keras's cache in tmp_path."""
    yield from loopback_storage(tmp_path, monkeypatch)


@pytest.mark.applications_full
@pytest.mark.parametrize("constructor, kwargs, url_path", [
    ("DenseNet201", dict(include_top=False, input_shape=(32, 32, 3)),
     "densenet/densenet201_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("InceptionV3", {}, "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5"),
    ("InceptionResNetV2", dict(include_top=False, input_shape=(75, 75, 3)),
     "inception_resnet_v2/inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("Xception", {}, "xception/xception_weights_tf_dim_ordering_tf_kernels.h5"),
])
def test_imagenet_weights_are_fetched_from_keras_url_paths(storage, constructor, kwargs,
                                                           url_path):
    with pytest.raises(OSError, match="404"):
        getattr(lamina.applications, constructor)(weights="imagenet", **kwargs)
    assert storage.hits == {f"/tensorflow/keras-applications/{url_path}": 1}
