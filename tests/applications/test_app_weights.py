"""`weights="imagenet"` end to end: a weights file in the layout of Keras's published files,
served on 127.0.0.1 under Keras's URL path (LAMINA_WEIGHTS_MIRROR points the applications at
it), downloaded into Keras's cache, checked against its hash and loaded; the model then
predicts as Keras does with those weights. Also: hash mismatch, offline, local paths, and
Keras's errors for bad `weights` / `classes`."""

from __future__ import annotations

import hashlib
import socket

import numpy as np
import pytest
from app_oracle import loopback_storage, numpy_keras_init, random_images, write_published_layout

import lamina
from lamina.applications import resnet, vgg16

SHAPE = (32, 32, 3)
NOTOP_FILE = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
NOTOP_PATH = f"/tensorflow/keras-applications/vgg16/{NOTOP_FILE}"


@pytest.fixture
def storage(tmp_path, monkeypatch):
    """Keras's storage on 127.0.0.1 (LAMINA_WEIGHTS_MIRROR), Keras's cache in tmp_path."""
    yield from loopback_storage(tmp_path, monkeypatch)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A Keras VGG16 (no top, 32x32) with random weights, the file Keras would publish for it,
    and Keras's predictions on a few images with those weights."""
    import keras

    with numpy_keras_init(seed=3):
        keras_model = keras.applications.VGG16(weights=None, include_top=False, input_shape=SHAPE)
    path = tmp_path_factory.mktemp("published") / NOTOP_FILE
    write_published_layout(keras_model, path)
    images = random_images(keras_model)
    return {"path": path, "body": path.read_bytes(), "images": images,
            "weights": keras_model.get_weights(),
            "predictions": np.asarray(keras_model.predict(images, verbose=0))}


def imagenet_vgg16():
    return lamina.applications.VGG16(weights="imagenet", include_top=False, input_shape=SHAPE)


