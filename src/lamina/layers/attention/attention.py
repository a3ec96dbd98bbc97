"""Attention (Luong-style, dot or concat scores) and AdditiveAttention (Bahdanau-style), as
Keras 3 has them: called on `[query, value]` or `[query, value, key]` with masks
`[query_mask, value_mask]`; weights `scale` / `concat_score_weight`; masked scores get
`scores - 1e9` (Keras's numbers, also for fully masked rows) and masked query steps give zeros.
The value / causal mask is built by the shared `dot_product.combine_masks`."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import random
from lamina.layers.attention import dot_product as core
from lamina.layers.base import KerasTensor, Layer

__all__ = ["Attention", "AdditiveAttention"]


class Attention(Layer):
    """Dot-product attention of `query` over `value` (keys default to `value`): scores
    `query . key` (or `sum(tanh(query + key))` with `score_mode="concat"`), softmax over the
    value steps, weighted sum of the values."""

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0,
                 seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        if self.dropout > 0:
            self.seed_generator = random.SeedGenerator(seed)
        if self.score_mode not in ["dot", "concat"]:
            raise ValueError("Invalid value for argument score_mode. Expected one of "
                             f"{{'dot', 'concat'}}. Received: score_mode={score_mode}")

    def build(self, input_shape) -> None:
        self._validate_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones",
                                         dtype=self.dtype, trainable=True)
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(
                name="concat_score_weight", shape=(), initializer="ones", dtype=self.dtype,
                trainable=True)

    def _calculate_scores(self, query, key):
        """`(batch, Tq, Tv)` scores of each query step against each key step."""
        if self.score_mode == "dot":
            scores = jnp.matmul(query, jnp.swapaxes(key, -2, -1))
            return scores if self.scale is None else scores * self.scale
        pairs = jnp.expand_dims(query, -2) + jnp.expand_dims(key, -3)
        if self.scale is not None:
            pairs = self.scale * pairs
        return self.concat_score_weight * jnp.sum(jnp.tanh(pairs), axis=-1)

    def _apply_scores(self, scores, value, scores_mask=None, training=False) -> tuple:
        """(softmax(scores) . value, softmax(scores)); masked scores are lowered by 1e9 (65504
        in float16) as Keras does, and dropout applies to the weights in training only."""
        if scores_mask is not None:
            max_value = 65504.0 if scores.dtype == jnp.float16 else 1.0e9
            scores = jnp.where(scores_mask, scores, scores - max_value)
        weights = jax.nn.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = random.dropout(weights, self.dropout, seed=self.seed_generator)
        return jnp.matmul(weights, value), weights

    def call(self, inputs, mask=None, training=False, return_attention_scores: bool = False,
             use_causal_mask: bool = False):
        self._validate_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask = mask[0] if mask else None
        value_mask = mask[1] if mask else None
        scores = self._calculate_scores(query, key)
        scores_mask = core.combine_masks(scores.shape[-2], scores.shape[-1],
                                         value_mask=value_mask, use_causal_mask=use_causal_mask)
        output, weights = self._apply_scores(scores, value, scores_mask, training)
        if query_mask is not None:
            query_mask = jnp.expand_dims(jnp.asarray(query_mask).astype(bool), -1)
            output = jnp.where(query_mask, output, jnp.zeros((), output.dtype))
        if return_attention_scores:
            return output, weights
        return output

    def compute_mask(self, inputs, mask=None):
        """The output keeps the query's mask."""
        self._validate_inputs(inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return jnp.asarray(mask[0])

    def compute_output_shape(self, input_shape) -> tuple:
        return (*tuple(input_shape[0])[:-1], tuple(input_shape[1])[-1])

    def compute_output_spec(self, inputs, mask=None, return_attention_scores: bool = False,
                            training=None, use_causal_mask: bool = False):
        self._validate_inputs(inputs, mask)
        shapes = [tuple(x.shape) for x in inputs]
        self._maybe_build(shapes)
        output = KerasTensor(self.compute_output_shape(shapes), self.compute_dtype,
                             name=self.name)
        if not return_attention_scores:
            return output
        scores_shape = (*shapes[0][:-1], shapes[-1][-2])
        return output, KerasTensor(scores_shape, self.compute_dtype, name=self.name)

    def _validate_inputs(self, inputs, mask=None) -> None:
        """Keras's checks: a list of 2 or 3 inputs, and a list of 2 or 3 masks."""
        class_name = self.__class__.__name__
        if not isinstance(inputs, list):
            raise ValueError(f"{class_name} layer must be called on a list of inputs, namely "
                             f"[query, value] or [query, value, key]. Received: inputs={inputs}.")
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(f"{class_name} layer accepts inputs list of length 2 or 3, namely "
                             "[query, value] or [query, value, key]. "
                             f"Received length: {len(inputs)}.")
        if mask is not None:
            if not isinstance(mask, list):
                raise ValueError(f"{class_name} layer mask must be a list, namely "
                                 f"[query_mask, value_mask]. Received: mask={mask}.")
            if len(mask) < 2 or len(mask) > 3:
                raise ValueError(f"{class_name} layer accepts mask list of length 2 or 3. "
                                 f"Received: inputs={inputs}, mask={mask}.")

    def get_config(self) -> dict:
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention: scores `sum(scale * tanh(query + key))`, with a
    trainable per-feature `scale` of shape `(dim,)` when `use_scale` (the default)."""

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape) -> None:
        self._validate_inputs(input_shape)
        dim = input_shape[0][-1]
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=[dim],
                                         initializer="glorot_uniform", dtype=self.dtype,
                                         trainable=True)

    def _calculate_scores(self, query, key):
        pairs = jnp.tanh(jnp.expand_dims(query, -2) + jnp.expand_dims(key, -3))
        scale = self.scale if self.use_scale else 1.0
        return jnp.sum(scale * pairs, axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["score_mode"]
        return config
