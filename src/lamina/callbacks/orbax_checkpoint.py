"""`OrbaxCheckpoint`: save the model state with Orbax during training, as Keras 3 does.

Each save is one Orbax step (the epoch, or the number of batches seen with `save_freq=N`)
under `directory`, written by `orbax.checkpoint.v1.training.Checkpointer`: in the background
by default, and atomically (Orbax writes a temporary directory and renames it when complete,
so a crash never leaves a half-written step that looks valid). `max_to_keep` prunes old steps.
The layout is Keras's (see `orbax_state`); `model.load_weights(directory)` and
`lamina.saving.load_model(directory)` read it back, as in Keras.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

from lamina.callbacks.base import Logs
from lamina.callbacks.monitor import BatchCounter, MonitorCallback, disable_batch_hooks
from lamina.callbacks.orbax_state import import_orbax, state_tree
from lamina.training.progbar import write

__all__ = ["OrbaxCheckpoint"]


class OrbaxCheckpoint(MonitorCallback):
    """Save the model's weights and optimizer state with Orbax, with ModelCheckpoint's API.

    Args:
        directory: where the checkpoints go (one numbered subdirectory per saved step).
        monitor: the logs key that decides what is "best" (with `save_best_only`).
        verbose: 1 prints a message at each save.
        save_best_only: save only when `monitor` improves on the best value so far.
        mode: `"auto"`, `"min"` or `"max"`.
        save_freq: `"epoch"` or an integer N (every N training batches).
        initial_value_threshold: the best value to beat at the start (with `save_best_only`).
        max_to_keep: how many recent checkpoints to keep; None keeps all.
        save_on_background: save asynchronously while training goes on.
        save_weights_only: save only the variables, not the model config and optimizer.

    Example:

    ```python
    checkpoint = lamina.callbacks.OrbaxCheckpoint("/tmp/ckpt", save_freq=100, max_to_keep=3)
    model.fit(x, y, epochs=10, callbacks=[checkpoint])
    model.load_weights("/tmp/ckpt")  # the latest step
    ```
    """

    def __init__(self, directory: str | os.PathLike, monitor: str = "val_loss",
                 verbose: int = 0, save_best_only: bool = False, mode: str = "auto",
                 save_freq: str | int = "epoch", initial_value_threshold: float | None = None,
                 max_to_keep: int | None = 1, save_on_background: bool = True,
                 save_weights_only: bool = False) -> None:
        self._ocp = import_orbax()
        super().__init__(monitor, mode, initial_value_threshold)
        if save_freq != "epoch" and (not isinstance(save_freq, int) or isinstance(save_freq, bool)
                                     or save_freq <= 0):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are "
                             "'epoch' or integer values")
        if max_to_keep is not None and (not isinstance(max_to_keep, int) or max_to_keep < 1):
            raise ValueError("OrbaxCheckpoint's max_to_keep must be a positive integer or None "
                             f"(keep all). Received: max_to_keep={max_to_keep!r}")
        self.directory = directory
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_freq = save_freq
        self.max_to_keep = max_to_keep
        self.save_on_background = save_on_background
        self.save_weights_only = save_weights_only
        self._batches = BatchCounter(save_freq) if save_freq != "epoch" else None
        self._total_batches_seen = 0
        self._checkpointer: Any = None
        if save_freq == "epoch":
            disable_batch_hooks(self)  # lets the engine keep fusing steps

    @property
    def checkpointer(self) -> Any:
        """The Orbax `Checkpointer`, opened on first use and closed at the end of `fit`."""
        if self._checkpointer is None:
            policies = self._ocp.training
            keep = (policies.preservation_policies.LatestN(self.max_to_keep)
                    if self.max_to_keep is not None else None)
            self._checkpointer = policies.Checkpointer(
                directory=os.path.abspath(os.fspath(self.directory)), preservation_policy=keep,
                save_decision_policy=policies.save_decision_policies.FixedIntervalPolicy(1))
        return self._checkpointer

    def set_model(self, model: Any) -> None:
        super().set_model(model)
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None:  # a reloaded model continues its step numbers
            self._total_batches_seen = int(optimizer.iterations)

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        if self._batches is None:
            return
        last = self._batches.last_batch
        self._total_batches_seen += batch + 1 if last is None or batch <= last else batch - last
        if self._batches.step(batch) and self._should_save(logs, f"batch {batch}"):
            self._save(self._total_batches_seen)

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        if self.save_freq == "epoch" and self._should_save(logs, f"epoch {epoch}"):
            self._save(epoch)

    def on_train_end(self, logs: Logs = None) -> None:
        """Wait for background saves, then close the checkpointer (reopened by a next fit)."""
        if self._checkpointer is not None:
            self._checkpointer.close()
            self._checkpointer = None

    def wait_until_finished(self) -> None:
        """Block until every background save has been written."""
        if self._checkpointer is not None:
            self._checkpointer.wait()

    def _should_save(self, logs: Logs, when: str) -> bool:
        if not self.save_best_only:
            return True
        current = dict(logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available, skipping "
                          f"save at {when}.", stacklevel=3)
            return False
        if not self._is_improvement(current, self.best):
            return False
        self.best = current
        return True

    def _save(self, step: int) -> None:
        """Save the state tree (and the model config) as Orbax step `step`."""
        model = self.model
        payload: dict[str, Any] = {"pytree": state_tree(model, self.save_weights_only)}
        if not self.save_weights_only:
            from lamina.saving.keras_zip import model_config

            payload["model_config"] = {"config": json.dumps(model_config(model))}
        with self._ocp.Context():
            if self.save_on_background:
                self.checkpointer.save_checkpointables_async(step, payload)
            else:
                self.checkpointer.save_checkpointables(step, payload)
        if self.verbose > 0:
            write(f"\nStep {step}: saving model to {self.directory}\n")
