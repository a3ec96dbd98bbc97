"""NASNetMobile/Large and ConvNeXtTiny/Small/Base/Large/XLarge against keras.applications:
same architecture (parameter count, layer names, weight shapes) and, with Keras's weights, the
same predictions; ConvNeXt's `.keras` files load both ways (its LayerScale and StochasticDepth
layers keep Keras's names). The default run compares ConvNeXtTiny and NASNetMobile's layers at
32x32; every architecture's predictions run under `--applications-full`."""

from __future__ import annotations

import numpy as np
import pytest
from app_oracle import (assert_published_files_are_keras, assert_same_architecture,
                        assert_same_model, assert_same_predictions, build_fresh_pair,
                        layer_entries, loopback_storage, numpy_keras_init, random_images,
                        randomize_trivial_weights)

import lamina


def comparable(config):
    """`config` as after a JSON round trip (tuples become lists), with automatic InputLayer
    names (which depend on Keras's name counter) made equal."""
    if isinstance(config, dict):
        config = {key: comparable(value) for key, value in config.items()}
        if config.get("class_name") == "InputLayer":
            config["config"]["name"] = "input_layer"
        return config
    if isinstance(config, (list, tuple)):
        return [comparable(value) for value in config]
    return config


def test_nasnet_mobile_architecture_matches_keras():
    """Layers (in Keras's order and name scopes) only: NASNet's predictions (~13 s to compile
    even at 32x32) run in the full corpus."""
    keras_model, model = build_fresh_pair("NASNetMobile", include_top=False,
                                          input_shape=(32, 32, 3))
    assert model.name == "nasnet_mobile"
    assert_same_architecture(keras_model, model)
    assert [w.path for w in model.weights] == [w.path for w in keras_model.weights]


def test_convnext_tiny_matches_keras_and_keras_files_load_both_ways(tmp_path):
    import keras

    keras_model, built = build_fresh_pair("ConvNeXtTiny", include_top=False,
                                          input_shape=(32, 32, 3))
    assert_same_architecture(keras_model, built)
    assert layer_entries(built) == layer_entries(keras_model)
    randomize_trivial_weights(keras_model)
    keras_model.save(tmp_path / "keras_convnext.keras")
    loaded = lamina.saving.load_model(tmp_path / "keras_convnext.keras")
    assert_same_architecture(keras_model, loaded)
    assert_same_predictions(keras_model, loaded, random_images(keras_model), atol=1e-4)

    built.set_weights(keras_model.get_weights())
    built.save(tmp_path / "lamina_convnext.keras")
    with numpy_keras_init():
        reloaded = keras.saving.load_model(tmp_path / "lamina_convnext.keras")
    # Keras rebuilds the very model whose predictions lamina matched above: same config and
    # the same weights.
    assert comparable(reloaded.get_config()) == comparable(keras_model.get_config())
    for got, expected in zip(reloaded.get_weights(), keras_model.get_weights()):
        np.testing.assert_array_equal(got, expected)


def test_layer_scale_matches_keras_and_serializes_under_its_keras_name():
    import keras
    from keras.src.applications import convnext as keras_convnext

    x = np.random.default_rng(0).normal(size=(2, 3, 3, 4)).astype("float32")
    keras_layer = keras_convnext.LayerScale(0.5, 4, name="scale")
    layer = lamina.applications.convnext.LayerScale(0.5, 4, name="scale")
    np.testing.assert_allclose(np.asarray(layer(x)), np.asarray(keras_layer(x)), rtol=1e-6)
    assert [w.shape for w in layer.weights] == [(4,)]
    config = lamina.saving.serialize_keras_object(layer)
    assert config == keras.saving.serialize_keras_object(keras_layer)
    restored = keras.saving.deserialize_keras_object(config)
    assert type(restored) is keras_convnext.LayerScale


def test_stochastic_depth_drops_whole_samples_while_training():
    StochasticDepth = lamina.applications.convnext.StochasticDepth
    layer = StochasticDepth(0.5, name="drop")
    x = np.ones((64, 2, 2, 3), "float32")
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    out = np.asarray(layer(x, training=True))
    per_sample = out.reshape(64, -1)
    assert set(np.unique(per_sample)) <= {0.0, 2.0}
    assert np.all(per_sample.min(axis=1) == per_sample.max(axis=1))
    assert 0 < np.count_nonzero(per_sample[:, 0]) < 64
    assert layer.weights == []
    config = lamina.saving.serialize_keras_object(layer)
    assert config["module"] == "keras.src.applications.convnext"
    assert config["config"]["drop_path_rate"] == 0.5
    assert type(lamina.saving.deserialize_keras_object(config)) is StochasticDepth


