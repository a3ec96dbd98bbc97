"""lamina.applications.imagenet_utils against keras.applications.imagenet_utils on the same
inputs: preprocessing modes, decoding predictions (class index served on 127.0.0.1), and the
input-shape / padding / activation checks the applications share."""

from __future__ import annotations

import hashlib
import json
import warnings

import jax.numpy as jnp
import numpy as np
import pytest
from app_oracle import loopback_storage

import lamina
from lamina.applications import imagenet_utils

CLASS_INDEX_URL_PATH = "/download.tensorflow.org/data/imagenet_class_index.json"


@pytest.fixture
def storage(tmp_path, monkeypatch):
    """Keras's storage on 127.0.0.1 (LAMINA_WEIGHTS_MIRROR), Keras's cache in tmp_path."""
    yield from loopback_storage(tmp_path, monkeypatch)


def keras_utils():
    from keras.src.applications import imagenet_utils as keras_imagenet_utils

    return keras_imagenet_utils


def images(data_format: str, batched: bool, dtype="float32") -> np.ndarray:
    shape = (4, 5, 3) if data_format == "channels_last" else (3, 4, 5)
    shape = (2, *shape) if batched else shape
    return (np.random.default_rng(0).random(shape) * 255).astype(dtype)


def raised(fn, *args, **kwargs) -> str:
    with pytest.raises(ValueError) as info:
        fn(*args, **kwargs)
    return str(info.value)


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("batched", [True, False])
def test_preprocess_input_numpy_matches_keras_and_works_in_place(mode, data_format, batched):
    x = images(data_format, batched)
    keras_x, lamina_x = x.copy(), x.copy()
    expected = keras_utils().preprocess_input(keras_x, data_format=data_format, mode=mode)
    got = imagenet_utils.preprocess_input(lamina_x, data_format=data_format, mode=mode)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(lamina_x, keras_x)  # Keras overwrites a float input too
    assert got.dtype == expected.dtype


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("dtype", ["float32", "uint8", "int32"])
def test_preprocess_input_tensors_and_integer_arrays_match_keras(mode, data_format, dtype):
    x = images(data_format, True, dtype)
    for value in (x, jnp.asarray(x)):
        expected = keras_utils().preprocess_input(value.copy() if isinstance(value, np.ndarray)
                                                  else value, data_format=data_format, mode=mode)
        got = imagenet_utils.preprocess_input(value, data_format=data_format, mode=mode)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))


def test_preprocess_input_inside_a_functional_model_matches_keras():
    import keras

    image = np.random.default_rng(1).integers(0, 256, (2, 6, 7, 3)).astype("uint8")
    outputs = []
    for lib, module in ((keras, keras.applications.resnet50),
                        (lamina, lamina.applications.resnet50)):
        i = lib.layers.Input([None, None, 3], dtype="uint8")
        x = lib.ops.cast(i, "float32")
        x = module.preprocess_input(x)
        model = lib.Model(inputs=i, outputs=x)
        outputs.append(np.asarray(model(image)))
    np.testing.assert_allclose(outputs[1], outputs[0], atol=1e-5)


def test_preprocess_input_default_data_format_follows_the_global_setting():
    x = images("channels_first", True)
    lamina.backend.set_image_data_format("channels_first")
    try:
        got = imagenet_utils.preprocess_input(x.copy())
    finally:
        lamina.backend.set_image_data_format("channels_last")
    expected = keras_utils().preprocess_input(x.copy(), data_format="channels_first")
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("kwargs", [{"mode": "keras"}, {"data_format": "channels_middle"}])
def test_preprocess_input_bad_arguments_raise_keras_errors(kwargs):
    x = images("channels_last", True)
    assert raised(imagenet_utils.preprocess_input, x, **kwargs) == \
        raised(keras_utils().preprocess_input, x, **kwargs)


def class_index() -> dict[str, list[str]]:
    return {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}


@pytest.fixture
def served_class_index(storage, monkeypatch):
    """The class index on 127.0.0.1 under Keras's URL path; its hash in place of Keras's."""
    body = json.dumps(class_index()).encode()
    storage.add(CLASS_INDEX_URL_PATH, body)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", hashlib.md5(body).hexdigest())
    monkeypatch.setattr(keras_utils(), "CLASS_INDEX", class_index())
    return storage


