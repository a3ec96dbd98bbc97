"""Feeding in-memory data: on a CPU each chunk's rows are gathered on the host (no device copy of
the data set); that trains, evaluates and predicts exactly like device-resident data."""

import jax
import numpy as np
import pytest

import lamina
from lamina.training import data as data_module
from lamina.training import feed


def _data(n=203, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 12)).astype("float32")
    return x, (np.abs(x[:, :10]).argmax(1)).astype("int32"), rng.uniform(0.5, 2, n)


def _model():
    layers = lamina.layers
    return lamina.Sequential([layers.Input((12,)), layers.Dense(16, activation="relu"),
                              layers.Dropout(0.3), layers.Dense(10, activation="softmax")])


def _train(steps_per_execution, **fit_kwargs):
    x, y, w = _data()
    lamina.utils.set_random_seed(4)
    model = _model()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"],
                  steps_per_execution=steps_per_execution)
    history = model.fit(x, y, sample_weight=w, batch_size=16, epochs=2, verbose=0,
                        validation_split=0.2, **fit_kwargs).history
    return (model.get_weights(), history, model.evaluate(x, y, verbose=0),
            model.predict(x, batch_size=16, verbose=0))


@pytest.mark.parametrize("steps_per_execution", [1, 4, "auto"])
def test_streamed_chunks_train_exactly_like_device_resident_data(monkeypatch,
                                                                  steps_per_execution):
    assert feed.streams_from_host()  # the CPU default
    streamed = _train(steps_per_execution)
    monkeypatch.setattr(feed, "streams_from_host", lambda: False)
    resident = _train(steps_per_execution)
    for a, b in zip(streamed[0], resident[0]):
        np.testing.assert_allclose(a, b, atol=1e-6)
    for key in resident[1]:
        np.testing.assert_allclose(streamed[1][key], resident[1][key], atol=1e-6)
    np.testing.assert_allclose(streamed[2], resident[2], atol=1e-6)
    np.testing.assert_allclose(streamed[3], resident[3], atol=1e-6)


def test_a_chunk_holds_its_steps_rows_and_an_epoch_visits_every_row_once():
    x, y, w = _data(n=37)
    epoch = feed.epoch(data_module.ArrayData(x, y, w, 37), 8, lamina.random.host_key(1), True)
    assert epoch.steps == 5
    seen = []
    for step in range(0, 5, 2):
        k = min(2, 5 - step)
        (cx, cy, cw), index, mask, start = epoch.chunk(step, k)
        rows = epoch.index[step:step + k].reshape(-1)
        assert index is None and start == 0 and cx.shape == (8 * k, 12)
        np.testing.assert_array_equal(cx, x[rows])
        np.testing.assert_array_equal(cy, y[rows])
        np.testing.assert_array_equal(cw, w[rows])
        seen += rows[mask.reshape(-1) > 0].tolist()
    assert sorted(seen) == list(range(37)) and seen != list(range(37))  # shuffled, each once


def test_the_host_waits_before_it_holds_more_than_two_chunks():
    epoch = feed.epoch(data_module.ArrayData(*_data(n=64), 64), 8, None, False)
    for i in range(5):
        epoch.submitted(jax.numpy.full((3,), i))
        assert len(epoch.in_flight) == min(i + 1, feed.CHUNKS_IN_FLIGHT)


@pytest.mark.parametrize("stream", [True, False])
def test_fit_on_a_cpu_keeps_no_device_copy_of_the_training_set(monkeypatch, stream):
    monkeypatch.setattr(feed, "streams_from_host", lambda: stream)
    x, y, _ = _data(n=640)
    shapes = []

    class LiveArrays(lamina.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            shapes.extend(a.shape for a in jax.live_arrays())

    model = _model()
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0, callbacks=[LiveArrays()])
    assert shapes and (x.shape in shapes) == (not stream)


def test_a_memory_mapped_data_set_trains_like_the_same_array_in_memory(tmp_path):
    """Chunks are read from the user's arrays as they go, so np.memmap data is never loaded
    whole (on a CPU), and gives the same training as the array in memory."""
    x, y, _ = _data(n=96)
    mapped = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=x.dtype,
                                       shape=x.shape)
    mapped[:] = x
    mapped.flush()
    weights = []
    for inputs in (x, np.load(tmp_path / "x.npy", mmap_mode="r")):
        lamina.utils.set_random_seed(2)
        model = _model()
        model.compile("adam", "sparse_categorical_crossentropy")
        model.fit(inputs, y, batch_size=16, epochs=2, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)
