"""Every data set loader against files in its real format served from 127.0.0.1.

Keras's own loaders are the oracle for the transformations (shuffles, word indices, splits):
they are fed the same local file by replacing the `get_file` name in Keras's module.
"""

from __future__ import annotations

import gzip
import hashlib
import inspect
import io
import json
import os
import pickle

import numpy as np
import pytest
from test_get_file import (FileServer, closed_port_url, keras_home, leftovers,  # noqa: F401
                           make_tar, server, sha256)

from lamina import errors
from lamina.datasets import (DownloadError, HashMismatchError, boston_housing,
                             california_housing, cifar10, cifar100, fashion_mnist, imdb, mnist,
                             reuters)
from lamina.datasets import download as lamina_download


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def serve(server, name: str, body: bytes) -> dict:
    return {"origin": server.add("/" + name, body), "file_hash": sha256(body)}


def keras_oracle(monkeypatch, module_name: str, local_path: str):
    """Keras's loader module, reading `local_path` instead of downloading."""
    module = pytest.importorskip(f"keras.src.datasets.{module_name}")
    monkeypatch.setattr(module, "get_file", lambda *args, **kwargs: local_path)
    return module


def ragged(rng, n: int, vocab: int = 60) -> np.ndarray:
    rows = np.empty(n, dtype="object")
    rows[:] = [rng.integers(1, vocab, size=rng.integers(1, 12)).tolist() for _ in range(n)]
    return rows


# --- the published origins and hashes are Keras's -------------------------------------------

@pytest.mark.parametrize("ours,theirs,constants", [
    (mnist, "mnist", ["FILE_HASH"]),
    (cifar10, "cifar10", ["ORIGIN", "FILE_HASH", "DIRNAME"]),
    (cifar100, "cifar100", ["ORIGIN", "FILE_HASH", "DIRNAME"]),
    (imdb, "imdb", ["FILE_HASH", "WORD_INDEX_HASH"]),
    (reuters, "reuters", ["FILE_HASH", "WORD_INDEX_HASH"]),
    (boston_housing, "boston_housing", ["FILE_HASH"]),
    (california_housing, "california_housing", ["FILE_HASH"]),
])
def test_origins_and_hashes_are_keras(ours, theirs, constants):
    source = inspect.getsource(pytest.importorskip(f"keras.src.datasets.{theirs}"))
    for name in constants:
        assert f'"{getattr(ours, name)}"' in source, name
    origin = getattr(ours, "ORIGIN")
    assert origin.rsplit("/", 1)[-1] in source
    if "tf-keras-datasets" in origin:
        assert origin.startswith("https://storage.googleapis.com/tensorflow/tf-keras-datasets/")
    assert fashion_mnist.ORIGIN == "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


# --- npz data sets ----------------------------------------------------------------------------

def test_mnist(server, keras_home, rng):
    arrays = {"x_train": rng.integers(0, 256, (12, 28, 28), dtype=np.uint8),
              "y_train": rng.integers(0, 10, 12, dtype=np.uint8),
              "x_test": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
              "y_test": rng.integers(0, 10, 5, dtype=np.uint8)}
    (x, y), (xt, yt) = mnist.load_data(**serve(server, "mnist.npz", npz_bytes(**arrays)))
    for got, name in ((x, "x_train"), (y, "y_train"), (xt, "x_test"), (yt, "y_test")):
        assert got.dtype == np.uint8 and np.array_equal(got, arrays[name])
    assert (keras_home / "datasets" / "mnist.npz").exists()


def test_mnist_offline_is_an_oserror_naming_the_file(keras_home):
    with pytest.raises(OSError) as info:
        mnist.load_data(origin=closed_port_url())
    text = str(info.value)
    assert "MNIST" in text and str(keras_home / "datasets" / "mnist.npz") in text
    assert mnist.FILE_HASH in text and leftovers(keras_home) == []


def test_wrong_hash_through_a_loader(server, keras_home):
    body = npz_bytes(x=np.zeros((3, 13)), y=np.zeros(3))
    with pytest.raises(HashMismatchError, match="Boston housing"):
        boston_housing.load_data(origin=server.add("/b.npz", body), file_hash="1" * 64)
    assert not (keras_home / "datasets" / "boston_housing.npz").exists()


@pytest.mark.parametrize("kwargs", [{}, {"test_split": 0.3, "seed": 7}, {"test_split": 0.0}])
def test_boston_housing_matches_keras(server, keras_home, monkeypatch, rng, kwargs):
    body = npz_bytes(x=rng.normal(size=(40, 13)), y=rng.normal(size=40) * 10 + 20)
    ours = boston_housing.load_data(**kwargs, **serve(server, "boston_housing.npz", body))
    oracle = keras_oracle(monkeypatch, "boston_housing",
                          str(keras_home / "datasets" / "boston_housing.npz"))
    theirs = oracle.load_data(**kwargs)
    for a, b in zip([*ours[0], *ours[1]], [*theirs[0], *theirs[1]]):
        assert a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)
    assert ours[0][0].shape[1] == 13


