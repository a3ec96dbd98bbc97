"""Keras 3's Trainer API for JAX training steps: `train_step(state, data)`, `test_step`,
`predict_step`, `compute_loss`, `stateless_compute_loss`, `metrics`, `metrics_variables`,
`compute_metrics`, `get_metrics_result`, `reset_metrics`.

A model that overrides `train_step` / `test_step` is trained through them (see
training/custom_steps.py): `state` is `(trainable_variables, non_trainable_variables,
optimizer_variables, metrics_variables)` as lists of values, and the step returns
`(logs, state)`. Models that do not override them train on lamina's fused engine.
"""

from __future__ import annotations

import jax.numpy as jnp

from lamina.metrics.base import Metric
from lamina.variables import Variable, bind


class TrainerAPIMixin:
    # -- metrics -----------------------------------------------------------------------------
    @property
    def metrics(self) -> list[Metric]:
        """The loss tracker and the compiled metrics (once compiled), then every Metric set
        as an attribute of the model or its layers."""
        found = []
        config = self._compile_config
        if config is not None:
            found.append(self._keras_metric("_loss_tracker", lambda: _loss_tracker()))
            if config.metrics:
                from lamina.training.compile_metrics import CompileMetrics

                found.append(self._keras_metric("_compile_metrics",
                                                lambda: CompileMetrics(config.metrics)))
        for layer in (self, *self._flatten_layers()):
            found.extend(m for m in layer.__dict__.get("_tracked_metrics", [])
                         if not any(m is f for f in found))
        return found

    def _keras_metric(self, attribute: str, make) -> Metric:
        """A metric made once per compile (the compile resets it)."""
        cache = self.__dict__.setdefault("_compile_metric_objects", {})
        key = (attribute, id(self._compile_config))
        if key not in cache:
            cache.clear() if attribute == "_loss_tracker" else None
            cache[key] = make()
        return cache[key]

    @property
    def metrics_variables(self) -> list[Variable]:
        return [v for metric in self.metrics for v in metric.variables]

    def reset_metrics(self) -> None:
        for metric in self.metrics:
            metric.reset_state()

    def compute_metrics(self, x, y, y_pred, sample_weight=None) -> dict:
        """Update the compiled metrics (and the loss tracker is left to the caller); returns
        `get_metrics_result()`."""
        for metric in self.metrics:
            if metric.name != "loss":
                metric.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        """`{name: value}` of every metric (a compiled-metrics dict is merged in)."""
        logs = {}
        for metric in self.metrics:
            result = metric.result()
            logs.update(result if isinstance(result, dict) else {metric.name: result})
        return logs

    # -- loss --------------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss (if any) plus the losses the last call added (`self.losses`)."""
        total = jnp.zeros(())
        config = self._compile_config
        if config is not None and config.loss is not None and y is not None:
            total = total + self._engine._loss()(y, y_pred, sample_weight=sample_weight)
        for loss in self.losses:
            total = total + jnp.sum(loss)
        return total

    def stateless_compute_loss(self, trainable_variables, non_trainable_variables,
                               metrics_variables, x=None, y=None, y_pred=None,
                               sample_weight=None, training=True):
        """`(loss, (trainable, non_trainable, metrics_variables))`: `compute_loss` with the
        variables read from the given values."""
        variables = self.trainable_variables + self.non_trainable_variables + \
            self.metrics_variables
        values = list(trainable_variables) + list(non_trainable_variables) + \
            list(metrics_variables)
        with bind(variables, values):
            loss = self.compute_loss(x, y, y_pred, sample_weight, training)
        return loss, (trainable_variables, non_trainable_variables, metrics_variables)

    # -- the steps, Keras 3 JAX signatures ---------------------------------------------------
    def compute_loss_and_updates(self, trainable_variables, non_trainable_variables,
                                 metrics_variables, x, y, sample_weight=None, training=False,
                                 optimizer_variables=None):
        """`(loss, (unscaled_loss, y_pred, non_trainable_variables, metrics_variables))`, as
        Keras's JAX trainer: when training, `loss` is scaled as the optimizer asks (a
        LossScaleOptimizer's scale, read from `optimizer_variables` when given)."""
        from lamina.optimizers.loss_scale_optimizer import scale_loss_stateless

        y_pred, non_trainable_variables, losses = self.stateless_call(
            trainable_variables, non_trainable_variables, x, return_losses=True,
            training=training)
        unscaled_loss = self._compiled_loss(y, y_pred, sample_weight) + sum(
            (jnp.sum(value) for value in losses), jnp.zeros(()))
        loss = unscaled_loss
        if training and getattr(self, "optimizer", None) is not None:
            loss = scale_loss_stateless(self.optimizer, loss, optimizer_variables)
        return loss, (unscaled_loss, y_pred, non_trainable_variables, metrics_variables)

    def _compiled_loss(self, y, y_pred, sample_weight):
        config = self._compile_config
        if config is None or config.loss is None or y is None:
            return jnp.zeros(())
        return self._engine._loss()(y, y_pred, sample_weight=sample_weight)

    def train_step(self, state, data):
        """One step of Keras's default training, as a pure function of `state`."""
        import jax

        trainable, non_trainable, optimizer_variables, metrics_variables = state
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        (_, (loss, y_pred, non_trainable, _)), grads = jax.value_and_grad(
            self.compute_loss_and_updates, has_aux=True)(
            trainable, non_trainable, metrics_variables, x, y, sample_weight, True,
            optimizer_variables)
        trainable, optimizer_variables = self.optimizer.stateless_apply(
            optimizer_variables, grads, trainable)
        logs, metrics_variables = self._stateless_metrics(metrics_variables, loss, x, y,
                                                          y_pred, sample_weight)
        return logs, (trainable, non_trainable, optimizer_variables, metrics_variables)

    def test_step(self, state, data):
        trainable, non_trainable, metrics_variables = state
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        loss, (_, y_pred, non_trainable, _) = self.compute_loss_and_updates(
            trainable, non_trainable, metrics_variables, x, y, sample_weight, False)
        logs, metrics_variables = self._stateless_metrics(metrics_variables, loss, x, y,
                                                          y_pred, sample_weight)
        return logs, (trainable, non_trainable, metrics_variables)

    def predict_step(self, state, data):
        trainable, non_trainable = state
        x, _, _ = unpack_x_y_sample_weight(data)
        outputs, non_trainable = self.stateless_call(trainable, non_trainable, x,
                                                     training=False)
        return outputs, non_trainable

    def _stateless_metrics(self, metrics_variables, loss, x, y, y_pred, sample_weight):
        """Update every metric from its slice of `metrics_variables`; `(logs, new values)`."""
        logs, new_values, start = {}, [], 0
        for metric in self.metrics:
            count = len(metric.variables)
            values = metrics_variables[start:start + count]
            start += count
            if metric.name == "loss":
                values = metric.stateless_update_state(values, loss)
            else:
                values = metric.stateless_update_state(values, y, y_pred, sample_weight)
            result = metric.stateless_result(values)
            logs.update(result if isinstance(result, dict) else {metric.name: result})
            new_values += values
        return logs, new_values


def _loss_tracker() -> Metric:
    from lamina.metrics.reduction_metrics import Mean

    return Mean(name="loss")


def unpack_x_y_sample_weight(data) -> tuple:
    from lamina.utils.packing import unpack_x_y_sample_weight as unpack

    return unpack(data)
