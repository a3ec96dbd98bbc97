"""MultiHeadAttention, as Keras 3 has it: `query` / `key` / `value` / `attention_output`
EinsumDense sublayers with kernels `(dim, heads, head_dim)` (built in Keras's order, so weight
lists, paths and files match), masks from the inputs' `_keras_mask`, `attention_mask`,
`use_causal_mask`, attention dropout, `return_attention_scores`."""

from __future__ import annotations

import math

import jax.numpy as jnp

from lamina import constraints, initializers, random, regularizers
from lamina.layers import call_context
from lamina.layers.attention import dot_product as core
from lamina.layers.attention.einsum_dense import EinsumDense
from lamina.layers.base import KerasTensor, Layer

__all__ = ["MultiHeadAttention"]


def _positive_int(value, name: str, optional: bool = False):
    if optional and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        expected = "a positive integer or `None`" if optional else "a positive integer"
        raise ValueError(f"Received an invalid value for argument `{name}`, expected "
                         f"{expected}. Received: {name}={value}")
    return value


def _shape(x) -> tuple:
    return tuple(x.shape)


class MultiHeadAttention(Layer):
    """Attention of `query` over `value` (and `key`, default `value`) with `num_heads` heads
    of size `key_dim`; output has the query's shape unless `output_shape` says otherwise."""

    supports_masking = True

    def __init__(self, num_heads: int, key_dim: int, value_dim: int | None = None,
                 dropout: float = 0.0, use_bias: bool = True, output_shape=None,
                 attention_axes=None, sliding_window: int | None = None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate: bool = False,
                 seed: int | None = None, **kwargs):
        self._num_heads = _positive_int(num_heads, "num_heads")
        self._key_dim = _positive_int(key_dim, "key_dim")
        self._value_dim = _positive_int(value_dim, "value_dim", optional=True) or key_dim
        super().__init__(**kwargs)
        if use_gate:
            raise NotImplementedError(f"MultiHeadAttention '{self.name}': use_gate=True is not "
                                      "supported yet. Received: use_gate=True.")
        self._dropout, self._use_bias, self._use_gate = float(dropout), use_bias, False
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            if not isinstance(output_shape, (list, tuple)):
                raise ValueError(f"Invalid `output_shape`: {output_shape}. When specified, the "
                                 "`output_shape` should be of type tuple, list, or int.")
            output_shape = tuple(output_shape)
        self._output_shape = output_shape or None
        self._set_weight_args(kernel_initializer, bias_initializer, kernel_regularizer,
                              bias_regularizer, activity_regularizer, kernel_constraint,
                              bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError("`attention_axes` must be an int, list, or tuple."
                             f"Received: attention_axes={attention_axes}")
        self._attention_axes = attention_axes
        self._sliding_window = _positive_int(sliding_window, "sliding_window", optional=True)
        self.seed = seed
        if self._dropout > 0:  # as Keras's inner Dropout: a generator only when it draws
            self.seed_generator = random.SeedGenerator(seed)
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self._key_dim))

    def _set_weight_args(self, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint,
                         bias_constraint) -> None:
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)

    # -- building ------------------------------------------------------------------------------
    def _sublayer_kwargs(self) -> dict:
        """Each projection gets its own copy of the initializers (as Keras)."""
        return dict(kernel_regularizer=self._kernel_regularizer,
                    bias_regularizer=self._bias_regularizer,
                    activity_regularizer=self._activity_regularizer,
                    kernel_constraint=self._kernel_constraint,
                    bias_constraint=self._bias_constraint, dtype=self.dtype,
                    kernel_initializer=self._kernel_initializer.clone(),
                    bias_initializer=self._bias_initializer.clone())

    def _projection(self, rank: int, last_dims: list, name: str, bound_dims: int = 1):
        equation, bias_axes, output_rank = core.projection_equation(rank - 1, bound_dims,
                                                                    len(last_dims))
        return EinsumDense(equation, output_shape=[None] * (output_rank - 1 - len(last_dims))
                           + list(last_dims), bias_axes=bias_axes if self._use_bias else None,
                           name=name, **self._sublayer_kwargs())

    def build(self, query_shape, value_shape, key_shape=None) -> None:
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        self._build_shapes = {"query_shape": query_shape, "value_shape": value_shape}
        if key_shape is not None:
            self._build_shapes["key_shape"] = tuple(key_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        _check_key_value(value_shape, key_shape)
        heads = self._num_heads
        self.query_dense = self._projection(len(query_shape), [heads, self._key_dim], "query")
        self.query_dense.build(query_shape)
        self.key_dense = self._projection(len(key_shape), [heads, self._key_dim], "key")
        self.key_dense.build(key_shape)
        self.value_dense = self._projection(len(value_shape), [heads, self._value_dim], "value")
        self.value_dense.build(value_shape)
        self._build_attention(len(value_shape) + 1)
        output_shape = self._output_shape or [query_shape[-1]]
        self.output_dense = self._projection(len(query_shape), list(output_shape),
                                             "attention_output", bound_dims=2)
        dense_input = list(self.query_dense.compute_output_shape(query_shape))
        dense_input[-1] = self._value_dim
        self.output_dense.build(tuple(dense_input))

    def _build_attention(self, rank: int) -> None:
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(a if a >= 0 else (rank - 1) + a
                                         for a in self._attention_axes)
        self._equations = core.attention_equations(rank, self._attention_axes)

    def __call__(self, query, value=None, *args, **kwargs):
        if value is None:
            raise ValueError(f"MultiHeadAttention '{self.name}' needs a `value` tensor: call "
                             "it as layer(query, value) (value=query for self-attention).")
        if not self.built:
            key = args[0] if args else kwargs.get("key")
            self.build(_shape(query), _shape(value), None if key is None else _shape(key))
        return super().__call__(query, value, *args, **kwargs)

    def build_from_config(self, config: dict) -> None:
        """Build from Keras's `{"shapes_dict": {"query_shape": ..., "value_shape": ...}}`."""
        shapes = (config or {}).get("shapes_dict")
        if shapes and not self.built:
            self.build(*(shapes.get(k) and tuple(shapes[k])
                         for k in ("query_shape", "value_shape", "key_shape")))

    def get_build_config(self) -> dict | None:
        shapes = self.__dict__.get("_build_shapes")
        return {"shapes_dict": shapes} if self.built and shapes else None

    # -- calling -------------------------------------------------------------------------------
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores: bool = False, training=None,
             use_causal_mask: bool = False):
        key_given = key is not None
        key = value if key is None else key
        query_mask = call_context.get_keras_mask(query)  # as Keras: the query's own mask
        if value_mask is None:
            value_mask = call_context.get_keras_mask(value)
        if key_mask is None and key_given:
            key_mask = call_context.get_keras_mask(key)
        causal_only = use_causal_mask and all(m is None for m in (
            query_mask, value_mask, key_mask, attention_mask)) and self._sliding_window is None
        if not causal_only:
            attention_mask = core.combine_masks(
                jnp.shape(query)[1], jnp.shape(value)[1], query_mask, value_mask, key_mask,
                attention_mask, use_causal_mask, self._sliding_window)
        query = self.query_dense(jnp.asarray(query))
        key = self.key_dense(jnp.asarray(key))
        value = self.value_dense(jnp.asarray(value))
        output, scores = self._compute_attention(query, key, value, attention_mask, training,
                                                 return_attention_scores, causal_only)
        output = self.output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def _compute_attention(self, query, key, value, attention_mask, training,
                           return_attention_scores: bool, causal_only: bool) -> tuple:
        """(output, scores or None), through the formulation Keras would use."""
        fused = not (self._dropout > 0.0 or return_attention_scores or query.ndim != 4)
        if fused and key.shape[-1] == value.shape[-1]:  # (Keras fails when they differ)
            out = core.fused_attention(query, key, value, attention_mask,
                                       self._inverse_sqrt_key_dim, is_causal=causal_only)
            return out, None
        if causal_only:
            attention_mask = core.causal_mask(query.shape[1], value.shape[1])
        dropout = None
        if self._dropout > 0.0 and training:
            dropout = lambda p: random.dropout(p, self._dropout,  # noqa: E731
                                               seed=self.seed_generator)
        return core.explicit_attention(query, key, value, attention_mask,
                                       self._inverse_sqrt_key_dim, self._equations,
                                       self._attention_axes, dropout)

    # -- shapes and config ---------------------------------------------------------------------
    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None) -> tuple:
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        _check_key_value(value_shape, value_shape if key_shape is None else tuple(key_shape))
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def compute_output_spec(self, query, value, key=None, return_attention_scores=False,
                            **kwargs):
        shape = self.compute_output_shape(query.shape, value.shape,
                                          None if key is None else key.shape)
        output = KerasTensor(shape, self.compute_dtype, name=self.name)
        if not return_attention_scores:
            return output
        scores = (query.shape[0], self._num_heads, *query.shape[1:-1], *value.shape[1:-1])
        return output, KerasTensor(scores, self.compute_dtype, name=self.name)

    def get_config(self) -> dict:
        return {**super().get_config(),
                "num_heads": self._num_heads, "key_dim": self._key_dim,
                "value_dim": self._value_dim, "dropout": self._dropout,
                "use_bias": self._use_bias, "use_gate": self._use_gate,
                "output_shape": self._output_shape, "attention_axes": self._attention_axes,
                "sliding_window": self._sliding_window, **projection_args_config(self)}


def projection_args_config(layer: Layer) -> dict:
    """The initializer / regularizer / constraint arguments an attention layer passes to its
    projections, and its seed, as Keras serializes them (MultiHeadAttention and
    GroupQueryAttention)."""
    return {"kernel_initializer": initializers.serialize(layer._kernel_initializer),
            "bias_initializer": initializers.serialize(layer._bias_initializer),
            "kernel_regularizer": regularizers.serialize(layer._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(layer._bias_regularizer),
            "activity_regularizer": regularizers.serialize(layer._activity_regularizer),
            "kernel_constraint": constraints.serialize(layer._kernel_constraint),
            "bias_constraint": constraints.serialize(layer._bias_constraint),
            "seed": layer.seed}


def _check_key_value(value_shape: tuple, key_shape: tuple) -> None:
    if value_shape[1:-1] != key_shape[1:-1]:
        raise ValueError("All dimensions of `value` and `key`, except the last one, must be "
                         f"equal. Received: value_shape={value_shape} and "
                         f"key_shape={key_shape}")
