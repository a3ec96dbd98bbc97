"""ModelCheckpoint, EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, CSVLogger and
TerminateOnNaN: decisions compared with Keras's own callbacks on the same scripted logs, and
real fits for what touches weights, files and the learning rate."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import lamina
from lamina import callbacks as lc
from lamina import errors

keras = pytest.importorskip("keras")


# ----------------------------------------------------------------------------- scripted runs
class FakeModel:
    """What the callbacks touch: stop_training, optimizer, weights, save/save_weights."""

    def __init__(self, optimizer=None):
        self.stop_training = False
        self.optimizer = optimizer
        self.saved: list[str] = []
        self._weights = [np.zeros(2)]

    def get_weights(self):
        return [w.copy() for w in self._weights]

    def set_weights(self, weights):
        self._weights = [np.array(w) for w in weights]

    def save(self, filepath, overwrite=True):
        self.saved.append(os.path.basename(filepath))

    save_weights = save


def drive(callback, epochs_logs, model=None, steps=0):
    """Run `callback` through a scripted fit: per epoch, `steps` batches then the epoch end
    with the given logs. The weights are [epoch, epoch] during epoch `epoch`. Returns
    (epochs run, learning rate after each epoch, files saved, final weights, logs seen)."""
    model = model or FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    learning_rates, seen = [], []
    epoch = -1
    for epoch, logs in enumerate(epochs_logs):
        model._weights = [np.full(2, float(epoch))]
        callback.on_epoch_begin(epoch)
        for batch in range(steps):
            callback.on_train_batch_end(batch, {"loss": logs.get("loss", 0.0)})
        logs = dict(logs)
        callback.on_epoch_end(epoch, logs)
        seen.append(logs)
        if model.optimizer is not None:
            learning_rates.append(float(np.asarray(model.optimizer.learning_rate)))
        if model.stop_training:
            break
    callback.on_train_end()
    return epoch + 1, learning_rates, model.saved, model.get_weights()[0][0], seen


def both(make, epochs_logs, **kwargs):
    """Drive lamina's and Keras's version of a callback (`make(module)`) on the same logs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = drive(make(lc), epochs_logs, **kwargs.get("ours", {}))
        theirs = drive(make(keras.callbacks), epochs_logs, **kwargs.get("theirs", {}))
    return ours, theirs


def walk(seed, n=12, key="val_loss", scale=1.0):
    """A noisy, mostly decreasing sequence of logs."""
    rng = np.random.default_rng(seed)
    values = np.cumsum(rng.normal(-0.05, 0.2, size=n)) * scale + 5.0
    return [{key: float(v), "loss": float(v) + 1} for v in values]


FIXED = [{"val_loss": v, "loss": 1.0} for v in (1.0, 0.9, 0.95, 0.9, 0.91, 0.85, 0.86, 0.87,
                                                 0.88, 0.7, 0.71, 0.72, 0.73, 0.74)]
SEQUENCES = [FIXED] + [walk(seed) for seed in range(6)]

EARLY_STOPPING_ARGS = [
    dict(), dict(patience=2), dict(patience=3, min_delta=0.02),
    dict(patience=1, baseline=0.8), dict(patience=2, baseline=4.8),
    dict(patience=2, start_from_epoch=4), dict(patience=2, restore_best_weights=True),
    dict(patience=4, restore_best_weights=True, baseline=0.5),
    dict(patience=2, mode="max"), dict(monitor="loss", patience=1, min_delta=0.1),
]


@pytest.mark.parametrize("kwargs", EARLY_STOPPING_ARGS)
@pytest.mark.parametrize("sequence", range(len(SEQUENCES)))
def test_early_stopping_matches_keras(kwargs, sequence):
    ours, theirs = both(lambda m: m.EarlyStopping(**kwargs), SEQUENCES[sequence])
    assert ours[0] == theirs[0]  # stopping epoch
    assert ours[3] == theirs[3]  # final (restored) weights: the best epoch's


