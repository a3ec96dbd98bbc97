"""RMSprop, Adagrad and Adadelta: optax's own scalings reproduce Keras's rules, + Keras's lr."""

from __future__ import annotations

import optax

from lamina.optimizers.base import Optimizer, interleave, scale_by_learning_rate
from lamina.optimizers.hyperparam_checks import check_decay, check_epsilon


class RMSprop(Optimizer):
    """`v = rho * v + (1 - rho) * g^2; var -= lr * g / sqrt(v + eps)` (centered: `v - mean(g)^2`;
    momentum: `m = momentum * m + increment; var -= m`)."""

    _hyperparams = ("rho", "momentum", "epsilon", "centered")

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        check_decay("rho", rho)
        check_decay("momentum", momentum, "0.0")
        check_epsilon(epsilon)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def _rule(self) -> optax.GradientTransformationExtraArgs:
        scale = optax.scale_by_stddev if self.centered else optax.scale_by_rms
        # The trace runs on the positive increment, so it holds Keras's momentum slot exactly.
        momentum = [optax.trace(decay=self.momentum)] if self.momentum > 0 else []
        return optax.chain(
            scale(decay=self.rho, eps=self.epsilon, initial_scale=0.0, eps_in_sqrt=True),
            scale_by_learning_rate(flip_sign=False), *momentum, optax.scale(-1.0))

    def _keras_slots(self, slots) -> list:
        momentums = list(slots[2].trace) if self.momentum > 0 else []
        averages = list(slots[0].mu) if self.centered else []
        return list(slots[0].nu) + momentums + averages


class Adagrad(Optimizer):
    """`acc += g^2; var -= lr * g / sqrt(acc + eps)`, `acc` starting at
    `initial_accumulator_value`."""

    _hyperparams = ("initial_accumulator_value", "epsilon")

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _rule(self) -> optax.GradientTransformationExtraArgs:
        return optax.chain(
            optax.scale_by_rss(initial_accumulator_value=self.initial_accumulator_value,
                               eps=self.epsilon),
            scale_by_learning_rate())

    def _keras_slots(self, slots) -> list:
        return list(slots[0].sum_of_squares)


class Adadelta(Optimizer):
    """Adadelta: `delta = -sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g; var += lr * delta`."""

    _hyperparams = ("rho", "epsilon")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def _rule(self) -> optax.GradientTransformationExtraArgs:
        return optax.chain(optax.scale_by_adadelta(rho=self.rho, eps=self.epsilon),
                           scale_by_learning_rate())

    def _keras_slots(self, slots) -> list:
        return interleave(slots[0].e_g, slots[0].e_x)
