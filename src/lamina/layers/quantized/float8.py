"""float8 training for Dense and EinsumDense, as Keras 3: delayed-scaling fake quantization.
The float kernel stays and trains; the inputs and the kernel go through float8_e4m3fn and the
output's gradient through float8_e5m2 at scales kept in variables. In training the new scales
and amax histories come out *as the gradients* of those variables (flagged
`overwrite_with_gradient`), and the optimizer assigns them (lamina.optimizers.overwrite)."""

from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp
import ml_dtypes

from lamina.layers.quantized.scheme import QuantizedScheme
from lamina.quantizers import (compute_float8_amax_history, compute_float8_scale,
                               quantize_and_dequantize)

DEFAULT_AMAX_HISTORY_LENGTH = 1024  # QuantizedFloat8DTypePolicy.default_amax_history_length
_FORWARD, _BACKWARD = "float8_e4m3fn", "float8_e5m2"
SAVED = ("kernel", "bias", "inputs_scale", "inputs_amax_history", "kernel_scale",
         "kernel_amax_history", "outputs_grad_scale", "outputs_grad_amax_history")


def _build(layer, kernel_shape=None, config=None) -> None:
    """The scale and amax-history variables (float32, trainable so that they get gradients,
    never autocast), with the history length of the layer's float8 policy."""
    length = getattr(layer._own_policy(), "amax_history_length", DEFAULT_AMAX_HISTORY_LENGTH)
    for prefix in ("inputs", "kernel", "outputs_grad"):
        for suffix, shape, initializer in (("scale", (), "ones"),
                                           ("amax_history", (length,), "zeros")):
            name = f"{prefix}_{suffix}"
            setattr(layer, name, layer.add_weight(
                name=name, shape=shape, initializer=initializer, dtype="float32",
                trainable=True, autocast=False, overwrite_with_gradient=True))


def _quantize(layer, config) -> None:
    _build(layer)


def _next_scale(scale, amax_history, dtype: str):
    dtype_max = jnp.asarray(float(ml_dtypes.finfo(dtype).max), "float32")
    return compute_float8_scale(jnp.max(amax_history, axis=0), scale, dtype_max)


def _qdq_forward(x, scale, amax_history, compute_dtype: str, training: bool):
    """`x` through float8_e4m3fn; gradient: straight through to `x`, and (in training) the
    next scale and amax history to `scale` and `amax_history`."""

    @jax.custom_vjp
    def qdq(x, scale, amax_history):
        return quantize_and_dequantize(x, scale, _FORWARD, compute_dtype)

    def fwd(x, scale, amax_history):
        if training:
            updates = (_next_scale(scale, amax_history, _FORWARD),
                       compute_float8_amax_history(x, amax_history))
        else:
            updates = (jnp.zeros_like(scale), jnp.zeros_like(amax_history))
        return qdq(x, scale, amax_history), updates

    def bwd(updates, upstream):
        return (upstream, *updates)

    qdq.defvjp(fwd, bwd)
    return qdq(x, scale, amax_history)


def _qdq_output_grad(outputs, scale, amax_history, compute_dtype: str):
    """`outputs` unchanged; their gradient goes through float8_e5m2, and the next scale and
    amax history (from that gradient) become the gradients of `scale` and `amax_history`."""

    @jax.custom_vjp
    def qdq(outputs, scale, amax_history):
        return outputs

    def fwd(outputs, scale, amax_history):
        return outputs, (scale, amax_history)

    def bwd(residuals, upstream):
        scale, amax_history = residuals
        return (quantize_and_dequantize(upstream, scale, _BACKWARD, compute_dtype),
                _next_scale(scale, amax_history, _BACKWARD),
                compute_float8_amax_history(upstream, amax_history))

    qdq.defvjp(fwd, bwd)
    return qdq(outputs, scale, amax_history)


def _call_with(product: Callable) -> Callable:
    """The float8 call of a layer whose float product is `product(layer, inputs, kernel)`."""

    def call(layer, inputs, training=None, **kwargs):
        compute, training = layer.compute_dtype, bool(training)
        inputs = _qdq_forward(inputs, layer.inputs_scale.value,
                              layer.inputs_amax_history.value, compute, training)
        kernel = _qdq_forward(layer.kernel.value, layer.kernel_scale.value,
                              layer.kernel_amax_history.value, compute, training)
        x = _qdq_output_grad(product(layer, inputs, kernel), layer.outputs_grad_scale.value,
                             layer.outputs_grad_amax_history.value, compute)
        if layer.bias is not None:
            bias = layer.bias.value
            if compute == "float32":  # as Keras: the bias is rounded through bfloat16
                bias = bias.astype(jnp.bfloat16).astype(bias.dtype)
            x = x + bias
        return layer.activation(x)

    return call


DENSE = QuantizedScheme(_build, _quantize, _call_with(lambda _, x, k: jnp.matmul(x, k)), SAVED,
                        keeps_float_weight=True)
EINSUM_DENSE = QuantizedScheme(
    _build, _quantize, _call_with(lambda layer, x, k: jnp.einsum(layer.equation, x, k)), SAVED,
    keeps_float_weight=True)