def test_early_stopping_accuracy_is_maximized_in_auto_mode():
    logs = walk(3, key="val_accuracy", scale=-1.0)
    ours = drive(lc.EarlyStopping(monitor="val_accuracy", patience=2), logs)
    theirs = drive(keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=2,
                                                 mode="max"), logs)
    assert ours[0] == theirs[0] < len(logs)


REDUCE_ARGS = [
    dict(patience=1), dict(patience=2, factor=0.5, cooldown=2),
    dict(patience=0, factor=0.5, min_lr=0.02), dict(patience=1, min_delta=0.05, mode="min"),
    dict(patience=2, factor=0.3, mode="max"), dict(monitor="loss", patience=1, cooldown=1),
]


@pytest.mark.parametrize("kwargs", REDUCE_ARGS)
@pytest.mark.parametrize("sequence", range(len(SEQUENCES)))
def test_reduce_lr_on_plateau_matches_keras(kwargs, sequence):
    ours, theirs = both(lambda m: m.ReduceLROnPlateau(**kwargs), SEQUENCES[sequence],
                        ours=dict(model=FakeModel(lamina.optimizers.SGD(0.1))),
                        theirs=dict(model=FakeModel(keras.optimizers.SGD(0.1))))
    assert ours[1] == theirs[1]  # the learning rate after every epoch, bit for bit
    assert [logs["learning_rate"] for logs in ours[4]] == \
        [logs["learning_rate"] for logs in theirs[4]]


CHECKPOINT_ARGS = [
    dict(filepath="w.{epoch:02d}-{val_loss:.2f}.weights.h5", save_weights_only=True),
    dict(filepath="w.{epoch:02d}-{val_loss:.2f}.weights.h5", save_weights_only=True,
         save_best_only=True),
    dict(filepath="best.keras", save_best_only=True, mode="max"),
    dict(filepath="m{epoch}.keras", save_best_only=True, initial_value_threshold=0.88),
    dict(filepath="m{epoch}.h5", save_best_only=True, monitor="loss"),
    dict(filepath="m{epoch}.keras", save_best_only=True, mode="min"),
]


@pytest.mark.parametrize("kwargs", CHECKPOINT_ARGS)
@pytest.mark.parametrize("sequence", [0, 1, 2])
def test_model_checkpoint_saves_the_same_files_as_keras(kwargs, sequence):
    ours, theirs = both(lambda m: m.ModelCheckpoint(**kwargs), SEQUENCES[sequence])
    assert ours[2] == theirs[2]
    assert ours[2] or sequence > 0


@pytest.mark.parametrize("save_freq,steps", [(2, 3), (3, 3), (5, 4), (1, 2)])
def test_model_checkpoint_every_n_batches_matches_keras(save_freq, steps):
    kwargs = dict(filepath="e{epoch}b{batch}.weights.h5", save_weights_only=True,
                  save_freq=save_freq)
    ours, theirs = both(lambda m: m.ModelCheckpoint(**kwargs), FIXED[:4],
                        ours=dict(steps=steps), theirs=dict(steps=steps))
    assert ours[2] == theirs[2] and ours[2]


@pytest.mark.parametrize("kwargs,match", [
    (dict(filepath="w.keras", save_weights_only=True), r"\.weights\.h5"),
    (dict(filepath="w.weights"), r"\.keras"),
    (dict(filepath="w.keras", save_freq="batch"), "save_freq"),
    (dict(filepath="w.keras", save_freq=0), "save_freq"),
    (dict(filepath="w.keras", mode="maximum"), "mode"),
])
def test_model_checkpoint_rejects_bad_arguments(kwargs, match):
    with pytest.raises(errors.ConfigError, match=match):
        lc.ModelCheckpoint(**kwargs)


def test_model_checkpoint_template_with_missing_key_names_the_available_ones():
    callback = lc.ModelCheckpoint("w{epoch}-{val_acc:.2f}.keras")
    callback.set_model(FakeModel())
    with pytest.raises(KeyError, match=r"val_acc.*Available keys: loss, val_accuracy.*"
                                       r"Did you mean 'val_accuracy'"):
        callback.on_epoch_end(0, {"loss": 1.0, "val_accuracy": 0.5})


