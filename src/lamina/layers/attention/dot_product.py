"""The scaled-dot-product core of the attention layers, with every mask in one place.

Two formulations, chosen as Keras 3 chooses them so the numbers match:
- the fused one (`jax.nn.dot_product_attention`'s arithmetic, masked logits set to -0.7 * float
  max, so a fully masked row averages all values) when there is no dropout, no scores are
  returned and the projected tensors have rank 4;
- the explicit einsum one otherwise (masked logits set to -1e9, and masked probabilities
  zeroed after the softmax, so a fully masked row gives zeros).
"""

from __future__ import annotations

import functools
import string

import jax
import jax.numpy as jnp
import numpy as np

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
    """Keras's JAX formulation (`jax.nn.dot_product_attention`, XLA implementation) on
    `(B, T, heads, dim)` tensors: the same arithmetic, with masked logits set to -0.7 * float
    max. For float32/float64 and equal head counts it runs `_attention_core`, which XLA:CPU
    executes ~1.4x faster (forward and backward) than `jax.nn.dot_product_attention`."""
    mask = expand_mask(mask, 4, 1)
    same_heads = query.shape[2] == key.shape[2]
    if query.dtype not in (jnp.float32, jnp.float64) or not same_heads:
        return jax.nn.dot_product_attention(query, key, value, mask=mask, scale=scale,
                                            is_causal=is_causal, implementation="xla")
    if is_causal:
        causal = causal_mask(query.shape[1], key.shape[1])[:, None]
        mask = causal if mask is None else mask & causal
    q, k, v = (jnp.swapaxes(t, 1, 2) for t in (query, key, value))  # (B, heads, T, dim)
    return jnp.swapaxes(_attention_core(q, k, v, mask, float(scale)), 1, 2)


def _masked_probabilities(q, k, mask, scale: float):
    logits = (q @ jnp.swapaxes(k, -1, -2)) * jnp.asarray(scale, q.dtype)
    if mask is not None:
        logits = jnp.where(mask, logits, jnp.asarray(-0.7 * jnp.finfo(logits.dtype).max,
                                                     logits.dtype))
    return jax.nn.softmax(logits, axis=-1)


@functools.partial(jax.custom_vjp, nondiff_argnums=(4,))
def _attention_core(q, k, v, mask, scale: float):
    """`softmax(mask(q k^T * scale)) v` on `(B, heads, T, dim)` tensors, with the softmax
    gradient written out (`p * (dp - sum(dp * p))`): autodiff through `jax.nn.softmax` and
    the transposed einsums costs XLA:CPU a third more time."""
    return _masked_probabilities(q, k, mask, scale) @ v


def _attention_core_forward(q, k, v, mask, scale: float):
    probs = _masked_probabilities(q, k, mask, scale)
    return probs @ v, (q, k, v, mask, probs)


def _attention_core_backward(scale: float, residuals, d_out):
    q, k, v, mask, probs = residuals
    d_value = jnp.swapaxes(probs, -1, -2) @ d_out
    d_probs = d_out @ jnp.swapaxes(v, -1, -2)
    d_logits = probs * (d_probs - jnp.sum(d_probs * probs, axis=-1, keepdims=True))
    d_logits = d_logits * jnp.asarray(scale, d_logits.dtype)
    if mask is not None:
        d_logits = jnp.where(mask, d_logits, jnp.zeros((), d_logits.dtype))
    mask_cotangent = None if mask is None else np.zeros(mask.shape, jax.dtypes.float0)
    return d_logits @ k, jnp.swapaxes(d_logits, -1, -2) @ q, d_value, mask_cotangent


_attention_core.defvjp(_attention_core_forward, _attention_core_backward)
