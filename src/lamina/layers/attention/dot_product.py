"""The scaled-dot-product core of the attention layers, with every mask in one place.

Two formulations, chosen as Keras 3 chooses them so the numbers match:
- the fused one (`jax.nn.dot_product_attention`, masked logits set to -0.7 * float max, so a
  fully masked row averages all values) when there is no dropout, no scores are returned and
  the projected tensors have rank 4;
- the explicit einsum one otherwise (masked logits set to -1e9, and masked probabilities
  zeroed after the softmax, so a fully masked row gives zeros).
"""

from __future__ import annotations

import string

import jax
import jax.numpy as jnp

_LETTERS = string.ascii_lowercase


def projection_equation(free_dims: int, bound_dims: int, output_dims: int) -> tuple:
    """(equation, bias_axes, output rank) of a per-head projection, e.g. 'abc,cde->abde'."""
    free = _LETTERS[:free_dims]
    bound = _LETTERS[free_dims:free_dims + bound_dims]
    out = _LETTERS[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{out}->{free}{out}", out, len(free + out)


def attention_equations(rank: int, attn_axes: tuple) -> tuple:
    """(query-key equation, combine equation, scores rank) for projected tensors of `rank`
    `(batch, <other axes>, <attention axes>, heads, channels)`."""
    target = _LETTERS[:rank]
    batch_dims = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    source, offset = "", rank
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += _LETTERS[offset]
            offset += 1
    product = "".join([target[i] for i in batch_dims] + [target[i] for i in attn_axes]
                      + [source[i] for i in attn_axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


def causal_mask(query_length: int, value_length: int) -> jax.Array:
    """`(1, T, S)` booleans: query step t sees value steps up to t."""
    rows = jnp.arange(query_length)[None, :, None]
    cols = jnp.arange(value_length)[None, None, :]
    return rows >= cols


def sliding_window_mask(query_length: int, value_length: int, window: int) -> jax.Array:
    """`(1, T, S)` booleans: steps closer than `window` to each other."""
    rows = jnp.arange(query_length)[None, :, None]
    cols = jnp.arange(value_length)[None, None, :]
    return jnp.abs(rows - cols) < window


def combine_masks(query_length: int, value_length: int, query_mask=None, value_mask=None,
                  key_mask=None, attention_mask=None, use_causal_mask: bool = False,
                  sliding_window: int | None = None):
    """One boolean `(B, T, S)` attention mask (or None) from the query's `(B, T)` mask,
    the value's / key's `(B, S)` masks, an explicit `attention_mask`, a causal and a
    sliding-window mask: all ANDed, as Keras's `_compute_attention_mask`."""
    parts = []
    if query_mask is not None:
        parts.append(jnp.asarray(query_mask).astype(bool)[..., :, None])
    for mask in (value_mask, key_mask):
        if mask is not None:
            parts.append(jnp.asarray(mask).astype(bool)[..., None, :])
    if use_causal_mask:
        parts.append(causal_mask(query_length, value_length))
    if sliding_window is not None:
        parts.append(sliding_window_mask(query_length, value_length, sliding_window))
    if attention_mask is not None:
        parts.insert(0, jnp.asarray(attention_mask).astype(bool))
    if not parts:
        return None
    mask = parts[0]
    for part in parts[1:]:
        mask = mask & part
    return mask


def masked_softmax(scores: jax.Array, mask, axes: tuple) -> jax.Array:
    """Softmax of `scores` over `axes`; masked-out entries get -1e9 before and 0 after
    (Keras's `Softmax` layer with a mask)."""
    if mask is not None:
        negative = -3e4 if scores.dtype == jnp.float16 else -1e9
        scores = jnp.where(mask, scores, jnp.asarray(negative, scores.dtype))
    if len(axes) > 1:
        probs = jnp.exp(scores - jax.nn.logsumexp(scores, axis=axes, keepdims=True))
    else:
        probs = jax.nn.softmax(scores, axis=axes[0])
    return probs if mask is None else jnp.where(mask, probs, jnp.zeros((), probs.dtype))


def expand_mask(mask, scores_rank: int, n_attention_axes: int):
    """Insert the heads axis (and any missing leading axes) into a `(B, T, S)` mask."""
    if mask is None:
        return None
    axis = -n_attention_axes * 2 - 1
    for _ in range(scores_rank - mask.ndim):
        mask = jnp.expand_dims(mask, axis)
    return mask


def explicit_attention(query, key, value, mask, scale: float, equations: tuple,
                       attention_axes: tuple, dropout=None) -> tuple:
    """(output, probabilities): `softmax(scale * q.k) . v` with einsum; `dropout` (a function
    or None) is applied to the probabilities used for the output, not those returned."""
    dot_equation, combine_equation, scores_rank = equations
    query = query * jnp.asarray(scale, query.dtype)
    scores = jnp.einsum(dot_equation, key, query)
    norm_axes = tuple(range(scores_rank - len(attention_axes), scores_rank))
    probs = masked_softmax(scores, expand_mask(mask, scores_rank, len(attention_axes)),
                           norm_axes)
    used = probs if dropout is None else dropout(probs)
    return jnp.einsum(combine_equation, used, value), probs


def fused_attention(query, key, value, mask, scale: float, is_causal: bool = False):
    """`jax.nn.dot_product_attention` on `(B, T, heads, dim)` tensors, as Keras's JAX backend
    calls it (XLA implementation)."""
    mask = expand_mask(mask, 4, 1)
    return jax.nn.dot_product_attention(query, key, value, mask=mask, scale=scale,
                                        is_causal=is_causal, implementation="xla")