def test_missing_monitor_warns_once_naming_the_keys_and_validation_data():
    callback = lc.EarlyStopping(monitor="val_loss", patience=0)
    with pytest.warns(UserWarning) as record:
        drive(callback, [{"loss": 1.0, "accuracy": 0.5}] * 3)
    assert len(record) == 1
    text = str(record[0].message)
    assert "'val_loss'" in text and "accuracy, loss" in text and "validation_data" in text
    with pytest.warns(UserWarning, match="ReduceLROnPlateau.*'loss'"):
        drive(lc.ReduceLROnPlateau(monitor="los"), [{"loss": 1.0}],
              model=FakeModel(lamina.optimizers.SGD()))


def test_epoch_savers_let_the_engine_fuse_steps(tmp_path):
    def every_batch(*callbacks):
        return lc.CallbackList(list(callbacks)).needs_every_batch

    assert not every_batch(lc.ModelCheckpoint("w.keras"), lc.BackupAndRestore(tmp_path),
                           lc.EarlyStopping(), lc.CSVLogger(tmp_path / "log.csv"))
    assert every_batch(lc.ModelCheckpoint("w.keras", save_freq=2))
    assert every_batch(lc.BackupAndRestore(tmp_path, save_freq=2))
    assert every_batch(lc.TerminateOnNaN())


def test_auto_mode_follows_the_compiled_metrics_direction():
    model = mlp(lamina)
    model.compile("sgd", "mse", metrics=["mae", "cosine_similarity"])
    model.fit(*regression(n=16), epochs=1, verbose=0)  # resolves the metric objects
    expected = {"val_loss": "min", "mae": "min", "val_cosine_similarity": "max",  # its direction
                "val_accuracy": "max", "auc_1": "max",  # by name
                "output_loss": "min", "custom": "min"}
    for monitor, direction in expected.items():
        callback = lc.EarlyStopping(monitor=monitor)
        callback.set_model(model)
        assert callback._resolve_direction() == direction, monitor


def test_terminate_on_nan_matches_keras_on_scripted_batches():
    losses = [0.5, 0.4, np.inf, 0.3]
    for make in (lc.TerminateOnNaN, keras.callbacks.TerminateOnNaN):
        model, callback = FakeModel(), make()
        callback.set_model(model)
        stopped = next((b for b, loss in enumerate(losses)
                        if (callback.on_train_batch_end(b, {"loss": loss}),
                            model.stop_training)[1]), None)
        assert stopped == 2
    with pytest.raises(RuntimeError, match="batch 1"):
        callback = lc.TerminateOnNaN(raise_error=True)
        callback.set_model(FakeModel())
        callback.on_train_batch_end(1, {"loss": float("nan")})


# ----------------------------------------------------------------------------- CSVLogger
CSV_LOGS = [
    [{"loss": 0.5, "accuracy": 0.25}, {"loss": 0.25, "accuracy": 0.5}],
    [{"loss": 0.5, "val_loss": 0.75}, {"loss": 0.125, "val_loss": 0.0625}],
    [{"loss": 1 / 3, "vec": np.array([1.5, 2.0]), "name": "x"}],
]


@pytest.mark.parametrize("logs", range(len(CSV_LOGS)))
@pytest.mark.parametrize("separator", [",", ";"])
def test_csv_logger_writes_the_same_file_as_keras(tmp_path, logs, separator):
    files = {}
    for name, module in (("ours", lc), ("theirs", keras.callbacks)):
        path = tmp_path / f"{name}.csv"
        drive(module.CSVLogger(path, separator=separator), CSV_LOGS[logs])
        drive(module.CSVLogger(path, separator=separator, append=True), CSV_LOGS[logs][:1])
        files[name] = path.read_bytes()
    assert files["ours"] == files["theirs"]
    assert files["ours"].count(b"\r\n") == len(CSV_LOGS[logs]) + 2


