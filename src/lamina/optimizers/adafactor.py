"""Adafactor, Keras's form, as a small optax transformation.

optax's `scale_by_factored_rms` factors differently (decay schedule, epsilon placement,
momentum and clipping are separate pieces), so Keras's arithmetic is written out: the last two
axes of a matrix are factored into a row (`r`) and a column (`c`) second moment; vectors keep
a full one (`v`) and Keras's int32 scalar placeholders for `r` and `c`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np
import optax

from lamina.optimizers.base import Optimizer


class KerasAdafactorState(NamedTuple):
    rows: Any
    cols: Any
    velocities: Any


def _rms(x):
    return jnp.sqrt(jnp.mean(jnp.square(x)))


def _factored_init(var):
    if var.ndim < 2:  # Keras's placeholders: int32 scalars
        return np.zeros((), np.int32), np.zeros((), np.int32), jnp.zeros_like(var)
    return (jnp.zeros(var.shape[:-1], var.dtype),
            jnp.zeros(var.shape[:-2] + var.shape[-1:], var.dtype), jnp.zeros_like(var))


def scale_by_keras_adafactor(beta_2_decay: float, epsilon_1: float, epsilon_2: float,
                             clip_threshold: float, relative_lr: bool
                             ) -> optax.GradientTransformationExtraArgs:
    """Keras's Adafactor step `-alpha_t * u_hat`, learning rate included."""

    def init(params):
        rows, cols, vels = zip(*[_factored_init(p) for p in params]) if params else ((),) * 3
        return KerasAdafactorState(list(rows), list(cols), list(vels))

    def leaf(g, var, r, c, v, learning_rate, step):
        dt = var.dtype
        lr, t = learning_rate.astype(dt), (step + 1).astype(dt)
        if relative_lr:
            lr = jnp.minimum(lr, 1 / jnp.sqrt(t))
        rho_t = jnp.minimum(lr, 1 / jnp.sqrt(t))
        alpha_t = jnp.maximum(jnp.asarray(epsilon_2, dt), _rms(var)) * rho_t
        g2 = jnp.square(g) + epsilon_1
        beta = 1 - jnp.power(t, beta_2_decay)
        if var.ndim >= 2:
            r = beta * r + (1 - beta) * jnp.mean(g2, axis=-1)
            c = beta * c + (1 - beta) * jnp.mean(g2, axis=-2)
            v = (jnp.expand_dims(r / jnp.mean(r, axis=-1, keepdims=True), -1)
                 * jnp.expand_dims(c, -2))
        else:
            v = beta * v + (1 - beta) * g2
        u = g / jnp.sqrt(v)
        u_hat = u / jnp.maximum(jnp.asarray(1.0, dt), _rms(u) / clip_threshold)
        return -(alpha_t * u_hat), r, c, v

    def update(grads, state, params=None, *, learning_rate, step, **extra):
        del extra
        out = [leaf(*xs, learning_rate, step) for xs in zip(grads, params, *state)]
        updates, rows, cols, vels = (list(col) for col in zip(*out)) if out else ([],) * 4
        return updates, KerasAdafactorState(rows, cols, vels)

    return optax.GradientTransformationExtraArgs(init, update)


class Adafactor(Optimizer):
    """Adafactor: factored second moments, relative step size and update clipping."""

    _hyperparams = ("beta_2_decay", "epsilon_1", "epsilon_2", "clip_threshold",
                    "relative_step")

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def _rule(self) -> optax.GradientTransformationExtraArgs:
        # Keras caps a float learning rate at 1/sqrt(t) (not a schedule or a callable).
        relative = self.relative_step and not callable(self._learning_rate)
        return scale_by_keras_adafactor(self.beta_2_decay, self.epsilon_1, self.epsilon_2,
                                        self.clip_threshold, relative)

    def _keras_slots(self, slots) -> list:
        return [x for group in zip(slots.rows, slots.cols, slots.velocities) for x in group]
