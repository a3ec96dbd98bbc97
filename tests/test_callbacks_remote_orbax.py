"""`callbacks.RemoteMonitor` and `callbacks.OrbaxCheckpoint` against Keras 3.

RemoteMonitor: a real HTTP server on 127.0.0.1 receives lamina's requests and Keras's own
(Keras sends with `requests`) for the same logs: same path, content type and payload.
OrbaxCheckpoint: checkpoints round-trip weights and optimizer state exactly, and Keras's
checkpoints load in lamina and lamina's in Keras."""

import http.server
import json
import os
import socket
import threading
import urllib.parse
import warnings

import numpy as np
import pytest

import lamina

# ---------------------------------------------------------------- RemoteMonitor


class _Recorder(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, self.headers["Content-Type"], body,
                                     self.headers.get("X-Run")))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """An HTTP server on a free local port recording every POST: (path, type, body, X-Run)."""
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    httpd.received = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _root(httpd):
    return f"http://127.0.0.1:{httpd.server_address[1]}"


def _payload(content_type, body, field="data"):
    if content_type == "application/json":
        return json.loads(body)
    return json.loads(urllib.parse.parse_qs(body.decode())[field][0])


def _small_model(lib):
    inputs = lib.Input((3,))
    outputs = lib.layers.Dense(2, activation="softmax")(inputs)
    model = lib.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_fit_posts_each_epochs_logs_as_a_form_field(server):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)).astype("float32"), rng.integers(0, 2, 16)
    model = _small_model(lamina)
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0,
                        callbacks=[lamina.callbacks.RemoteMonitor(root=_root(server))])
    assert [(path, kind) for path, kind, _, _ in server.received] == [
        ("/publish/epoch/end/", "application/x-www-form-urlencoded")] * 2
    for epoch, (_, kind, body, _) in enumerate(server.received):
        sent = _payload(kind, body)
        assert sent["epoch"] == epoch
        for key in ("loss", "accuracy"):
            assert sent[key] == pytest.approx(history.history[key][epoch], rel=1e-6)


@pytest.mark.parametrize("send_as_json", [False, True])
def test_requests_equal_keras_requests(server, send_as_json):
    """Keras's RemoteMonitor and lamina's, given the same logs, send the same request."""
    keras = pytest.importorskip("keras")
    pytest.importorskip("requests")
    logs = {"loss": np.float32(0.25), "accuracy": np.array(0.5), "lr": 0.01}
    kwargs = {"root": _root(server), "path": "/events/", "field": "payload",
              "headers": {"X-Run": "run-7"}, "send_as_json": send_as_json}
    keras.callbacks.RemoteMonitor(**kwargs).on_epoch_end(3, logs)
    lamina.callbacks.RemoteMonitor(**kwargs).on_epoch_end(3, logs)
    (k_path, k_type, k_body, k_run), (l_path, l_type, l_body, l_run) = server.received
    assert (l_path, l_type, l_run) == (k_path, k_type, k_run)
    assert _payload(l_type, l_body, "payload") == _payload(k_type, k_body, "payload")


def test_unreachable_server_warns_and_training_goes_on():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monitor = lamina.callbacks.RemoteMonitor(root=f"http://127.0.0.1:{port}")
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server"):
        monitor.on_epoch_end(0, {"loss": 1.0})


def test_remote_monitor_refuses_a_root_that_is_not_a_url():
    with pytest.raises(ValueError, match="root='localhost:9000'"):
        lamina.callbacks.RemoteMonitor(root="localhost:9000")


# ---------------------------------------------------------------- OrbaxCheckpoint

pytest.importorskip("orbax.checkpoint")


def _orbax_model(lib):
    """The model of Keras's orbax_checkpoint_test.py."""
    inputs = lib.layers.Input(shape=(10,), name="input_layer")
    x = lib.layers.Dense(6, name="dense_layer")(inputs)
    outputs = lib.layers.Dense(2, name="output_layer")(x)
    model = lib.models.Model(inputs, outputs, name="test_model")
    model.compile(optimizer="adam", loss="mse")
    return model


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(32, 10)).astype("float32"), rng.normal(size=(32, 2)).astype("float32")


def _steps(directory):
    return sorted(int(name) for name in os.listdir(directory) if name.isdigit())


def test_round_trip_restores_weights_and_optimizer_state(tmp_path, data):
    x, y = data
    model = _orbax_model(lamina)
    checkpoint = lamina.callbacks.OrbaxCheckpoint(tmp_path, save_freq=2, max_to_keep=2)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[checkpoint])
    assert _steps(tmp_path) == [6, 8]  # every 2 of 8 batches, the latest 2 kept
    restored = lamina.saving.load_model(tmp_path)
    assert restored.optimizer.iterations == model.optimizer.iterations == 8
    for a, b in zip(restored.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    # Training on from the checkpoint continues exactly as the original (Adam's moments too).
    more = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0).history
    again = restored.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0).history
    assert again["loss"] == pytest.approx(more["loss"], rel=1e-6)
    for a, b in zip(restored.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_weights_only_checkpoint_loads_weights_not_models(tmp_path, data):
    x, y = data
    model = _orbax_model(lamina)
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, callbacks=[
        lamina.callbacks.OrbaxCheckpoint(tmp_path, save_weights_only=True,
                                         save_on_background=False)])
    other = _orbax_model(lamina)
    other.load_weights(tmp_path)
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="save_weights_only=True"):
        lamina.saving.load_model(tmp_path)


def test_save_best_only_skips_epochs_that_do_not_improve(tmp_path, data):
    x, y = data
    model = _orbax_model(lamina)
    checkpoint = lamina.callbacks.OrbaxCheckpoint(
        tmp_path, monitor="loss", mode="min", save_best_only=True, initial_value_threshold=0.0)
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[checkpoint])
    assert not os.path.exists(tmp_path) or _steps(tmp_path) == []


def test_keras_checkpoints_load_in_lamina_and_lamina_checkpoints_in_keras(tmp_path, data):
    keras = pytest.importorskip("keras")
    x, y = data
    keras_model = _orbax_model(keras)
    keras_model.fit(x, y, batch_size=16, epochs=1, verbose=0,
                    callbacks=[keras.callbacks.OrbaxCheckpoint(tmp_path / "keras")])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*optimizer state is not in lamina's layout")
        from_keras = lamina.saving.load_model(tmp_path / "keras")
    assert [layer.name for layer in from_keras.layers] == [
        layer.name for layer in keras_model.layers]
    for a, b in zip(from_keras.get_weights(), keras_model.get_weights()):
        np.testing.assert_array_equal(a, b)

    model = _orbax_model(lamina)
    model.fit(x, y, batch_size=16, epochs=1, verbose=0,
              callbacks=[lamina.callbacks.OrbaxCheckpoint(tmp_path / "lamina")])
    in_keras = keras.saving.load_model(tmp_path / "lamina")
    for a, b in zip(in_keras.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(in_keras.optimizer.iterations) == model.optimizer.iterations == 2


@pytest.mark.parametrize("kwargs, match", [
    ({"save_freq": "invalid"}, "Unrecognized save_freq: invalid"),
    ({"save_freq": 0}, "Unrecognized save_freq: 0"),
    ({"max_to_keep": 0}, "max_to_keep=0"),
])
def test_orbax_checkpoint_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        lamina.callbacks.OrbaxCheckpoint(tmp_path, **kwargs)
