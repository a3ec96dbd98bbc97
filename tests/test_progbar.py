"""Progbar and ProgbarLogger: exact Keras 3 output, terminal animation, laziness."""

from __future__ import annotations

import re
import sys
from types import SimpleNamespace

import pytest

from lamina.callbacks import CallbackList, ProgbarLogger
from lamina.training import progbar as progbar_module
from lamina.training.logs import LazyLogs
from lamina.training.progbar import Progbar, format_eta, format_time

BAR = "━" * 20
TRAIN = {"accuracy": 0.8123, "loss": 0.5321}
EPOCH = {**TRAIN, "val_accuracy": 0.85, "val_loss": 0.42}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class FakeClock:
    """A settable clock (exact binary fractions keep the timings exact)."""

    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class CountingLogs:
    """Makes LazyLogs whose function counts its calls."""

    def __init__(self, values: dict) -> None:
        self.values = values
        self.calls = 0

    def _fn(self) -> dict:
        self.calls += 1
        return dict(self.values)

    def lazy(self) -> LazyLogs:
        return LazyLogs(self._fn)


class StandInModel:
    """What the callbacks need from a model: somewhere to put `history`."""

    stop_training = False


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(progbar_module, "_now", fake)
    return fake


@pytest.fixture
def tty(capsys, monkeypatch):
    """Call it at the start of the test body (capsys swaps `sys.stdout` in only then)."""
    return lambda: monkeypatch.setattr(sys.stdout, "isatty", lambda: True)


def fake_fit(callbacks, clock, *, verbose, epochs=2, steps=5, dt=0.25, batch_logs=None,
             epoch_logs=EPOCH, with_validation=True):
    """Drive the hooks like `fit` does: train batches, a silent validation run, epoch end."""
    batch_logs = batch_logs or CountingLogs(TRAIN)
    cbl = CallbackList(callbacks, add_history=True, add_progbar=True, model=StandInModel(),
                       verbose=verbose, epochs=epochs, steps=steps)
    cbl.on_train_begin()
    seen = 0
    for epoch in range(epochs):
        cbl.on_epoch_begin(epoch)
        for step in range(steps if steps is not None else 5):
            cbl.on_train_batch_begin(step)
            clock.t += dt
            cbl.on_train_batch_end(step, batch_logs.lazy())
            seen += 1
        if with_validation:
            cbl.on_test_begin()
            for step in range(3):
                cbl.on_test_batch_begin(step)
                cbl.on_test_batch_end(step, LazyLogs(lambda: {"loss": 9.0}))
            cbl.on_test_end({"loss": 9.0})
        cbl.on_epoch_end(epoch, dict(epoch_logs))
    cbl.on_train_end(dict(epoch_logs))
    return cbl


def keras_final_lines(text: str) -> list[str]:
    """What a terminal would finally show for Keras's output, without colours."""
    lines = []
    for line in text.split("\n")[:-1]:
        lines.append(ANSI.sub("", line.split("\r")[-1]).rstrip(" "))
    return lines


# ----------------------------------------------------------------------- ProgbarLogger


def test_fit_verbose1_not_a_terminal_prints_one_line_per_epoch(capsys, clock):
    batch_logs = CountingLogs(TRAIN)
    fake_fit(None, clock, verbose=1, batch_logs=batch_logs)
    line = (f"5/5 {BAR} 1s 250ms/step - accuracy: 0.8123 - loss: 0.5321 - val_accuracy: 0.8500"
            " - val_loss: 0.4200\n")
    out = capsys.readouterr().out
    assert out == f"Epoch 1/2\n{line}Epoch 2/2\n{line}"
    assert "\r" not in out and "\x1b" not in out
    assert batch_logs.calls == 0  # nothing read from the "device" during the epoch


