"""The CPU's cores as JAX devices, and recurrent models' batches split over them in fit and
evaluate (lamina/distribution/cpu_cores.py)."""

import os
import subprocess
import sys

import jax
import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.distribution import cpu_cores

two_cores = pytest.mark.skipif(len(jax.devices()) < 2, reason="needs a CPU with 2+ cores")


def devices_after_import(prelude: str = "", **env) -> int:
    """len(jax.devices()) in a fresh interpreter that imports lamina after `prelude`."""
    base = {k: v for k, v in os.environ.items() if k not in ("JAX_NUM_CPU_DEVICES", "XLA_FLAGS")}
    code = f"{prelude}\nimport lamina, jax\nprint(len(jax.devices()))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**base, **env}, timeout=120, check=True)
    return int(done.stdout.split()[-1])


def test_import_makes_each_core_a_device_unless_the_user_chose():
    assert devices_after_import() == min(len(os.sched_getaffinity(0)), cpu_cores.MAX_DEVICES)
    assert devices_after_import(JAX_NUM_CPU_DEVICES="1") == 1
    assert devices_after_import(XLA_FLAGS="--xla_force_host_platform_device_count=3") == 3
    # JAX already running before lamina's import: its devices stay as they are
    assert devices_after_import("import jax; jax.numpy.ones(1)") == 1


def lstm_model(seed=0, dropout=0.0):
    lamina.utils.set_random_seed(seed)
    model = lamina.Sequential([layers.Input((6, 5)), layers.LSTM(12, dropout=dropout),
                               layers.Dropout(dropout), layers.Dense(3, activation="softmax")])
    model.compile(optimizer=lamina.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def sequences(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6, 5)).astype("float32")
    return x, (x[:, :, 0].sum(1) > 0).astype("int32") + (x[:, :, 1].sum(1) > 1)