def test_imagenet_weights_are_downloaded_once_and_predict_as_keras(published, storage,
                                                                   monkeypatch):
    storage.add(NOTOP_PATH, published["body"])
    monkeypatch.setattr(vgg16, "WEIGHTS_HASHES",
                        (vgg16.WEIGHTS_HASHES[0], hashlib.md5(published["body"]).hexdigest()))
    model = imagenet_vgg16()
    got = model.predict(published["images"], verbose=0)
    np.testing.assert_allclose(got, published["predictions"], rtol=1e-5, atol=1e-4)
    assert (storage.keras_home / "models" / NOTOP_FILE).read_bytes() == published["body"]

    again = imagenet_vgg16()  # from the cache: no second download
    assert storage.hits[NOTOP_PATH] == 1
    for mine, theirs in zip(again.get_weights(), published["weights"], strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_a_file_with_the_wrong_hash_is_refused_and_not_kept(published, storage):
    storage.add(NOTOP_PATH, published["body"])  # Keras's real hash stays expected
    with pytest.raises(ValueError, match=f"hash is .*expected {vgg16.WEIGHTS_HASHES[1]}"):
        imagenet_vgg16()
    cache = storage.keras_home / "models"
    assert sorted(p.name for p in cache.iterdir()) == []


def closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/"


def test_offline_error_names_the_url_and_where_to_put_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("LAMINA_WEIGHTS_MIRROR", closed_port_url())
    monkeypatch.setattr("lamina.datasets.download.RETRY_DELAYS", (0.01,))
    with pytest.raises(OSError) as info:
        imagenet_vgg16()
    message = str(info.value)
    assert NOTOP_PATH in message
    assert str(tmp_path / "models" / NOTOP_FILE) in message
    assert "LAMINA_WEIGHTS_MIRROR" in message and "weights=" in message


@pytest.mark.parametrize("constructor, url_path", [
    ("ResNet50", "resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("ResNet101V2", "resnet/resnet101v2_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("VGG19", "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"),
])
def test_imagenet_weights_are_fetched_from_keras_url_paths(storage, constructor, url_path):
    with pytest.raises(OSError, match="404"):
        getattr(lamina.applications, constructor)(weights="imagenet", include_top=False,
                                                  input_shape=SHAPE)
    assert storage.hits == {f"/tensorflow/keras-applications/{url_path}": 1}


def test_published_file_tables_are_keras():
    from keras.src.applications import resnet as keras_resnet
    from keras.src.applications import vgg16 as keras_vgg16
    from keras.src.applications import vgg19 as keras_vgg19

    from lamina.applications import vgg19

    assert resnet.WEIGHTS_HASHES == keras_resnet.WEIGHTS_HASHES
    assert resnet.BASE_WEIGHTS_PATH == keras_resnet.BASE_WEIGHTS_PATH
    for mine, theirs in ((vgg16, keras_vgg16), (vgg19, keras_vgg19)):
        assert (mine.WEIGHTS_PATH, mine.WEIGHTS_PATH_NO_TOP) == (theirs.WEIGHTS_PATH,
                                                                 theirs.WEIGHTS_PATH_NO_TOP)


def test_weights_from_a_local_path(published):
    model = lamina.applications.VGG16(weights=str(published["path"]), include_top=False,
                                      input_shape=SHAPE)
    for mine, theirs in zip(model.get_weights(), published["weights"], strict=True):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("name", ["VGG16", "VGG19", "ResNet50", "ResNet152V2"])
@pytest.mark.parametrize("kwargs", [{"weights": "no/such/weights.h5"},
                                    {"weights": "imagenet", "classes": 10},
                                    {"weights": None, "input_shape": (16, 16, 3),
                                     "include_top": False}])
def test_bad_weights_classes_and_shapes_raise_keras_errors(name, kwargs):
    import keras

    with pytest.raises(ValueError) as keras_error:
        getattr(keras.applications, name)(**kwargs)
    with pytest.raises(ValueError) as lamina_error:
        getattr(lamina.applications, name)(**kwargs)
    assert str(lamina_error.value) == str(keras_error.value)


def test_pretrained_classifier_allows_only_softmax_or_none():
    with pytest.raises(ValueError, match="Only `None` and `softmax` activations are allowed"):
        lamina.applications.ResNet50(weights="imagenet", classifier_activation="relu")


@pytest.mark.applications_full
def test_resnet50_imagenet_classifier_and_decoded_predictions_match_keras(storage, tmp_path,
                                                                         monkeypatch):
    """The whole published route at full size: ResNet50 with its top (1000 classes, 224x224)
    downloaded and loaded, then `decode_predictions` with the class index downloaded too."""
    import json

    import keras

    from lamina.applications import imagenet_utils

    with numpy_keras_init(seed=4):
        keras_model = keras.applications.ResNet50(weights=None)
    path = tmp_path / "published.h5"
    write_published_layout(keras_model, path)
    body = path.read_bytes()
    storage.add("/tensorflow/keras-applications/resnet/"
                "resnet50_weights_tf_dim_ordering_tf_kernels.h5", body)
    monkeypatch.setitem(resnet.WEIGHTS_HASHES, "resnet50",
                        (hashlib.md5(body).hexdigest(), resnet.WEIGHTS_HASHES["resnet50"][1]))
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    index_body = json.dumps(index).encode()
    storage.add("/download.tensorflow.org/data/imagenet_class_index.json", index_body)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", hashlib.md5(index_body).hexdigest())
    from keras.src.applications import imagenet_utils as keras_imagenet_utils

    monkeypatch.setattr(keras_imagenet_utils, "CLASS_INDEX", index)

    images = lamina.applications.resnet50.preprocess_input(random_images(keras_model))
    model = lamina.applications.ResNet50(weights="imagenet")
    expected = keras_model.predict(images, verbose=0)
    got = model.predict(images, verbose=0)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert lamina.applications.resnet50.decode_predictions(got, top=3) == \
        keras.applications.resnet50.decode_predictions(got, top=3)
    assert storage.hits == dict.fromkeys(storage.files, 1)
