"""`Callback`, the base class of all callbacks, and `CallbackList`, which dispatches to many."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from lamina import errors
from lamina.training.logs import LazyLogs, materialize

__all__ = ["Callback", "CallbackList"]

_F = TypeVar("_F", bound=Callable[..., Any])

Logs = Mapping[str, Any] | None

BATCH_END_HOOKS = ("on_train_batch_end", "on_test_batch_end", "on_predict_batch_end",
                   "on_batch_end")
BATCH_BEGIN_HOOKS = ("on_train_batch_begin", "on_test_batch_begin", "on_predict_batch_begin",
                     "on_batch_begin")


def default(method: _F) -> _F:
    """Mark a hook as the do-nothing default, so overrides can be detected."""
    method._is_default = True  # type: ignore[attr-defined]
    return method


def lazy_logs_reader(method: _F) -> _F:
    """Mark a batch hook that reads its logs rarely (only on some calls), like the progbar's."""
    method._reads_logs_lazily = True  # type: ignore[attr-defined]
    return method


def is_default(method: Callable[..., Any]) -> bool:
    """Whether `method` is a hook's do-nothing default (not overridden)."""
    return getattr(method, "_is_default", False)


class Callback:
    """Base class of callbacks: hooks called by `fit`, `evaluate` and `predict`.

    Subclasses override the hooks they need. `self.model` is the model being trained and
    `self.params` the dict of run parameters (`verbose`, `epochs`, `steps`).
    Batch hooks receive a `LazyLogs` mapping: reading it copies the metric values from
    the device, so only read it when the values are needed.
    """

    def __init__(self) -> None:
        self.params: dict[str, Any] | None = None
        self._model: Any = None

    def set_params(self, params: dict[str, Any]) -> None:
        """Store the run parameters."""
        self.params = params

    def set_model(self, model: Any) -> None:
        """Store the model the callback is attached to."""
        self._model = model

    @property
    def model(self) -> Any:
        """The model, with its variables brought up to date if the engine defers that."""
        sync = getattr(self._model, "jax_state_sync", None)
        if callable(sync):
            sync()
        return self._model

    @default
    def on_batch_begin(self, batch: int, logs: Logs = None) -> None:
        """Backwards-compatibility alias of `on_train_batch_begin`."""

    @default
    def on_batch_end(self, batch: int, logs: Logs = None) -> None:
        """Backwards-compatibility alias of `on_train_batch_end`."""

    @default
    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        """Called at the start of each training epoch."""

    @default
    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        """Called at the end of each epoch with its metrics (validation ones prefixed `val_`)."""

    @default
    def on_train_batch_begin(self, batch: int, logs: Logs = None) -> None:
        """Called before a training batch (or chunk of batches); defaults to `on_batch_begin`."""
        self.on_batch_begin(batch, logs=logs)

    @default
    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        """Called after a training batch with the running metrics; defaults to `on_batch_end`."""
        self.on_batch_end(batch, logs=logs)

    @default
    def on_test_batch_begin(self, batch: int, logs: Logs = None) -> None:
        """Called before an `evaluate` (or validation) batch."""

    @default
    def on_test_batch_end(self, batch: int, logs: Logs = None) -> None:
        """Called after an `evaluate` (or validation) batch with the running metrics."""

    @default
    def on_predict_batch_begin(self, batch: int, logs: Logs = None) -> None:
        """Called before a `predict` batch."""

    @default
    def on_predict_batch_end(self, batch: int, logs: Logs = None) -> None:
        """Called after a `predict` batch; `logs["outputs"]` holds its outputs."""

    @default
    def on_train_begin(self, logs: Logs = None) -> None:
        """Called at the start of `fit`."""

    @default
    def on_train_end(self, logs: Logs = None) -> None:
        """Called at the end of `fit` with the last epoch's logs."""

    @default
    def on_test_begin(self, logs: Logs = None) -> None:
        """Called at the start of `evaluate` or of a validation run."""

    @default
    def on_test_end(self, logs: Logs = None) -> None:
        """Called at the end of `evaluate` or of a validation run with its metrics."""

    @default
    def on_predict_begin(self, logs: Logs = None) -> None:
        """Called at the start of `predict`."""

    @default
    def on_predict_end(self, logs: Logs = None) -> None:
        """Called at the end of `predict`."""


def _flatten(callbacks: Any) -> list[Callback]:
    """Flatten nested lists/tuples of callbacks into one list."""
    if not callbacks:
        return []
    if isinstance(callbacks, (list, tuple)):
        return [cb for item in callbacks for cb in _flatten(item)]
    if not (hasattr(callbacks, "set_model") and hasattr(callbacks, "on_epoch_end")):
        raise errors.ArgumentTypeError(
            f"`callbacks` must be a list of keras.callbacks.Callback instances. Received: "
            f"callbacks holding {callbacks!r}. Subclass Callback (or use LambdaCallback).")
    return [callbacks]


