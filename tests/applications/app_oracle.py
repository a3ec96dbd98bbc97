"""Shared checks for `lamina.applications` against `keras.applications` (the oracle).

Each family's test file builds the same architecture in both libraries with `weights=None`,
compares parameter counts, layer names and weight shapes, copies Keras's random weights into
lamina, and compares predictions on random images. `write_published_layout` writes a weights
file in the layout of Keras's published ImageNet files (legacy Keras h5, layer by layer), which
is what `weights="imagenet"` downloads.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np

import lamina


def build_pair(name: str, **kwargs):
    """(keras_model, lamina_model) of `applications.<name>(weights=None, **kwargs)`."""
    import keras

    keras.backend.clear_session()  # fresh name counters on both sides: same auto names
    lamina.backend.clear_session()
    keras.utils.set_random_seed(0)
    keras_model = getattr(keras.applications, name)(weights=None, **kwargs)
    lamina_model = getattr(lamina.applications, name)(weights=None, **kwargs)
    return keras_model, lamina_model


def assert_same_architecture(keras_model, lamina_model) -> None:
    """Same parameter count, layer names (in order) and weight shapes."""
    assert lamina_model.count_params() == keras_model.count_params()
    assert [layer.name for layer in lamina_model.layers] == [layer.name for layer in keras_model.layers]
    assert [tuple(w.shape) for w in lamina_model.weights] == [tuple(w.shape) for w in keras_model.weights]


def random_images(keras_model, batch: int = 2, seed: int = 1, scale: float = 255.0) -> np.ndarray:
    """Images in [0, scale) shaped for the model's input (its None sizes must be set)."""
    shape = tuple(keras_model.input_shape[1:])
    return (np.random.default_rng(seed).random((batch, *shape)) * scale).astype("float32")


def randomize_trivial_weights(keras_model, seed: int = 2) -> None:
    """Make the values Keras initialises trivially non-trivial, so that they are really
    compared: BatchNorm moving statistics (inference-mode normalization) and ConvNeXt's
    LayerScale factors (1e-6, which would hide every ConvNeXt block)."""
    rng = np.random.default_rng(seed)
    for layer in keras_model.layers:
        if type(layer).__name__ == "BatchNormalization":
            layer.moving_mean.assign(rng.normal(0, 0.1, layer.moving_mean.shape).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 1.5, layer.moving_variance.shape).astype("float32"))
        elif type(layer).__name__ == "LayerScale":
            layer.gamma.assign(rng.uniform(0.1, 0.5, layer.gamma.shape).astype("float32"))


def copy_keras_weights(keras_model, lamina_model, seed: int = 2) -> None:
    """Keras's initial weights into lamina, after `randomize_trivial_weights`."""
    randomize_trivial_weights(keras_model, seed)
    lamina_model.set_weights(keras_model.get_weights())


def assert_same_predictions(keras_model, lamina_model, images: np.ndarray, atol: float = 1e-4) -> None:
    """`predict` agrees (relative to the outputs' scale, for deep un-normalised features)."""
    expected = np.asarray(keras_model.predict(images, verbose=0))
    got = np.asarray(lamina_model.predict(images, verbose=0))
    assert got.shape == expected.shape
    scale = max(1.0, float(np.max(np.abs(expected))))
    np.testing.assert_allclose(got / scale, expected / scale, atol=atol)


def write_published_layout(keras_model, path) -> None:
    """`keras_model`'s weights as Keras's published application files store them (legacy h5:
    `layer_names` attribute, one group per layer with `weight_names`)."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as handle:
        legacy_h5_format.save_weights_to_hdf5_group(handle, keras_model)


class LoopbackStorage:
    """A stand-in for storage.googleapis.com on 127.0.0.1: serves `files[url_path] = bytes`
    (404 otherwise) and counts hits; `url` is what LAMINA_WEIGHTS_MIRROR is set to."""

    def __init__(self, keras_home):
        import http.server
        import threading

        self.files: dict[str, bytes] = {}
        self.hits: dict[str, int] = {}
        self.keras_home = keras_home
        storage = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                path = self.path.split("?")[0]
                storage.hits[path] = storage.hits.get(path, 0) + 1
                if path not in storage.files:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(storage.files[path])))
                self.end_headers()
                self.wfile.write(storage.files[path])

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def add(self, url_path: str, body: bytes) -> None:
        self.files[url_path] = body

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def loopback_storage(tmp_path, monkeypatch):
    """Generator for a fixture: a LoopbackStorage the applications download from
    (LAMINA_WEIGHTS_MIRROR), with Keras's cache (KERAS_HOME) in a temporary folder."""
    keras_home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    storage = LoopbackStorage(keras_home)
    monkeypatch.setenv("LAMINA_WEIGHTS_MIRROR", storage.url)
    yield storage
    storage.close()


