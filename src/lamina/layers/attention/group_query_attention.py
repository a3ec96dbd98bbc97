"""GroupQueryAttention (Ainslie et al., 2023), as Keras 3 has it (class `GroupedQueryAttention`,
exported as `keras.layers.GroupQueryAttention`): `num_query_heads` query heads share
`num_key_value_heads` key/value heads, repeated to match before the scaled dot product.

The projections are EinsumDense sublayers `query` `(dim, query_heads, head_dim)`, `key` and
`value` `(dim, kv_heads, head_dim)`, optional `gate`, and `attention_output`, held in Keras's
private attributes (`_query_dense`, ...) so weight lists, paths and `.keras` files match. The
attention itself, masks and the fused / explicit choice are MultiHeadAttention's
(`dot_product.py` and its `_compute_attention`)."""

from __future__ import annotations

import math

import jax.numpy as jnp

from lamina import config, random
from lamina.layers import call_context
from lamina.layers.attention import dot_product as core
from lamina.layers.attention.einsum_dense import EinsumDense
from lamina.layers.attention.multi_head_attention import MultiHeadAttention, projection_args_config
from lamina.layers.base import LAYER_CLASSES, KerasTensor, Layer
from lamina.variables import tracking_changed

__all__ = ["GroupQueryAttention"]