def _batch_logs(logs: Logs) -> Mapping[str, Any]:
    """Logs for a batch hook: lazy, so nothing is read from the device unless asked."""
    if logs is None:
        return {}
    if isinstance(logs, LazyLogs):
        return logs
    return LazyLogs(lambda: logs)


def _reads_batch_logs(callback: Callback, hooks=BATCH_END_HOOKS) -> bool:
    """Whether `callback` overrides one of `hooks` in a way that acts on every step."""
    for name in hooks:
        hook = getattr(callback, name, None)
        if hook is None or is_default(hook) or getattr(hook, "_reads_logs_lazily", False):
            continue
        return True
    return False


class CallbackList(Callback):
    """Dispatches every hook to a list of callbacks, in order.

    Args:
        callbacks: callbacks (nested lists are flattened).
        add_history: add a `History` if there is none.
        add_progbar: add a `ProgbarLogger` if there is none.
        model: the model, set on every callback (and `model.history` is the `History`).
        **params: run parameters set on every callback (`verbose`, `epochs`, `steps`).
    """

    def __init__(self, callbacks: Any = None, add_history: bool = False,
                 add_progbar: bool = False, model: Any = None, **params: Any) -> None:
        super().__init__()
        self.callbacks: list[Callback] = _flatten(callbacks)
        self._add_default_callbacks(add_history, add_progbar)
        self.set_model(model)
        self.set_params(params)

    def _add_default_callbacks(self, add_history: bool, add_progbar: bool) -> None:
        from lamina.callbacks.history import History
        from lamina.callbacks.progbar_logger import ProgbarLogger

        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self._progbar = next((cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)),
                             None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    @property
    def needs_batch_logs(self) -> bool:
        """True iff a callback (other than History/ProgbarLogger) overrides a batch-end hook.

        When False, batch-end hooks only read their logs occasionally (progbar redraws).
        """
        return any(_reads_batch_logs(cb) for cb in self.callbacks)

    @property
    def needs_every_batch(self) -> bool:
        """True iff a callback acts on individual batches (begin or end): then the engine
        calls hooks after every step instead of once per fused chunk of steps."""
        hooks = BATCH_END_HOOKS + BATCH_BEGIN_HOOKS
        return any(_reads_batch_logs(cb, hooks) for cb in self.callbacks)

    def append(self, callback: Callback) -> None:
        """Add a callback at the end, giving it the list's model and params."""
        self.callbacks.append(callback)
        if self._model is not None:
            callback.set_model(self._model)
        if self.params:
            callback.set_params(self.params)

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model: Any) -> None:
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    # Dispatch helpers: Keras's calling conventions (LambdaCallback functions rely on them):
    # run-level hooks get `logs` positionally, epoch hooks `(epoch, logs)`, batch hooks
    # `(batch, logs=logs)`.

    def _run_hook(self, name: str, logs: Logs) -> None:
        logs = materialize(logs)
        for callback in self.callbacks:
            getattr(callback, name)(logs)

    def _epoch_hook(self, name: str, epoch: int, logs: Logs) -> None:
        logs = materialize(logs)
        for callback in self.callbacks:
            getattr(callback, name)(epoch, logs)

    def _batch_hook(self, name: str, batch: int, logs: Logs) -> None:
        logs = _batch_logs(logs)
        for callback in self.callbacks:
            getattr(callback, name)(batch, logs=logs)

    def on_train_begin(self, logs: Logs = None) -> None:
        self._run_hook("on_train_begin", logs)

    def on_train_end(self, logs: Logs = None) -> None:
        self._run_hook("on_train_end", logs)

    def on_test_begin(self, logs: Logs = None) -> None:
        self._run_hook("on_test_begin", logs)

    def on_test_end(self, logs: Logs = None) -> None:
        self._run_hook("on_test_end", logs)

    def on_predict_begin(self, logs: Logs = None) -> None:
        self._run_hook("on_predict_begin", logs)

    def on_predict_end(self, logs: Logs = None) -> None:
        self._run_hook("on_predict_end", logs)

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        self._epoch_hook("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        self._epoch_hook("on_epoch_end", epoch, logs)

    def on_batch_begin(self, batch: int, logs: Logs = None) -> None:
        self._batch_hook("on_batch_begin", batch, logs)

    def on_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._batch_hook("on_batch_end", batch, logs)

    def on_train_batch_begin(self, batch: int, logs: Logs = None) -> None:
        self._batch_hook("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._batch_hook("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch: int, logs: Logs = None) -> None:
        self._batch_hook("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._batch_hook("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch: int, logs: Logs = None) -> None:
        self._batch_hook("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._batch_hook("on_predict_batch_end", batch, logs)