def test_fit_verbose2_format(capsys, clock):
    batch_logs = CountingLogs(TRAIN)
    fake_fit(None, clock, verbose=2, batch_logs=batch_logs)
    line = ("5/5 - 1s - 250ms/step - accuracy: 0.8123 - loss: 0.5321 - val_accuracy: 0.8500"
            " - val_loss: 0.4200\n")
    assert capsys.readouterr().out == f"Epoch 1/2\n{line}Epoch 2/2\n{line}"
    assert batch_logs.calls == 0


def test_fit_verbose0_prints_nothing_and_reads_nothing(capsys, clock):
    batch_logs = CountingLogs(TRAIN)
    fake_fit(None, clock, verbose=0, batch_logs=batch_logs)
    assert capsys.readouterr().out == ""
    assert batch_logs.calls == 0


def test_single_epoch_has_no_epoch_header(capsys, clock):
    fake_fit(None, clock, verbose=2, epochs=1, with_validation=False, epoch_logs=TRAIN)
    assert capsys.readouterr().out == "5/5 - 1s - 250ms/step - accuracy: 0.8123 - loss: 0.5321\n"


def test_auto_verbose_means_bar(capsys, clock):
    fake_fit(None, clock, verbose="auto", epochs=1, epoch_logs=TRAIN)
    assert capsys.readouterr().out.startswith(f"5/5 {BAR} 1s 250ms/step - accuracy: 0.8123")


def test_time_formats():
    assert format_time(2.4, "step") == " 2s/step"
    assert format_time(0, "step") == " 0s/step"
    assert format_time(0.0123, "step") == " 12ms/step"
    assert format_time(0.000081, "step") == " 81us/step"
    assert format_eta(45) == "45s"
    assert format_eta(123) == "2:03"
    assert format_eta(3723) == "1:02:03"


def test_value_formats_small_and_negative(capsys, clock):
    logs = {"a": 0.0001234, "b": -0.5, "c": 12.0}
    fake_fit(None, clock, verbose=1, epochs=1, with_validation=False, epoch_logs=logs)
    assert capsys.readouterr().out.endswith("- a: 1.2340e-04 - b: -0.5000 - c: 12.0000\n")
    fake_fit(None, clock, verbose=2, epochs=1, with_validation=False, epoch_logs=logs)
    # verbose=2 compares the signed value (as Keras does), so negatives use %.4e.
    assert capsys.readouterr().out.endswith("- a: 1.2340e-04 - b: -5.0000e-01 - c: 12.0000\n")


def test_metric_order_training_then_validation(capsys, clock):
    logs = {"loss": 1.0, "val_loss": 2.0, "val_zeta": 3.0, "zeta": 4.0}
    fake_fit(None, clock, verbose=2, epochs=1, epoch_logs=logs)
    assert capsys.readouterr().out.endswith(
        "- loss: 1.0000 - zeta: 4.0000 - val_loss: 2.0000 - val_zeta: 3.0000\n")


def test_evaluate_prints_bar_with_test_metrics(capsys, clock):
    cbl = CallbackList(None, add_progbar=True, verbose=1, epochs=1, steps=4)
    cbl.on_test_begin()
    for step in range(4):
        clock.t += 0.5
        cbl.on_test_batch_end(step, LazyLogs(lambda: TRAIN))
    cbl.on_test_end(TRAIN)
    assert capsys.readouterr().out == f"4/4 {BAR} 2s 500ms/step - accuracy: 0.8123 - loss: 0.5321\n"


def test_predict_prints_just_the_bar(capsys, clock):
    cbl = CallbackList(None, add_progbar=True, verbose=1, epochs=1, steps=4)
    cbl.on_predict_begin()
    outputs = CountingLogs({"outputs": 1.0})
    for step in range(4):
        clock.t += 0.5
        cbl.on_predict_batch_end(step, outputs.lazy())
    cbl.on_predict_end()
    assert capsys.readouterr().out == f"4/4 {BAR} 2s 500ms/step\n"
    assert outputs.calls == 0


