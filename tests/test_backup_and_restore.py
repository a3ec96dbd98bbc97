"""BackupAndRestore: an interrupted fit resumed from the backup ends bit-identical to an
uninterrupted one (shuffle and Dropout included); the backup file and its errors."""

from __future__ import annotations

import os

import h5py
import numpy as np
import pytest

import lamina
from lamina import callbacks as lc
from lamina import errors
from lamina.callbacks.backup_and_restore import write_backup

EPOCHS = 4


def model_and_data(seed: int, optimizer: str = "adam"):
    lamina.utils.set_random_seed(seed)
    model = lamina.Sequential([lamina.layers.Input((6,)), lamina.layers.Dense(16, activation="relu"),
                               lamina.layers.Dropout(0.3), lamina.layers.Dense(1)])
    model.compile(optimizer, "mse")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 6)).astype("float32")
    return model, x, (x @ rng.normal(size=(6, 1))).astype("float32")


class Interrupt(lc.Callback):
    """Raises at the end of epoch `at` (after the backup of that epoch was written)."""

    def __init__(self, at: int):
        super().__init__()
        self.at = at

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.at:
            raise KeyboardInterrupt(f"interrupted at epoch {epoch}")


def fit(model, x, y, callbacks, **kwargs):
    return model.fit(x, y, epochs=EPOCHS, batch_size=16, shuffle=True, verbose=0,
                     callbacks=callbacks, **kwargs)


def test_interrupted_fit_resumes_bit_identical(tmp_path, optimizer="adam"):
    reference, x, y = model_and_data(1, optimizer)
    history = fit(reference, x, y, [])

    backup_dir = tmp_path / "backup"
    model, _, _ = model_and_data(1, optimizer)
    with pytest.raises(KeyboardInterrupt):
        fit(model, x, y, [lc.BackupAndRestore(backup_dir), Interrupt(at=1)])
    assert os.listdir(backup_dir) == ["training_state.h5"]
    with h5py.File(backup_dir / "training_state.h5") as f:
        assert f.attrs["epoch"] == 2

    fresh, _, _ = model_and_data(99, optimizer)  # other initial weights and RNG state
    epochs_run = []
    resumed = fit(fresh, x, y, [lc.BackupAndRestore(backup_dir),
                                lc.LambdaCallback(on_epoch_begin=lambda e, l: epochs_run.append(e))])
    assert epochs_run == [2, 3]
    assert resumed.history["loss"] == history.history["loss"][2:]
    for ours, expected in zip(fresh.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(ours, expected)
    assert fresh.optimizer.iterations == reference.optimizer.iterations
    assert not backup_dir.exists()  # deleted after a successful fit


def restore_into(model, backup_dir, **kwargs):
    """Run BackupAndRestore's on_train_begin on `model` (what fit does first)."""
    callback = lc.BackupAndRestore(backup_dir, **kwargs)
    callback.set_model(model)
    model._initial_epoch = None
    callback.on_train_begin()
    return model._initial_epoch


def test_learning_rate_changed_by_a_callback_is_restored(tmp_path):
    model, x, y = model_and_data(2, "sgd")
    reduce = lc.ReduceLROnPlateau(monitor="loss", mode="max", patience=0, factor=0.5)
    with pytest.raises(KeyboardInterrupt):
        fit(model, x, y, [reduce, lc.BackupAndRestore(tmp_path), Interrupt(at=1)])
    fresh, _, _ = model_and_data(3, "sgd")
    assert restore_into(fresh, tmp_path) == 2
    assert fresh.optimizer.learning_rate == pytest.approx(0.005)  # SGD's 0.01, halved once
    assert fresh.optimizer.iterations == model.optimizer.iterations == 10
    for ours, expected in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(ours, expected)


def test_double_checkpoint_keeps_the_previous_backup_and_falls_back_to_it(tmp_path):
    model, _, _ = model_and_data(4)
    callback = lc.BackupAndRestore(tmp_path, double_checkpoint=True)
    callback.set_model(model)
    for epoch in range(2):
        callback.on_epoch_end(epoch)
    assert sorted(os.listdir(tmp_path)) == ["training_state.h5", "training_state.h5.bkp"]
    assert restore_into(model, tmp_path, double_checkpoint=True) == 2
    (tmp_path / "training_state.h5").write_bytes(b"garbage")  # a corrupted latest backup
    assert restore_into(model, tmp_path, double_checkpoint=True) == 1
    with pytest.raises(OSError):
        restore_into(model, tmp_path)


def test_backup_from_another_architecture_is_refused(tmp_path):
    model, _, _ = model_and_data(6)
    write_backup(str(tmp_path / "training_state.h5"), model, epoch=1, batch=0)
    other = lamina.Sequential([lamina.layers.Input((6,)), lamina.layers.Dense(3),
                               lamina.layers.Dense(1)])
    other.compile("adam", "mse")
    with pytest.raises(errors.ConfigError, match="different model.*another backup_dir"):
        restore_into(other, tmp_path)


def test_foreign_file_in_backup_dir_is_refused(tmp_path):
    with h5py.File(tmp_path / "training_state.h5", "w") as f:
        f.create_dataset("x", data=np.zeros(1))
    model, _, _ = model_and_data(7)
    with pytest.raises(errors.ConfigError, match="not a BackupAndRestore backup"):
        restore_into(model, tmp_path)


@pytest.mark.parametrize("kwargs,match", [
    (dict(backup_dir=""), "backup_dir"), (dict(backup_dir="b", save_freq="batch"), "save_freq"),
    (dict(backup_dir="b", save_freq=-1), "save_freq"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(errors.ConfigError, match=match):
        lc.BackupAndRestore(**kwargs)


def test_save_freq_in_batches_writes_mid_epoch(tmp_path):
    model, x, y = model_and_data(8)
    with pytest.raises(KeyboardInterrupt):
        fit(model, x, y, [lc.BackupAndRestore(tmp_path, save_freq=3), Interrupt(at=0)])
    with h5py.File(tmp_path / "training_state.h5") as f:
        assert (f.attrs["epoch"], f.attrs["batch"]) == (0, 2)  # 5 batches: saved after the 3rd
