"""The CPU's cores as JAX devices, and splitting a training batch over them.

XLA:CPU runs a small matmul on one thread and the kernels of a program one after another, so a
recurrent layer (a chain of small matmuls, one per time step) keeps one core busy however many
the machine has. With each core a JAX device, `fit` and `evaluate` give every core its share of
each batch: the same compiled step, split by XLA exactly as `DataParallel` splits it (the
gradients are summed over the shares, so results match one device up to float rounding). An
LSTM(128) step on 32 rows took 3.4 ms on two cores against 5.0 ms on one. Only models with a
layer that gains are split (`Layer.splits_batch_over_cores`): dense and convolution layers
already use every core, and the per-step sum of the gradients made them slower.

`predict` stays on one device (a single sample cannot be split), and after a split `fit` the
model's values are single-device arrays again, as they were before it.
"""

from __future__ import annotations

import contextlib
import functools
import os

import jax

from lamina.distribution.strategies import DataParallel, distribution, scoped

#: at most this many CPU devices are made (each a share of the batch)
MAX_DEVICES = 8
#: a share smaller than this many rows gains less than the gradient sum costs
MIN_ROWS_PER_DEVICE = 8
#: tests switch the split off to compare with one device
SPLIT_BATCHES = True


def expose_cores() -> None:
    """Make each usable core a JAX CPU device (called by `import lamina`). Left alone: a device
    count the user chose (`JAX_NUM_CPU_DEVICES`, `jax.config`, or `XLA_FLAGS` with
    `--xla_force_host_platform_device_count`), and a JAX that already runs (its devices are
    fixed once the first computation has run)."""
    chosen = getattr(jax.config, "jax_num_cpu_devices", None)  # None: a JAX without the option
    if chosen != -1 or "xla_force_host_platform_device_count" in os.environ.get("XLA_FLAGS", ""):
        return
    cores = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                else os.cpu_count() or 1, MAX_DEVICES)
    if cores < 2:
        return
    try:
        jax.config.update("jax_num_cpu_devices", cores)
    except RuntimeError:  # JAX initialized its backends before lamina was imported
        pass


def batch_split(model, batch_sizes: list[int]) -> DataParallel | None:
    """The split of every batch over the CPU's cores to run `model`'s steps with (batches of
    `batch_sizes` rows), or None: no split when a distribution is set, off a CPU, when no layer
    gains from it, or when the batches do not divide into shares of MIN_ROWS_PER_DEVICE rows."""
    if not SPLIT_BATCHES or distribution() is not None or jax.default_backend() != "cpu" \
            or jax.process_count() != 1:
        return None
    if not any(layer.splits_batch_over_cores for layer in [model, *model._flatten_layers()]):
        return None
    shares = len(jax.devices())
    while shares > 1 and any(size % shares or size // shares < MIN_ROWS_PER_DEVICE
                             for size in batch_sizes):
        shares -= 1
    return _split_over(shares) if shares > 1 else None


@functools.cache
def _split_over(shares: int) -> DataParallel:
    # one object per share count: compiled functions are cached per distribution
    return _CoreSplit(devices=jax.devices()[:shares])


class _CoreSplit(DataParallel):
    """A DataParallel that lamina chose itself (see the module docstring)."""


def is_core_split(dist) -> bool:
    return isinstance(dist, _CoreSplit)


@contextlib.contextmanager
def steps_split(model, batch_sizes: list[int] | None):
    """Run `model`'s steps inside the block split over the cores when that gains (see
    `batch_split`; None: batches of unknown sizes, never split). Inside a split `fit` (a
    callback's evaluate), the choice is made afresh for the new batches."""
    with unsplit():
        split = None if batch_sizes is None else batch_split(model, batch_sizes)
        with scoped(split) if split is not None else contextlib.nullcontext():
            yield split


def unsplit():
    """Run on one device inside the block, also inside a split `fit` (a callback's predict)."""
    return scoped(None) if is_core_split(distribution()) else contextlib.nullcontext()


def on_one_device(tree):
    """`tree` with every array spread over several devices replaced by its copy on the first
    (a replicated array holds the whole value on each; no data is copied)."""
    def first(a):
        if isinstance(a, jax.Array) and len(a.sharding.device_set) > 1 and a.is_fully_replicated:
            return a.addressable_data(0)
        return a

    return jax.tree_util.tree_map(first, tree)
