"""Adam, AdamW, Adamax and Nadam as Keras-exact optax transformations.

optax's `scale_by_adam` & co. put epsilon inside the bias correction (`m_hat / (sqrt(v_hat) +
eps)`) and update moments as `(1-b) g + b m`; Keras uses `alpha = lr sqrt(1-b2^t) / (1-b1^t)`
with `m alpha / (sqrt(v) + eps)` ("epsilon hat") and `m += (g - m)(1 - b)`, Adamax adds epsilon
to the norm, and Nadam has a momentum schedule. These small transformations do it Keras's way;
they take `learning_rate` and `step` (iterations before the update) as extra arguments.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from lamina import config, errors
from lamina.optimizers.base import Optimizer, interleave
from lamina.optimizers.hyperparam_checks import check_decay, check_epsilon


def _moving_average(m, x, rate):
    """Keras's `m += (x - m) * rate`."""
    return m + (x - m) * rate


def _power(base: float, exponent):
    """`base ** exponent` with `base` cast to the exponent's dtype, as Keras does."""
    return jnp.power(jnp.asarray(base, exponent.dtype), exponent)


class KerasAdamState(NamedTuple):
    mu: Any
    nu: Any
    nu_max: Any  # None unless amsgrad


def scale_by_keras_adam(b1: float, b2: float, eps: float, amsgrad: bool
                        ) -> optax.GradientTransformationExtraArgs:
    """Keras's Adam step `-(m * alpha) / (sqrt(v) + eps)`, learning rate included."""

    def init(params):
        zeros = optax.tree.zeros_like
        return KerasAdamState(zeros(params), zeros(params), zeros(params) if amsgrad else None)

    def update(grads, state, params=None, *, learning_rate, step, **extra):
        del params, extra
        mu = jax.tree.map(lambda g, m: _moving_average(m, g, 1 - b1), grads, state.mu)
        nu = jax.tree.map(lambda g, v: _moving_average(v, jnp.square(g), 1 - b2), grads, state.nu)
        nu_max = jax.tree.map(jnp.maximum, state.nu_max, nu) if amsgrad else None

        def delta(m, v):
            t = (step + 1).astype(m.dtype)
            lr = learning_rate.astype(m.dtype)
            alpha = lr * jnp.sqrt(1 - _power(b2, t)) / (1 - _power(b1, t))
            return -((m * alpha) / (jnp.sqrt(v) + eps))

        updates = jax.tree.map(delta, mu, nu_max if amsgrad else nu)
        return updates, KerasAdamState(mu, nu, nu_max)

    return optax.GradientTransformationExtraArgs(init, update)


class KerasAdamaxState(NamedTuple):
    mu: Any
    norm: Any


def scale_by_keras_adamax(b1: float, b2: float, eps: float
                          ) -> optax.GradientTransformationExtraArgs:
    """Keras's Adamax step `-(lr * m) / ((1 - b1^t) * (u + eps))`, `u = max(b2 u, |g|)`."""

    def init(params):
        return KerasAdamaxState(optax.tree.zeros_like(params), optax.tree.zeros_like(params))

    def update(grads, state, params=None, *, learning_rate, step, **extra):
        del params, extra
        mu = jax.tree.map(lambda g, m: _moving_average(m, g, 1 - b1), grads, state.mu)
        norm = jax.tree.map(lambda g, u: jnp.maximum(b2 * u, jnp.abs(g)), grads, state.norm)

        def delta(m, u):
            t = (step + 1).astype(m.dtype)
            return -((learning_rate.astype(m.dtype) * m) / ((1 - _power(b1, t)) * (u + eps)))

        return jax.tree.map(delta, mu, norm), KerasAdamaxState(mu, norm)

    return optax.GradientTransformationExtraArgs(init, update)


class KerasNadamState(NamedTuple):
    mu: Any
    nu: Any
    u_product: Any  # scalar: product of the momentum schedule so far


