"""Staging in-memory data for the compiled steps, and each epoch's batch order.

No distribution (or a data axis of one device): the whole data set is copied to the device once and every step gathers its
rows by a (steps, batch) index matrix; a shuffle is one permutation of all rows.

Under a distribution the data is split, never replicated: it is laid out "shard-major", (shards, rows per shard, ...), with one shard per device of the data axis and
global row r of step s going to shard (r % batch) // (batch / shards); each process puts on its
devices only the shards they hold. A step gathers (shards, batch / shards) rows, each shard from
its own rows, so no data crosses devices, and with several processes each process feeds only its
own shards. Without shuffling the global batches are exactly those of a single-device run; a
shuffle permutes the rows within each shard (each row still seen once per epoch).
"""

from __future__ import annotations

import functools
import math
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from lamina import errors
from lamina.distribution import distribution, placement
from lamina.training import fused
from lamina.training.data import ArrayData

BatchOrder = Callable[[jax.Array, bool], tuple[jax.Array, jax.Array]]


def stage(data: ArrayData, batch_size: int) -> tuple[tuple, BatchOrder]:
    """(device data, `order(key, shuffle) -> (index, mask)`) for `data` in batches of
    `batch_size` rows; the staged copy is kept on `data` and reused by later epochs."""
    dist = distribution()
    if dist is None or dist.device_mesh.axis_size(dist.batch_dim_name) == 1:
        device_data = placement.replicate(data.on_device())
        return device_data, functools.partial(_global_order, data.num_samples, batch_size)
    if not dist.auto_shard_dataset:
        raise errors.ConfigError(
            "auto_shard_dataset=False (each process passing only its own part of the data) is "
            "not supported for in-memory arrays. Pass the same full arrays in every process and "
            "keep auto_shard_dataset=True: each process then feeds only its shard to its "
            "devices.")
    key = ("sharded", batch_size, id(dist))
    if key not in data.staged:
        data.staged[key] = _stage_sharded(data, batch_size, dist)
    device_data, valid = data.staged[key]
    shards = valid.shape[0]
    steps = math.ceil(data.num_samples / batch_size)
    return device_data, functools.partial(_sharded_order, valid, steps, batch_size // shards)


def _global_order(num_samples: int, batch_size: int, key, shuffle: bool):
    return fused.epoch_batches(key, num_samples, batch_size, bool(shuffle))


def shard_major(array: np.ndarray, shards: int, batch_size: int) -> np.ndarray:
    """(n, ...) -> (shards, steps * batch_size / shards, ...), padded with zeros (see module)."""
    steps, per_shard = math.ceil(len(array) / batch_size), batch_size // shards
    padded = np.zeros((steps * batch_size, *array.shape[1:]), array.dtype)
    padded[:len(array)] = array
    grouped = padded.reshape(steps, shards, per_shard, *array.shape[1:]).swapaxes(0, 1)
    return grouped.reshape(shards, steps * per_shard, *array.shape[1:])


def _stage_sharded(data: ArrayData, batch_size: int, dist) -> tuple:
    shards = dist.device_mesh.axis_size(dist.batch_dim_name)

    def put(array):
        return placement.shard_leading_axis(shard_major(np.asarray(array), shards, batch_size))

    host = (data.x, data.y, data.sample_weight)
    device_data = jax.tree_util.tree_map(put, host)
    valid = put(np.ones(data.num_samples, np.bool_))
    return device_data, valid


@functools.partial(jax.jit, static_argnums=(2, 3, 4))
def _sharded_order_jit(key, valid, steps: int, per_shard: int, shuffle: bool):
    shards, rows = valid.shape
    if shuffle:  # a random order of each shard's valid rows, its padding rows last
        noise = jax.random.uniform(key, (shards, rows))
        order = jnp.argsort(jnp.where(valid, noise, 2.0), axis=1)
    else:
        order = jnp.broadcast_to(jnp.arange(rows), (shards, rows))
    mask = jnp.take_along_axis(valid, order, axis=1).astype(jnp.float32)

    def by_step(a):
        return placement.constrain_shard_axis(a.reshape(shards, steps, per_shard).swapaxes(0, 1),
                                              axis=1)

    return by_step(order.astype(jnp.int32)), by_step(mask)


def _sharded_order(valid, steps: int, per_shard: int, key, shuffle: bool):
    """Index and mask matrices (steps, shards, batch / shards) for one epoch."""
    return _sharded_order_jit(key, valid, steps, per_shard, bool(shuffle))
