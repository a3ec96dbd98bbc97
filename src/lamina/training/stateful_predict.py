"""predict for models with stateful layers (a stateful RNN): one batch after another, each
starting from the states the previous batch left, which are written back at the end.

This is Keras's documented meaning of `stateful=True` ("the last state for each sample at index
i in a batch will be used as initial state for the sample of index i in the following batch"),
and what Keras does on eager calls; Keras 3.15's JAX backend instead restarts every predict
batch from the stored states (its RNN states are untracked), so lamina follows the documented
rule. The fast paths (fused chunks, the latency memo) carry no state, hence this loop.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import errors, random
from lamina.training import data as data_module
from lamina.training.logs import LazyLogs
from lamina.training.steps import make_forward
from lamina.variables import current_values, tracking_version

__all__ = ["has_stateful_layers", "predict"]


def has_stateful_layers(model) -> bool:
    """Whether any layer of `model` is stateful (keeps states across batches)."""
    return any(getattr(layer, "stateful", False) is True for layer in model._flatten_layers())


def _batches(data, batch_size: int, steps: int | None):
    for x, _, _ in data_module.host_batches(data, batch_size, False, None, steps):
        yield x


def predict(model, data, batch_size: int, steps: int | None, cbs):
    """The outputs of `model` on `data`, batch by batch, carrying non-trainable values (the
    RNN states) from each batch to the next and into the model afterwards."""
    trainable, frozen = model.trainable_weights, model.non_trainable_variables
    step = _compiled_step(model)
    values, states = current_values(trainable), current_values(frozen)
    pieces = []
    for index, x in enumerate(_batches(data, batch_size, steps)):
        cbs.on_predict_batch_begin(index)
        out, states = step(values, states, x)
        pieces.append(out)
        cbs.on_predict_batch_end(index, LazyLogs(lambda o=out: {"outputs": o}))
    if not pieces:
        raise errors.DataError("predict got no batches: pass at least one sample.")
    for variable, value in zip(frozen, states):
        variable.assign(value)
    return jax.tree_util.tree_map(lambda *a: jnp.concatenate(a), *pieces)


def _compiled_step(model):
    """The jitted step, kept on the model until its layers or variables change."""
    cached = model.__dict__.get("_stateful_predict_step")
    if cached is not None and cached[0] == tracking_version():
        return cached[1]
    step = _make_step(model)
    model.__dict__["_stateful_predict_step"] = (tracking_version(), step)
    return step


def _make_step(model):
    forward = make_forward(model)
    key = random.host_key(0)

    @jax.jit
    def step(values, states, x):
        y, new_states, _ = forward(values, states, x, False, key)
        return y, new_states

    return step