class GroupedQueryAttention(Layer):
    """Grouped-query attention: `num_key_value_heads=1` is multi-query attention, and
    `num_key_value_heads == num_query_heads` is multi-head attention. The output has the
    query's shape; `return_attention_scores=True` adds `(batch, query_heads, T, S)` scores."""

    supports_masking = True
    keras_class_name = "GroupQueryAttention"  # what Keras writes in configs and files

    def __init__(self, head_dim: int, num_query_heads: int, num_key_value_heads: int,
                 dropout: float = 0.0, use_bias: bool = True, sliding_window: int | None = None,
                 flash_attention: bool | None = None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate: bool = False, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.head_dim, self.num_query_heads = head_dim, num_query_heads
        self.num_key_value_heads = num_key_value_heads
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError("`num_query_heads` must be divisible by `num_key_value_heads`. "
                             f"Received: num_query_heads={num_query_heads}, "
                             f"num_key_value_heads={num_key_value_heads}")
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout, self.use_bias, self.use_gate = dropout, use_bias, use_gate
        if sliding_window is not None and (not isinstance(sliding_window, int)
                                           or sliding_window <= 0):
            raise ValueError("`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window}")
        self.sliding_window = sliding_window
        self._flash_attention = flash_attention or config.is_flash_attention_enabled()
        MultiHeadAttention._set_weight_args(self, kernel_initializer, bias_initializer,
                                            kernel_regularizer, bias_regularizer,
                                            activity_regularizer, kernel_constraint,
                                            bias_constraint)
        self.seed = seed
        if dropout > 0:  # as Keras's inner Dropout: a generator only when it draws
            self.seed_generator = random.SeedGenerator(seed)
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(head_dim))
        if self._flash_attention and dropout > 0.0:
            raise ValueError("Dropout is not supported when flash attention is enabled. "
                             "Please set dropout to 0.0 to use flash attention.")

    # MultiHeadAttention's machinery, shared rather than copied (the names it reads match)
    _dropout = property(lambda self: self.dropout)
    _sublayer_kwargs = MultiHeadAttention._sublayer_kwargs
    _compute_attention = MultiHeadAttention._compute_attention
    build_from_config = MultiHeadAttention.build_from_config
    get_build_config = MultiHeadAttention.get_build_config

    def _sublayer(self, attr: str, equation: str, output_shape: tuple, bias_axes: str,
                  input_shape: tuple, name: str, **kwargs) -> None:
        """Build one projection and track it under Keras's private attribute `attr`."""
        layer = EinsumDense(equation, output_shape=output_shape, name=name,
                            bias_axes=bias_axes if self.use_bias else None,
                            **kwargs, **self._sublayer_kwargs())
        object.__setattr__(self, attr, layer)
        self._tracked_layers.append(layer)
        self._adopt(layer)
        tracking_changed()
        layer.build(input_shape)

    def build(self, query_shape, value_shape, key_shape=None) -> None:
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        self._build_shapes = {"query_shape": query_shape, "value_shape": value_shape}
        if key_shape is not None:
            self._build_shapes["key_shape"] = tuple(key_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        self.feature_dim = query_shape[-1]
        query_heads = (None, self.num_query_heads, self.head_dim)
        kv_heads = (None, self.num_key_value_heads, self.head_dim)
        self._sublayer("_query_dense", "bqm,muh->bquh", query_heads, "uh", query_shape, "query")
        self._sublayer("_key_dense", "bkm,mvh->bkvh", kv_heads, "vh", key_shape, "key")
        if self.use_gate:
            self._sublayer("_gate_dense", "bqm,muh->bquh", query_heads, "uh", query_shape,
                           "gate", activation="sigmoid")
        self._sublayer("_value_dense", "bkm,mvh->bkvh", kv_heads, "vh", value_shape, "value")
        self._attention_axes = (1,)
        self._equations = core.attention_equations(4, self._attention_axes)
        self._sublayer("_output_dense", "bquh,uhm->bqm", (None, self.feature_dim), "m",
                       (None, None, self.num_query_heads, self.head_dim), "attention_output")

    def __call__(self, query, value=None, *args, **kwargs):
        if value is None:
            raise ValueError(f"GroupQueryAttention '{self.name}' needs a `value` tensor: call "
                             "it as layer(query, value) (value=query for self-attention).")
        if not self.built:
            key = args[0] if args else kwargs.get("key")
            self.build(tuple(query.shape), tuple(value.shape),
                       None if key is None else tuple(key.shape))
        return super().__call__(query, value, *args, **kwargs)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores: bool = False, training=None,
             use_causal_mask: bool = False):
        if self._flash_attention and return_attention_scores:
            raise ValueError("Returning attention scores is not supported when flash "
                             "attention is enabled. Please disable flash attention to access "
                             "attention scores.")
        query_mask, value_mask, key_mask = _input_masks(query, value, key, query_mask,
                                                        value_mask, key_mask)
        key = value if key is None else key
        causal_only = use_causal_mask and all(m is None for m in (
            query_mask, value_mask, key_mask, attention_mask)) and self.sliding_window is None
        if not causal_only:
            attention_mask = core.combine_masks(
                jnp.shape(query)[1], jnp.shape(value)[1], query_mask, value_mask, key_mask,
                attention_mask, use_causal_mask, self.sliding_window)
        gate = self._gate_dense(jnp.asarray(query)) if self.use_gate else None
        query = self._query_dense(jnp.asarray(query))
        key = jnp.repeat(self._key_dense(jnp.asarray(key)), self.num_repeats, axis=2)
        value = jnp.repeat(self._value_dense(jnp.asarray(value)), self.num_repeats, axis=2)
        output, scores = self._compute_attention(query, key, value, attention_mask, training,
                                                 return_attention_scores, causal_only)
        output = self._output_dense(output if gate is None else output * gate)
        return (output, scores) if return_attention_scores else output

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None) -> tuple:
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if query_shape[-1] != value_shape[-1]:
            raise ValueError("The last dimension of `query_shape` and `value_shape` must be "
                             f"equal, but are {query_shape[-1]}, {value_shape[-1]}. Received: "
                             f"query_shape={query_shape}, value_shape={value_shape}")
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError("All dimensions of `value` and `key`, except the last one, must "
                             f"be equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape}")
        return query_shape

    def compute_output_spec(self, query, value, key=None, return_attention_scores=False,
                            **kwargs):
        shape = self.compute_output_shape(query.shape, value.shape,
                                          None if key is None else key.shape)
        output = KerasTensor(shape, self.compute_dtype, name=self.name)
        if not return_attention_scores:
            return output
        source = (value if key is None else key).shape[1]
        scores = (query.shape[0], self.num_query_heads, query.shape[1], source)
        return output, KerasTensor(scores, self.compute_dtype, name=self.name)

    def get_config(self) -> dict:
        return {**super().get_config(),
                "head_dim": self.head_dim, "num_query_heads": self.num_query_heads,
                "num_key_value_heads": self.num_key_value_heads, "use_bias": self.use_bias,
                "use_gate": self.use_gate, "sliding_window": self.sliding_window,
                "dropout": self.dropout, **projection_args_config(self)}


def _input_masks(query, value, key, query_mask, value_mask, key_mask) -> tuple:
    """Explicit masks, else those attached to the inputs (as Keras fills `<arg>_mask`); the
    key's only when a key tensor was passed."""
    if query_mask is None:
        query_mask = call_context.get_keras_mask(query)
    if value_mask is None:
        value_mask = call_context.get_keras_mask(value)
    if key_mask is None and key is not None:
        key_mask = call_context.get_keras_mask(key)
    return query_mask, value_mask, key_mask


GroupQueryAttention = GroupedQueryAttention
LAYER_CLASSES["GroupQueryAttention"] = GroupedQueryAttention  # the name Keras's files use