@contextlib.contextmanager
def numpy_keras_init(seed: int = 0):
    """Keras's random initializers drawing from NumPy instead of `jax.random`, which compiles
    once per weight shape (~0.5 s each: ~20 s for a ResNet50 on a busy 2-core machine). Only
    the oracle's initial values change; they are copied into lamina before any comparison."""
    from keras.src.initializers import random_initializers

    rng = np.random.default_rng(seed)
    real = random_initializers.random

    class NumpyRandom:
        def __getattr__(self, name):
            return getattr(real, name)

        def uniform(self, shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
            return rng.uniform(minval, maxval, shape).astype(dtype or "float32")

        def normal(self, shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
            return rng.normal(mean, stddev, shape).astype(dtype or "float32")

        def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
            sample = np.clip(rng.normal(0.0, 1.0, shape), -2.0, 2.0)
            return (sample * stddev + mean).astype(dtype or "float32")

    random_initializers.random = NumpyRandom()
    try:
        yield
    finally:
        random_initializers.random = real


def build_fresh_pair(name: str, **kwargs):
    """`build_pair` from fresh name counters in both libraries (so that automatic layer names
    compare), with Keras's initial values drawn by NumPy (`numpy_keras_init`)."""
    import keras

    keras.backend.clear_session()
    lamina.backend.clear_session()
    with numpy_keras_init():
        return build_pair(name, **kwargs)


def assert_same_model(name: str, atol: float = 1e-4, **kwargs):
    """`applications.<name>(weights=None, **kwargs)` in both libraries: same name and
    architecture, and, with Keras's weights copied in, the same predictions. Returns
    (keras_model, lamina_model)."""
    keras_model, lamina_model = build_fresh_pair(name, **kwargs)
    assert lamina_model.name == keras_model.name
    assert_same_architecture(keras_model, lamina_model)
    copy_keras_weights(keras_model, lamina_model)
    assert_same_predictions(keras_model, lamina_model, random_images(keras_model), atol=atol)
    return keras_model, lamina_model


def layer_entries(model) -> list:
    """(module, class_name, name) of each layer, as a saved file lists them."""
    return [(entry["module"], entry["class_name"], entry["config"]["name"])
            for entry in model.get_config()["layers"]]


def keras_imagenet_model(name: str, monkeypatch, path, **kwargs):
    """Keras's `applications.<name>(weights="imagenet", **kwargs)` reading its published file
    from `path` (written first, with random weights, from a `weights=None` twin): returns the
    model and the (file name, origin URL, file hash) Keras asked `get_file` for."""
    import keras
    from keras.src.utils import file_utils

    keras.backend.clear_session()
    with numpy_keras_init(seed=4):
        source = getattr(keras.applications, name)(weights=None, **kwargs)
    randomize_trivial_weights(source)
    write_published_layout(source, path)
    requests = []

    def fetch(fname, origin=None, **options):
        requests.append((fname, origin, options.get("file_hash")))
        return str(path)

    monkeypatch.setattr(file_utils, "get_file", fetch)
    keras.backend.clear_session()
    with numpy_keras_init(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras's note on the input size, checked on lamina
        model = getattr(keras.applications, name)(weights="imagenet", **kwargs)
    (request,) = requests
    return model, request


def assert_same_training_forward(keras_model, model, batch: int = 4) -> None:
    """`model(x, training=True)` as Keras's (BatchNorm on batch statistics, which amplify the
    convolutions' rounding differences over a few samples: 1e-3 of the output scale), and the
    BatchNorm moving statistics moved alike."""
    images = random_images(keras_model, batch=batch)
    expected = np.asarray(keras_model(images, training=True))
    got = np.asarray(model(images, training=True))
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(got / scale, expected / scale, atol=1e-3)
    for layer in keras_model.layers:
        if type(layer).__name__ == "BatchNormalization":
            mine = model.get_layer(layer.name)
            np.testing.assert_allclose(mine.moving_mean.numpy(), np.asarray(layer.moving_mean),
                                       rtol=1e-3, atol=1e-3)
            np.testing.assert_allclose(mine.moving_variance.numpy(),
                                       np.asarray(layer.moving_variance), rtol=1e-3)


def assert_published_files_are_keras(module: str) -> None:
    """`lamina.applications.<module>`'s weight URLs equal Keras's module constants, and the
    file hashes in its source are exactly those in Keras's source."""
    import importlib
    import inspect
    import re

    theirs = importlib.import_module(f"keras.src.applications.{module}")
    mine = importlib.import_module(f"lamina.applications.{module}")
    for name, value in vars(mine).items():
        if name.isupper() and isinstance(value, str) and value.startswith("https://"):
            assert getattr(theirs, name) == value, name

    def hashes(source_module) -> set:
        return set(re.findall(r'"([0-9a-f]{32}|[0-9a-f]{64})"', inspect.getsource(source_module)))

    assert hashes(mine) == hashes(theirs) != set()