def test_csv_logger_file_is_complete_after_every_epoch(tmp_path):
    path = tmp_path / "log.csv"
    callback = lc.CSVLogger(path)
    callback.set_model(FakeModel())
    callback.on_train_begin()
    assert path.read_text() == ""  # created (emptied) at train begin, as in Keras
    for epoch in range(3):
        callback.on_epoch_end(epoch, {"loss": 1.0 / (epoch + 1)})
        lines = path.read_text().splitlines()
        assert len(lines) == epoch + 2 and lines[-1].startswith(f"{epoch},")
    assert [p.name for p in tmp_path.iterdir()] == ["log.csv"]  # no temporary files left


# ----------------------------------------------------------------------------- real fits
def mlp(lib, dropout=False):
    stack = [lib.layers.Input((6,)), lib.layers.Dense(8, activation="relu")]
    if dropout:
        stack.append(lib.layers.Dropout(0.3))
    stack.append(lib.layers.Dense(1))
    return lib.Sequential(stack)


def regression(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype("float32")
    return x, (x @ rng.normal(size=(6, 1))).astype("float32")


class WeightRecorder(lc.Callback):
    """Copies the weights at every epoch end."""

    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def assert_weights_equal(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_early_stopping_restores_the_best_epochs_weights():
    x, y = regression()
    model = mlp(lamina)
    model.compile(lamina.optimizers.SGD(0.05), "mse")
    recorder = WeightRecorder()
    # mode='max' on a falling loss: epoch 0 stays the best, so training stops at epoch 2
    stop = lc.EarlyStopping(monitor="loss", mode="max", patience=2, restore_best_weights=True)
    history = model.fit(x, y, epochs=10, batch_size=16, verbose=0, callbacks=[recorder, stop])
    assert len(history.history["loss"]) == 3 == len(recorder.weights)
    assert_weights_equal(model.get_weights(), recorder.weights[0])
    assert not np.array_equal(recorder.weights[0][0], recorder.weights[-1][0])
    # Keras's callback, fed the same logs, stops at the same epoch
    logs = [{"loss": v} for v in history.history["loss"]] + [{"loss": 0.0}] * 5
    keras_stop = keras.callbacks.EarlyStopping(monitor="loss", mode="max", patience=2)
    assert drive(keras_stop, logs)[0] == 3


def test_model_checkpoint_best_weights_files(tmp_path):
    x, y = regression()
    model = mlp(lamina)
    model.compile(lamina.optimizers.SGD(0.05), "mse")
    recorder = WeightRecorder()
    template = str(tmp_path / "ck" / "w.{epoch:02d}-{val_loss:.3f}.weights.h5")
    checkpoint = lc.ModelCheckpoint(template, save_best_only=True, save_weights_only=True)
    history = model.fit(x, y, epochs=4, batch_size=16, verbose=0, validation_split=0.25,
                        callbacks=[recorder, checkpoint])
    losses = history.history["val_loss"]
    best = [i for i, v in enumerate(losses) if v < min(losses[:i], default=np.inf)]
    expected = sorted(f"w.{i + 1:02d}-{losses[i]:.3f}.weights.h5" for i in best)
    assert sorted(os.listdir(tmp_path / "ck")) == expected
    fresh = mlp(lamina)
    fresh.load_weights(str(tmp_path / "ck" / expected[-1]))
    assert_weights_equal(fresh.get_weights(), recorder.weights[best[-1]])


def test_model_checkpoint_every_n_batches_writes_named_files(tmp_path):
    x, y = regression(n=64)
    model = mlp(lamina)
    model.compile(lamina.optimizers.SGD(0.05), "mse")
    template = str(tmp_path / "e{epoch}-b{batch}.weights.h5")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0,
              callbacks=[lc.ModelCheckpoint(template, save_weights_only=True, save_freq=3)])
    assert sorted(os.listdir(tmp_path)) == ["e1-b3.weights.h5", "e2-b2.weights.h5"]


def test_model_checkpoint_every_n_batches_saves_the_current_weights(tmp_path):
    x, y = regression(n=64)
    model = mlp(lamina)
    model.compile(lamina.optimizers.SGD(0.05), "mse")
    template = str(tmp_path / "b{batch}.weights.h5")
    model.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0,
              callbacks=[lc.ModelCheckpoint(template, save_weights_only=True, save_freq=2)])
    saved = []
    for batch in (2, 4):
        fresh = mlp(lamina)
        fresh.load_weights(template.format(batch=batch))
        saved.append(fresh.get_weights())
    assert_weights_equal(saved[1], model.get_weights())
    assert not np.array_equal(saved[0][0], saved[1][0])


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_model_checkpoint_full_model(tmp_path, suffix):
    if not hasattr(lamina.saving, "save_model"):
        pytest.skip("lamina.saving.save_model does not exist yet")
    x, y = regression()
    model = mlp(lamina)
    model.compile(lamina.optimizers.SGD(0.05), "mse")
    path = tmp_path / f"best{suffix}"
    model.fit(x, y, epochs=2, verbose=0, callbacks=[
        lc.ModelCheckpoint(path, monitor="loss", save_best_only=True)])
    loaded = lamina.models.load_model(path)
    assert_weights_equal(loaded.get_weights(), model.get_weights())


