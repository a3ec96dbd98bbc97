"""Placing the train state and batches per the current distribution (used by lamina.training).

Every function is the identity when no distribution is set, so single-device training is
unchanged. Batches are constrained inside the compiled step with `with_sharding_constraint`;
XLA inserts the collectives (no hand-written ones).
"""

from __future__ import annotations

import jax
from jax.sharding import NamedSharding, PartitionSpec

from lamina import errors
from lamina.distribution.cpu_cores import is_core_split
from lamina.distribution.strategies import distribution


def variable_sharding(dist, variable) -> NamedSharding:
    """The NamedSharding of `variable` under `dist`, after checking its rank and divisibility."""
    layout = dist.get_variable_layout(variable)
    shape, axes = tuple(variable.shape), layout.axes
    if len(axes) != len(shape):
        raise errors.ConfigError(
            f"The layout {axes} for variable '{variable.path}' has {len(axes)} axes but the "
            f"variable has rank {len(shape)} (shape {shape}). Give one mesh axis name or None "
            f"per dimension in the LayoutMap, e.g. {tuple([None] * len(shape))}.")
    mesh = layout.device_mesh
    for dim, axis in zip(shape, axes):
        if axis is not None and dim % mesh.axis_size(axis):
            raise errors.ConfigError(
                f"Variable '{variable.path}' (shape {shape}) cannot be split over mesh axis "
                f"'{axis}' of size {mesh.axis_size(axis)}: {dim} is not divisible by it. "
                f"Change the LayoutMap entry for this variable or the mesh shape.")
    return layout.backend_layout


def replicated(dist) -> NamedSharding:
    return NamedSharding(dist.device_mesh.backend_mesh, PartitionSpec())


def replicate(tree):
    """Copy every array of `tree` to all devices of the current mesh."""
    dist = distribution()
    if dist is None:
        return tree
    return jax.device_put(tree, replicated(dist))


def place_state(state, model):
    """device_put a TrainState: parameters per their layouts, optimizer slots like their
    parameter, everything else (metrics, counters, RNG key) replicated."""
    dist = distribution()
    if dist is None:
        return state
    rep = replicated(dist)
    trainable = [variable_sharding(dist, v) for v in model.trainable_weights]
    non_trainable = [variable_sharding(dist, v) for v in model.non_trainable_variables]
    shapes = [tuple(v.shape) for v in model.trainable_weights]

    def is_slot_list(node) -> bool:
        return (isinstance(node, (list, tuple)) and not hasattr(node, "_fields")
                and len(node) == len(shapes) and len(shapes) > 0
                and all(getattr(a, "shape", None) is not None and tuple(a.shape) == s
                        for a, s in zip(node, shapes)))

    def put_opt(node):
        if is_slot_list(node):
            return type(node)(jax.device_put(a, s) for a, s in zip(node, trainable))
        return jax.device_put(node, rep)

    opt = None if state.opt is None else jax.tree_util.tree_map(put_opt, state.opt,
                                                                is_leaf=is_slot_list)
    return state._replace(
        trainable=[jax.device_put(a, s) for a, s in zip(state.trainable, trainable)],
        non_trainable=[jax.device_put(a, s) for a, s in zip(state.non_trainable, non_trainable)],
        opt=opt, metrics=jax.device_put(state.metrics, rep),
        loss_tracker=jax.device_put(state.loss_tracker, rep), rng=jax.device_put(state.rng, rep))


def constrain_batch(batch):
    """Inside a traced step: split every array of `batch` along its first axis over the
    distribution's batch axis (a no-op without a distribution)."""
    dist = distribution()
    if dist is None:
        return batch
    sharding = NamedSharding(dist.device_mesh.backend_mesh, PartitionSpec(dist.batch_dim_name))
    return jax.tree_util.tree_map(
        lambda a: jax.lax.with_sharding_constraint(a, sharding) if a.ndim else a, batch)


def _data_axis_sharding(dist, axis: int) -> NamedSharding:
    spec = PartitionSpec(*([None] * axis), dist.batch_dim_name)
    return NamedSharding(dist.device_mesh.backend_mesh, spec)


def shard_leading_axis(host_array):
    """A global array from `host_array` (the same in every process), split along its first axis
    over the data axis; each process copies only the pieces its own devices hold."""
    sharding = _data_axis_sharding(distribution(), 0)
    return jax.make_array_from_callback(host_array.shape, sharding, lambda index: host_array[index])


def constrain_shard_axis(array, axis: int):
    """Inside a traced function: split `array` along `axis` over the data axis."""
    return jax.lax.with_sharding_constraint(array, _data_axis_sharding(distribution(), axis))


def check_batch_size(batch_size: int, argument: str = "batch_size") -> None:
    """The global batch must split evenly over the devices of the batch axis (of the user's
    distribution: lamina splits batches over the CPU's cores only where they divide)."""
    dist = distribution()
    if dist is None or batch_size is None or is_core_split(dist):
        return
    size = dist.device_mesh.axis_size(dist.batch_dim_name)
    if batch_size % size:
        good = max(size, batch_size - batch_size % size)
        raise errors.ConfigError(
            f"{argument}={batch_size} is not divisible by the {size} devices of the data axis "
            f"'{dist.batch_dim_name}' of the current {type(dist).__name__} distribution (the "
            f"batch size is global and is split evenly). Use a multiple of {size}, e.g. "
            f"{argument}={good}.")