@pytest.mark.parametrize("version", ["large", "small"])
def test_california_housing_matches_keras(server, keras_home, monkeypatch, rng, version):
    body = npz_bytes(x=rng.normal(size=(700, 8)).astype("float32"),
                     y=rng.normal(size=700).astype("float32"))
    ours = california_housing.load_data(version, **serve(server, "ch.npz", body))
    theirs = keras_oracle(monkeypatch, "california_housing",
                          str(keras_home / "datasets" / "california_housing.npz")
                          ).load_data(version)
    for a, b in zip([*ours[0], *ours[1]], [*theirs[0], *theirs[1]]):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert len(ours[0][0]) + len(ours[1][0]) == (700 if version == "large" else 600)
    with pytest.raises(ValueError, match="version"):
        california_housing.load_data("medium")
    with pytest.raises(ValueError, match="test_split"):
        california_housing.load_data(test_split=1.0)


IMDB_CASES = [
    {},
    {"num_words": 20, "skip_top": 3},
    {"maxlen": 8, "seed": 5},
    {"start_char": None, "oov_char": None, "num_words": 30, "index_from": 0},
    {"index_from": 1, "oov_char": 7, "skip_top": 10},
]


@pytest.mark.parametrize("kwargs", IMDB_CASES)
def test_imdb_matches_keras(server, keras_home, monkeypatch, rng, kwargs):
    body = npz_bytes(x_train=ragged(rng, 30), y_train=rng.integers(0, 2, 30),
                     x_test=ragged(rng, 20), y_test=rng.integers(0, 2, 20))
    ours = imdb.load_data(**kwargs, **serve(server, "imdb.npz", body))
    theirs = keras_oracle(monkeypatch, "imdb", str(keras_home / "datasets" / "imdb.npz")
                          ).load_data(**kwargs)
    for (x, y), (kx, ky) in zip(ours, theirs):
        assert x.dtype == object and x.ndim == 1 and x.shape == kx.shape
        assert [list(map(int, s)) for s in x] == [list(map(int, s)) for s in kx]
        assert y.dtype == ky.dtype and np.array_equal(y, ky)


@pytest.mark.parametrize("kwargs", IMDB_CASES + [{"test_split": 0.5, "maxlen": 9}])
def test_reuters_matches_keras(server, keras_home, monkeypatch, rng, kwargs):
    body = npz_bytes(x=ragged(rng, 40), y=rng.integers(0, 46, 40))
    ours = reuters.load_data(**kwargs, **serve(server, "reuters.npz", body))
    theirs = keras_oracle(monkeypatch, "reuters", str(keras_home / "datasets" / "reuters.npz")
                          ).load_data(**kwargs)
    for (x, y), (kx, ky) in zip(ours, theirs):
        assert x.shape == kx.shape
        assert [list(map(int, s)) for s in x] == [list(map(int, s)) for s in kx]
        assert y.dtype == ky.dtype and np.array_equal(y, ky)
    assert reuters.get_label_names() == pytest.importorskip(
        "keras.src.datasets.reuters").get_label_names()


def test_imdb_maxlen_too_small_is_clear(server, keras_home, rng):
    body = npz_bytes(x_train=ragged(rng, 5), y_train=np.zeros(5, int),
                     x_test=ragged(rng, 5), y_test=np.zeros(5, int))
    with pytest.raises(ValueError, match="Increase maxlen"):
        imdb.load_data(maxlen=1, **serve(server, "imdb.npz", body))


@pytest.mark.parametrize("module", [imdb, reuters])
def test_word_index(server, keras_home, module):
    body = json.dumps({"the": 1, "and": 2}).encode()
    url = server.add("/index.json", body)
    assert module.get_word_index(origin=url, file_hash=hashlib.md5(body).hexdigest()) == \
        {"the": 1, "and": 2}
    with pytest.raises(HashMismatchError):
        module.get_word_index("other.json", origin=url, file_hash="f" * 32)