def lr_schedule(epoch, lr):
    return 0.1 if epoch == 0 else lr * 0.5


def test_learning_rate_scheduler_trains_like_keras():
    x, y = regression()
    theirs, ours = mlp(keras), mlp(lamina)
    ours.set_weights(theirs.get_weights())
    theirs.compile(keras.optimizers.SGD(0.01), "mse")
    ours.compile(lamina.optimizers.SGD(0.01), "mse")
    runs = [model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0,
                      callbacks=[module.LearningRateScheduler(lr_schedule)])
            for model, module in ((theirs, keras.callbacks), (ours, lc))]
    assert runs[1].history["learning_rate"] == runs[0].history["learning_rate"]
    assert ours.optimizer.learning_rate == pytest.approx(0.025)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_learning_rate_scheduler_one_argument_form_and_bad_output():
    model = FakeModel(lamina.optimizers.SGD(0.1))
    drive(lc.LearningRateScheduler(lambda epoch: 0.5 / (epoch + 1)), FIXED[:3], model=model)
    assert model.optimizer.learning_rate == pytest.approx(0.5 / 3)
    with pytest.raises(errors.ConfigError, match="should be a float"):
        drive(lc.LearningRateScheduler(lambda epoch, lr: "fast"), FIXED[:1], model=model)


def test_reduce_lr_on_plateau_trains_like_keras():
    x, y = regression()
    theirs, ours = mlp(keras), mlp(lamina)
    ours.set_weights(theirs.get_weights())
    theirs.compile(keras.optimizers.SGD(0.05), "mse")
    ours.compile(lamina.optimizers.SGD(0.05), "mse")
    # mode='max' on a falling loss: the rate halves after every epoch from the second on
    runs = [model.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0, callbacks=[
        module.ReduceLROnPlateau(monitor="loss", mode="max", patience=1, factor=0.5)])
        for model, module in ((theirs, keras.callbacks), (ours, lc))]
    assert runs[1].history["learning_rate"] == runs[0].history["learning_rate"]
    assert runs[1].history["learning_rate"] == pytest.approx([0.05, 0.05, 0.025, 0.0125])
    assert ours.optimizer.learning_rate == pytest.approx(0.00625)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_terminate_on_nan_stops_at_the_diverging_batch():
    x, y = regression(n=64)
    y[37] = np.nan  # batch 2 of 16 rows: the loss becomes NaN there
    model = mlp(lamina)
    model.compile(lamina.optimizers.SGD(0.01), "mse")
    seen = []
    lamina.config.set_check_finite(False)  # else fit refuses the NaN in y before training
    try:
        history = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0, callbacks=[
            lc.TerminateOnNaN(),
            lc.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))])
    finally:
        lamina.config.set_check_finite(True)
    assert seen == [0, 1, 2]
    assert len(history.history["loss"]) == 1 and np.isnan(history.history["loss"][0])
