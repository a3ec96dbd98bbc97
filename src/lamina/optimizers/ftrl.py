"""FTRL-proximal (Keras's form) as a small optax transformation; optax has no FTRL."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax.numpy as jnp
import optax

from lamina import errors
from lamina.optimizers.base import Optimizer, interleave


class KerasFtrlState(NamedTuple):
    accumulators: Any
    linears: Any


def keras_ftrl(lr_power: float, initial_accumulator_value: float, l1: float, l2: float,
               l2_shrinkage: float, beta: float) -> optax.GradientTransformationExtraArgs:
    """Keras's FTRL step. It solves for the new variables and returns them as its "updates"
    (`new - var` would lose the precision of small new values next to large old ones)."""

    def init(params):
        return KerasFtrlState(optax.tree.full_like(params, initial_accumulator_value),
                              optax.tree.zeros_like(params))

    def leaf(g, var, accum, linear, learning_rate):
        lr = learning_rate.astype(var.dtype)
        l2_reg = l2 + beta / (2.0 * lr)
        new_accum = accum + jnp.square(g)
        power_new = jnp.power(new_accum, jnp.asarray(-lr_power, var.dtype))
        power_old = jnp.power(accum, jnp.asarray(-lr_power, var.dtype))
        linear = linear + ((g + 2 * l2_shrinkage * var) - ((power_new - power_old) / lr) * var)
        quadratic = power_new / lr + 2 * l2_reg
        new_var = (jnp.clip(linear, -l1, l1) - linear) / quadratic
        return new_var, new_accum, linear

    def update(grads, state, params=None, *, learning_rate, **extra):
        del extra
        steps = [leaf(*xs, learning_rate) for xs in zip(grads, params, *state)]
        updates, accumulators, linears = (list(column) for column in zip(*steps)) if steps else (
            [], [], [])
        return updates, KerasFtrlState(accumulators, linears)

    return optax.GradientTransformationExtraArgs(init, update)


class Ftrl(Optimizer):
    """Follow The Regularized Leader (FTRL-proximal) with L1/L2/shrinkage regularization."""

    _hyperparams = ("learning_rate_power", "initial_accumulator_value",
                    "l1_regularization_strength", "l2_regularization_strength",
                    "l2_shrinkage_regularization_strength", "beta")

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        _check_sign("learning_rate_power", learning_rate_power, positive=False)
        for name, value in (("initial_accumulator_value", initial_accumulator_value),
                            ("l1_regularization_strength", l1_regularization_strength),
                            ("l2_regularization_strength", l2_regularization_strength),
                            ("l2_shrinkage_regularization_strength",
                             l2_shrinkage_regularization_strength)):
            _check_sign(name, value, positive=True)
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _rule(self) -> optax.GradientTransformationExtraArgs:
        return keras_ftrl(self.learning_rate_power, self.initial_accumulator_value,
                          self.l1_regularization_strength, self.l2_regularization_strength,
                          self.l2_shrinkage_regularization_strength, self.beta)

    def _apply_updates(self, params: list, updates: list) -> list:
        return updates  # the rule's output is the new variables (Keras assigns them)

    def _keras_slots(self, slots) -> list:
        return interleave(slots.accumulators, slots.linears)


def _check_sign(name: str, value: float, *, positive: bool) -> None:
    if (value < 0.0) if positive else (value > 0.0):
        kind = "positive" if positive else "negative"
        raise errors.ConfigError(
            f"`{name}` needs to be {kind} or zero. Received: {name}={value}.")
