"""int4 for Dense, EinsumDense and Embedding, as Keras 3: weights packed two values per int8
byte along the output axis, either one symmetric scale per output channel (per row for
Embedding; `block_size` None / -1) or asymmetric scales and zero points per group of
`block_size` values ("int4/<block_size>" policies). EinsumDense works on its kernel reshaped
(plainly, as Keras) to (rows = product of the reduced axes, columns)."""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import jax.numpy as jnp
import numpy as np

from lamina import quantizers
from lamina.layers.quantized import einsum_axes, int8
from lamina.layers.quantized.scheme import QuantizedScheme, product_with_float_grad
from lamina.quantizers import AbsMaxQuantizer, Int4QuantizationConfig, QuantizationConfig

_INT4 = dict(value_range=(-8, 7), output_dtype="int8")


def block_size_of(layer, config) -> int | None:
    """The group size: the config's, else the layer's Int4DTypePolicy's (None = per
    channel), as Keras's `get_block_size_for_layer`."""
    if isinstance(config, Int4QuantizationConfig):
        block = config.block_size
    else:
        block = getattr(layer._own_policy(), "block_size", None)
    return None if block is None or block == -1 else block


def _policy_mode(config) -> str:
    block = getattr(config, "block_size", None)
    return f"int4/{-1 if block is None else block}"


def _add(layer, name: str, shape, dtype=None, initializer="zeros") -> None:
    setattr(layer, name, layer.add_weight(name=name, shape=tuple(shape), initializer=initializer,
                                          dtype=dtype, trainable=False))


