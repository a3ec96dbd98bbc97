"""`SwapEMAWeights`: evaluate (and optionally checkpoint) with the optimizer's EMA weights."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.callbacks.base import Callback, Logs
from lamina.variables import current_values

__all__ = ["SwapEMAWeights"]


class SwapEMAWeights(Callback):
    """Swap the model's weights with the optimizer's moving averages around evaluation.

    Use with an optimizer created with `use_ema=True`. Before evaluation (and prediction)
    the model's trainable weights and the optimizer's exponential moving averages trade
    places; after it they trade back, so training continues from its own weights.

    Example:

    ```python
    model.compile(optimizer=keras.optimizers.SGD(use_ema=True), loss="mse")
    # validation metrics are computed with the EMA weights
    model.fit(x, y, validation_data=(x_val, y_val), callbacks=[SwapEMAWeights()])
    # swap_on_epoch=True: EMA weights are in the model at `on_epoch_end` too, e.g. for a
    # ModelCheckpoint placed after this callback
    model.fit(x, y, callbacks=[SwapEMAWeights(swap_on_epoch=True), ModelCheckpoint(...)])
    ```

    Unlike Keras 3.15 (whose `on_predict_end` leaves the EMA weights in the model), the
    training weights are restored after `predict` too.

    Args:
        swap_on_epoch: whether to also swap at `on_epoch_end` (and back at the next
            `on_epoch_begin`). Defaults to `False`.
    """

    def __init__(self, swap_on_epoch: bool = False) -> None:
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _ema_state(self, model):
        optimizer = model.optimizer
        state = getattr(model, "_optimizer_state", None)
        if not getattr(optimizer, "use_ema", False) or state is None or "ema" not in state:
            raise ValueError("SwapEMAWeights must be used when `use_ema=True` is set on the "
                             "optimizer (and the model has been trained with it). Received: "
                             f"use_ema={getattr(optimizer, 'use_ema', None)}")
        return optimizer, state

    @staticmethod
    def _set_averages(model, optimizer, state: dict, averages: list) -> None:
        state = {**state, "ema": averages}
        model._optimizer_state = state
        optimizer.sync_state(state)

    def _swap_variables(self) -> None:
        model = self.model  # read once: each read brings the model up to date with fit's state
        optimizer, state = self._ema_state(model)
        variables = model.trainable_weights
        weights = current_values(variables)
        for variable, average in zip(variables, state["ema"]):
            variable.assign(average)
        self._set_averages(model, optimizer, state, weights)

    def _finalize_ema_values(self) -> None:
        """Averages := the (EMA) weights now in the model, for `finalize_variable_values`."""
        model = self.model
        optimizer, state = self._ema_state(model)
        weights = current_values(model.trainable_weights)
        # own buffers: the train state must not hold one buffer twice (it is donated)
        self._set_averages(model, optimizer, state, [jnp.array(w, copy=True) for w in weights])

    def _swap_in(self) -> None:
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def _swap_out(self) -> None:
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        if self.swap_on_epoch:
            self._swap_out()

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_in()
            # fit ends by copying the averages into the model: make them the EMA weights
            if epoch == self.params["epochs"] - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs: Logs = None) -> None:
        self._swap_in()

    def on_test_end(self, logs: Logs = None) -> None:
        self._swap_out()

    def on_predict_begin(self, logs: Logs = None) -> None:
        self._swap_in()

    def on_predict_end(self, logs: Logs = None) -> None:
        self._swap_out()
