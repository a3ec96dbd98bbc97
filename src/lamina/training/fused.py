"""Run K steps in one compiled call: each step gathers its own batch from the data passed in.

Batches are rows of an index matrix (steps, batch_size), one per epoch (see training/feed.py
for what the data is: the whole set or one chunk's rows); the last partial batch is padded
with row 0 and masked out, so every call has the same shapes and nothing recompiles. K=1 is a
plain jitted step; K>1 scans K steps in one call.
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


def rows_of_step(data, index, i, batch_size: int):
    """Step i's batch of `data`: the rows `index[i]`, or with no index (data gathered for
    one chunk in step order, see training/feed.py) rows i * batch_size onwards."""
    if index is None:
        return jax.tree_util.tree_map(
            lambda a: lax.dynamic_slice_in_dim(a, i * batch_size, batch_size), data)
    return gather(data, lax.dynamic_index_in_dim(index, i, keepdims=False))


def _step_at(step: Callable, state, data, index, mask, i):
    row_mask = lax.dynamic_index_in_dim(mask, i, keepdims=False)
    x, y, sample_weight = rows_of_step(data, index, i, row_mask.shape[-1])
    return step(state, constrain_batch((x, y, sample_weight, row_mask.reshape(-1))))


def make_run_chunk(step: Callable, steps_per_call: int, results: Callable,
                   donate: bool = False) -> Callable:
    """`run(state, data, index, mask, start) -> (state, results(state))` running steps
    start..start+K-1 (index: see `rows_of_step`); the logs come out of the same compiled call
    (no second program). `donate`: the new state reuses the buffers of the state passed in."""
    donated = (0,) if donate else ()
    if steps_per_call == 1:
        return jax.jit(with_results(functools.partial(_step_at, step), results),
                       donate_argnums=donated)

    def run(state, data, index, mask, start):
        def body(carry, i):
            return _step_at(step, carry, data, index, mask, i), None

        state, _ = lax.scan(body, state, start + jnp.arange(steps_per_call))
        return state

    return jax.jit(with_results(run, results), donate_argnums=donated)


def with_results(step: Callable, results: Callable) -> Callable:
    """`step` returning `(new_state, results(new_state))`."""
    def run(*args):
        state = step(*args)
        return state, results(state)

    return run


def make_predict_chunk(predict_step: Callable, steps_per_call: int) -> Callable:
    """`run(state, x, index, start) -> outputs of shape (K, batch, ...)` (index: see
    `rows_of_step`)."""

    def one(state, x, index, i):
        # the batch size: the index's rows, or with no index the chunk's rows split K ways
        batch_size = (index.shape[-1] if index is not None
                      else len(jax.tree_util.tree_leaves(x)[0]) // steps_per_call)
        return predict_step(state, constrain_batch(rows_of_step(x, index, i, batch_size)))

    def run(state, x, index, start):
        return lax.map(lambda i: one(state, x, index, i), start + jnp.arange(steps_per_call))

    return jax.jit(run)


def epoch_order(key, num_samples: int, batch_size: int, shuffle: bool):
    """Index and mask matrices (steps, batch_size) of one epoch, as NumPy arrays. The shuffle
    is drawn on the host from `key`: a NumPy permutation compiles nothing, where a jitted one
    costs a noticeable part of the first epoch."""
    order = (random.host_generator(key).permutation(num_samples) if shuffle
             else np.arange(num_samples))
    steps = math.ceil(num_samples / batch_size)
    index = np.zeros(steps * batch_size, np.int32)
    index[:num_samples] = order
    mask = np.zeros(steps * batch_size, np.float32)
    mask[:num_samples] = 1.0
    return index.reshape(steps, batch_size), mask.reshape(steps, batch_size)


def chunk_schedule(steps: int, steps_per_call: int) -> list[int]:
    """Chunk sizes covering `steps`: as many full K-chunks as fit, then single steps."""
    full = steps // steps_per_call
    return [steps_per_call] * full + [1] * (steps - full * steps_per_call)
