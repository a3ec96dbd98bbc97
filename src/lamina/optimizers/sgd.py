"""SGD (with momentum / Nesterov) and Lion: optax's `trace` and `scale_by_lion` + Keras's lr."""

from __future__ import annotations

import numpy as np
import optax

from lamina import errors
from lamina.optimizers.base import Optimizer, scale_by_learning_rate


class SGD(Optimizer):
    """Gradient descent: `m = momentum * m - lr * g; var += m` (Nesterov: `var += momentum * m
    - lr * g`); plain `var -= lr * g` when `momentum == 0`."""

    _hyperparams = ("momentum", "nesterov")

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise errors.ConfigError("`momentum` must be a float between [0, 1]. Received: "
                                     f"momentum={momentum!r}. Use e.g. momentum=0.9.")
        self.momentum = float(momentum)
        self.nesterov = nesterov

    def _rule(self) -> optax.GradientTransformationExtraArgs:
        # Keras's momentum form equals optax's trace of the lr-scaled negative gradient.
        if self.momentum == 0:
            return scale_by_learning_rate()
        return optax.chain(scale_by_learning_rate(),
                           optax.trace(decay=self.momentum, nesterov=self.nesterov))

    def _keras_slots(self, slots) -> list:
        return list(slots[1].trace) if self.momentum != 0 else []


class Lion(Optimizer):
    """Lion: `var -= lr * sign(b1 * m + (1 - b1) * g); m = b2 * m + (1 - b2) * g`."""

    _hyperparams = ("beta_1", "beta_2")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise errors.ConfigError(
                "Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer "
                f"degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def _rule(self) -> optax.GradientTransformationExtraArgs:
        # Keras casts the betas to float32 before `1 - beta`; so do we, for identical rounding.
        b1, b2 = np.float32(self.beta_1), np.float32(self.beta_2)
        return optax.chain(optax.scale_by_lion(b1=b1, b2=b2), scale_by_learning_rate())

    def _keras_slots(self, slots) -> list:
        return list(slots[0].mu)
