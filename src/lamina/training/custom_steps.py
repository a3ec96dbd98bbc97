"""Training and evaluation through a model's own Keras 3 JAX steps.

A model overriding `train_step(self, state, data)` or `test_step(self, state, data)` runs
them here, one jitted call per batch: the engine's TrainState is turned into Keras's state
tuple `(trainable_variables, non_trainable_variables, optimizer_variables,
metrics_variables)` (lists of arrays), the step returns `(logs, state)`, and the new values
go back into the TrainState. Batches are not padded: as in Keras, a smaller last batch is
compiled once more (padding rows would enter the user's loss).
"""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator

import jax
import numpy as np

from lamina import random
from lamina.layers.layer_losses import collect_losses
from lamina.training import data as data_module
from lamina.training import interrupts
from lamina.training.logs import LazyLogs
from lamina.training.state import TrainState
from lamina.variables import capture_assignments


def overrides_steps(model) -> bool:
    """Whether `model` defines its own `train_step` or `test_step` (Keras 3 JAX signature)."""
    from lamina.models.model import Model

    return any(getattr(type(model), name) is not getattr(Model, name)
               for name in ("train_step", "test_step"))


def _flat_metrics(states: list) -> list:
    return [leaf for state in states for leaf in jax.tree_util.tree_leaves(state)]


def _unflat_metrics(template: list, values: list) -> list:
    """`values` (Keras's flat metrics_variables) back into one pytree per metric."""
    states, start = [], 0
    for state in template:
        treedef = jax.tree_util.tree_structure(state)
        states.append(jax.tree_util.tree_unflatten(
            treedef, list(values[start:start + treedef.num_leaves])))
        start += treedef.num_leaves
    return states


def make_train_call(model) -> Callable:
    """jit(`(state, batch) -> (state, logs)`) through `model.train_step`."""
    optimizer = model.optimizer
    if not optimizer.built:  # stateless_apply needs to know the state's layout
        optimizer.build(model.trainable_variables)

    def call(state: TrainState, batch):
        rng, key = random.split_key(state.rng)
        metric_values = _flat_metrics(state.metrics)
        keras_state = (list(state.trainable), list(state.non_trainable),
                       optimizer.keras_variables(state.opt), metric_values)
        with random.key_scope(key), collect_losses(), _metrics_bound(model, metric_values) as \
                updated:
            logs, new = model.train_step(keras_state, _pack(batch))
        trainable, non_trainable, optimizer_values, returned = new
        return state._replace(
            trainable=list(trainable), non_trainable=list(non_trainable),
            opt=optimizer.load_keras_variables(state.opt, list(optimizer_values)),
            metrics=_unflat_metrics(state.metrics, updated(returned)), rng=rng), logs

    return jax.jit(call, donate_argnums=0)


def make_test_call(model) -> Callable:
    """jit(`(state, batch) -> (state, logs)`) through `model.test_step`."""

    def call(state: TrainState, batch):
        metric_values = _flat_metrics(state.metrics)
        keras_state = (list(state.trainable), list(state.non_trainable), metric_values)
        with random.key_scope(state.rng), collect_losses(), _metrics_bound(model, metric_values) \
                as updated:
            logs, new = model.test_step(keras_state, _pack(batch))
        return state._replace(metrics=_unflat_metrics(state.metrics, updated(new[2]))), logs

    return jax.jit(call)


@contextlib.contextmanager
def _metrics_bound(model, values: list):
    """Run a step with the metric Variables reading `values` and every assignment recorded,
    not applied (so `compute_metrics` / `update_state` inside a traced step leak nothing).
    Yields `updated(returned)`: the step's returned metric values, except where it handed a
    value back untouched while a stateful update assigned a new one."""
    variables = model.metrics_variables
    with capture_assignments(list(zip(variables, values))) as frame:
        def updated(returned) -> list:
            returned = list(returned)
            return [frame[id(v)] if r is given else r
                    for v, r, given in zip(variables, returned, values)]

        yield updated


def _pack(batch: tuple):
    from lamina.utils.packing import pack_x_y_sample_weight

    return pack_x_y_sample_weight(*batch)


def run_epoch(engine, state: TrainState, data, batch_size: int, shuffle: bool, step_limit,
              callbacks, train: bool) -> tuple[TrainState, dict | None]:
    """One pass over `data` through the model's own step; `(state, last logs)`."""
    hook = "train" if train else "test"
    call = engine.custom_call(train)
    logs = None
    for step, batch in enumerate(host_batches(data, batch_size, shuffle, state.rng,
                                              step_limit)):
        getattr(callbacks, f"on_{hook}_batch_begin")(step)
        with interrupts.deferred():  # train calls donate `state`: keep their outputs
            state, logs = call(state, batch)
        engine.live_state = state
        getattr(callbacks, f"on_{hook}_batch_end")(step, LazyLogs(lambda l=logs: l))
        if train and engine.model.stop_training:
            break
    return state, logs


def host_batches(data, batch_size: int, shuffle: bool, key, step_limit) -> Iterator[tuple]:
    """`(x, y, sample_weight)` batches, unpadded: slices of arrays (in an order drawn from
    `key` when shuffling) or what a generator / PyDataset yields."""
    if not isinstance(data, data_module.ArrayData):
        for step, batch in enumerate(data.batches()):
            if step_limit is not None and step >= step_limit:
                return
            yield batch
        return
    order = np.arange(data.num_samples)
    if shuffle:
        seed = np.asarray(jax.random.key_data(key)).ravel()
        order = np.random.default_rng(seed.astype(np.uint64)).permutation(data.num_samples)
    steps = -(-data.num_samples // batch_size)
    for step in range(steps if step_limit is None else min(steps, step_limit)):
        rows = order[step * batch_size:(step + 1) * batch_size]
        yield jax.tree_util.tree_map(lambda a, r=rows: a[r],
                                     (data.x, data.y, data.sample_weight))
