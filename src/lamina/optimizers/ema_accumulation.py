"""Keras's `use_ema` and `gradient_accumulation_steps`, as pure functions of the state pytree.

Semantics (keras/src/backend/jax/optimizer.py): with `k = gradient_accumulation_steps`, step
`t` (the raw counter, `state['iterations']`) is an update step when `(t + 1) % k == 0`; it
applies the mean of the last `k` gradients and zeroes the accumulators, other steps only add
the gradient to them (the variables and slots keep their values). The optimizer rule and EMA
see `iterations = t // k`; learning-rate schedules see `t`. EMA runs on every step after the
update: `avg = m * avg + (1 - m) * var` with `m = ema_momentum` except on the first step
(`m = 0`), and when `(iterations + 1) % ema_overwrite_frequency == 0` the variables take the
average.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import optax

from lamina import errors


def check_arguments(use_ema: bool, ema_momentum: float, ema_overwrite_frequency,
                    gradient_accumulation_steps) -> None:
    """Keras's checks of the EMA and accumulation arguments (ValueError, Keras's texts)."""
    if gradient_accumulation_steps and not gradient_accumulation_steps >= 2:
        raise errors.ConfigError(
            "`gradient_accumulation_steps` must be an integer >= 2. "
            f"Received: gradient_accumulation_steps={gradient_accumulation_steps}")
    if not use_ema:
        return
    if ema_momentum > 1 or ema_momentum < 0:
        raise errors.ConfigError(
            f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum={ema_momentum}")
    if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                    or ema_overwrite_frequency < 1):
        raise errors.ConfigError(
            "`ema_overwrite_frequency` must be an integer >= 1 or None. "
            f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")


def init_extras(params: list, use_ema: bool, accumulation_steps) -> dict:
    """The extra state entries: `ema` (averages) and `accum` (gradient sums), zeros as Keras."""
    extras = {}
    if use_ema:
        extras["ema"] = optax.tree.zeros_like(list(params))
    if accumulation_steps:
        extras["accum"] = optax.tree.zeros_like(list(params))
    return extras


def optimizer_step(raw_step: jax.Array, accumulation_steps) -> jax.Array:
    """Keras's `optimizer.iterations`: the raw counter over `gradient_accumulation_steps`."""
    return raw_step // accumulation_steps if accumulation_steps else raw_step


def accumulate(grads: list, accum: list, raw_step: jax.Array, steps: int
               ) -> tuple[jax.Array, list, list]:
    """`(is_update_step, grads to apply, new accumulators)`."""
    is_update = (raw_step + 1) % steps == 0
    total = [g + a for g, a in zip(grads, accum)]
    applied = [jnp.where(is_update, (t / steps).astype(g.dtype), g) for t, g in zip(total, grads)]
    new_accum = [jnp.where(is_update, jnp.zeros_like(a), t.astype(a.dtype))
                 for t, a in zip(total, accum)]
    return is_update, applied, new_accum


def keep_unless(is_update: jax.Array, new: Any, old: Any) -> Any:
    """`new` on update steps, `old` otherwise (leaf by leaf)."""
    return jax.tree.map(lambda n, o: jnp.where(is_update, n, o), new, old)


def update_ema(averages: list, params: list, step: jax.Array, momentum: float,
               overwrite_frequency) -> tuple[list, list]:
    """`(new averages, params)`: the moving average, and the variables it overwrites."""

    def average(avg, var):
        m = (step != 0).astype(var.dtype) * momentum
        return m * avg + (1 - m) * var

    averages = [average(a, p) for a, p in zip(averages, params)]
    if overwrite_frequency is not None:
        overwrite = (step + 1) % overwrite_frequency == 0
        params = [jnp.where(overwrite, a, p) for a, p in zip(averages, params)]
    return averages, params