class DevicesSeen(lamina.callbacks.Callback):
    """How many devices the first kernel's value spans at each epoch end."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append(len(self.model.trainable_weights[0].value.sharding.device_set))


def train(split: bool, monkeypatch, dropout=0.0, **fit_kwargs):
    monkeypatch.setattr(cpu_cores, "SPLIT_BATCHES", split)
    model, (x, y), seen = lstm_model(dropout=dropout), sequences(), DevicesSeen()
    history = model.fit(x, y, batch_size=32, epochs=3, verbose=0, callbacks=[seen],
                        validation_split=0.2, **fit_kwargs)
    return model, history.history, seen.seen


@two_cores
@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_a_split_fit_trains_like_one_device(monkeypatch, dropout):
    split_model, split_logs, split_seen = train(True, monkeypatch, dropout)
    one_model, one_logs, one_seen = train(False, monkeypatch, dropout)
    assert split_seen == split_seen[:1] * 3 and split_seen[0] >= 2 and one_seen == [1] * 3
    for a, b in zip(split_model.get_weights(), one_model.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-5)
    for key in one_logs:
        np.testing.assert_allclose(split_logs[key], one_logs[key], atol=2e-5)
    # after fit the values are on one device again, and predict matches a direct call
    assert all(len(w.value.sharding.device_set) == 1 for w in split_model.weights)
    x, y = sequences(40, seed=1)
    np.testing.assert_allclose(split_model.predict(x, verbose=0), np.asarray(split_model(x)),
                               atol=1e-6)
    monkeypatch.setattr(cpu_cores, "SPLIT_BATCHES", True)
    split_eval = split_model.evaluate(x, y, batch_size=16, verbose=0)
    monkeypatch.setattr(cpu_cores, "SPLIT_BATCHES", False)
    np.testing.assert_allclose(split_eval, split_model.evaluate(x, y, batch_size=16, verbose=0),
                               atol=1e-6)


@two_cores
def test_only_recurrent_models_on_batches_that_divide_are_split():
    model = lstm_model()
    assert cpu_cores.batch_split(model, [32]) is not None
    assert cpu_cores.batch_split(model, [32, 64]) is not None
    assert cpu_cores.batch_split(model, [33]) is None  # no even split
    assert cpu_cores.batch_split(model, [32, 15]) is None  # the validation batches do not split
    assert cpu_cores.batch_split(model, [8]) is None  # shares under MIN_ROWS_PER_DEVICE rows
    dense = lamina.Sequential([layers.Input((4,)), layers.Dense(2)])
    assert cpu_cores.batch_split(dense, [32]) is None  # dense layers use every core already
    with lamina.distribution.DataParallel(devices=jax.devices()[:1]).scope():
        assert cpu_cores.batch_split(model, [32]) is None  # the user's distribution rules


@two_cores
def test_generators_odd_batches_and_user_distributions_run_unsplit(monkeypatch):
    x, y = sequences()

    def batches():
        for i in range(0, len(x), 25):
            yield x[i:i + 25], y[i:i + 25]

    for fit_kwargs in ({"x": batches()}, {"x": x, "y": y, "batch_size": 25}):
        model, seen = lstm_model(), DevicesSeen()
        model.fit(**fit_kwargs, epochs=1, verbose=0, callbacks=[seen])
        assert seen.seen == [1]


@two_cores
def test_a_split_fit_compiles_nothing_the_second_time_around_evaluate_and_predict():
    model, (x, y) = lstm_model(), sequences()

    def compiled():
        return {(dist, key): fn._cache_size() for dist, cache in model._engine._caches.items()
                for key, fn in cache.items() if hasattr(fn, "_cache_size")}

    model.fit(x, y, batch_size=32, epochs=1, validation_split=0.2, verbose=0)
    model.evaluate(x, y, batch_size=32, verbose=0)
    model.predict(x[:1], verbose=0)
    first = compiled()
    assert any(cpu_cores.is_core_split(dist) for dist, _ in first)  # the fit was split
    model.fit(x, y, batch_size=32, epochs=2, validation_split=0.2, verbose=0)
    model.predict(x[:1], verbose=0)
    model.evaluate(x, y, batch_size=32, verbose=0)
    assert compiled() == first


@two_cores
def test_a_callback_can_predict_and_evaluate_inside_a_split_fit():
    model, (x, y) = lstm_model(), sequences()
    outputs = []

    class Probe(lamina.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            outputs.append((self.model.predict(x[:1], verbose=0),
                            self.model.evaluate(x[:21], y[:21], batch_size=7, verbose=0)))

    model.fit(x, y, batch_size=32, epochs=2, verbose=0, callbacks=[Probe()])
    assert len(outputs) == 2
    np.testing.assert_allclose(outputs[-1][0], model.predict(x[:1], verbose=0), atol=1e-6)
    np.testing.assert_allclose(outputs[-1][1], model.evaluate(x[:21], y[:21], batch_size=7,
                                                              verbose=0), atol=1e-6)


def masked_lstm():
    return lamina.Sequential([layers.Input((7,)), layers.Embedding(20, 8, mask_zero=True),
                              layers.LSTM(16), layers.Dense(3, activation="softmax")])


def stateful_lstm():
    return lamina.Sequential([layers.Input((7, 1), batch_size=32), layers.LSTM(8, stateful=True),
                              layers.Dense(3, activation="softmax")])


def rnn_batch_norm():
    return lamina.Sequential([layers.Input((7, 1)), layers.Bidirectional(layers.SimpleRNN(8)),
                              layers.BatchNormalization(), layers.Dense(3, activation="softmax")])


def gru_recurrent_dropout():
    return lamina.Sequential([layers.Input((7, 1)), layers.GRU(8, recurrent_dropout=0.2),
                              layers.Dense(3, activation="softmax")])


@two_cores
@pytest.mark.parametrize("build", [masked_lstm, stateful_lstm, rnn_batch_norm,
                                   gru_recurrent_dropout])
def test_masks_states_batch_statistics_and_recurrent_dropout_split_like_one_device(
        monkeypatch, build):
    rng = np.random.default_rng(0)
    x = rng.integers(1, 20, (128, 7))
    x[:, 5:] = 0  # padding for the mask
    y = rng.integers(0, 3, 128)
    inputs = x if build is masked_lstm else (x[..., None] / 20).astype("float32")
    weights, devices = [], []
    for split in (True, False):
        monkeypatch.setattr(cpu_cores, "SPLIT_BATCHES", split)
        lamina.utils.set_random_seed(1)
        model, seen = build(), DevicesSeen()
        model.compile("adam", "sparse_categorical_crossentropy")
        model.fit(inputs, y, batch_size=32, epochs=2, verbose=0, shuffle=False, callbacks=[seen])
        weights.append(model.get_weights())
        devices.append(seen.seen[-1])
    assert devices[0] >= 2 and devices[1] == 1
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, atol=1e-6)