def test_convnext_preprocess_input_is_the_identity_as_in_keras():
    x = np.arange(12, dtype="float32").reshape(1, 2, 2, 3)
    assert lamina.applications.convnext.preprocess_input(x) is x
    np.testing.assert_array_equal(lamina.applications.nasnet.preprocess_input(x.copy()),
                                  x / 127.5 - 1)


@pytest.mark.parametrize("module", ["nasnet", "convnext"])
def test_published_weight_files_are_keras(module):
    assert_published_files_are_keras(module)


def test_convnext_configurations_are_keras():
    from keras.src.applications import convnext as keras_convnext

    assert lamina.applications.convnext.MODEL_CONFIGS == keras_convnext.MODEL_CONFIGS
    assert lamina.applications.convnext.WEIGHTS_HASHES == keras_convnext.WEIGHTS_HASHES


def test_nasnet_imagenet_weights_need_a_static_input_shape():
    with pytest.raises(ValueError, match="must be static"):
        lamina.applications.NASNetMobile(weights="imagenet", include_top=False,
                                         input_shape=(None, None, 3))


def test_convnext_imagenet_weights_need_the_published_name():
    with pytest.raises(ValueError, match="does not match weights variant"):
        lamina.applications.ConvNeXtTiny(weights="imagenet", include_top=False,
                                         input_shape=(32, 32, 3), name="my_net")


FULL_CASES = [
    ("NASNetMobile", dict(include_top=False, input_shape=(32, 32, 3)), 1e-4),
    ("NASNetMobile", {}, 1e-4),
    ("NASNetMobile", dict(include_top=False, input_shape=(64, 64, 3), pooling="avg"), 1e-4),
    ("NASNetLarge", dict(include_top=False, input_shape=(32, 32, 3), pooling="max"), 1e-3),
    ("ConvNeXtTiny", {}, 1e-4),
    ("ConvNeXtTiny", dict(include_top=False, include_preprocessing=False,
                          input_shape=(48, 48, 3), pooling="avg"), 1e-4),
    ("ConvNeXtSmall", dict(include_top=False, input_shape=(32, 32, 3)), 1e-3),
    ("ConvNeXtBase", dict(include_top=False, input_shape=(32, 32, 3), pooling="max"), 1e-3),
    ("ConvNeXtLarge", dict(include_top=False, input_shape=(32, 32, 3)), 1e-3),
    ("ConvNeXtXLarge", dict(include_top=False, input_shape=(32, 32, 3), pooling="avg"), 1e-3),
]


@pytest.mark.applications_full
@pytest.mark.parametrize("name, kwargs, atol", FULL_CASES,
                         ids=[f"{name}-{i}" for i, (name, _, _) in enumerate(FULL_CASES)])
def test_predictions_match_keras(name, kwargs, atol):
    assert_same_model(name, atol=atol, **kwargs)


@pytest.fixture
def storage(tmp_path, monkeypatch):
    """Keras's storage on 127.0.0.1 (LAMINA_WEIGHTS_MIRROR), Keras's cache in tmp_path."""
    yield from loopback_storage(tmp_path, monkeypatch)


@pytest.mark.applications_full
@pytest.mark.parametrize("constructor, kwargs, url_path", [
    ("NASNetMobile", dict(include_top=False, input_shape=(32, 32, 3)),
     "nasnet/NASNet-mobile-no-top.h5"),
    ("NASNetLarge", {}, "nasnet/NASNet-large.h5"),
    ("ConvNeXtTiny", dict(include_top=False, input_shape=(32, 32, 3)),
     "convnext/convnext_tiny_notop.h5"),
    ("ConvNeXtXLarge", {}, "convnext/convnext_xlarge.h5"),
])
def test_imagenet_weights_are_fetched_from_keras_url_paths(storage, constructor, kwargs,
                                                           url_path):
    with pytest.raises(OSError, match="404"):
        getattr(lamina.applications, constructor)(weights="imagenet", **kwargs)
    assert storage.hits == {f"/tensorflow/keras-applications/{url_path}": 1}
