"""PyDataset `workers` / `use_multiprocessing` / `max_queue_size`: real thread and process
pools that read ahead in order, Keras's epoch rules (checked against Keras 3 on the same
dataset), and clean shutdown when the data or the user stops the run."""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
import time

import numpy as np
import pytest

import lamina

keras = pytest.importorskip("keras")


def batches_class(lib):
    """The keras.io idiom: a PyDataset slicing arrays, with an optional slow `__getitem__`,
    a batch that fails, and a folder where each call leaves `<pid>-<index>`."""

    class Batches(lib.utils.PyDataset):
        def __init__(self, x, y, batch_size, delay=0.0, fail_at=None, error=ValueError,
                     log_dir=None, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size, self.delay = x, y, batch_size, delay
            self.fail_at, self.error, self.log_dir = fail_at, error, log_dir
            self.served, self.events = [], []

        def __len__(self):
            return math.ceil(len(self.x) / self.batch_size)

        def __getitem__(self, idx):
            time.sleep(self.delay)
            if idx == self.fail_at:
                raise self.error(f"batch {idx} is broken")
            self.served.append(idx)
            if self.log_dir is not None:
                open(os.path.join(self.log_dir, f"{os.getpid()}-{idx}"), "w").close()
            s = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
            return self.x[s], self.y[s]

        def on_epoch_end(self):
            self.events.append("end")

    return Batches


Batches = batches_class(lamina)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(36, 3)).astype("float32"), rng.normal(size=(36, 2)).astype("float32")


def small_model(lib, weights=None):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2)])
    model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
    if weights is not None:
        model.set_weights(weights)
    return model


def leftover_workers() -> list[str]:
    threads = [t.name for t in threading.enumerate()
               if t.name.startswith(("lamina-pydataset", "lamina-prefetch"))]
    return threads + [p.name for p in multiprocessing.active_children()]


def assert_same_weights(ours, theirs):
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_two_workers_read_a_slow_dataset_faster_than_one(data):
    x, y = data
    model = small_model(lamina)
    model.fit(Batches(x, y, 6), epochs=1, verbose=0)  # compile before timing
    times = {}
    for workers in (1, 2):
        start = time.perf_counter()
        model.fit(Batches(x, y, 6, delay=0.06, workers=workers), epochs=1, verbose=0)
        times[workers] = time.perf_counter() - start
    assert times[1] >= 6 * 0.06
    assert times[2] < 0.75 * times[1], times
    assert leftover_workers() == []


def test_processes_train_like_arrays_and_exit(data, tmp_path):
    x, y = data
    reference = small_model(lamina)
    weights = reference.get_weights()
    reference.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    model = small_model(lamina, weights)
    dataset = Batches(x, y, 8, log_dir=str(tmp_path), workers=2, use_multiprocessing=True,
                      max_queue_size=3)
    model.fit(dataset, epochs=2, shuffle=False, verbose=0)
    assert_same_weights(model, reference)
    calls = [tuple(map(int, name.split("-"))) for name in os.listdir(tmp_path)]
    assert sorted(index for _, index in calls) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert os.getpid() not in {pid for pid, _ in calls}  # all read in worker processes
    assert dataset.served == [] and dataset.events == ["end", "end"]
    assert leftover_workers() == []


def test_steps_per_epoch_continues_through_the_dataset_like_keras(data):
    """5 batches, 2 steps per epoch, 3 epochs: batches 0-1, 2-3, then 4 and Keras's "ran out
    of data" warning (the epoch ends early; the next would start a new pass)."""
    x, y = data[0][:20], data[1][:20]
    theirs = small_model(keras)
    ours = small_model(lamina, theirs.get_weights())
    with pytest.warns(UserWarning, match="ran out of data"):
        theirs.fit(batches_class(keras)(x, y, 4), epochs=3, steps_per_epoch=2, shuffle=False,
                   verbose=0)
    dataset = Batches(x, y, 4, workers=2, max_queue_size=1)
    with pytest.warns(UserWarning, match="ran out of data"):
        ours.fit(dataset, epochs=3, steps_per_epoch=2, shuffle=False, verbose=0)
    assert_same_weights(ours, theirs)
    assert sorted(dataset.served) == [0, 1, 2, 3, 4]  # read ahead only within each epoch
    assert dataset.events == ["end", "end", "end"]
    assert leftover_workers() == []


@pytest.mark.parametrize("use_multiprocessing", [False, True])
def test_an_error_in_a_worker_reaches_fit_and_stops_the_pool(data, use_multiprocessing):
    x, y = data
    model = small_model(lamina)
    broken = Batches(x, y, 6, fail_at=3, workers=2, use_multiprocessing=use_multiprocessing)
    with pytest.raises(ValueError, match="batch 3 is broken"):
        model.fit(broken, epochs=1, shuffle=False, verbose=0)
    assert leftover_workers() == []
    model.fit(Batches(x, y, 6, workers=2), epochs=1, verbose=0)  # the next fit works


def test_keyboard_interrupt_while_reading_stops_the_threads(data):
    x, y = data
    model = small_model(lamina)
    interrupted = Batches(x, y, 6, delay=0.02, fail_at=1, error=KeyboardInterrupt, workers=2,
                          max_queue_size=3)
    with pytest.raises(KeyboardInterrupt):
        model.fit(interrupted, epochs=1, shuffle=False, verbose=0)
    assert leftover_workers() == []
    assert 5 not in interrupted.served  # only what was running or queued was read


def test_shuffle_reads_every_batch_once_per_epoch_on_workers(data):
    x, y = data
    model = small_model(lamina)
    dataset = Batches(x, y, 6, workers=3)
    model.fit(dataset, epochs=2, shuffle=True, verbose=0)
    first, second = dataset.served[:6], dataset.served[6:]
    assert sorted(first) == sorted(second) == list(range(6))
    assert dataset.events == ["end", "end"]
