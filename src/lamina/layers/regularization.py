"""Dropout."""

from __future__ import annotations

from lamina import errors, random
from lamina.layers.base import Layer

__all__ = ["Dropout"]


class Dropout(Layer):
    """Inverted dropout: in training, zero a `rate` fraction and scale the rest by 1/(1-rate)."""

    supports_masking = True

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise errors.ConfigError(f"Invalid value received for argument `rate`. Expected a "
                                     f"float value between 0 and 1. Received: rate={rate}")
        self.rate = rate
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        return random.dropout(inputs, self.rate, self.noise_shape, seed=self.seed_generator)

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}