def test_object_arrays_in_npz_cannot_run_code(server, keras_home, tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    payload = np.empty(2, dtype=object)
    payload[:] = [Evil(), [1, 2]]
    body = npz_bytes(x=payload, y=np.zeros(2, int))
    with pytest.raises(errors.DataError, match="Refusing"):
        reuters.load_data(**serve(server, "reuters.npz", body))
    assert not (tmp_path / "pwned").exists()


# --- IDX (Fashion-MNIST) ----------------------------------------------------------------------

def idx_gz(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist_download_from_origin(server, keras_home, rng):
    data = {"train-labels-idx1-ubyte.gz": rng.integers(0, 10, 9, dtype=np.uint8),
            "train-images-idx3-ubyte.gz": rng.integers(0, 256, (9, 28, 28), dtype=np.uint8),
            "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 4, dtype=np.uint8),
            "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8)}
    hashes = {}
    for name, array in data.items():
        hashes[name] = sha256(server.add("/fm/" + name, idx_gz(array)) and
                              server.files["/fm/" + name])
    (x, y), (xt, yt) = fashion_mnist.load_data(origin=server.url + "/fm/", file_hash=hashes)
    assert x.shape == (9, 28, 28) and x.dtype == np.uint8 and yt.shape == (4,)
    assert np.array_equal(x, data["train-images-idx3-ubyte.gz"])
    assert np.array_equal(yt, data["t10k-labels-idx1-ubyte.gz"])
    assert (keras_home / "datasets" / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").exists()


def test_truncated_idx_is_a_clear_error(server, keras_home):
    good = idx_gz(np.zeros((3, 28, 28)))
    names = fashion_mnist.FILES
    for name in names:
        server.add("/fm/" + name, good)
    server.files["/fm/" + names[1]] = gzip.compress(gzip.decompress(good)[:-10])
    with pytest.raises(errors.DataError, match="truncated"):
        fashion_mnist.load_data(origin=server.url + "/fm/")


def test_fashion_mnist_uses_the_debian_copy_offline(tmp_path, monkeypatch):
    if not all((fashion_mnist.SYSTEM_DIR / n).is_file() for n in fashion_mnist.FILES):
        pytest.skip("dataset-fashion-mnist is not installed")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty"))
    (x, y), (xt, yt) = fashion_mnist.load_data()
    assert x.shape == (60000, 28, 28) and xt.shape == (10000, 28, 28)
    assert y.shape == (60000,) and yt.shape == (10000,) and x.dtype == y.dtype == np.uint8

    def raw(name, offset):
        with gzip.open(fashion_mnist.SYSTEM_DIR / name) as handle:
            return np.frombuffer(handle.read(), np.uint8, offset=offset)

    assert np.array_equal(x.ravel(), raw("train-images-idx3-ubyte.gz", 16))
    assert np.array_equal(y, raw("train-labels-idx1-ubyte.gz", 8))
    assert np.array_equal(xt.ravel(), raw("t10k-images-idx3-ubyte.gz", 16))
    assert np.array_equal(yt, raw("t10k-labels-idx1-ubyte.gz", 8))
    assert not (tmp_path / "empty").exists()  # no cache touched, no network


# --- CIFAR (tar.gz of pickles) ----------------------------------------------------------------

def cifar_batch(rng, n: int, label_keys: dict[str, int]) -> tuple[bytes, np.ndarray, dict]:
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    labels = {key: [int(v) for v in rng.integers(0, top, n)] for key, top in label_keys.items()}
    batch = {b"data": data, b"batch_label": b"batch", **{k.encode(): v for k, v in labels.items()}}
    return pickle.dumps(batch, protocol=4), data, labels


def test_cifar10(server, keras_home, rng):
    members, xs, ys = {}, [], []
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        body, data, labels = cifar_batch(rng, 3, {"labels": 10})
        members["cifar-10-batches-py/" + name] = body
        xs.append(data)
        ys.append(labels["labels"])
    (x, y), (xt, yt) = cifar10.load_data(**serve(server, "c10.tar.gz", make_tar(members)))
    assert x.shape == (15, 32, 32, 3) and x.dtype == np.uint8
    assert y.shape == (15, 1) and y.dtype == np.uint8 and yt.shape == (3, 1)
    expected = np.concatenate(xs[:5]).reshape(15, 3, 32, 32).transpose(0, 2, 3, 1)
    assert np.array_equal(x, expected)
    assert y.ravel().tolist() == sum(ys[:5], []) and yt.ravel().tolist() == ys[5]
    assert (keras_home / "datasets" / "cifar-10-batches-py-target_archive").exists()


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100_matches_keras(server, keras_home, monkeypatch, rng, label_mode):
    members = {}
    for name in ("train", "test"):
        members["cifar-100-python/" + name] = cifar_batch(
            rng, 4, {"fine_labels": 100, "coarse_labels": 20})[0]
    ours = cifar100.load_data(label_mode, **serve(server, "c100.tar.gz", make_tar(members)))
    theirs = keras_oracle(monkeypatch, "cifar100",
                          str(keras_home / "datasets" / "cifar-100-python-target")
                          ).load_data(label_mode)
    for a, b in zip([*ours[0], *ours[1]], [*theirs[0], *theirs[1]]):
        assert a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data("medium")


def test_cifar_pickle_cannot_run_code(server, keras_home, tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    members = {"cifar-100-python/train": pickle.dumps({b"data": Evil()}),
               "cifar-100-python/test": pickle.dumps({b"data": Evil()})}
    with pytest.raises(errors.DataError, match="Refusing"):
        cifar100.load_data(**serve(server, "c100.tar.gz", make_tar(members)))
    assert not (tmp_path / "pwned").exists()


def test_cifar_unreachable_names_the_archive_path(keras_home):
    with pytest.raises(DownloadError) as info:
        cifar10.load_data(origin=closed_port_url())
    assert "CIFAR-10" in str(info.value)
    assert str(keras_home / "datasets" / "cifar-10-batches-py-target_archive") in str(info.value)
