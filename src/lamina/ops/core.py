"""Keras 3's core and math ops: conversion, casting, control flow, slicing, segments."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

__all__ = ["cast", "cond", "convert_to_numpy", "convert_to_tensor", "dtype", "erf", "erfc",
           "erfinv", "fori_loop", "in_top_k", "is_tensor", "logsumexp", "map", "rsqrt",
           "scan", "scatter", "scatter_update", "segment_max", "segment_sum", "shape", "slice",
           "slice_update", "stop_gradient", "switch", "top_k", "vectorized_map", "while_loop"]


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    return jnp.asarray(x, dtype=dtype)


def convert_to_numpy(x) -> np.ndarray:
    return np.asarray(x)


def is_tensor(x) -> bool:
    return isinstance(x, jax.Array)


def cast(x, dtype):
    return jnp.asarray(x).astype(dtype)


def dtype(x) -> str:
    return jnp.asarray(x).dtype.name


def shape(x) -> tuple:
    return tuple(jnp.shape(x))


def stop_gradient(x):
    return lax.stop_gradient(x)


def cond(pred, true_fn, false_fn):
    return lax.cond(pred, true_fn, false_fn)


def switch(index, branches, *operands):
    return lax.switch(index, branches, *operands)


def fori_loop(lower, upper, body_fun, init_val):
    return lax.fori_loop(lower, upper, body_fun, init_val)


def while_loop(cond, body, loop_vars, maximum_iterations=None):  # noqa: A002 - Keras's name
    """Keras's while_loop: `loop_vars` is a tuple/list, `body` returns the same structure."""
    is_tuple = isinstance(loop_vars, (tuple, list))
    state = tuple(loop_vars) if is_tuple else (loop_vars,)
    unpack = (lambda s: s) if is_tuple else (lambda s: s[0])

    def step(carry):
        i, s = carry
        out = body(*s) if is_tuple else body(s[0])
        return i + 1, tuple(out) if is_tuple else (out,)

    def keep_going(carry):
        i, s = carry
        ok = cond(*s) if is_tuple else cond(s[0])
        return ok if maximum_iterations is None else jnp.logical_and(ok, i < maximum_iterations)

    _, final = lax.while_loop(keep_going, step, (0, state))
    return unpack(final) if not is_tuple else type(loop_vars)(final)


def scan(f, init, xs=None, length=None, reverse: bool = False, unroll=1):
    return lax.scan(f, init, xs, length=length, reverse=reverse, unroll=unroll)


def map(f, xs):  # noqa: A001 - Keras's name
    return lax.map(f, xs)


def vectorized_map(function, elements):
    return jax.vmap(function)(elements)


def slice(inputs, start_indices, shape):  # noqa: A001 - Keras's name
    return lax.dynamic_slice(inputs, start_indices, shape)


def slice_update(inputs, start_indices, updates):
    return lax.dynamic_update_slice(inputs, updates, start_indices)


def scatter(indices, values, shape):
    """Zeros of `shape` with `values` added at `indices` (duplicates accumulate)."""
    indices = jnp.asarray(indices)
    zeros = jnp.zeros(shape, jnp.asarray(values).dtype)
    return zeros.at[tuple(jnp.moveaxis(indices, -1, 0))].add(values)


def scatter_update(inputs, indices, updates):
    indices = jnp.asarray(indices)
    return jnp.asarray(inputs).at[tuple(jnp.moveaxis(indices, -1, 0))].set(updates)


def segment_sum(data, segment_ids, num_segments=None, sorted: bool = False):  # noqa: A002
    return jax.ops.segment_sum(data, segment_ids, num_segments, indices_are_sorted=sorted)


def segment_max(data, segment_ids, num_segments=None, sorted: bool = False):  # noqa: A002
    return jax.ops.segment_max(data, segment_ids, num_segments, indices_are_sorted=sorted)


def top_k(x, k: int, sorted: bool = True):  # noqa: A002 - Keras's name
    return lax.top_k(x, k)


def in_top_k(targets, predictions, k: int):
    """Whether each target's prediction is among the k largest (ties count, as in Keras)."""
    target_values = jnp.take_along_axis(predictions, jnp.asarray(targets)[:, None], axis=-1)
    return jnp.sum(predictions > target_values, axis=-1) < k


def logsumexp(x, axis=None, keepdims: bool = False):
    return jax.scipy.special.logsumexp(x, axis=axis, keepdims=keepdims)


def erf(x):
    return jax.scipy.special.erf(x)


def erfc(x):
    return jax.scipy.special.erfc(x)


def erfinv(x):
    return jax.scipy.special.erfinv(x)


def rsqrt(x):
    return lax.rsqrt(jnp.asarray(x))
