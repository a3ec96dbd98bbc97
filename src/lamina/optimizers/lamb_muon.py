"""Lamb and Muon, Keras's forms, as small optax transformations.

Lamb is Adam's bias-corrected step scaled by the trust ratio `||var|| / ||step||`. Muon
orthogonalises the Nesterov momentum of 2-D weights by Newton-Schulz iterations (optax's
`contrib.muon` scales and schedules differently) and runs Keras's AdamW on every other weight
(not 2-D, an embedding, or matching `exclude_layers`), each with its own weight decay.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import jax.numpy as jnp
import optax

from lamina.optimizers.adam import KerasAdamState, _AdamFamily, _moving_average, _power
from lamina.optimizers.base import Optimizer, interleave


def scale_by_keras_lamb(b1: float, b2: float, eps: float) -> optax.GradientTransformationExtraArgs:
    """Keras's Lamb step `-ratio * lr * m_hat / (sqrt(v_hat) + eps)`."""

    def init(params):
        return KerasAdamState(optax.tree.zeros_like(params), optax.tree.zeros_like(params), None)

    def leaf(g, var, m, v, learning_rate, step):
        dt = var.dtype
        t = (step + 1).astype(dt)
        m = _moving_average(m, g, 1 - b1)
        v = _moving_average(v, jnp.square(g), 1 - b2)
        step_dir = (m / (1.0 - _power(b1, t))) / (jnp.sqrt(v / (1.0 - _power(b2, t))) + eps)
        w_norm = jnp.sqrt(jnp.sum(jnp.power(var, 2)))
        g_norm = jnp.sqrt(jnp.sum(jnp.power(step_dir, 2)))
        ratio = jnp.where(w_norm > 0, jnp.where(g_norm > 0, w_norm / g_norm, 1.0), 1.0)
        return -(ratio * learning_rate.astype(dt) * step_dir), m, v

    def update(grads, state, params=None, *, learning_rate, step, **extra):
        del extra
        out = [leaf(*xs, learning_rate, step) for xs in zip(grads, params, state.mu, state.nu)]
        updates, mu, nu = (list(col) for col in zip(*out)) if out else ([],) * 3
        return updates, KerasAdamState(mu, nu, None)

    return optax.GradientTransformationExtraArgs(init, update)


class Lamb(_AdamFamily):
    """Lamb: layer-wise adaptive large-batch optimization (Adam with a trust ratio)."""

    def _rule(self) -> optax.GradientTransformationExtraArgs:
        return scale_by_keras_lamb(self.beta_1, self.beta_2, self.epsilon)

    def _keras_slots(self, slots) -> list:
        return interleave(slots.mu, slots.nu)


# ---------------------------------------------------------------------------------- Muon
class KerasMuonState(NamedTuple):
    momentums: Any
    velocities: Any  # None for the weights Muon itself updates


def newton_schulz5(x, steps: int, a: float, b: float, c: float):
    """Keras's quintic Newton-Schulz iteration towards `U V^T` of `x` (last two axes)."""
    tall = x.shape[-2] > x.shape[-1]
    if tall:
        x = jnp.swapaxes(x, -1, -2)
    x = x / (jnp.linalg.norm(x, axis=(-2, -1), keepdims=True) + 1e-7)
    for _ in range(steps):
        temp_a = x @ jnp.swapaxes(x, -1, -2)
        temp_b = b * temp_a + c * temp_a @ temp_a
        x = a * x + temp_b @ x
    return jnp.swapaxes(x, -1, -2) if tall else x


class Muon(Optimizer):
    """Muon for 2-D weights (momentum orthogonalised by Newton-Schulz), AdamW for the rest."""

    _hyperparams = ("adam_beta_1", "adam_beta_2", "epsilon", "exclude_layers", "muon_a",
                    "muon_b", "muon_c", "adam_lr_ratio", "momentum", "ns_steps", "nesterov",
                    "exclude_embeddings", "adam_weight_decay", "rms_rate")

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999,
                 adam_weight_decay=0.004, epsilon=1e-7, weight_decay=0.004,
                 exclude_layers=None, exclude_embeddings=True, muon_a=3.4445, muon_b=-4.7750,
                 muon_c=2.0315, adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True,
                 rms_rate=0.2, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, **kwargs)
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a, self.muon_b, self.muon_c = muon_a, muon_b, muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = exclude_layers or []
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    def _uses_adam(self, index: int, shape) -> bool:
        """Keras's `_should_use_adamw`: by rank, then the variable's path."""
        if len(shape) != 2:
            return True
        path = self._variable_path(index)
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(keyword, path) for keyword in self.exclude_layers)

    def _rule(self) -> optax.GradientTransformationExtraArgs:
        def init(params):
            return KerasMuonState(
                optax.tree.zeros_like(list(params)),
                [jnp.zeros_like(p) if self._uses_adam(i, p.shape) else None
                 for i, p in enumerate(params)])

        def update(grads, state, params=None, *, learning_rate, step, **extra):
            del extra
            out = [self._muon_leaf(g, p, m, learning_rate) if v is None
                   else self._adam_leaf(g, p, m, v, learning_rate * self.adam_lr_ratio, step)
                   for g, p, m, v in zip(grads, params, state.momentums, state.velocities)]
            updates, mu, nu = (list(col) for col in zip(*out)) if out else ([],) * 3
            return updates, KerasMuonState(mu, nu)

        return optax.GradientTransformationExtraArgs(init, update)

    def _muon_leaf(self, g, var, m, lr):
        m = m + (g + m * (self.momentum - 1))
        direction = g + self.momentum * m if self.nesterov else m
        update = lr * newton_schulz5(direction, self.ns_steps, self.muon_a, self.muon_b,
                                     self.muon_c)
        if self.rms_rate is not None:  # Moonlight's RMS matching
            update = update * jnp.sqrt(jnp.maximum(var.shape[0], var.shape[1])) * self.rms_rate
        return -update, m, None

    def _adam_leaf(self, g, var, m, v, learning_rate, step):
        dt = var.dtype
        t = (step + 1).astype(dt)
        lr = learning_rate.astype(dt)
        alpha = lr * jnp.sqrt(1 - _power(self.adam_beta_2, t)) / (1 - _power(self.adam_beta_1, t))
        m = _moving_average(m, g, 1 - self.adam_beta_1)
        v = _moving_average(v, jnp.square(g), 1 - self.adam_beta_2)
        return -((m * alpha) / (jnp.sqrt(v) + self.epsilon)), m, v

    def _decay_weights(self, params: list, lr) -> list:
        """Keras's Muon decay: `adam_weight_decay` on the AdamW weights, `weight_decay` else."""
        decayed = []
        for i, p in enumerate(params):
            wd = self.adam_weight_decay if self._uses_adam(i, p.shape) else self.weight_decay
            decayed.append(p if wd is None else
                           p - p * jnp.asarray(wd, p.dtype) * lr.astype(p.dtype))
        return decayed

    def _keras_slots(self, slots) -> list:
        return [x for m, v in zip(slots.momentums, slots.velocities)
                for x in ([m] if v is None else [m, v])]
