"""The keras.utils the Keras guides use, checked against Keras 3 (JAX backend): Progbar,
PyDataset / Sequence with workers, timeseries_dataset_from_array, image helpers, Config,
get_source_inputs, (un)pack_x_y_sample_weight and the serialization re-exports."""

from __future__ import annotations

import io
import math
import sys
import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest

import lamina
from lamina.training import progbar as progbar_module

keras = pytest.importorskip("keras")
PIL = pytest.importorskip("PIL.Image")


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """One fake clock for both progress bars (exact binary fractions keep timings exact)."""
    fake = Clock()
    monkeypatch.setattr(progbar_module, "_now", fake)
    monkeypatch.setattr(sys.modules["keras.src.utils.progbar"], "time",
                        SimpleNamespace(time=fake))
    return fake


# ------------------------------------------------------------------------------ Progbar

def drive(bar, clock: Clock, calls) -> None:
    for dt, method, args, kwargs in calls:
        clock.t += dt
        getattr(bar, method)(*args, **kwargs)


SCENARIOS = {
    "stateful-width-unit": (dict(target=10, width=30, stateful_metrics=["acc"],
                                 unit_name="sample"),
                            [(0.25, "update", (1, [("loss", 1.0), ("acc", 0.5)]), {}),
                             (0.015625, "update", (2, [("loss", 0.5), ("acc", 0.6)]), {}),
                             (0.25, "update", (5, [("loss", 0.25), ("acc", 0.0001)]), {}),
                             (0.5, "add", (5, [("loss", 2e-5), ("acc", 0.9)]), {})]),
    "unknown-target": (dict(target=None),
                       [(0.5, "update", (3, [("loss", 3.0)]), {}),
                        (0.5, "add", (4, [("loss", -1.0)]), {}),
                        (0.5, "update", (7, [("loss", 1.0)]), {"finalize": True})]),
    "stateless-metrics": (dict(target=4, stateless_metrics=["loss"], interval=0.0),
                          [(2.0, "update", (1, [("loss", 1.0), ("lr", 0.1)]), {}),
                           (70.0, "update", (2, [("loss", 0.5), ("lr", 0.01)]), {}),
                           (4000.0, "update", (3, [("loss", 0.25), ("lr", 0.001)]), {}),
                           (1.0, "update", (4, [("loss", 0.125), ("lr", 0.0001)]), {})]),
    "array-values": (dict(target=3, width=5),
                     [(0.125, "update", (1, [("loss", np.array([1.0, 3.0]))]), {}),
                      (0.125, "update", (3, [("loss", np.array([0.5, 0.25]))]), {})]),
}


@pytest.mark.parametrize("verbose", [0, 1, 2])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_progbar_writes_exactly_what_keras_writes_on_a_terminal(capsys, clock, monkeypatch,
                                                                 name, verbose):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    kwargs, calls = SCENARIOS[name]
    drive(keras.utils.Progbar(**kwargs, verbose=verbose), clock, calls)
    theirs = capsys.readouterr().out
    drive(lamina.utils.Progbar(**kwargs, verbose=verbose), clock, calls)
    assert capsys.readouterr().out == theirs
    assert (theirs != "") == (verbose == 1 or (verbose == 2 and kwargs["target"] is not None))


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_progbar_off_a_terminal_writes_keras_final_line_once(capsys, clock, name):
    kwargs, calls = SCENARIOS[name]
    drive(keras.utils.Progbar(**kwargs), clock, calls)
    theirs = capsys.readouterr().out
    drive(lamina.utils.Progbar(**kwargs), clock, calls)
    ours = capsys.readouterr().out
    # Keras redraws with \b, \r and colour codes even into files; lamina writes the last frame
    keras_final_frame = progbar_module._CONTROL.sub("", theirs.split("\r")[-1])
    assert ours == keras_final_frame.rstrip(" \n") + "\n"
    assert "\r" not in ours and "\x1b" not in ours


def test_progbar_is_the_one_fit_uses():
    from lamina.callbacks import progbar_logger

    assert lamina.utils.Progbar is progbar_module.Progbar is progbar_logger.Progbar


