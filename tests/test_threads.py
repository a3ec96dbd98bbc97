"""One model used from several threads at once: predicting, saving and training.

The references are the same calls made one after another, and a NumPy forward pass of the
weights (`get_weights()`); saved weights are also read back by Keras.
"""

import contextlib
import os
import threading
import zipfile

import numpy as np
import pytest

import lamina
from lamina import layers

THREADS = 8
ROWS = (1, 3, 5, 8, 17, 40, 2, 70)
BATCH_SIZES = (None, 2, 4, 8, 16, 32, 1, 64)


def inputs():
    rng = np.random.default_rng(0)
    return [rng.normal(size=(rows, 4)).astype("float32") for rows in ROWS]


def numpy_forward(weights, x):
    """relu(x @ W1 + b1) @ W2 + b2, the models below."""
    w1, b1, w2, b2 = weights
    return np.maximum(x @ w1 + b1, 0) @ w2 + b2


class TwoDense(lamina.Model):
    """A subclassed model: its layers get their weights on the first call."""

    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(8, activation="relu")
        self.out = layers.Dense(3)

    def call(self, x):
        return self.out(self.hidden(x))


def make_model(kind):
    if kind == "subclassed":
        return TwoDense()
    stack = [layers.Dense(8, activation="relu"), layers.Dense(3)]
    return lamina.Sequential(stack if kind == "unbuilt" else [lamina.Input((4,)), *stack])


def run_threads(work, count=THREADS):
    """Run `work(i)` in `count` threads started together; the errors they raised."""
    barrier, errors = threading.Barrier(count), []

    def target(i):
        try:
            barrier.wait()
            work(i)
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@contextlib.contextmanager
def meanwhile(work, count):
    """Run `work(i)` over and over in `count` threads while the block runs; yields the list
    of errors they raised (complete once the block has ended)."""
    stop, errors = threading.Event(), []

    def target(i):
        try:
            work(i)  # at least once, however short the block
            while not stop.is_set():
                work(i)
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    try:
        yield errors
    finally:
        stop.set()
        for thread in threads:
            thread.join()


@pytest.mark.parametrize("kind", ["built", "unbuilt", "subclassed"])
def test_predict_from_8_threads_equals_sequential_calls(kind):
    """Even the first calls, which build the model (one thread builds, the others wait)."""
    lamina.utils.set_random_seed(1)
    model, xs = make_model(kind), inputs()
    results = {}

    def work(i):
        results[i] = [model.predict(xs[i], batch_size=BATCH_SIZES[i], verbose=0),
                      np.asarray(model(xs[i])), model.predict_on_batch(xs[i]),
                      model.predict(xs[i], batch_size=BATCH_SIZES[i], verbose=0)]

    assert run_threads(work) == []
    assert len(model.weights) == 4  # one set of weights, not one per thread
    weights = model.get_weights()
    for i, x in enumerate(xs):
        sequential = model.predict(x, batch_size=BATCH_SIZES[i], verbose=0)
        np.testing.assert_allclose(sequential, numpy_forward(weights, x), rtol=1e-5, atol=1e-5)
        for result in results[i]:
            np.testing.assert_allclose(result, sequential, rtol=1e-5, atol=1e-6)


def test_evaluate_from_threads_equals_sequential_calls():
    lamina.utils.set_random_seed(2)
    model = make_model("built")
    model.compile("adam", "mse", metrics=["mae"])
    rng = np.random.default_rng(2)
    data = [(rng.normal(size=(n, 4)).astype("float32"), rng.normal(size=(n, 3)))
            for n in (8, 24, 40, 64)]
    results = {}
    errors = run_threads(lambda i: results.setdefault(i, model.evaluate(
        *data[i % 4], batch_size=8, verbose=0)))
    assert errors == []
    for i, result in results.items():
        np.testing.assert_allclose(result, model.evaluate(*data[i % 4], batch_size=8,
                                                          verbose=0), rtol=1e-6)


def test_save_while_other_threads_predict_writes_intact_files(tmp_path):
    import keras

    lamina.utils.set_random_seed(3)
    model = make_model("built")
    model.compile("adam", "mse")
    x = inputs()[-1]
    expected = model.predict(x, verbose=0)

    def predict(i):
        np.testing.assert_allclose(model.predict(x[:ROWS[i]], verbose=0), expected[:ROWS[i]],
                                   rtol=1e-6)

    with meanwhile(predict, 3) as errors:
        for round_ in range(3):
            model.save(tmp_path / f"model_{round_}.keras")
            model.save_weights(tmp_path / f"model_{round_}.weights.h5")
    assert errors == []
    for round_ in range(3):
        with zipfile.ZipFile(tmp_path / f"model_{round_}.keras") as archive:
            assert archive.testzip() is None
        loaded = lamina.models.load_model(tmp_path / f"model_{round_}.keras")
        np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6)
        reference = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, "relu"),
                                      keras.layers.Dense(3)])
        reference.load_weights(tmp_path / f"model_{round_}.weights.h5")
        np.testing.assert_allclose(reference.predict(x, verbose=0), expected, rtol=1e-5,
                                   atol=1e-6)
    assert sorted(os.listdir(tmp_path)) == sorted(
        [f"model_{r}.keras" for r in range(3)] + [f"model_{r}.weights.h5" for r in range(3)])


def test_fit_while_other_threads_predict():
    """Predictions made during fit use the weights of an epoch boundary (never a mix of two),
    and the fit ends with exactly the weights of the same fit without the other threads."""
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(64, 4)).astype("float32"), rng.normal(size=(64, 3))

    def trained():
        lamina.utils.set_random_seed(4)
        model = make_model("built")
        model.compile("adam", "mse")
        model.fit(x, y, batch_size=8, epochs=3, verbose=0)
        return model

    boundaries = []
    record = lamina.callbacks.LambdaCallback(
        on_train_begin=lambda logs: boundaries.append(model.get_weights()),
        on_epoch_end=lambda epoch, logs: boundaries.append(model.get_weights()))
    lamina.utils.set_random_seed(4)
    model = make_model("built")
    model.compile("adam", "mse")
    model.predict(x, verbose=0)  # compiled before the threads start
    seen = []

    def predict(i):
        seen.append(model.predict(x[:16] if i % 2 else x, verbose=0)[:16])
        model(x[:5])

    with meanwhile(predict, 3) as errors:
        model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[record])
    assert errors == [] and seen
    at_boundaries = [numpy_forward(weights, x[:16]) for weights in boundaries]
    for prediction in seen:
        assert any(np.allclose(prediction, b, rtol=1e-5, atol=1e-5) for b in at_boundaries)
    alone = trained()
    for a, b in zip(model.get_weights(), alone.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(model.predict(x, verbose=0), alone.predict(x, verbose=0),
                               rtol=1e-6)
