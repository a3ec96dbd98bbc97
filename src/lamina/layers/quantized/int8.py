"""int8 for Dense, EinsumDense and Embedding, as Keras 3: weights abs-max quantized per output
channel (per row for Embedding), inputs abs-max quantized per row at call, an int8 x int8
product accumulated in int32, then divided by both scales."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from lamina.layers.quantized import einsum_axes
from lamina.layers.quantized.scheme import QuantizedScheme, product_with_float_grad
from lamina.quantizers import AbsMaxQuantizer, QuantizationConfig


def _int8_weight(layer, name: str, shape) -> None:
    setattr(layer, name, layer.add_weight(name=name, shape=tuple(shape), initializer="zeros",
                                          dtype="int8", trainable=False))


def _scale(layer, name: str, shape) -> None:
    setattr(layer, name, layer.add_weight(name=name, shape=tuple(shape), initializer="ones",
                                          trainable=False))


def _inputs_quantizer(layer, config) -> None:
    layer.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(
        config, AbsMaxQuantizer())


def _finish(layer, x):
    if layer.bias is not None:
        x = x + layer.bias.value
    return layer.activation(x)


# -- Dense ------------------------------------------------------------------------------------
def _dense_build(layer, kernel_shape, config=None) -> None:
    _inputs_quantizer(layer, config)
    _int8_weight(layer, "kernel", kernel_shape)
    _scale(layer, "kernel_scale", (layer.units,))


def _dense_quantize(layer, config) -> None:
    quantizer = QuantizationConfig.weight_quantizer_or_default(config, AbsMaxQuantizer(axis=0))
    kernel, scale = quantizer(layer.kernel.numpy(), to_numpy=True)
    shape = layer.kernel.shape
    layer._replace_variable("kernel", None)
    _dense_build(layer, shape, config)
    layer.kernel.assign(kernel)
    layer.kernel_scale.assign(jnp.squeeze(scale, axis=0))


def scaled_matmul(layer, inputs, kernel, kernel_scale):
    """`inputs @ kernel / kernel_scale` for an integer `kernel` (int8 or unpacked int4), the
    inputs through `layer.inputs_quantizer` when set; gradient via the dequantized kernel."""
    compute = layer.compute_dtype
    quantizer = layer.inputs_quantizer

    def forward(x, kernel, kernel_scale):
        if quantizer:
            x, x_scale = quantizer(x, axis=-1)
            kernel_scale = kernel_scale * x_scale
        out = jnp.matmul(x, kernel, preferred_element_type=_accumulator(x, kernel))
        return out.astype(compute) / kernel_scale

    def backward(upstream, kernel, kernel_scale):
        return jnp.matmul(upstream, (kernel.astype(compute) / kernel_scale).T)

    return product_with_float_grad(forward, backward, inputs, kernel, kernel_scale)


def _dense_call(layer, inputs, **kwargs):
    return _finish(layer, scaled_matmul(layer, inputs, layer.kernel.value,
                                        layer.kernel_scale.value))


def _accumulator(x, kernel):
    """int32 for int8 x int8 (as Keras's JAX backend), else the default promotion."""
    return jnp.int32 if x.dtype == jnp.int8 and kernel.dtype == jnp.int8 else None


DENSE = QuantizedScheme(_dense_build, _dense_quantize, _dense_call,
                        ("kernel", "bias", "kernel_scale"))


# -- EinsumDense ------------------------------------------------------------------------------
def _axes(layer) -> einsum_axes.EinsumAxes:
    return einsum_axes.analyze(layer.equation, layer.input_spec.ndim)


def _einsum_build(layer, kernel_shape, config=None) -> None:
    axes = _axes(layer)
    _inputs_quantizer(layer, config)
    layer.quantization_axis = tuple(axes.input_reduced)
    _int8_weight(layer, "kernel", kernel_shape)
    keep = np.array(kernel_shape)
    keep[axes.kernel_reduced] = 1
    scale_shape = einsum_axes.scale_for_output(np.ones(tuple(keep)), axes.kernel_transpose,
                                               axes.kernel_expand, axes.kernel_squeeze).shape
    _scale(layer, "kernel_scale", scale_shape)


def _einsum_quantize(layer, config) -> None:
    axes = _axes(layer)
    quantizer = QuantizationConfig.weight_quantizer_or_default(
        config, AbsMaxQuantizer(axis=axes.kernel_reduced))
    kernel, scale = quantizer(layer.kernel.numpy(), to_numpy=True)
    shape = layer.kernel.shape
    layer._replace_variable("kernel", None)
    _einsum_build(layer, shape, config)
    layer.kernel.assign(kernel)
    layer.kernel_scale.assign(einsum_axes.scale_for_output(
        scale, axes.kernel_transpose, axes.kernel_expand, axes.kernel_squeeze))


def _einsum_call(layer, inputs, **kwargs):
    axes, compute, equation = _axes(layer), layer.compute_dtype, layer.equation
    quantizer = layer.inputs_quantizer

    def forward(x, kernel, kernel_scale):
        if quantizer:
            x, x_scale = quantizer(x, axis=layer.quantization_axis)
            x_scale = einsum_axes.scale_for_output(x_scale, axes.input_transpose,
                                                   axes.input_expand, axes.input_squeeze)
            kernel_scale = x_scale * kernel_scale
        out = jnp.einsum(equation, x, kernel, preferred_element_type=_accumulator(x, kernel))
        return out.astype(compute) / kernel_scale

    def backward(upstream, kernel, kernel_scale):
        float_kernel = kernel.astype(compute) / einsum_axes.scale_for_kernel(kernel_scale, axes)
        return jnp.einsum(axes.gradient_equation, upstream, float_kernel)

    x = product_with_float_grad(forward, backward, inputs, layer.kernel.value,
                                layer.kernel_scale.value)
    return _finish(layer, x)


EINSUM_DENSE = QuantizedScheme(_einsum_build, _einsum_quantize, _einsum_call,
                               ("kernel", "bias", "kernel_scale"))


# -- Embedding --------------------------------------------------------------------------------
def _embedding_build(layer, shape, config=None) -> None:
    _int8_weight(layer, "embeddings", shape)
    _scale(layer, "embeddings_scale", (layer.input_dim,))


def _embedding_quantize(layer, config) -> None:
    quantizer = QuantizationConfig.weight_quantizer_or_default(config,
                                                               AbsMaxQuantizer(axis=-1))
    table, scale = quantizer(layer.embeddings.numpy(), to_numpy=True)
    shape = layer.embeddings.shape
    layer._replace_variable("embeddings", None)
    _embedding_build(layer, shape, config)
    layer.embeddings.assign(table)
    layer.embeddings_scale.assign(jnp.squeeze(scale, axis=-1))


def _embedding_call(layer, inputs, **kwargs):
    if inputs.dtype not in (jnp.int32, jnp.int64):
        inputs = inputs.astype("int32")
    scale = jnp.take(layer.embeddings_scale.value, inputs, axis=0)
    rows = jnp.take(layer.embeddings.value, inputs, axis=0)
    return rows.astype(layer.compute_dtype) / jnp.expand_dims(scale, -1)


EMBEDDING = QuantizedScheme(_embedding_build, _embedding_quantize, _embedding_call,
                            ("embeddings", "embeddings_scale"))
