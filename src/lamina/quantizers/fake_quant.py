"""`fake_quant_with_min_max_vars`: quantize-dequantize inputs to `num_bits` within a trainable
`[min, max]` range (TensorFlow's op, as Keras 3 computes it), with its straight-through
gradient: to the inputs inside the range, to `min` / `max` from the values clipped to them."""

from __future__ import annotations

import jax
import jax.numpy as jnp


def _nudged_range(min_range, max_range, num_bits: int, narrow_range: bool):
    """`(nudged_min, nudged_max, scale, inv_scale)`: the range moved so that zero is exact."""
    dtype = jnp.result_type(min_range, jnp.float32)
    min_range, max_range = jnp.asarray(min_range, dtype), jnp.asarray(max_range, dtype)
    quant_max, quant_min = (1 << num_bits) - 1, 1 if narrow_range else 0
    scale = (max_range - min_range) / (quant_max - quant_min)
    inv_scale = (quant_max - quant_min) / (max_range - min_range)
    zero_point = jnp.round(jnp.clip(quant_min - min_range / scale, quant_min, quant_max))
    return (quant_min - zero_point) * scale, (quant_max - zero_point) * scale, scale, inv_scale


def fake_quant_with_min_max_vars(inputs, min_vals, max_vals, num_bits: int = 8,
                                 narrow_range: bool = False, axis: int | None = None):
    """`inputs` fake-quantized to `num_bits` levels in `[min_vals, max_vals]` (scalars, or one
    per channel along `axis`)."""
    inputs = jnp.asarray(inputs)
    if not jnp.issubdtype(inputs.dtype, jnp.floating):
        raise TypeError("fake_quant_with_min_max_vars expects float inputs. Received: "
                        f"inputs.dtype={inputs.dtype}. Cast them first, e.g. x.astype('float32').")

    @jax.custom_vjp
    def fake_quant(x, low, high):
        return _forward(x, low, high)[0]

    def _forward(x, low, high):
        nudged_min, nudged_max, scale, inv_scale = _nudged_range(low, high, num_bits,
                                                                 narrow_range)
        quant_zero = jnp.floor(-nudged_min * inv_scale + 0.5)
        shifted = jnp.clip(x.astype(nudged_min.dtype), nudged_min, nudged_max) - nudged_min
        result = jnp.floor(shifted * inv_scale - quant_zero + 0.5) * scale
        return result.astype(x.dtype), (x, low, high, nudged_min, nudged_max)

    def _backward(residuals, upstream):
        x, low, high, nudged_min, nudged_max = residuals
        inside = (x >= nudged_min) & (x <= nudged_max)
        axes = None if axis is None else tuple(i for i in range(x.ndim) if i != axis % x.ndim)
        grad_min = jnp.sum(jnp.where(x <= nudged_min, upstream, 0.0), axis=axes)
        grad_max = jnp.sum(jnp.where(x >= nudged_max, upstream, 0.0), axis=axes)
        return (jnp.where(inside, upstream, 0.0), grad_min.reshape(jnp.shape(low)),
                grad_max.reshape(jnp.shape(high)))

    fake_quant.defvjp(_forward, _backward)
    return fake_quant(inputs, jnp.asarray(min_vals), jnp.asarray(max_vals))