def _add_groups(layer, prefix: str, scale_shape, length: int, block: int | None) -> None:
    """`<prefix>_scale`, and for groups `<prefix>_zero` and `g_idx` (group of each of
    `length` positions)."""
    _add(layer, f"{prefix}_scale", scale_shape, initializer="ones")
    if block is not None:
        _add(layer, f"{prefix}_zero", scale_shape, dtype="int8")
        _add(layer, "g_idx", (length,), dtype="float32")
        layer.g_idx.assign(jnp.arange(length, dtype="float32") // block)


# -- Dense and EinsumDense: a (rows, columns) kernel, groups of rows --------------------------
def _build_flat(layer, rows: int, columns: int, config) -> None:
    layer.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(config, None)
    _add(layer, "kernel", (rows, (columns + 1) // 2), dtype="int8")
    block = layer._int4_block_size = block_size_of(layer, config)
    layer._int4_columns = columns
    scale_shape = (columns,) if block is None else (-(-rows // block), columns)
    _add_groups(layer, "kernel", scale_shape, rows, block)


def _quantize_flat(layer, config, flat_kernel, rebuild) -> None:
    """Quantize the (rows, columns) `flat_kernel`, drop the float kernel, `rebuild(layer)` the
    int4 variables and fill them."""
    block = block_size_of(layer, config)
    zero = None
    if block is None:
        quantizer = QuantizationConfig.weight_quantizer_or_default(
            config, AbsMaxQuantizer(axis=0, **_INT4))
        values, scale = quantizer(flat_kernel, to_numpy=True)
        scale = jnp.squeeze(scale, axis=0)
    else:
        values, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(
            flat_kernel, block_size=block, to_numpy=True)
    layer._replace_variable("kernel", None)
    rebuild(layer)
    layer.kernel.assign(quantizers.pack_int4(values, axis=-1)[0])
    layer.kernel_scale.assign(scale)
    if zero is not None:
        layer.kernel_zero.assign(zero)


class _Geometry(NamedTuple):
    """How a layer applies its (rows, columns) kernel: `reshape` it to the layer's kernel,
    `product(inputs, kernel)`, the inputs' quantization `axis`, `scale_out` (an inputs scale
    laid out against the output) and `grad(upstream, kernel)` (the inputs' gradient)."""

    reshape: Callable
    product: Callable
    axis: Any
    scale_out: Callable
    grad: Callable


def _flat_product(layer, inputs, geo: _Geometry):
    """`geo.product(inputs, float kernel)` for the int4 kernel; with an inputs quantizer the
    inputs go through it (gradient through the dequantized kernel, as Keras)."""
    compute = layer.compute_dtype
    unpacked = quantizers.unpack_int4(layer.kernel.value, layer._int4_columns, axis=-1)
    if layer._int4_block_size is not None:
        float_kernel = quantizers.dequantize_with_sz_map(
            unpacked, layer.kernel_scale.value, layer.kernel_zero.value, layer.g_idx.value,
            group_axis=0).astype(compute)
        return geo.product(inputs, geo.reshape(float_kernel))
    quantizer = layer.inputs_quantizer
    if not quantizer:
        return geo.product(inputs, geo.reshape(unpacked.astype(compute)
                                               / layer.kernel_scale.value))

    def dequantized(kernel, kernel_scale):
        return geo.reshape(kernel.astype(compute) / kernel_scale)

    def forward(x, kernel, kernel_scale):
        x, x_scale = quantizer(x, axis=geo.axis)
        out = geo.product(x, dequantized(kernel, kernel_scale)).astype(compute)
        return out / geo.scale_out(x_scale)

    def backward(upstream, kernel, kernel_scale):
        return geo.grad(upstream, dequantized(kernel, kernel_scale))

    return product_with_float_grad(forward, backward, inputs, unpacked,
                                   layer.kernel_scale.value)


def _finish(layer, x):
    if layer.bias is not None:
        x = x + layer.bias.value
    return layer.activation(x)


def _dense_build(layer, kernel_shape, config=None) -> None:
    _build_flat(layer, kernel_shape[0], kernel_shape[1], config)


def _dense_quantize(layer, config) -> None:
    shape = tuple(layer.kernel.shape)
    _quantize_flat(layer, config, layer.kernel.numpy(),
                   lambda lyr: _dense_build(lyr, shape, config))


_DENSE_GEOMETRY = _Geometry(lambda k: k, jnp.matmul, -1, lambda s: s,
                            lambda upstream, k: jnp.matmul(upstream, k.T))


def _dense_call(layer, inputs, **kwargs):
    if layer._int4_block_size is not None:
        return _finish(layer, _flat_product(layer, inputs, _DENSE_GEOMETRY))
    unpacked = quantizers.unpack_int4(layer.kernel.value, layer.units, axis=-1)
    return _finish(layer, int8.scaled_matmul(layer, inputs, unpacked, layer.kernel_scale.value))


DENSE = QuantizedScheme(_dense_build, _dense_quantize, _dense_call,
                        ("kernel", "bias", "kernel_scale", "kernel_zero", "g_idx"),
                        policy_mode=_policy_mode)


def _einsum_flat(layer, kernel_shape) -> tuple[int, int]:
    reduced = einsum_axes.analyze(layer.equation, layer.input_spec.ndim).kernel_reduced
    rows = int(np.prod([d for i, d in enumerate(kernel_shape) if i in reduced]))
    return rows, int(np.prod(kernel_shape)) // rows


def _einsum_build(layer, kernel_shape, config=None) -> None:
    layer.original_kernel_shape = tuple(kernel_shape)
    layer.quantization_axis = tuple(einsum_axes.analyze(layer.equation,
                                                        layer.input_spec.ndim).input_reduced)
    _build_flat(layer, *_einsum_flat(layer, kernel_shape), config)


def _einsum_quantize(layer, config) -> None:
    shape = tuple(layer.kernel.shape)
    flat = layer.kernel.numpy().reshape(_einsum_flat(layer, shape))
    _quantize_flat(layer, config, flat, lambda lyr: _einsum_build(lyr, shape, config))


def _einsum_call(layer, inputs, **kwargs):
    axes = einsum_axes.analyze(layer.equation, layer.input_spec.ndim)
    geo = _Geometry(
        lambda k: k.reshape(layer.original_kernel_shape),
        lambda x, k: jnp.einsum(layer.equation, x, k), layer.quantization_axis,
        lambda s: einsum_axes.scale_for_output(s, axes.input_transpose, axes.input_expand,
                                               axes.input_squeeze),
        lambda upstream, k: jnp.einsum(axes.gradient_equation, upstream, k))
    return _finish(layer, _flat_product(layer, inputs, geo))


EINSUM_DENSE = QuantizedScheme(_einsum_build, _einsum_quantize, _einsum_call, DENSE.saved,
                               policy_mode=_policy_mode)


# -- Embedding: rows packed along output_dim; groups of `block_size` columns per row ---------
def _embedding_build(layer, shape, config=None) -> None:
    input_dim, output_dim = shape
    _add(layer, "embeddings", (input_dim, (output_dim + 1) // 2), dtype="int8")
    block = layer._int4_block_size = block_size_of(layer, config)
    scale_shape = (input_dim,) if block is None else (input_dim, -(-output_dim // block))
    _add_groups(layer, "embeddings", scale_shape, output_dim, block)


def _embedding_quantize(layer, config) -> None:
    table, shape = layer.embeddings.numpy(), tuple(layer.embeddings.shape)
    block = block_size_of(layer, config)
    zero = None
    if block is None:
        quantizer = QuantizationConfig.weight_quantizer_or_default(
            config, AbsMaxQuantizer(axis=-1, **_INT4))
        values, scale = quantizer(table, to_numpy=True)
        scale = jnp.squeeze(scale, axis=-1)
    else:
        values, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(
            table.T, block_size=block, to_numpy=True)
        values, scale, zero = values.T, scale.T, zero.T
    layer._replace_variable("embeddings", None)
    _embedding_build(layer, shape, config)
    layer.embeddings.assign(quantizers.pack_int4(values, axis=-1)[0])
    layer.embeddings_scale.assign(scale)
    if zero is not None:
        layer.embeddings_zero.assign(zero)


def _embedding_call(layer, inputs, **kwargs):
    if inputs.dtype not in (jnp.int32, jnp.int64):
        inputs = inputs.astype("int32")
    unpacked = quantizers.unpack_int4(layer.embeddings.value, layer.output_dim, axis=-1)
    rows = jnp.take(unpacked, inputs, axis=0).astype(layer.compute_dtype)
    scale = jnp.take(layer.embeddings_scale.value, inputs, axis=0)
    if layer._int4_block_size is None:
        return rows / jnp.expand_dims(scale, -1)
    zero = jnp.take(layer.embeddings_zero.value, inputs, axis=0)
    return quantizers.dequantize_with_sz_map(rows, scale, zero, layer.g_idx.value,
                                             group_axis=-1)


EMBEDDING = QuantizedScheme(_embedding_build, _embedding_quantize, _embedding_call,
                            ("embeddings", "embeddings_scale", "embeddings_zero", "g_idx"),
                            policy_mode=_policy_mode)