# ---------------------------------------------------------------- PyDataset / Sequence

def batches_class(lib):
    """The keras.io idiom, for `lib`: a Sequence slicing arrays, recording what it served."""

    class Batches(lib.utils.Sequence):
        def __init__(self, x, y, batch_size, delay=0.0, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size, self.delay = x, y, batch_size, delay
            self.threads, self.events = set(), []

        def __len__(self):
            return math.ceil(len(self.x) / self.batch_size)

        def __getitem__(self, idx):
            time.sleep(self.delay)
            self.threads.add(threading.current_thread().name)
            s = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
            return self.x[s], self.y[s]

        def on_epoch_begin(self):
            self.events.append("begin")

        def on_epoch_end(self):
            self.events.append("end")

    return Batches


Batches = batches_class(lamina)


def pool_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("lamina-pydataset")]


def small_model(lib, weights=None):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2)])
    model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
    if weights is not None:
        model.set_weights(weights)
    return model


def test_sequence_is_py_dataset():
    assert lamina.utils.Sequence is lamina.utils.PyDataset
    assert keras.utils.Sequence is keras.utils.PyDataset


@pytest.mark.parametrize("workers, use_multiprocessing", [(1, False), (3, False), (2, True)])
def test_fit_on_a_py_dataset_with_workers_matches_keras(rng, workers, use_multiprocessing):
    x, y = rng.normal(size=(40, 3)).astype("float32"), rng.normal(size=(40, 2)).astype("float32")
    theirs = small_model(keras)
    ours = small_model(lamina, theirs.get_weights())
    keras_data = batches_class(keras)(x, y, 8)
    theirs.fit(keras_data, epochs=2, shuffle=False, verbose=0)
    data = Batches(x, y, 8, delay=0.01, workers=workers, use_multiprocessing=use_multiprocessing,
                   max_queue_size=2)
    ours.fit(data, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # one begin/end per epoch (Keras adds a third pair: it peeks at a batch to build first)
    assert data.events == ["begin", "end", "begin", "end"]
    if use_multiprocessing:  # forked workers: this process's dataset served no batch
        assert data.threads == set()
    else:
        assert any(t.startswith("lamina-pydataset") for t in data.threads) == (workers > 1)
        assert len(data.threads) >= min(workers, 2)
    assert pool_threads() == []


def test_workers_read_ahead_in_parallel_and_stop_with_steps_per_epoch(rng):
    x, y = rng.normal(size=(64, 3)).astype("float32"), rng.normal(size=(64, 2)).astype("float32")
    model = small_model(lamina)
    model.fit(Batches(x, y, 8), epochs=1, verbose=0)  # compile before timing
    slow = Batches(x, y, 8, delay=0.05, workers=4)
    start = time.perf_counter()
    model.fit(slow, epochs=1, verbose=0)
    assert time.perf_counter() - start < 8 * 0.05 * 0.75  # 8 batches of 50 ms, 4 at once
    served = Batches(x, y, 8, delay=0.01, workers=2, max_queue_size=2)
    model.fit(served, epochs=1, steps_per_epoch=3, verbose=0)
    assert pool_threads() == []


def test_py_dataset_without_super_init_warns_like_keras():
    for lib in (keras, lamina):
        class NoSuper(lib.utils.PyDataset):
            def __init__(self):
                self.n = 2

            def __len__(self):
                return self.n

            def __getitem__(self, i):
                return np.ones((1, 3)), np.ones((1, 2))

        with pytest.warns(UserWarning, match="should call `super\\(\\).__init__"):
            assert NoSuper().workers == 1
        assert [b[0].shape for b in NoSuper()] == [(1, 3), (1, 3)]


# ---------------------------------------------------- timeseries_dataset_from_array

class _GrainStandIn:
    """The three Grain calls Keras's `format="grain"` path makes, over plain lists, so that
    Keras's own window arithmetic runs here without Grain or TensorFlow."""

    def __init__(self, items):
        self.items = list(items)

    @classmethod
    def source(cls, items):
        return cls(items)

    def to_iter_dataset(self):
        return self

    def batch(self, batch_size, batch_fn):
        return _GrainStandIn(batch_fn(self.items[i:i + batch_size])
                             for i in range(0, len(self.items), batch_size))

    def __iter__(self):
        return iter(self.items)


@pytest.fixture
def keras_timeseries(monkeypatch):
    from keras.src.utils import timeseries_dataset_utils as module

    zip_maps = lambda parts: _GrainStandIn(zip(*(p.items for p in parts)))  # noqa: E731
    grain = SimpleNamespace(MapDataset=_GrainStandIn,
                            experimental=SimpleNamespace(ZipMapDataset=zip_maps))
    monkeypatch.setattr(module, "grain", grain)
    return lambda *a, **k: module.timeseries_dataset_from_array(*a, **k, format="grain")


@pytest.mark.parametrize("kwargs", [
    dict(sequence_length=10),
    dict(sequence_length=10, sampling_rate=2, sequence_stride=3, batch_size=8),
    dict(sequence_length=5, start_index=7, end_index=60, batch_size=16),
    dict(sequence_length=4, sequence_stride=5, start_index=3, batch_size=1),
    dict(sequence_length=3, sampling_rate=4, batch_size=None),
    dict(sequence_length=97, batch_size=4),
])
@pytest.mark.parametrize("with_targets", [True, False])
def test_timeseries_batches_match_keras(keras_timeseries, kwargs, with_targets):
    data = np.arange(200, dtype="float32").reshape(100, 2)
    targets = np.arange(100, 200) if with_targets else None
    theirs = list(keras_timeseries(data, targets, **kwargs))
    ours = list(lamina.utils.timeseries_dataset_from_array(data, targets, **kwargs))
    assert len(ours) == len(theirs) > 0
    for mine, ref in zip(ours, theirs):
        mine, ref = (mine, ref) if with_targets else ((mine,), (ref,))
        for a, b, source in zip(mine, ref, (data, targets)):
            np.testing.assert_array_equal(a, np.asarray(b))
            assert a.dtype == source.dtype  # as Keras's tf.data path (the stand-in stacks in JAX)


def test_timeseries_docstring_example_and_fit():
    data = np.arange(100, dtype="float32")
    dataset = lamina.utils.timeseries_dataset_from_array(data[:-10], targets=data[10:],
                                                         sequence_length=10, batch_size=16)
    for inputs, targets in dataset:
        np.testing.assert_array_equal(inputs[0], data[:10])
        assert targets[0] == data[10]
        break
    model = lamina.Sequential([lamina.Input((10,)), lamina.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(dataset, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert model.predict(dataset, verbose=0).shape == (81, 1)


def test_timeseries_shuffle_draws_keras_window_order():
    data = np.arange(50)
    ours = lamina.utils.timeseries_dataset_from_array(data, None, 5, batch_size=None,
                                                      shuffle=True, seed=3)
    starts = np.arange(46)
    np.random.RandomState(3).shuffle(starts)
    np.testing.assert_array_equal([w[0] for w in ours], starts)


@pytest.mark.parametrize("kwargs", [dict(start_index=-1), dict(start_index=100),
                                    dict(start_index=5, end_index=5), dict(end_index=100),
                                    dict(sampling_rate=0), dict(sequence_stride=100),
                                    dict(format="torch")])
def test_timeseries_bad_arguments_raise_keras_errors(keras_timeseries, kwargs):
    data = np.arange(100)
    with pytest.raises(ValueError) as theirs:
        keras.utils.timeseries_dataset_from_array(data, None, 5, **kwargs)
    with pytest.raises(ValueError) as ours:
        lamina.utils.timeseries_dataset_from_array(data, None, 5, **kwargs)
    assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------------------- images

@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("scale", [True, False])
def test_array_to_img_and_back_match_keras(rng, channels, data_format, scale):
    x = rng.uniform(0, 255, (6, 5, channels))
    if data_format == "channels_first":
        x = x.transpose(2, 0, 1)
    ours = lamina.utils.array_to_img(x, data_format=data_format, scale=scale)
    theirs = keras.utils.array_to_img(x, data_format=data_format, scale=scale)
    assert ours.mode == theirs.mode and ours.size == theirs.size
    back = lamina.utils.img_to_array(ours, data_format=data_format)
    np.testing.assert_array_equal(back, keras.utils.img_to_array(theirs, data_format=data_format))
    assert back.dtype == np.float32 and back.shape == x.shape


def test_array_to_img_wide_grayscale_and_errors_match_keras():
    x = np.full((2, 2, 1), 1000.0)
    assert lamina.utils.array_to_img(x, scale=False).mode == \
        keras.utils.array_to_img(x, scale=False).mode == "I"
    for bad in (np.zeros((2, 2)), np.zeros((2, 2, 2))):
        with pytest.raises(ValueError) as theirs:
            keras.utils.array_to_img(bad)
        with pytest.raises(ValueError) as ours:
            lamina.utils.array_to_img(bad)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".bmp"])
def test_save_img_then_load_img_matches_keras(tmp_path, rng, suffix):
    x = rng.uniform(0, 255, (12, 16, 3)).astype("float32")
    lamina.utils.save_img(tmp_path / f"ours{suffix}", x)
    keras.utils.save_img(tmp_path / f"theirs{suffix}", x)
    assert (tmp_path / f"ours{suffix}").read_bytes() == (tmp_path / f"theirs{suffix}").read_bytes()
    path = str(tmp_path / f"ours{suffix}")
    cases = [dict(), dict(color_mode="grayscale"), dict(color_mode="rgba"),
             dict(target_size=(6, 10)), dict(target_size=(9, 5), interpolation="bilinear"),
             dict(target_size=(8, 8), interpolation="lanczos", keep_aspect_ratio=True),
             dict(target_size=(4, 12), interpolation="bicubic", keep_aspect_ratio=True)]
    for kwargs in cases:
        ours = lamina.utils.img_to_array(lamina.utils.load_img(path, **kwargs))
        theirs = keras.utils.img_to_array(keras.utils.load_img(path, **kwargs))
        np.testing.assert_array_equal(ours, theirs)


def test_load_img_from_bytes_and_save_img_to_a_file_object(rng):
    x = rng.uniform(0, 255, (4, 4, 4))
    buffer = io.BytesIO()
    lamina.utils.save_img(buffer, x, file_format="png")
    buffer.seek(0)
    image = lamina.utils.load_img(buffer, color_mode="rgba")
    np.testing.assert_array_equal(lamina.utils.img_to_array(image),
                                  keras.utils.img_to_array(keras.utils.array_to_img(x)))
    with pytest.raises(ValueError, match="color_mode"):
        lamina.utils.load_img(io.BytesIO(buffer.getvalue()), color_mode="cmyk")
    with pytest.raises(TypeError, match="path-like or io.BytesIO"):
        lamina.utils.load_img(42)
    with pytest.warns(UserWarning, match="JPEG format does not support RGBA"):
        lamina.utils.save_img(io.BytesIO(), x, file_format="jpg")


def test_pillow_is_imported_only_when_an_image_function_runs():
    import subprocess

    code = ("import sys, lamina, numpy as np\nlamina.utils.Progbar\n"
            "print('PIL' in sys.modules)\nlamina.utils.array_to_img(np.zeros((2, 2, 3)))\n"
            "print('PIL' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "True"]


# -------------------------------------------------------------- small utilities

def test_config_behaves_like_keras_config():
    results = []
    for lib in (keras, lamina):
        config = lib.utils.Config(learning_rate=0.1, momentum=0.9)
        config.use_ema = True
        config["seed"] = 123
        popped = config.pop("momentum")
        config.freeze()
        errors = []
        for action in (lambda c=config: setattr(c, "foo", 1), lambda c=config: c.update(a=1),
                       lambda c=config: c.__delitem__("seed"), lambda c=config: c.learning_rat):
            try:
                action()
            except (ValueError, AttributeError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
        results.append((config.learning_rate, config["use_ema"], popped, list(config),
                        config.as_dict(), config.to_json(), len(config), "seed" in config,
                        config.frozen, config.get("nope", 5), errors, repr(config)))
    assert results[0] == results[1]


def test_get_source_inputs_matches_keras():
    results = []
    for lib in (keras, lamina):
        a, b, c = lib.Input((3,)), lib.Input((3,)), lib.Input((2,))
        names = {id(a): "a", id(b): "b", id(c): "c"}
        h = lib.layers.Dense(3)(lib.layers.Add()([b, a]))
        out = lib.layers.Concatenate()([h, lib.layers.Dense(3)(a), c])
        results.append(([names[id(t)] for t in lib.utils.get_source_inputs(out)],
                        [names[id(t)] for t in lib.utils.get_source_inputs(a)]))
    assert results[0] == results[1] == (["b", "a", "c"], ["a"])


@pytest.mark.parametrize("data", [np.ones(2), (np.ones(2),), [np.ones(2), np.zeros(2)],
                                  (1, 2, 3), {"x": 1}, ([1, 2],)])
def test_unpack_x_y_sample_weight_matches_keras(data):
    ours = lamina.utils.unpack_x_y_sample_weight(data)
    theirs = keras.utils.unpack_x_y_sample_weight(data)
    assert len(ours) == 3 and all(a is b for a, b in zip(ours, theirs))


def test_pack_x_y_sample_weight_matches_keras_and_rejects_long_tuples():
    x, y, w = np.ones(2), np.zeros(2), np.ones(2)
    for args in ((x,), ([x, y],), (x, y), (x, y, w), (x, None, w)):
        ours, theirs = lamina.utils.pack_x_y_sample_weight(*args), \
            keras.utils.pack_x_y_sample_weight(*args)
        if isinstance(theirs, tuple):
            assert type(ours) is tuple and len(ours) == len(theirs)
            assert all(a is b for a, b in zip(ours, theirs))
        else:
            assert ours is theirs
    with pytest.raises(ValueError, match=r"`\(x, y, sample_weight\)`, found"):
        lamina.utils.unpack_x_y_sample_weight((1, 2, 3, 4))


def test_serialization_names_are_lamina_saving_ones():
    import lamina.saving

    for name in ("CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
                 "get_custom_objects", "get_registered_name", "get_registered_object",
                 "register_keras_serializable", "serialize_keras_object"):
        assert getattr(lamina.utils, name) is getattr(lamina.saving, name)

    @lamina.utils.register_keras_serializable(package="Guides")
    class Scale(lamina.layers.Layer):
        def call(self, x):
            return 2 * x

    assert lamina.utils.get_registered_name(Scale) == "Guides>Scale"
    assert lamina.utils.get_registered_object("Guides>Scale") is Scale


def test_every_keras_utils_name_the_guides_use_exists():
    not_here = {"legacy"}
    keras_names = {n for n in dir(keras.utils) if not n.startswith("_")}
    assert keras_names - set(dir(lamina.utils)) == not_here


def test_fit_shuffles_a_py_datasets_batch_order_as_keras_does():
    """Keras's fit(shuffle=True) visits a PyDataset's batches in an order drawn with Python's
    `random` (seeded by set_random_seed); shuffle=False keeps index order."""
    import random as py_random

    class Recorder(lamina.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.seen = []

        def __len__(self):
            return 6

        def __getitem__(self, index):
            self.seen.append(index)
            x = np.full((4, 3), index, "float32")
            return x, x[:, :1]

    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(1)])
    model.compile("sgd", "mse")
    for shuffle in (True, False):
        data = Recorder()
        lamina.utils.set_random_seed(11)
        model.fit(data, epochs=1, shuffle=shuffle, verbose=0)
        expected = list(range(6))
        if shuffle:
            py_random.seed(11)
            py_random.shuffle(expected)
        assert data.seen == expected
