"""The train state: one pytree holding everything a compiled step reads and writes."""

from __future__ import annotations

import functools
import threading
from typing import Any, NamedTuple

import jax
import numpy as np

from lamina import random
from lamina.host_constants import init_on_host
from lamina.distribution import placement
from lamina.variables import current_values

# Held while a state's values are written into a model's Variables and while they are read
# for predicting, so a thread predicting during another thread's fit never mixes the layers
# of two epochs.
_values_lock = threading.Lock()


class TrainState(NamedTuple):
    """Values of the model's variables, optimizer and metric state, and the step RNG key."""

    trainable: list
    non_trainable: list
    opt: Any
    metrics: list
    loss_tracker: tuple
    rng: jax.Array


def empty_tracker() -> tuple:
    return (jax.device_put(np.float32(0)), jax.device_put(np.float32(0)))


def fresh_metric_states(metrics) -> list:
    """Every metric's initial state (made on the host: nothing to compile)."""
    return [init_on_host(m.init) for m in metrics]


def from_model(model, optimizer=None, metrics=()) -> TrainState:
    """Read the current values of `model` (and a fresh optimizer/metric state) into a state."""
    with _values_lock:
        trainable = current_values(model.trainable_weights)
        frozen = current_values(model.non_trainable_variables)
    opt = None
    if optimizer is not None:
        optimizer.set_variable_paths([v.path for v in model.trainable_weights])  # Muon's choice
        optimizer.set_overwrite_flags(model.trainable_weights)  # float8: Keras's slot list
        opt = model._optimizer_state
        if opt is None or not _same_structure(opt, optimizer, trainable):
            opt = optimizer.init(trainable)
        opt = optimizer.with_current_hyperparams(opt)
    state = TrainState(trainable=trainable, non_trainable=frozen, opt=opt,
                       metrics=fresh_metric_states(metrics), loss_tracker=empty_tracker(),
                       rng=_train_rng(model))
    return placement.place_state(state, model)  # per the current distribution, if any


def inference_state(model, variables: tuple[list, list] | None = None) -> TrainState:
    """The variable values only, for predicting: no optimizer or metric state, and a fixed key
    (inference draws no random numbers), so building it costs next to nothing. `variables`:
    the model's (trainable, non-trainable) Variable lists, when the caller has them."""
    trainable, frozen = variables or (model.trainable_weights,
                                     model.non_trainable_variables)
    with _values_lock:
        trainable, frozen = current_values(trainable), current_values(frozen)
    return placement.place_state(TrainState(
        trainable=trainable, non_trainable=frozen, opt=None, metrics=[], loss_tracker=(),
        rng=_inference_key()), model)


@functools.cache
def _inference_key() -> jax.Array:
    return random.host_key(0)


def _train_rng(model) -> jax.Array:
    """The model's training key (continued across fits, saved by BackupAndRestore), or a fresh
    one from the global stream that set_random_seed resets."""
    key = getattr(model, "_train_rng", None)
    return key if key is not None else random.global_key()


def to_model(model, state: TrainState, optimizer=None) -> None:
    """Write the state's variable values back into the model's Variables (no device copy)."""
    with _values_lock:
        for var, value in zip(model.trainable_weights, state.trainable):
            var._value = value
        for var, value in zip(model.non_trainable_variables, state.non_trainable):
            var._value = value
    model._train_rng = state.rng
    if optimizer is not None and state.opt is not None:
        model._optimizer_state = state.opt
        optimizer.sync_state(state.opt)


def with_own_weights(state: TrainState) -> TrainState:
    """`state` with copies of its variable values, for a training call to donate: the arrays
    the model's Variables hold stay valid, so other threads can predict, evaluate or save
    with them while an epoch runs (at the cost of one more copy of the weights)."""
    return state._replace(trainable=_copies(state.trainable),
                          non_trainable=_copies(state.non_trainable))


def _copies(values: list) -> list:
    """Fresh buffers for `values`: one transfer that compiles nothing where this process holds
    every shard, and an eager copy per array (a small program each) where it does not
    (multi-process arrays, which `device_put` cannot copy)."""
    if all(getattr(value, "is_fully_addressable", True) for value in values):
        return list(jax.device_put(values, may_alias=False))
    return [value.copy() for value in values]


def _same_structure(opt_state, optimizer, trainable) -> bool:
    expected = jax.eval_shape(optimizer.init, trainable)
    return jax.tree_util.tree_structure(expected) == jax.tree_util.tree_structure(opt_state) and all(
        a.shape == b.shape for a, b in zip(jax.tree_util.tree_leaves(expected),
                                           jax.tree_util.tree_leaves(opt_state)))
