"""`BackupAndRestore`: back up the whole training state so an interrupted `fit` resumes exactly.

The backup is one HDF5 file, `<backup_dir>/training_state.h5`, written atomically (temporary
file, fsync, rename) so a crash leaves the previous backup or the new one, never half of one:

    attrs   format = "lamina.BackupAndRestore", version, epoch (the next epoch to run), batch,
            learning_rate (the optimizer's, when it is a float a callback may have changed)
    weights/<i>     the model's weights in `model.weights` order
    optimizer/<i>   the leaves of `model._optimizer_state` (jax.tree_util order)
    train_rng       the model's training RNG key (shuffle order and dropout)

No pickle: only arrays and scalar attributes are stored.
"""

from __future__ import annotations

import os
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from lamina import errors
from lamina.callbacks.base import Callback, Logs
from lamina.callbacks.monitor import BatchCounter, check_save_freq, disable_batch_hooks
from lamina.variables import current_values

__all__ = ["BackupAndRestore"]

FORMAT = "lamina.BackupAndRestore"
VERSION = 1
FILENAME = "training_state.h5"


def _write_arrays(group, arrays: list) -> None:
    for i, array in enumerate(arrays):
        group.create_dataset(str(i), data=np.asarray(array))


def _read_arrays(group) -> list[np.ndarray]:
    return [group[str(i)][()] for i in range(len(group))]


def _key_data(key) -> tuple[np.ndarray, str | None]:
    """A key's raw bits, and the PRNG implementation's name if it is a typed key array."""
    if jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key):
        return np.asarray(jax.random.key_data(key)), str(jax.random.key_impl(key))
    return np.asarray(key), None


def _settable_learning_rate(optimizer: Any) -> bool:
    """Whether the optimizer's learning rate is a plain float (not a schedule or callable)."""
    return isinstance(getattr(optimizer, "_learning_rate", None), float)


def write_backup(path: str, model: Any, epoch: int, batch: int) -> None:
    """Write the model's weights, optimizer state, training RNG and the epoch to `path`."""
    from lamina.saving.atomic import atomic_write  # lazy: lamina.saving imports models

    import h5py  # lazily, like lamina.saving: `import lamina` does not need it

    with atomic_write(path) as tmp, h5py.File(tmp, "w") as f:
        f.attrs.update({"format": FORMAT, "version": VERSION, "epoch": epoch, "batch": batch})
        if _settable_learning_rate(model.optimizer):
            f.attrs["learning_rate"] = model.optimizer.learning_rate
        _write_arrays(f.create_group("weights"), current_values(model.weights))
        if model._optimizer_state is not None:
            _write_arrays(f.create_group("optimizer"),
                          jax.tree_util.tree_leaves(model._optimizer_state))
        if model._train_rng is not None:
            data, impl = _key_data(model._train_rng)
            f.create_dataset("train_rng", data=data)
            if impl is not None:
                f["train_rng"].attrs["impl"] = impl


