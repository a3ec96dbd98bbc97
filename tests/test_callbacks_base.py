"""Callback, CallbackList, History, LambdaCallback and LazyLogs."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from lamina.callbacks import Callback, CallbackList, History, LambdaCallback, ProgbarLogger
from lamina.training.logs import LazyLogs, materialize

HOOKS = [
    "on_train_begin", "on_train_end", "on_test_begin", "on_test_end", "on_predict_begin",
    "on_predict_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
    "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end",
    "on_predict_batch_begin", "on_predict_batch_end", "on_batch_begin", "on_batch_end",
]


class StandInModel:
    """What the callbacks need from a model: somewhere to put `history`."""

    stop_training = False


class Recorder(Callback):
    """Records every hook call as (name, tag, args, kwargs) into a shared list."""

    def __init__(self, tag, calls):
        super().__init__()
        self.tag, self.calls = tag, calls

    def __getattribute__(self, name):
        if name in HOOKS:
            return lambda *args, **kwargs: self.calls.append((name, self.tag, args, kwargs))
        return super().__getattribute__(name)


class Counter:
    """A zero-argument logs function that counts its calls."""

    def __init__(self, values):
        self.values, self.calls = values, 0

    def __call__(self):
        self.calls += 1
        return dict(self.values)


# ------------------------------------------------------------------------ Callback


def test_callback_has_keras_hooks_and_defaults():
    cb = Callback()
    assert cb.model is None and cb.params is None
    for name in HOOKS:
        args = (0,) if "batch" in name or "epoch" in name else ()  # batch / epoch index
        assert getattr(cb, name)(*args, logs={}) is None
    cb.set_params({"epochs": 3})
    model = StandInModel()
    cb.set_model(model)
    assert cb.params == {"epochs": 3} and cb.model is model


def test_train_batch_hooks_default_to_the_legacy_aliases():
    seen = []

    class Legacy(Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, dict(logs)))

    cbl = CallbackList([Legacy()])
    cbl.on_train_batch_begin(3)
    cbl.on_train_batch_end(3, {"loss": 1})
    assert seen == [("begin", 3), ("end", 3, {"loss": 1.0})]


def test_model_property_syncs_state_when_the_engine_offers_it():
    class Model:
        syncs = 0

        def jax_state_sync(self):
            self.syncs += 1

    cb = Callback()
    model = Model()
    cb.set_model(model)
    assert cb.model is model and model.syncs == 1


# -------------------------------------------------------------------- CallbackList


def test_hooks_dispatched_in_order_with_keras_calling_conventions():
    calls = []
    cbl = CallbackList([Recorder("a", calls), [Recorder("b", calls)]])
    cbl.on_train_begin()
    cbl.on_epoch_begin(0)
    cbl.on_train_batch_begin(0)
    cbl.on_train_batch_end(0, {"loss": np.float32(0.5)})
    cbl.on_test_begin()
    cbl.on_test_batch_end(1, None)
    cbl.on_test_end({"loss": 0.25})
    cbl.on_epoch_end(0, {"loss": jnp.asarray(0.5), "val_loss": 0.25})
    cbl.on_train_end({"loss": 0.5})
    cbl.on_predict_begin()
    cbl.on_predict_batch_begin(0)
    cbl.on_predict_batch_end(0, {"outputs": np.ones((2, 3))})
    cbl.on_predict_end()

    names = [(name, tag) for name, tag, _, _ in calls]
    expected = ["on_train_begin", "on_epoch_begin", "on_train_batch_begin", "on_train_batch_end",
                "on_test_begin", "on_test_batch_end", "on_test_end", "on_epoch_end",
                "on_train_end", "on_predict_begin", "on_predict_batch_begin",
                "on_predict_batch_end", "on_predict_end"]
    assert names == [(name, tag) for name in expected for tag in "ab"]

    by_name = {(name, tag): (args, kwargs) for name, tag, args, kwargs in calls}
    assert by_name["on_train_begin", "a"] == (({},), {})
    assert by_name["on_epoch_begin", "b"] == ((0, {}), {})
    assert by_name["on_train_batch_begin", "a"] == ((0,), {"logs": {}})
    args, kwargs = by_name["on_train_batch_end", "a"]
    assert args == (0,) and isinstance(kwargs["logs"], LazyLogs)
    assert kwargs["logs"] == {"loss": 0.5}
    assert by_name["on_test_end", "b"] == (({"loss": 0.25},), {})
    args, _ = by_name["on_epoch_end", "a"]
    assert args == (0, {"loss": 0.5, "val_loss": 0.25})
    assert all(type(v) is float for v in args[1].values())
    assert by_name["on_train_end", "b"] == (({"loss": 0.5},), {})
    outputs = by_name["on_predict_batch_end", "a"][1]["logs"]["outputs"]
    assert isinstance(outputs, np.ndarray) and outputs.shape == (2, 3)


def test_all_callbacks_get_the_same_lazy_logs_and_it_is_read_once():
    calls = []
    cbl = CallbackList([Recorder("a", calls), Recorder("b", calls)])
    fn = Counter({"loss": jnp.asarray(2.0)})
    logs = LazyLogs(fn)
    cbl.on_train_batch_end(0, logs)
    assert fn.calls == 0
    received = [kwargs["logs"] for _, _, _, kwargs in calls]
    assert received[0] is logs and received[1] is logs
    assert received[0]["loss"] == 2.0 and received[1]["loss"] == 2.0
    assert fn.calls == 1


def test_model_and_params_set_on_all_callbacks_and_defaults_added():
    model = StandInModel()
    mine = Callback()
    cbl = CallbackList([mine], add_history=True, add_progbar=True, model=model,
                       verbose=2, epochs=3, steps=7)
    kinds = [type(cb) for cb in cbl.callbacks]
    assert kinds == [Callback, History, ProgbarLogger]
    for cb in cbl.callbacks:
        assert cb.model is model
        assert cb.params == {"verbose": 2, "epochs": 3, "steps": 7}
    assert model.history is cbl.callbacks[1]
    progbar = cbl.callbacks[2]
    assert (progbar.verbose, progbar.epochs, progbar.target) == (2, 3, 7)


def test_existing_history_and_progbar_are_not_duplicated():
    history, progbar = History(), ProgbarLogger()
    cbl = CallbackList([history, progbar], add_history=True, add_progbar=True,
                       verbose=0, epochs=1, steps=1)
    assert cbl.callbacks == [history, progbar]
    assert CallbackList(None).callbacks == []


def test_append_gives_model_and_params():
    model = StandInModel()
    cbl = CallbackList([], model=model, verbose=0, epochs=1, steps=2)
    late = Callback()
    cbl.append(late)
    assert late.model is model and late.params == {"verbose": 0, "epochs": 1, "steps": 2}


class EpochOnly(Callback):
    def on_epoch_end(self, epoch, logs=None):
        pass


class BatchBeginOnly(Callback):
    def on_train_batch_begin(self, batch, logs=None):
        pass


def _make(hook):
    return type("Custom", (Callback,), {hook: lambda self, batch, logs=None: None})()


@pytest.mark.parametrize("callbacks, expected", [
    ([], False),
    ([EpochOnly(), BatchBeginOnly()], False),
    ([LambdaCallback(on_epoch_end=lambda e, logs: None)], False),
    ([_make("on_train_batch_end")], True),
    ([_make("on_test_batch_end")], True),
    ([_make("on_predict_batch_end")], True),
    ([_make("on_batch_end")], True),
    ([EpochOnly(), _make("on_test_batch_end")], True),
    ([LambdaCallback(on_train_batch_end=lambda b, logs: None)], True),
    ([LambdaCallback(on_predict_batch_end=lambda b, logs: None)], True),
])
def test_needs_batch_logs(callbacks, expected):
    cbl = CallbackList(callbacks, add_history=True, add_progbar=True, verbose=1, epochs=1,
                       steps=1)
    assert cbl.needs_batch_logs is expected


def test_history_and_progbar_alone_do_not_need_batch_logs():
    cbl = CallbackList(None, add_history=True, add_progbar=True, verbose=1, epochs=1, steps=1)
    assert cbl.needs_batch_logs is False


# ------------------------------------------------------------------------- History


def _fit(cbl, epochs, logs_for_epoch, steps=2):
    cbl.on_train_begin()
    for epoch in range(epochs):
        cbl.on_epoch_begin(epoch)
        for step in range(steps):
            cbl.on_train_batch_end(step, LazyLogs(Counter({"loss": 1.0})))
        cbl.on_epoch_end(epoch, logs_for_epoch(epoch))
    cbl.on_train_end()


def test_history_collects_epoch_logs_as_floats():
    model = StandInModel()
    cbl = CallbackList(None, add_history=True, model=model, verbose=0, epochs=3, steps=2)
    _fit(cbl, 3, lambda e: {"loss": jnp.asarray(1.0 / 2 ** e), "val_loss": np.float64(e)})
    history = model.history
    assert isinstance(history, History)
    assert history.epoch == [0, 1, 2]
    assert history.history == {"loss": [1.0, 0.5, 0.25], "val_loss": [0.0, 1.0, 2.0]}
    assert all(type(v) is float for values in history.history.values() for v in values)
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 2}
    assert history.model is model


def test_history_keeps_values_across_fits_but_resets_epochs():
    history = History()
    cbl = CallbackList([history], model=StandInModel(), verbose=0, epochs=2, steps=1)
    _fit(cbl, 2, lambda e: {"loss": float(e)})
    _fit(cbl, 1, lambda e: {"loss": 9.0})
    assert history.epoch == [0]
    assert history.history == {"loss": [0.0, 1.0, 9.0]}


# ------------------------------------------------------------------ LambdaCallback


def test_lambda_callback_hooks_called():
    events = []
    cb = LambdaCallback(
        on_epoch_begin=lambda epoch, logs: events.append(("epoch_begin", epoch, logs)),
        on_epoch_end=lambda epoch, logs: events.append(("epoch_end", epoch, logs)),
        on_train_begin=lambda logs: events.append(("train_begin", logs)),
        on_train_end=lambda logs: events.append(("train_end", logs)),
        on_train_batch_begin=lambda batch, logs: events.append(("batch_begin", batch)),
        on_train_batch_end=lambda batch, logs: events.append(("batch_end", batch, logs["loss"])),
        on_test_end=lambda logs: events.append(("test_end", logs)),
    )
    cbl = CallbackList([cb])
    cbl.on_train_begin()
    cbl.on_epoch_begin(0)
    cbl.on_train_batch_begin(0)
    cbl.on_train_batch_end(0, LazyLogs(lambda: {"loss": 0.5}))
    cbl.on_test_end({"val": 1})
    cbl.on_epoch_end(0, {"loss": 0.5})
    cbl.on_train_end({"loss": 0.5})
    cbl.on_predict_begin()  # not given: the default does nothing
    assert events == [("train_begin", {}), ("epoch_begin", 0, {}), ("batch_begin", 0),
                      ("batch_end", 0, 0.5), ("test_end", {"val": 1.0}),
                      ("epoch_end", 0, {"loss": 0.5}), ("train_end", {"loss": 0.5})]


# ------------------------------------------------------------------------ LazyLogs


@pytest.mark.parametrize("read", [
    lambda logs: logs.get("loss"), lambda logs: logs["loss"], lambda logs: list(logs.items()),
    len, list, bool, lambda logs: "loss" in logs, lambda logs: logs == {"loss": 1.0},
    lambda logs: logs.copy(), dict,
])
def test_lazy_logs_calls_function_once_on_first_read(read):
    fn = Counter({"loss": jnp.asarray(1.0)})
    logs = LazyLogs(fn)
    assert fn.calls == 0 and not logs.resolved
    read(logs)
    assert fn.calls == 1 and logs.resolved
    read(logs)
    assert logs["loss"] == 1.0 and list(logs) == ["loss"] and len(logs) == 1
    assert fn.calls == 1


def test_lazy_logs_values_are_python_floats_and_sorted():
    logs = LazyLogs(lambda: {"z": jnp.asarray(1.5), "a": np.float32(0.25), "m": 3})
    assert list(logs.items()) == [("a", 0.25), ("m", 3.0), ("z", 1.5)]
    assert all(type(v) is float for v in logs.values())


def test_lazy_logs_is_a_mapping_that_can_be_written():
    from collections.abc import Mapping

    logs = LazyLogs(lambda: {"loss": 1.0})
    assert isinstance(logs, Mapping)
    logs["lr"] = 0.1
    del logs["loss"]
    assert dict(logs) == {"lr": 0.1}
    assert repr(logs) == "LazyLogs({'lr': 0.1})"
    assert repr(LazyLogs(lambda: {})) == "LazyLogs(<not yet read>)"


def test_materialize():
    assert materialize(None) == {}
    result = materialize({"b": jnp.asarray(2.0), "a": np.int32(1), "name": "x",
                          "nested": {"inner": np.float64(0.5)}, "vec": jnp.arange(3)})
    assert list(result) == ["a", "b", "name", "inner", "vec"]  # nested: flattened in place
    assert result["a"] == 1.0 and type(result["a"]) is float
    assert result["b"] == 2.0 and type(result["b"]) is float
    assert result["inner"] == 0.5 and result["name"] == "x"
    assert isinstance(result["vec"], np.ndarray) and result["vec"].tolist() == [0, 1, 2]
    lazy = LazyLogs(lambda: {"loss": jnp.asarray(3.0)})
    plain = materialize(lazy)
    assert type(plain) is dict and plain == {"loss": 3.0}
    plain["x"] = 1.0
    assert "x" not in lazy  # a copy


def test_callbacks_that_do_not_read_batch_logs_never_trigger_the_function():
    fn = Counter({"loss": 1.0})
    cbl = CallbackList([EpochOnly(), BatchBeginOnly()], add_history=True, add_progbar=True,
                       model=StandInModel(), verbose=0, epochs=1, steps=3)
    cbl.on_train_begin()
    cbl.on_epoch_begin(0)
    for step in range(3):
        cbl.on_train_batch_begin(step)
        cbl.on_train_batch_end(step, LazyLogs(fn))
    cbl.on_epoch_end(0, {"loss": 1.0})
    cbl.on_train_end()
    assert fn.calls == 0