def test_decode_predictions_fetches_the_class_index_once_and_matches_keras(served_class_index):
    preds = np.random.default_rng(2).random((3, 1000)).astype("float32")
    expected = keras_utils().decode_predictions(preds, top=4)
    got = imagenet_utils.decode_predictions(preds, top=4)
    assert got == expected
    assert [len(row) for row in got] == [4, 4, 4]
    assert lamina.applications.resnet50.decode_predictions(jnp.asarray(preds)) == \
        keras_utils().decode_predictions(preds)
    assert served_class_index.hits[CLASS_INDEX_URL_PATH] == 1
    assert (served_class_index.keras_home / "models" / "imagenet_class_index.json").exists()


def test_decode_predictions_rejects_other_shapes_as_keras_does():
    preds = np.zeros((2, 10), "float32")
    assert raised(imagenet_utils.decode_predictions, preds) == \
        raised(keras_utils().decode_predictions, preds)


OBTAIN_CASES = [
    dict(input_shape=None, default_size=224, min_size=32, data_format="channels_last",
         require_flatten=True),
    dict(input_shape=None, default_size=224, min_size=32, data_format="channels_first",
         require_flatten=False),
    dict(input_shape=(64, 48, 3), default_size=224, min_size=32,
         data_format="channels_last", require_flatten=False, weights="imagenet"),
    dict(input_shape=(1, 64, 64), default_size=224, min_size=32,
         data_format="channels_first", require_flatten=True),
    dict(input_shape=(64, 64, 5), default_size=224, min_size=32,
         data_format="channels_last", require_flatten=False),
    dict(input_shape=(None, None, 3), default_size=224, min_size=32,
         data_format="channels_last", require_flatten=False),
    dict(input_shape=(224, 224, 3), default_size=224, min_size=32,
         data_format="channels_last", require_flatten=True, weights="imagenet"),
]
OBTAIN_ERRORS = [
    dict(input_shape=(200, 200, 3), default_size=224, min_size=32,
         data_format="channels_last", require_flatten=True, weights="imagenet"),
    dict(input_shape=(64, 64), default_size=224, min_size=32,
         data_format="channels_last", require_flatten=False),
    dict(input_shape=(64, 64, 1), default_size=224, min_size=32,
         data_format="channels_last", require_flatten=False, weights="imagenet"),
    dict(input_shape=(3, 16, 64), default_size=224, min_size=32,
         data_format="channels_first", require_flatten=False),
    dict(input_shape=(64, 16, 3), default_size=224, min_size=32,
         data_format="channels_last", require_flatten=False),
    dict(input_shape=(None, None, 3), default_size=224, min_size=32,
         data_format="channels_last", require_flatten=True),
]


@pytest.mark.parametrize("kwargs", OBTAIN_CASES)
def test_obtain_input_shape_matches_keras(kwargs):
    with warnings.catch_warnings(record=True) as keras_warnings:
        warnings.simplefilter("always")
        expected = keras_utils().obtain_input_shape(**kwargs)
    with warnings.catch_warnings(record=True) as lamina_warnings:
        warnings.simplefilter("always")
        got = imagenet_utils.obtain_input_shape(**kwargs)
    assert got == expected
    assert [str(w.message) for w in lamina_warnings] == [str(w.message) for w in keras_warnings]


@pytest.mark.parametrize("kwargs", OBTAIN_ERRORS)
def test_obtain_input_shape_errors_match_keras(kwargs):
    assert raised(imagenet_utils.obtain_input_shape, **kwargs) == \
        raised(keras_utils().obtain_input_shape, **kwargs)


@pytest.mark.parametrize("shape", [(None, 224, 224, 3), (None, 225, 224, 3),
                                   (None, 33, 31, 3), (None, None, None, 3)])
@pytest.mark.parametrize("kernel_size", [3, (5, 3)])
def test_correct_pad_matches_keras(shape, kernel_size):
    import keras

    keras_input = keras.Input(batch_shape=shape)
    lamina_input = lamina.layers.Input(batch_shape=shape)
    assert imagenet_utils.correct_pad(lamina_input, kernel_size) == \
        keras_utils().correct_pad(keras_input, kernel_size)


def test_validate_activation_allows_only_softmax_or_none_with_weights():
    for activation in ("softmax", None):
        imagenet_utils.validate_activation(activation, "imagenet")
    imagenet_utils.validate_activation("relu", None)
    message = raised(imagenet_utils.validate_activation, "relu", "imagenet")
    keras_message = raised(keras_utils().validate_activation, "relu", "imagenet")
    assert message.split("classifier_activation=")[0] == keras_message.split(
        "classifier_activation=")[0]
    assert "relu" in message