class BackupAndRestore(Callback):
    """Back up the training state at each epoch end; a new `fit` resumes from the backup.

    The backup holds the weights, the optimizer state (slots, iterations, learning rate), the
    training RNG key (shuffle order, dropout) and the epoch, so a `fit` that is interrupted
    and started again with a model of the same architecture (and the same `compile` and `fit`
    arguments) ends with the same weights as one that was never interrupted.

    Args:
        backup_dir: directory for the backup; no other callback or run should use it.
        save_freq: `"epoch"`, an integer N (also back up every N batches; on resume the
            interrupted epoch restarts from its first batch, as in Keras), or False (never).
        double_checkpoint: keep the previous backup too (`training_state.h5.bkp`) and fall
            back to it if the latest one cannot be read.
        delete_checkpoint: delete the backup when `fit` ends normally.

    Example:

    ```python
    backup = lamina.callbacks.BackupAndRestore(backup_dir="/tmp/backup")
    model.fit(x, y, epochs=10, callbacks=[backup])  # rerun the same line after a crash
    ```
    """

    def __init__(self, backup_dir: str | os.PathLike, save_freq: str | int = "epoch",
                 double_checkpoint: bool = False, delete_checkpoint: bool = True) -> None:
        super().__init__()
        if not backup_dir:
            raise errors.ConfigError(
                "BackupAndRestore needs a directory for its backup. Received: "
                f"backup_dir={backup_dir!r}. Pass e.g. backup_dir='/tmp/backup'.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = check_save_freq("BackupAndRestore", save_freq, allow_false=True)
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._path = os.path.join(self.backup_dir, FILENAME)
        self._prev_path = self._path + ".bkp"
        self._current_epoch = 0
        self._last_batch = 0
        self._batches = None
        if isinstance(self.save_freq, int) and self.save_freq is not False:
            self._batches = BatchCounter(self.save_freq)
        else:
            disable_batch_hooks(self)  # lets the engine keep fusing steps

    # ------------------------------------------------------------------ hooks
    def on_train_begin(self, logs: Logs = None) -> None:
        model = self.model
        if not model.built or not model.weights:
            raise errors.ConfigError(
                f"BackupAndRestore needs a built model, but model '{model.name}' is not built. "
                "Build it first (model.build(input_shape) or call it on a batch).")
        for path in (self._path, self._prev_path):
            if not os.path.exists(path):
                continue
            try:
                self._restore(path)
                return
            except OSError:
                if not (self.double_checkpoint and path == self._path
                        and os.path.exists(self._prev_path)):
                    raise

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        self._current_epoch = epoch

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._last_batch = batch
        if self._batches is not None and self._batches.step(batch):
            self._save(self._current_epoch, batch)

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        self._last_batch = 0
        if self.save_freq == "epoch":
            self._save(epoch + 1, 0)

    def on_train_end(self, logs: Logs = None) -> None:
        if not self.delete_checkpoint:
            return
        for path in (self._path, self._prev_path):
            if os.path.exists(path):
                os.remove(path)
        try:
            os.rmdir(self.backup_dir)  # only if nothing else is in it
        except OSError:
            pass

    # ------------------------------------------------------------------ files
    def _save(self, epoch: int, batch: int) -> None:
        if self.double_checkpoint and os.path.exists(self._path):
            os.replace(self._path, self._prev_path)
        write_backup(self._path, self.model, epoch, batch)

    def _restore(self, path: str) -> None:
        """Load a backup into the model and tell `fit` which epoch to start at."""
        import h5py

        model = self.model
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") != FORMAT:
                raise errors.ConfigError(
                    f"{path} is not a BackupAndRestore backup (no format={FORMAT!r} attribute). "
                    "Use a backup_dir that only BackupAndRestore writes to.")
            weights = _read_arrays(f["weights"])
            optimizer = _read_arrays(f["optimizer"]) if "optimizer" in f else None
            rng = f["train_rng"] if "train_rng" in f else None
            rng = None if rng is None else (rng[()], rng.attrs.get("impl"))
            epoch = int(f.attrs["epoch"])
            learning_rate = f.attrs.get("learning_rate")
        _check_weights(path, model, weights)
        model.set_weights(weights)
        if optimizer is not None and model.optimizer is not None:
            _restore_optimizer(path, model, optimizer)
        if learning_rate is not None and _settable_learning_rate(model.optimizer):
            model.optimizer.learning_rate = float(learning_rate)  # e.g. lowered by a callback
        if rng is not None:
            data, impl = rng
            model._train_rng = (jax.random.wrap_key_data(data, impl=impl) if impl
                                else jnp.asarray(data))
        model._initial_epoch = epoch


def _check_weights(path: str, model: Any, weights: list[np.ndarray]) -> None:
    expected = [tuple(v.shape) for v in model.weights]
    got = [tuple(w.shape) for w in weights]
    if expected != got:
        raise errors.ConfigError(
            f"The backup {path} was written by a different model: it holds {len(got)} weights "
            f"with shapes {got}, but model '{model.name}' has {len(expected)} with shapes "
            f"{expected}. Use the same architecture, or another backup_dir (or delete this one) "
            "to start afresh.")


def _restore_optimizer(path: str, model: Any, leaves: list[np.ndarray]) -> None:
    """Set `model._optimizer_state` from stored leaves, in the structure of a fresh state."""
    optimizer = model.optimizer
    template = jax.eval_shape(optimizer.init, current_values(model.trainable_weights))
    slots, treedef = jax.tree_util.tree_flatten(template)
    if [tuple(s.shape) for s in slots] != [tuple(leaf.shape) for leaf in leaves]:
        raise errors.ConfigError(
            f"The backup {path} holds an optimizer state that does not fit optimizer "
            f"'{optimizer.name}' ({type(optimizer).__name__}). Compile with the same optimizer "
            "as the interrupted run, or use another backup_dir.")
    state = jax.tree_util.tree_unflatten(
        treedef, [jnp.asarray(leaf, s.dtype) for leaf, s in zip(leaves, slots)])
    model._optimizer_state = state
    optimizer.sync_state(state)