def scale_by_keras_nadam(b1: float, b2: float, eps: float
                         ) -> optax.GradientTransformationExtraArgs:
    """Keras's Nadam: Adam with Nesterov momentum and the `b1 (1 - 0.5 * 0.96^t)` schedule."""

    def init(params):
        dtype = jax.tree.leaves(params)[0].dtype if jax.tree.leaves(params) else config.floatx()
        return KerasNadamState(optax.tree.zeros_like(params), optax.tree.zeros_like(params),
                               jnp.ones((), dtype))

    def update(grads, state, params=None, *, learning_rate, step, **extra):
        del params, extra
        dtype = state.u_product.dtype
        u_product = state.u_product * b1 * (1.0 - 0.5 * _power(0.96, (step + 1).astype(dtype)))

        def leaf(g, m, v):
            dt = g.dtype
            t, t_next = (step + 1).astype(dt), (step + 2).astype(dt)
            beta_1, beta_2 = jnp.asarray(b1, dt), jnp.asarray(b2, dt)
            u_t = beta_1 * (1.0 - 0.5 * _power(0.96, t))
            u_t_1 = beta_1 * (1.0 - 0.5 * _power(0.96, t_next))
            u_product_t = u_product.astype(dt)
            m = _moving_average(m, g, 1 - beta_1)
            v = _moving_average(v, jnp.square(g), 1 - beta_2)
            m_hat = (u_t_1 * m) / (1 - u_product_t * u_t_1) + ((1 - u_t) * g) / (1 - u_product_t)
            v_hat = v / (1 - _power(b2, t))
            return -((m_hat * learning_rate.astype(dt)) / (jnp.sqrt(v_hat) + eps)), m, v

        updates, mu, nu = _unzip3(jax.tree.map(leaf, grads, state.mu, state.nu), grads)
        return updates, KerasNadamState(mu, nu, u_product)

    return optax.GradientTransformationExtraArgs(init, update)


def _unzip3(tree_of_triples, like):
    """A tree of 3-tuples (shaped like `like`) as three trees."""
    outer = jax.tree.structure(like)
    inner = jax.tree.structure((0, 0, 0))
    return jax.tree.transpose(outer, inner, tree_of_triples)


class _AdamFamily(Optimizer):
    """The shared constructor of Adam, Adamax and Nadam: `beta_1`, `beta_2`, `epsilon`."""

    _hyperparams = ("beta_1", "beta_2", "epsilon")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        check_decay("beta_1", beta_1)
        check_decay("beta_2", beta_2, "0.999")
        check_epsilon(epsilon)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon


class Adam(_AdamFamily):
    """Adam (Keras's form, optional AMSGrad)."""

    _hyperparams = ("beta_1", "beta_2", "epsilon", "amsgrad")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, **kwargs)
        self.amsgrad = amsgrad

    def _rule(self) -> optax.GradientTransformationExtraArgs:
        return scale_by_keras_adam(self.beta_1, self.beta_2, self.epsilon, self.amsgrad)

    def _keras_slots(self, slots) -> list:
        return interleave(slots.mu, slots.nu) + (list(slots.nu_max) if self.amsgrad else [])


class AdamW(Adam):
    """Adam with decoupled weight decay `var -= var * weight_decay * lr` (default 0.004)."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)
        if self.weight_decay is None:
            raise errors.ConfigError(
                "Argument `weight_decay` must be a float. Received: weight_decay=None")


class Adamax(_AdamFamily):
    """Adamax: Adam with the infinity norm."""

    def _rule(self) -> optax.GradientTransformationExtraArgs:
        return scale_by_keras_adamax(self.beta_1, self.beta_2, self.epsilon)

    def _keras_slots(self, slots) -> list:
        return interleave(slots.mu, slots.norm)


class Nadam(_AdamFamily):
    """Nadam: Adam with Nesterov momentum (Keras's momentum schedule)."""

    def _rule(self) -> optax.GradientTransformationExtraArgs:
        return scale_by_keras_nadam(self.beta_1, self.beta_2, self.epsilon)

    def _keras_slots(self, slots) -> list:
        return interleave(slots.mu, slots.nu) + [slots.u_product]