def test_chunked_batch_hooks_use_batch_index_plus_one(capsys, clock, tty):
    tty()
    cbl = CallbackList(None, add_progbar=True, verbose=1, epochs=1, steps=10)
    cbl.on_epoch_begin(0)
    for last_step in (3, 7, 9):  # chunks of 4, 4 and 2 steps
        clock.t += 1.0
        cbl.on_train_batch_end(last_step, LazyLogs(lambda: TRAIN))
    counts = re.findall(r"\r\x1b\[1m *(\d+)/10", capsys.readouterr().out)
    assert counts == ["4", "8", "10"]


def test_unknown_steps_show_unknown_then_learn_the_count(capsys, clock, tty):
    tty()
    fake_fit(None, clock, verbose=1, steps=None, with_validation=False, epoch_logs=TRAIN)
    out = capsys.readouterr().out
    first_epoch = out.split("Epoch 2/2")[0]
    assert "\r      1/Unknown \x1b[1m0s\x1b[0m 250ms/step - accuracy: 0.8123" in first_epoch
    assert "\r      5/Unknown" in first_epoch
    final = f"5/5 {BAR} 1s 250ms/step - accuracy: 0.8123 - loss: 0.5321"
    assert keras_final_lines(out)[1] == final
    assert "Unknown" not in out.split("Epoch 2/2")[1]


def test_terminal_redraws_are_throttled_and_read_logs_only_when_drawn(capsys, clock, tty):
    tty()
    batch_logs = CountingLogs(TRAIN)
    cbl = CallbackList(None, add_progbar=True, verbose=1, epochs=1, steps=1000)
    cbl.on_epoch_begin(0)
    for step in range(1000):  # 1000 updates within 0.5 s
        clock.t += 0.0005
        cbl.on_train_batch_end(step, batch_logs.lazy())
    redraws = capsys.readouterr().out.count("\r")
    assert 1 <= redraws <= 6
    assert batch_logs.calls == redraws
    cbl.on_epoch_end(0, TRAIN)
    assert capsys.readouterr().out.endswith(" - accuracy: 0.8123 - loss: 0.5321\n")
    assert batch_logs.calls == redraws


def test_terminal_redraws_every_interval(capsys, clock, tty):
    tty()
    batch_logs = CountingLogs(TRAIN)
    cbl = CallbackList(None, add_progbar=True, verbose=1, epochs=1, steps=100)
    cbl.on_epoch_begin(0)
    for step in range(100):  # 100 updates over 10 s
        clock.t += 0.1
        cbl.on_train_batch_end(step, batch_logs.lazy())
    assert capsys.readouterr().out.count("\r") == batch_logs.calls >= 90


def test_terminal_frame_has_keras_layout(capsys, clock, tty):
    tty()
    cbl = CallbackList(None, add_progbar=True, verbose=1, epochs=1, steps=10)
    cbl.on_epoch_begin(0)
    clock.t += 0.25
    cbl.on_train_batch_end(2, LazyLogs(lambda: {"loss": 0.5}))
    assert capsys.readouterr().out == (
        "\r\x1b[1m 3/10\x1b[0m \x1b[32m━━━━━━\x1b[0m\x1b[37m━━━━━━━━━━━━━━\x1b[0m"
        " \x1b[1m0s\x1b[0m 83ms/step - loss: 0.5000")


# --------------------------------------------------------------- parity with Keras 3


@pytest.fixture
def keras_clock(monkeypatch, clock):
    kp = pytest.importorskip("keras.src.utils.progbar")
    monkeypatch.setattr(kp, "time", SimpleNamespace(time=clock))
    return clock


def drive_keras_logger(clock, verbose, epochs=2, steps=5, dt=0.25):
    import keras

    logger = keras.callbacks.ProgbarLogger()
    logger.set_params({"verbose": verbose, "epochs": epochs, "steps": steps})
    logger.on_train_begin()
    for epoch in range(epochs):
        logger.on_epoch_begin(epoch)
        for step in range(steps or 5):
            clock.t += dt
            logger.on_train_batch_end(step, dict(TRAIN))
        logger.on_epoch_end(epoch, dict(EPOCH))
    logger.on_train_end()


