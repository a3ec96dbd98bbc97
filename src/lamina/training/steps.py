"""Pure train / eval / predict steps. They close over the model's structure, never its values."""

from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp

from lamina import random
from lamina.layers.base import collect_losses, row_mask_scope
from lamina.training.state import TrainState
from lamina.variables import bind, bound_values

Batch = tuple  # (x, y, sample_weight, mask); mask marks real rows (1) vs padding (0)


def make_forward(model) -> Callable:
    """`forward(trainable, non_trainable, x, training, key, mask) -> (y_pred, new_non_trainable,
    extra_loss)`; `mask` marks the real rows of a padded batch (None: all real)."""
    trainable_vars = model.trainable_weights
    frozen_vars = model.non_trainable_variables
    everything = trainable_vars + frozen_vars
    regularized = [v for v in everything if v.regularizer is not None]

    def forward(trainable, non_trainable, x, training, key, mask=None):
        with bind(everything, list(trainable) + list(non_trainable)) as frame, \
                random.key_scope(key), collect_losses() as added, row_mask_scope(mask):
            y_pred = model(x, training=training)
            extra = sum((v.regularizer(v.value) for v in regularized), jnp.zeros(()))
            extra = extra + sum((jnp.sum(a) for a in added), jnp.zeros(()))
            new_frozen = bound_values(frame, frozen_vars)
        return y_pred, new_frozen, extra

    return forward


def make_train_step(model, loss_fn, optimizer, metrics, weighted) -> Callable[[TrainState, Batch], TrainState]:
    """One optimisation step: forward, loss, gradients, optimizer update, metric update."""
    from lamina.optimizers.loss_scale_optimizer import scale_loss_in_step
    from lamina.optimizers.overwrite import overwrite_flags, update_with_overwrites

    forward = make_forward(model)
    constraints = [v.constraint for v in model.trainable_weights]
    overwrites = overwrite_flags(model.trainable_weights)  # float8 scales: set to their grads

    def train_step(state: TrainState, batch: Batch) -> TrainState:
        x, y, sample_weight, mask = batch
        rng, key = random.split_key(state.rng)

        def loss_of(trainable):
            y_pred, new_frozen, extra = forward(trainable, state.non_trainable, x, True, key, mask)
            loss = loss_fn(y, y_pred, sample_weight=sample_weight, mask=mask) + extra
            return scale_loss_in_step(optimizer, state.opt, loss), (loss, y_pred, new_frozen)

        (_, (loss, y_pred, new_frozen)), grads = jax.value_and_grad(loss_of, has_aux=True)(
            state.trainable)
        params, opt = update_with_overwrites(optimizer.update, overwrites, grads, state.opt,
                                             state.trainable)
        params = [c(p) if c is not None else p for c, p in zip(constraints, params)]
        state = state._replace(trainable=params, non_trainable=new_frozen, opt=opt, rng=rng)
        return update_metrics(state, metrics, weighted, loss, y, y_pred, sample_weight, mask)

    return train_step


def make_eval_step(model, loss_fn, metrics, weighted) -> Callable[[TrainState, Batch], TrainState]:
    """Forward in inference mode, then loss and metric update."""
    forward = make_forward(model)

    def eval_step(state: TrainState, batch: Batch) -> TrainState:
        x, y, sample_weight, mask = batch
        y_pred, _, extra = forward(state.trainable, state.non_trainable, x, False, state.rng,
                                   mask)
        loss = loss_fn(y, y_pred, sample_weight=sample_weight, mask=mask) + extra
        return update_metrics(state, metrics, weighted, loss, y, y_pred, sample_weight, mask)

    return eval_step


def make_predict_step(model) -> Callable:
    forward = make_forward(model)

    def predict_step(state: TrainState, x):
        return forward(state.trainable, state.non_trainable, x, False, state.rng)[0]

    return predict_step


def update_metrics(state: TrainState, metrics, weighted, loss, y, y_pred, sample_weight,
                   mask) -> TrainState:
    """Accumulate the loss (weighted by real rows, as Keras weights it by batch size) and the
    metrics; padding rows weigh 0, and only weighted_metrics see the sample weights."""
    rows = jnp.sum(mask)
    total, count = state.loss_tracker
    with_weights = mask if sample_weight is None else jax.tree_util.tree_map(
        lambda w: w * mask, sample_weight)
    new_states = [m.update_batch(s, y, y_pred, sample_weight, mask) if hasattr(m, "update_batch")
                  else m.update(s, y, y_pred, _for_metric(m, with_weights if w else mask, y))
                  for m, w, s in zip(metrics, weighted, state.metrics)]
    return state._replace(loss_tracker=(total + loss * rows, count + rows), metrics=new_states)


def _for_metric(metric, weights, y):
    """Row weights as a user-written metric multiplies them: shaped (batch, 1, ...) like the
    labels (the built-in metrics take the (batch,) rows as they are)."""
    if getattr(metric, "_is_pure", True) or not hasattr(weights, "ndim") or weights.ndim != 1:
        return weights
    return weights.reshape((-1,) + (1,) * (jnp.ndim(y) - 1))


def make_results(metrics) -> Callable[[TrainState], dict]:
    """`results(state) -> {name: value}` sorted by name, as Keras's logs are."""

    def results(state: TrainState) -> dict:
        total, count = state.loss_tracker
        logs = {"loss": total / jnp.maximum(count, 1.0)}
        for metric, metric_state in zip(metrics, state.metrics):
            logs[metric.name] = metric.result_from(metric_state)
        return dict(sorted(logs.items()))

    return results
