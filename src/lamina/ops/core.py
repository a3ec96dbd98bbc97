"""Keras 3's core ops: conversion, casting, control flow, slicing, scatter, custom gradients."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

__all__ = ["associative_scan", "cast", "cond", "convert_to_numpy", "convert_to_tensor",
           "custom_gradient", "dtype", "fori_loop", "is_tensor", "map", "saturate_cast", "scan",
           "scatter", "scatter_update", "shape", "slice", "slice_update", "stop_gradient",
           "switch", "unstack", "vectorized_map", "while_loop"]


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    return jnp.asarray(x, dtype=dtype)


def convert_to_numpy(x) -> np.ndarray:
    return np.asarray(x)


def is_tensor(x) -> bool:
    return isinstance(x, jax.Array)


def cast(x, dtype):
    return jnp.asarray(x).astype(dtype)


def _limits(dtype) -> tuple:
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return 0, 1
    info = jnp.iinfo(dtype) if jnp.issubdtype(dtype, jnp.integer) else jnp.finfo(dtype)
    return info.min, info.max


def saturate_cast(x, dtype):
    """Cast after clipping to `dtype`'s range (so 300.0 -> uint8 gives 255, not 44)."""
    x = jnp.asarray(x)
    in_dtype = np.dtype(x.dtype)
    (in_min, in_max), (out_min, out_max) = _limits(in_dtype), _limits(dtype)
    # The target's limits may not be representable in the source dtype: nudge them inside.
    low = np.maximum(in_min, out_min).astype(in_dtype)
    if low < out_min:
        low = np.nextafter(low, 0, dtype=in_dtype)
    high = np.minimum(in_max, out_max).astype(in_dtype)
    if high > out_max:
        high = np.nextafter(high, 0, dtype=in_dtype)
    return jnp.clip(x, low, high).astype(dtype)


def dtype(x) -> str:
    """The dtype name of `x` (a symbolic tensor's too)."""
    return jnp.dtype(x.dtype).name if hasattr(x, "dtype") else jnp.asarray(x).dtype.name


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


def associative_scan(f, elems, reverse: bool = False, axis: int = 0):
    return lax.associative_scan(f, elems, reverse=reverse, axis=axis)


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


def unstack(x, num=None, axis: int = 0) -> list:
    """The slices of `x` along `axis`."""
    return [jnp.squeeze(part, axis) for part in jnp.split(x, x.shape[axis], axis=axis)]


def custom_gradient(fun):
    """Decorator: `fun` returns `(output, grad_fn)`; `grad_fn(upstream)` gives input gradients.

    As `jax.custom_gradient`, with lamina Variables passed as their current values.
    """
    with_gradient = jax.custom_gradient(fun)

    @functools.wraps(fun)
    def call(*args, **kwargs):
        from lamina.variables import Variable

        args, kwargs = jax.tree.map(lambda v: v.value if isinstance(v, Variable) else v,
                                    (args, kwargs),
                                    is_leaf=lambda v: isinstance(v, Variable))
        return with_gradient(*args, **kwargs)

    return call
