"""ScheduleFreeAdamW, Keras's form, as a small optax transformation.

The model's variables hold `y`, the interpolation between the averaged iterate `x` and the
base (Adam) iterate `z`, kept in the `momentum` slot (it starts as a copy of the variables).
`x` is recovered from `y` and `z` each step. The rule returns the new variables themselves
(`new - var` would lose precision), like FTRL's.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax.numpy as jnp
import optax

from lamina.optimizers.base import Optimizer, interleave


class KerasScheduleFreeState(NamedTuple):
    momentums: Any  # z
    velocities: Any


def keras_schedule_free_adamw(b1: float, b2: float, eps: float, warmup_steps: int
                              ) -> optax.GradientTransformationExtraArgs:
    """Keras's ScheduleFreeAdamW step; its "updates" are the new variable values."""

    def init(params):
        return KerasScheduleFreeState([jnp.array(p) for p in params],
                                      optax.tree.zeros_like(list(params)))

    def leaf(g, y_old, z_old, v, learning_rate, step):
        dt = y_old.dtype
        lr, t = learning_rate.astype(dt), (step + 1).astype(dt)
        beta_1, beta_2, epsilon = (jnp.asarray(x, dt) for x in (b1, b2, eps))
        if warmup_steps > 0:
            lr = lr * jnp.minimum(t / jnp.asarray(warmup_steps, dt), 1.0)
        v = v + (jnp.square(g) - v) * (1 - beta_2)
        denom = jnp.sqrt(v / (1 - jnp.power(beta_2, t))) + epsilon
        z = z_old - (lr * g) / denom
        weight = 1.0 / t
        x_old = (y_old - (1 - beta_1) * z_old) / beta_1
        x_new = (1 - weight) * x_old + weight * z
        return (1 - beta_1) * z + beta_1 * x_new, z, v

    def update(grads, state, params=None, *, learning_rate, step, **extra):
        del extra
        out = [leaf(*xs, learning_rate, step) for xs in zip(grads, params, *state)]
        new_vars, zs, vs = (list(col) for col in zip(*out)) if out else ([],) * 3
        return new_vars, KerasScheduleFreeState(zs, vs)

    return optax.GradientTransformationExtraArgs(init, update)


class ScheduleFreeAdamW(Optimizer):
    """Schedule-free AdamW (Defazio et al., 2024): no learning-rate schedule needed."""

    _hyperparams = ("beta_1", "beta_2", "epsilon", "warmup_steps")

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 warmup_steps=0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps

    def _rule(self) -> optax.GradientTransformationExtraArgs:
        return keras_schedule_free_adamw(self.beta_1, self.beta_2, self.epsilon,
                                         self.warmup_steps)

    def _apply_updates(self, params: list, updates: list) -> list:
        return updates  # the rule's output is the new variables (Keras assigns them)

    def _keras_slots(self, slots) -> list:
        return interleave(slots.momentums, slots.velocities)
