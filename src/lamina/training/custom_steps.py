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
from typing import Callable

import jax
import numpy as np

from lamina import random
from lamina.layers.layer_losses import collect_losses
from lamina.training import data as data_module
from lamina.training import interrupts
from lamina.training.logs import LazyLogs
from lamina.training.state import TrainState
from lamina.variables import capture_assignments, current_values


def overrides_predict_step(model) -> bool:
    """Whether `model` defines its own `predict_step(self, state, data)`."""
    from lamina.models.model import Model

    return type(model).predict_step is not Model.predict_step


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


class TrainCall:
    """`(state, batch) -> (state, logs)` through `model.train_step`, jitted.

    While the step traces, every Variable the model reaches reads the state's values (its
    weights, its optimizer's and metrics' variables, and those of any other optimizer it holds,
    e.g. a GAN's `d_optimizer`), and stateful updates (`assign`, `optimizer.apply`,
    `metric.update_state`) are recorded into the state. A value the step returns untouched
    takes the recorded update. Other optimizers are built by a first, abstract trace; their
    variables then travel in and out of each call.
    """

    def __init__(self, model):
        self.model = model
        self.optimizer = model.optimizer
        if not self.optimizer.built:  # stateless_apply needs to know the state's layout
            self.optimizer.build(model.trainable_variables)
        self.extras: list | None = None
        self.jitted = jax.jit(self._call, donate_argnums=0)

    def __call__(self, state: TrainState, batch):
        if self.extras is None:
            if _other_optimizers(self.model):  # let them build (abstractly) before compiling
                self.extras = []
                jax.eval_shape(self._call, state, batch, [])
            self.extras = [v for o in _other_optimizers(self.model) for v in o.variables]
        state, logs, new = self.jitted(state, batch, current_values(self.extras))
        for variable, value in zip(self.extras, new):
            variable._value = value
        return state, logs

    def _call(self, state: TrainState, batch, extra_values):
        model, optimizer = self.model, self.optimizer
        rng, key = random.split_key(state.rng)
        given = (list(state.trainable), list(state.non_trainable),
                 optimizer.keras_variables(state.opt), _flat_metrics(state.metrics))
        variables = (model.trainable_variables, model.non_trainable_variables,
                     optimizer.variables, model.metrics_variables)
        extras = self.extras or []
        with random.key_scope(key), collect_losses(), _recorded(
                [*variables, extras], [*given, list(extra_values)]) as updated:
            logs, new = model.train_step(given, _pack(batch))
            final = updated(list(new) + [list(extra_values)])
        trainable, non_trainable, optimizer_values, metric_values, extra = final
        return state._replace(
            trainable=trainable, non_trainable=non_trainable,
            opt=optimizer.load_keras_variables(state.opt, optimizer_values),
            metrics=_unflat_metrics(state.metrics, metric_values), rng=rng), logs, extra


def make_train_call(model) -> Callable:
    return TrainCall(model)


def make_test_call(model) -> Callable:
    """jit(`(state, batch) -> (state, logs)`) through `model.test_step` (Variables bound and
    updates recorded as in `TrainCall`)."""

    def call(state: TrainState, batch):
        given = (list(state.trainable), list(state.non_trainable),
                 _flat_metrics(state.metrics))
        variables = (model.trainable_variables, model.non_trainable_variables,
                     model.metrics_variables)
        with random.key_scope(state.rng), collect_losses(), _recorded(variables, given) as \
                updated:
            logs, new = model.test_step(given, _pack(batch))
            metric_values = updated(list(new))[2]
        return state._replace(metrics=_unflat_metrics(state.metrics, metric_values)), logs

    return jax.jit(call)


def make_predict_call(model) -> Callable:
    """jit(`(trainable, non_trainable, x) -> (outputs, non_trainable)`) through
    `model.predict_step`."""

    def call(trainable, non_trainable, x):
        with random.key_scope(random.host_key(0)):
            return model.predict_step((list(trainable), list(non_trainable)), x)

    return jax.jit(call)


def predict(engine, state: TrainState, data, batch_size: int, step_limit, callbacks):
    """Outputs of `model.predict_step` over unpadded batches, concatenated."""
    call = engine.custom_predict_call()
    pieces, non_trainable = [], list(state.non_trainable)
    for step, (x, _, _) in enumerate(data_module.host_batches(data, batch_size, False, None, step_limit)):
        callbacks.on_predict_batch_begin(step)
        outputs, non_trainable = call(list(state.trainable), non_trainable, x)
        pieces.append(outputs)
        callbacks.on_predict_batch_end(step, LazyLogs(lambda o=outputs: {"outputs": o}))
    return jax.tree_util.tree_map(lambda *parts: np.concatenate(parts), *pieces)


def _other_optimizers(model) -> list:
    """Optimizers the model holds as attributes besides `model.optimizer` (a GAN's two)."""
    return [o for o in model.__dict__.get("_tracked_optimizers", [])
            if o is not model.optimizer]


@contextlib.contextmanager
def _recorded(groups, values):
    """Bind each group of Variables to its values, recording every assignment. Yields
    `updated(returned)`: per group, the step's returned values, except where it handed a
    value back untouched while a stateful update assigned a new one."""
    flat_vars = [v for group in groups for v in group]
    flat_values = [x for group in values for x in group]
    with capture_assignments(list(zip(flat_vars, flat_values))) as frame:
        def updated(returned) -> list:
            return [[frame[id(v)] if r is x else r for v, r, x in zip(group, list(back), given)]
                    for group, back, given in zip(groups, returned, values)]

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
    for step, batch in enumerate(data_module.host_batches(data, batch_size, shuffle, state.rng,
                                              step_limit)):
        getattr(callbacks, f"on_{hook}_batch_begin")(step)
        with interrupts.deferred():  # train calls donate `state`: keep their outputs
            state, logs = call(state, batch)
            if train:  # the state fit's clean-up keeps after a Ctrl-C
                engine.live_state = state
        getattr(callbacks, f"on_{hook}_batch_end")(step, LazyLogs(lambda l=logs: l))
        if train and engine.model.stop_training:
            break
    return state, logs

