"""Run K steps in one compiled call: each step gathers its own batch from device-resident data.

Batches are rows of an index matrix (steps, batch_size) built on the device once per epoch;
the last partial batch is padded with row 0 and masked out, so every call has the same shapes
and nothing recompiles. K=1 is a plain jitted step; K>1 scans K steps in one call.
"""

from __future__ import annotations

import functools
import math
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from lamina import random
from lamina.distribution.placement import constrain_batch


def gather(data, idx):
    """Rows `idx` of every array of `data`. A 2-D `idx` (shards, rows) reads shard-major data
    (see training/feed.py) shard by shard and returns the rows of all shards in order."""
    if idx.ndim == 2:
        take = jax.vmap(lambda shard, rows: jnp.take(shard, rows, axis=0))
        return jax.tree_util.tree_map(
            lambda a: take(a, idx).reshape(-1, *a.shape[2:]), data)
    return jax.tree_util.tree_map(lambda a: jnp.take(a, idx, axis=0), data)


def _step_at(step: Callable, state, data, index, mask, i):
    rows = lax.dynamic_index_in_dim(index, i, keepdims=False)
    row_mask = lax.dynamic_index_in_dim(mask, i, keepdims=False).reshape(-1)
    x, y, sample_weight = gather(data, rows)
    return step(state, constrain_batch((x, y, sample_weight, row_mask)))


def make_run_chunk(step: Callable, steps_per_call: int, results: Callable) -> Callable:
    """`run(state, data, index, mask, start) -> (state, results(state))` running steps
    start..start+K-1; the logs come out of the same compiled call (no second program)."""
    if steps_per_call == 1:
        return jax.jit(with_results(functools.partial(_step_at, step), results))

    def run(state, data, index, mask, start):
        def body(carry, i):
            return _step_at(step, carry, data, index, mask, i), None

        state, _ = lax.scan(body, state, start + jnp.arange(steps_per_call))
        return state

    return jax.jit(with_results(run, results))


def with_results(step: Callable, results: Callable) -> Callable:
    """`step` returning `(new_state, results(new_state))`."""
    def run(*args):
        state = step(*args)
        return state, results(state)

    return run


def make_predict_chunk(predict_step: Callable, steps_per_call: int) -> Callable:
    """`run(state, x, index, start) -> outputs of shape (K, batch, ...)`."""

    def one(state, x, index, i):
        rows = lax.dynamic_index_in_dim(index, i, keepdims=False)
        return predict_step(state, constrain_batch(gather(x, rows)))

    def run(state, x, index, start):
        return lax.map(lambda i: one(state, x, index, i), start + jnp.arange(steps_per_call))

    return jax.jit(run)


def epoch_batches(key, num_samples: int, batch_size: int, shuffle: bool):
    """Index and mask matrices (steps, batch_size) for one epoch, on the device. The shuffle is
    drawn on the host from `key` (a NumPy permutation compiles nothing, where a jitted one
    costs a noticeable part of the first epoch) and copied over: a few hundred KB."""
    order = (random.host_generator(key).permutation(num_samples) if shuffle
             else np.arange(num_samples))
    steps = math.ceil(num_samples / batch_size)
    index = np.zeros(steps * batch_size, np.int32)
    index[:num_samples] = order
    mask = np.zeros(steps * batch_size, np.float32)
    mask[:num_samples] = 1.0
    return (jax.device_put(index.reshape(steps, batch_size)),
            jax.device_put(mask.reshape(steps, batch_size)))


def chunk_schedule(steps: int, steps_per_call: int) -> list[int]:
    """Chunk sizes covering `steps`: as many full K-chunks as fit, then single steps."""
    full = steps // steps_per_call
    return [steps_per_call] * full + [1] * (steps - full * steps_per_call)
