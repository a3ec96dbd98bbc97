"""Feeding in-memory data to the compiled steps, one epoch at a time.

Every chunk call takes `(data, index, mask, start)`: step i of the chunk trains on the rows
`index[start + i]` of `data` (with no index, on its i-th run of batch-size rows), with
`mask[start + i]` zero on the padding rows of a last partial batch. What `data` is depends on
where the steps run:

- A CPU backend and no distribution (or lamina's own split of the batch over the CPU's cores,
  see distribution/cpu_cores.py): the data stays in the user's host arrays and each chunk's
  rows are gathered with NumPy and passed in (`_Streamed`). On a CPU the "device" is the same
  RAM, so a device copy of the whole set would only double the memory (and XLA:CPU can alias
  host memory only when it is 64-byte aligned, which NumPy's large arrays are not). The gather
  overlaps the previous chunk's compute: JAX dispatches chunks asynchronously.
- An accelerator (no distribution, or a data axis of one device): the whole data set is copied
  to the device once and every step gathers its rows by a (steps, batch) index matrix; a
  shuffle is one permutation of all rows (`_Resident`).
- Under a distribution the data is split, never replicated: it is laid out "shard-major",
  (shards, rows per shard, ...), with one shard per device of the data axis and global row r of
  step s going to shard (r % batch) // (batch / shards); each process puts on its devices only
  the shards they hold. A step gathers (shards, batch / shards) rows, each shard from its own
  rows, so no data crosses devices, and with several processes each process feeds only its own
  shards. Without shuffling the global batches are exactly those of a single-device run; a
  shuffle permutes the rows within each shard (each row still seen once per epoch).
"""

from __future__ import annotations

import collections
import functools
import math
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np

from lamina import errors
from lamina.distribution import cpu_cores, distribution, placement
from lamina.training import fused
from lamina.training.data import ArrayData

CHUNKS_IN_FLIGHT = 2  # host-gathered chunks queued or running at once


@dataclass(frozen=True)
class _Resident:
    """Data on the device(s) for the whole run; chunks read it through the epoch's index."""

    data: tuple
    index: jax.Array
    mask: jax.Array

    @property
    def steps(self) -> int:
        return self.index.shape[0]

    def chunk(self, step: int, steps: int) -> tuple:
        return self.data, self.index, self.mask, step

    def submitted(self, outputs) -> None:
        """Nothing to pace: the data is already where the steps read it."""


@dataclass(frozen=True)
class _Streamed:
    """Host arrays; each chunk's rows gathered on the host in step order (so no index)."""

    data: tuple
    index: np.ndarray
    mask: np.ndarray
    in_flight: collections.deque = field(default_factory=collections.deque)

    @property
    def steps(self) -> int:
        return self.index.shape[0]

    def chunk(self, step: int, steps: int) -> tuple:
        rows = self.index[step:step + steps]
        flat = rows.reshape(-1)
        data = jax.tree_util.tree_map(lambda a: np.take(a, flat, axis=0), self.data)
        return data, None, self.mask[step:step + steps], 0

    def submitted(self, outputs) -> None:
        """Wait for all but the last `CHUNKS_IN_FLIGHT` chunks: dispatch is asynchronous, and
        unchecked the host would run ahead and hold every chunk of the epoch at once."""
        self.in_flight.append(outputs)
        while len(self.in_flight) > CHUNKS_IN_FLIGHT:
            jax.block_until_ready(self.in_flight.popleft())


def streams_from_host() -> bool:
    """Whether undistributed in-memory data stays in host memory (a CPU backend)."""
    return jax.default_backend() == "cpu"


def epoch(data: ArrayData, batch_size: int, key, shuffle: bool) -> _Resident | _Streamed:
    """The feed of one epoch over `data` in batches of `batch_size`, shuffled by `key`; its
    `chunk(step, k)` is the `(data, index, mask, start)` of steps step..step+k-1."""
    dist = distribution()
    unsharded_data = dist is None or cpu_cores.is_core_split(dist)  # steps split the batches
    if unsharded_data or dist.device_mesh.axis_size(dist.batch_dim_name) == 1:
        index, mask = fused.epoch_order(key, data.num_samples, batch_size, bool(shuffle))
        if unsharded_data and streams_from_host():
            return _Streamed((data.x, data.y, data.sample_weight), index, mask)
        return _Resident(placement.replicate(data.on_device()), jax.device_put(index),
                         jax.device_put(mask))
    if not dist.auto_shard_dataset:
        raise errors.ConfigError(
            "auto_shard_dataset=False (each process passing only its own part of the data) is "
            "not supported for in-memory arrays. Pass the same full arrays in every process and "
            "keep auto_shard_dataset=True: each process then feeds only its shard to its "
            "devices.")
    staged_key = ("sharded", batch_size, id(dist))
    if staged_key not in data.staged:
        data.staged[staged_key] = _stage_sharded(data, batch_size, dist)
    device_data, valid = data.staged[staged_key]
    shards = valid.shape[0]
    steps = math.ceil(data.num_samples / batch_size)
    index, mask = _sharded_order(key, valid, steps, batch_size // shards, bool(shuffle))
    return _Resident(device_data, index, mask)


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
def _sharded_order(key, valid, steps: int, per_shard: int, shuffle: bool):
    """Index and mask matrices (steps, shards, batch / shards) for one epoch."""
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
