"""Callbacks: constructor arguments, and bad values they meet during fit."""

from __future__ import annotations

from bad_inputs import case


def _new(name, *args, **kwargs):
    return lambda w: getattr(w.K.callbacks, name)(*args, **kwargs)


def _fit_with(make):
    return lambda w: w.model.fit(w.x, w.y, epochs=1, verbose=0, callbacks=[make(w)])


CASES = [
    case("EarlyStopping mode unknown", _new("EarlyStopping", mode="bigger"), ValueError,
         "mode.*bigger", keras_differs="Keras warns and falls back to 'auto'"),
    case("EarlyStopping monitor not a string", _new("EarlyStopping", monitor=5), ValueError,
         "monitor=5", keras_differs="Keras fails later, on a dict lookup"),
    case("ModelCheckpoint path without .keras", lambda w: w.K.callbacks.ModelCheckpoint(
        w.path("ckpt.txt")), ValueError, r"ckpt\.txt"),
    case("ModelCheckpoint weights path without .weights.h5",
         lambda w: w.K.callbacks.ModelCheckpoint(w.path("w.h5"), save_weights_only=True),
         ValueError, r"w\.h5"),
    case("ModelCheckpoint save_freq unknown",
         lambda w: w.K.callbacks.ModelCheckpoint(w.path("m.keras"), save_freq="sometimes"),
         ValueError, "save_freq.*sometimes"),
    case("ModelCheckpoint mode unknown",
         lambda w: w.K.callbacks.ModelCheckpoint(w.path("m.keras"), mode="most"), ValueError,
         "mode.*most", keras_differs="Keras warns and falls back to 'auto'"),
    case("ReduceLROnPlateau factor=1.0", _new("ReduceLROnPlateau", factor=1.0), ValueError,
         r"factor.*1\.0"),
    case("ReduceLROnPlateau factor=1.5", _new("ReduceLROnPlateau", factor=1.5), ValueError,
         r"factor.*1\.5"),
    case("ReduceLROnPlateau mode unknown", _new("ReduceLROnPlateau", mode="x"), ValueError,
         "mode.*x", keras_differs="Keras warns and falls back to 'auto'"),
    case("LearningRateScheduler schedule returns a string", _fit_with(
        lambda w: w.K.callbacks.LearningRateScheduler(lambda epoch: "fast")), ValueError,
         "fast"),
    case("LearningRateScheduler schedule returns a negative rate", _fit_with(
        lambda w: w.K.callbacks.LearningRateScheduler(lambda epoch: -0.1)), ValueError,
         r"-0\.1", keras_differs="Keras trains uphill"),
    case("BackupAndRestore backup_dir=None", _new("BackupAndRestore", None), ValueError,
         "backup_dir"),
    case("BackupAndRestore save_freq unknown",
         lambda w: w.K.callbacks.BackupAndRestore(w.path("backup"), save_freq="often"),
         ValueError, "save_freq.*often"),
]
