"""Every input pipeline Keras's `fit` / `evaluate` / `predict` take: the same data through
arrays, `tf.data`, a torch `DataLoader`, Grain, generators, a PyDataset on workers and pandas
gives the same weights (shuffle off) as arrays, and Keras 3 (JAX backend) is the oracle for the
epoch rules (`steps_per_epoch`, running out of data), dict inputs, sample weights and partial
batches. Each library is imported only by the tests that use it."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import lamina

keras = pytest.importorskip("keras")

N, BATCH = 20, 8  # a partial last batch of 4


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, 3)).astype("float32")
    return x, rng.normal(size=(N, 2)).astype("float32"), rng.uniform(size=N).astype("float32")


@pytest.fixture(scope="module")
def tf():
    tf = pytest.importorskip("tensorflow")
    return tf


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def small_model(lib, weights=None):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2)])
    model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    if weights is not None:
        model.set_weights(weights)
    return model


@pytest.fixture(scope="module")
def start_weights():
    return small_model(keras).get_weights()


@pytest.fixture(scope="module")
def trained_on_arrays(data, start_weights):
    """Weights after 2 epochs on the arrays, in batches of 8, shuffle off; Keras's agree."""
    x, y, _ = data
    theirs, ours = small_model(keras, start_weights), small_model(lamina, start_weights)
    theirs.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    ours.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    assert_close(ours.get_weights(), theirs.get_weights())
    return ours.get_weights()


def assert_close(ours, theirs):
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def pipeline(kind: str, x, y):
    """`(x, y)` in batches of BATCH, in order, as `kind` delivers them."""
    if kind == "tf_data":
        tf = pytest.importorskip("tensorflow")
        return tf.data.Dataset.from_tensor_slices((x, y)).batch(BATCH)
    if kind == "torch_loader":
        torch = pytest.importorskip("torch")
        pairs = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
        return torch.utils.data.DataLoader(pairs, batch_size=BATCH, shuffle=False)
    if kind.startswith("grain"):
        grain = pytest.importorskip("grain")
        records = [(x[i], y[i]) for i in range(len(x))]
        if kind == "grain_dataset":
            return grain.MapDataset.source(records).batch(BATCH)
        sampler = grain.samplers.IndexSampler(len(x), shuffle=False, num_epochs=1)
        return grain.DataLoader(data_source=records, sampler=sampler, worker_count=0,
                                operations=[grain.transforms.Batch(BATCH)])
    if kind == "py_dataset_workers":
        return Slices(x, y, workers=2, max_queue_size=2)
    raise AssertionError(kind)


