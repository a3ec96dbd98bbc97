"""ReversibleEmbedding: an Embedding that can also project hidden states back to vocabulary
logits (`reverse=True`), through the transposed `embeddings` (tied, the default) or its own
`reverse_embeddings` weight, with an optional tanh soft cap on the logits (Keras 3)."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.layers.base import KerasTensor
from lamina.layers.embedding import Embedding

__all__ = ["ReversibleEmbedding"]


class ReversibleEmbedding(Embedding):
    """An embedding layer which can project backwards to the input dim.

    `layer(ids)` embeds as Embedding; `layer(hidden, reverse=True)` gives
    `hidden @ embeddings.T` (or `hidden @ reverse_embeddings` when `tie_weights=False`),
    soft-capped as `tanh(logits / logit_soft_cap) * logit_soft_cap` when that is set.
    """

    def __init__(self, input_dim: int, output_dim: int, tie_weights: bool = True,
                 embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero: bool = False, reverse_dtype=None,
                 logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        self.tie_weights = tie_weights
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None) -> None:
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim),
                initializer=self.embeddings_initializer, name="reverse_embeddings",
                trainable=True)

    def call(self, inputs, reverse: bool = False):
        if not reverse:
            return super().call(inputs)
        kernel = self.embeddings.value.T if self.tie_weights else self.reverse_embeddings.value
        inputs = jnp.asarray(inputs)
        if self.reverse_dtype is not None:
            inputs, kernel = inputs.astype(self.reverse_dtype), kernel.astype(self.reverse_dtype)
        logits = jnp.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            logits = jnp.tanh(logits / self.logit_soft_cap) * self.logit_soft_cap
        return logits

    def compute_mask(self, inputs, previous_mask=None):
        """The ids' padding mask; none for the float hidden states of a reverse call."""
        if not jnp.issubdtype(inputs.dtype, jnp.integer):
            return None
        return super().compute_mask(inputs, previous_mask)

    def compute_output_shape(self, input_shape, reverse: bool = False) -> tuple:
        if reverse:
            return (*tuple(input_shape)[:-1], self.input_dim)
        return super().compute_output_shape(input_shape)

    def compute_output_spec(self, inputs, reverse: bool = False):
        if not reverse:
            return super().compute_output_spec(inputs)
        shape = self.compute_output_shape(inputs.shape, reverse=True)
        return KerasTensor(shape, self.reverse_dtype or self.dtype, name=self.name)

    def get_config(self) -> dict:
        return {**super().get_config(), "tie_weights": self.tie_weights,
                "reverse_dtype": self.reverse_dtype, "logit_soft_cap": self.logit_soft_cap}