@pytest.mark.parametrize("verbose", [1, 2])
def test_matches_keras_progbar_logger_off_a_terminal(capsys, keras_clock, verbose):
    drive_keras_logger(keras_clock, verbose)
    keras_out = capsys.readouterr().out
    fake_fit(None, keras_clock, verbose=verbose, with_validation=False)
    ours = capsys.readouterr().out
    if verbose == 2:
        assert ours == keras_out
    else:
        assert ours.split("\n")[:-1] == keras_final_lines(keras_out)


@pytest.mark.parametrize("steps", [5, None])
def test_matches_keras_progbar_logger_stream_on_a_terminal(capsys, keras_clock, tty, steps):
    tty()
    # Steps of 0.25 s: every update is due in both (Keras redraws at most every 0.05 s).
    drive_keras_logger(keras_clock, 1, steps=steps)
    keras_out = capsys.readouterr().out
    fake_fit(None, keras_clock, verbose=1, steps=steps, with_validation=False)
    assert capsys.readouterr().out == keras_out


def test_matches_keras_utils_progbar_averaging(capsys, keras_clock, tty):
    tty()
    import keras

    updates = [(1, [("loss", 1.0), ("acc", 0.5)]), (3, [("loss", 0.5), ("acc", 0.25)]),
               (4, [("loss", 0.25), ("acc", 0.0001)]), (7, [("loss", 0.125), ("acc", 0.75)])]
    for make in (lambda: keras.utils.Progbar(7, stateful_metrics=["acc"]),
                 lambda: Progbar(7, stateful_metrics=["acc"])):
        bar = make()
        for current, values in updates:
            keras_clock.t += 0.125
            bar.update(current, values)
    keras_out, ours = capsys.readouterr().out.split("\n")[:2]
    assert ours == keras_out
    assert "3/7\x1b[0m" in ours and " - loss: 0.6667 - acc: 0.2500" in ours  # averaged
    assert " - loss: 0.5625 - acc: 1.0000e-04" in ours


@pytest.mark.parametrize("verbose", [1, 2])
def test_progbar_final_line_matches_keras(capsys, keras_clock, verbose):
    import keras

    for cls in (keras.utils.Progbar, Progbar):
        bar = cls(12, verbose=verbose)
        for current in range(1, 13):
            keras_clock.t += 0.015625
            bar.update(current, [("loss", 1.0 / current), ("tiny", 1e-5)])
    keras_out, ours = capsys.readouterr().out.split("\n")[:2]
    keras_line = ANSI.sub("", keras_out.split("\r")[-1]).rstrip(" ")
    assert ours == keras_line
    assert ours.endswith("- loss: 0.0833 - tiny: 1.0000e-05")


def test_progbar_add_and_callable_values(capsys, clock):
    bar = Progbar(4, verbose=2)
    calls = []

    def values():
        calls.append(1)
        return [("loss", 2.0)]

    bar.add(2, values)
    assert calls == [] and capsys.readouterr().out == ""
    clock.t += 1.0
    bar.add(2, values)
    assert calls == [1]
    assert capsys.readouterr().out == "4/4 - 1s - 250ms/step - loss: 2.0000\n"


def test_progbar_rejects_both_metric_lists():
    with pytest.raises(ValueError):
        Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])


def test_progbar_logger_subclass_reading_batch_logs_is_detected():
    class Mine(ProgbarLogger):
        def on_train_batch_end(self, batch, logs=None):
            super().on_train_batch_end(batch, logs)

    assert CallbackList([ProgbarLogger()]).needs_batch_logs is False
    assert CallbackList([Mine()]).needs_batch_logs is True