class Slices(lamina.utils.PyDataset):
    def __init__(self, x, y, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y = x, y

    def __len__(self):
        return math.ceil(len(self.x) / BATCH)

    def __getitem__(self, idx):
        return self.x[idx * BATCH:(idx + 1) * BATCH], self.y[idx * BATCH:(idx + 1) * BATCH]


@pytest.mark.parametrize("kind", ["tf_data", "torch_loader", "grain_dataset", "grain_loader",
                                  "py_dataset_workers"])
def test_each_pipeline_trains_like_arrays(kind, data, start_weights, trained_on_arrays):
    x, y, _ = data
    model = small_model(lamina, start_weights)
    model.fit(pipeline(kind, x, y), epochs=2, shuffle=False, verbose=0)
    assert_close(model.get_weights(), trained_on_arrays)
    predicted = model.predict(pipeline(kind, x, y), verbose=0)
    np.testing.assert_allclose(predicted, model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_a_generator_and_pandas_train_like_arrays(data, start_weights, trained_on_arrays):
    pd = pytest.importorskip("pandas")
    x, y, _ = data

    def batches():
        for _ in range(2):
            for i in range(0, N, BATCH):
                yield x[i:i + BATCH], y[i:i + BATCH]

    model = small_model(lamina, start_weights)
    model.fit(batches(), epochs=2, steps_per_epoch=3, verbose=0)
    assert_close(model.get_weights(), trained_on_arrays)
    model = small_model(lamina, start_weights)
    model.fit(pd.DataFrame(x), pd.DataFrame(y), batch_size=BATCH, epochs=2, shuffle=False,
              verbose=0)
    assert_close(model.get_weights(), trained_on_arrays)


def test_steps_per_epoch_continues_and_runs_out_like_keras(tf, data, start_weights):
    """3 batches, 2 steps per epoch, 3 epochs: batches 0-1, then 2 and Keras's "ran out of
    data" (the epoch ends early), then a new pass: 0-1. An endless `.repeat()` dataset just
    continues."""
    x, y, _ = data
    finite = tf.data.Dataset.from_tensor_slices((x, y)).batch(BATCH)
    endless = finite.repeat()
    for dataset, warns in ((finite, True), (endless, False)):
        theirs, ours = small_model(keras, start_weights), small_model(lamina, start_weights)
        for model in (theirs, ours):
            with warnings_recorded() as caught:
                history = model.fit(dataset, epochs=3, steps_per_epoch=2, verbose=0)
            assert any("ran out of data" in str(w.message) for w in caught) == warns
        assert_close(ours.get_weights(), theirs.get_weights())
        np.testing.assert_allclose(history.history["loss"], theirs.history.history["loss"],
                                   rtol=1e-5)


def warnings_recorded():
    import warnings

    manager = warnings.catch_warnings(record=True)
    warnings.simplefilter("always")
    return manager


def test_dict_inputs_from_tf_data_and_pandas_match_keras(tf, data):
    pd = pytest.importorskip("pandas")
    x, y, _ = data
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2]})

    def model(lib, weights=None):
        inputs = {name: lib.Input((1,), name=name) for name in "abc"}
        merged = lib.layers.Concatenate()(list(inputs.values()))
        built = lib.Model(inputs, lib.layers.Dense(2)(merged))
        built.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        if weights is not None:
            built.set_weights(weights)
        return built

    columns = {name: frame[name].to_numpy()[:, None] for name in "abc"}
    rows = tf.data.Dataset.from_tensor_slices((columns, y)).batch(BATCH)
    theirs = model(keras)
    weights = theirs.get_weights()
    theirs.fit(dict(frame), y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    ours = model(lamina, weights)
    ours.fit(rows, epochs=2, verbose=0)
    assert_close(ours.get_weights(), theirs.get_weights())
    ours = model(lamina, weights)  # a dict of Series: one (samples, 1) column each
    ours.fit(dict(frame), pd.DataFrame(y), batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    assert_close(ours.get_weights(), theirs.get_weights())


def test_torch_loader_with_sample_weights_matches_keras(torch, data, start_weights):
    x, y, w = data
    triples = torch.utils.data.TensorDataset(*(torch.from_numpy(a) for a in (x, y, w)))
    loader = torch.utils.data.DataLoader(triples, batch_size=BATCH)
    results = []
    for lib in (keras, lamina):
        model = small_model(lib, start_weights)
        model.fit(loader, epochs=2, verbose=0)
        results.append((model.get_weights(), model.evaluate(loader, verbose=0),
                        model.predict(loader, verbose=0)))
    (theirs, their_eval, their_pred), (ours, our_eval, our_pred) = results
    assert_close(ours, theirs)
    np.testing.assert_allclose(our_eval, their_eval, rtol=1e-5)
    np.testing.assert_allclose(our_pred, their_pred, rtol=1e-5, atol=1e-6)
    assert our_pred.shape == (N, 2)  # the partial last batch is kept, unpadded


def test_class_weight_with_tf_data_matches_keras_and_torch_refuses_it(tf, torch, data,
                                                                       start_weights):
    x, _, _ = data
    labels = np.eye(2, dtype="float32")[np.arange(N) % 2]  # one-hot: classes 0, 1, 0, ...
    rows = tf.data.Dataset.from_tensor_slices((x, labels)).batch(BATCH)
    pairs = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(labels))
    trained = []
    for lib in (keras, lamina):
        model = small_model(lib, start_weights)
        model.fit(rows, class_weight={0: 1.0, 1: 3.0}, epochs=1, verbose=0)
        trained.append(model.get_weights())
        with pytest.raises(ValueError, match="`class_weight` is not supported for torch"):
            model.fit(torch.utils.data.DataLoader(pairs, batch_size=BATCH),
                      class_weight={0: 1.0, 1: 3.0}, verbose=0)
    assert_close(trained[1], trained[0])


def test_the_next_batch_is_read_while_the_step_runs(data):
    """A generator needing 30 ms a batch and a step (here a callback) needing 30 ms overlap:
    10 batches take well under the 0.6 s they would take one after the other."""
    x, y, _ = data
    model = small_model(lamina)
    model.fit(x[:8], y[:8], batch_size=8, verbose=0)  # compile the per-batch step first

    def slow_batches():
        for _ in range(10):
            time.sleep(0.03)
            yield x[:8], y[:8]

    class SlowStep(lamina.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            time.sleep(0.03)

    model.fit(slow_batches(), epochs=1, verbose=0, callbacks=[SlowStep()])  # warm up
    start = time.perf_counter()
    model.fit(slow_batches(), epochs=1, verbose=0, callbacks=[SlowStep()])
    assert time.perf_counter() - start < 0.8 * 10 * (0.03 + 0.03)


def test_a_failing_generator_reaches_fit_and_leaves_no_thread(data):
    x, y, _ = data

    def failing():
        yield x[:8], y[:8]
        raise OSError("the file went away")

    with pytest.raises(OSError, match="went away"):
        small_model(lamina).fit(failing(), epochs=1, verbose=0)
    assert not [t for t in threading.enumerate() if t.name == "lamina-prefetch"]


def test_no_pipeline_library_is_imported_unless_used():
    script = textwrap.dedent("""
        import sys
        import numpy as np
        import lamina
        import lamina.training.data
        model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2)])
        model.compile(optimizer="sgd", loss="mse")
        x, y = np.ones((8, 3), "float32"), np.ones((8, 2), "float32")
        lamina.training.data.to_host_arrays(x, y)  # what fit(x, y) checks arrays with
        model.fit(((x, y) for _ in range(2)), verbose=0)
        print(sorted({"tensorflow", "torch", "grain", "pandas"} & set(sys.modules)))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
