"""EinsumDense: a dense layer whose product is any einsum `equation` (Keras's weight layout:
`kernel`, then `bias` over `bias_axes`)."""

from __future__ import annotations

import jax.numpy as jnp

from lamina import activations, constraints, initializers, quantizers, regularizers
from lamina.initializers import VarianceScaling
from lamina.layers.attention.einsum_spec import analyze_einsum
from lamina.layers.base import KerasTensor, Layer
from lamina.layers.input_spec import InputSpec
from lamina.layers.quantized import QuantizableMixin
from lamina.layers.quantized import float8 as _float8
from lamina.layers.quantized import int4 as _int4
from lamina.layers.quantized import int8 as _int8
from lamina.layers.weight_args import set_dense_like_args

__all__ = ["EinsumDense"]


class EinsumDense(QuantizableMixin, Layer):
    """`activation(einsum(equation, inputs, kernel) + bias)`, e.g. `"abc,cd->abd"` for a Dense
    over the last axis of a sequence, or `"abc,cde->abde"` for per-head projections."""

    _quantized_modes = {"int8": _int8.EINSUM_DENSE, "int4": _int4.EINSUM_DENSE,
                        "float8": _float8.EINSUM_DENSE}

    def __init__(self, equation: str, output_shape, activation=None, bias_axes: str | None = None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank: int | None = None,
                 lora_alpha: float | None = None, gptq_unpacked_column_size=None,
                 quantization_config=None, activity_regularizer=None, **kwargs):
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        if lora_rank or gptq_unpacked_column_size:
            raise NotImplementedError(
                f"EinsumDense '{self.name}': LoRA and GPTQ are not supported yet. "
                f"Received: lora_rank={lora_rank!r}, gptq_unpacked_column_size="
                f"{gptq_unpacked_column_size!r}. Leave them unset.")
        self.equation = equation
        self.partial_output_shape = ((output_shape,) if isinstance(output_shape, int)
                                     else tuple(output_shape))
        self.bias_axes = bias_axes
        set_dense_like_args(self, activation, bias_axes is not None, kernel_initializer,
                            bias_initializer, kernel_regularizer, bias_regularizer,
                            kernel_constraint, bias_constraint)
        self.lora_rank, self.lora_alpha, self.lora_enabled = None, None, False
        self.quantization_config = quantizers.get(quantization_config)

    def _kernel_initializer_for(self, input_axes: list, output_axes: list):
        """A variance-scaling initializer counts fans over the einsum's input / output axes
        of the kernel (as Keras), not over its last two axes."""
        init = self.kernel_initializer
        if not isinstance(init, VarianceScaling) or (
                init.input_axes is not None and init.output_axes is not None):
            return init
        config = {**init.get_config(), "seed": init.seed, "input_axes": input_axes,
                  "output_axes": output_axes}
        return type(init).from_config(config)

    def build(self, input_shape) -> None:
        shapes = analyze_einsum(self.equation, self.bias_axes, input_shape,
                                self.partial_output_shape)
        self.input_spec = InputSpec(ndim=len(input_shape))
        if self.quantization_mode:
            self._quantized_build(tuple(shapes.kernel_shape))
        if self._builds_float_weight():
            self.kernel = self.add_weight(
                name="kernel", shape=tuple(shapes.kernel_shape),
                initializer=self._kernel_initializer_for(shapes.input_axes,
                                                         shapes.output_axes),
                regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if shapes.bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=tuple(shapes.bias_shape),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def call(self, inputs, training=None):
        if self.quantization_mode:
            return self._quantized_call(inputs, training=training)
        x = jnp.einsum(self.equation, inputs, self.kernel.value)
        if self.bias is not None:
            x = x + self.bias.value
        return self.activation(x)

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(analyze_einsum(self.equation, self.bias_axes, input_shape,
                                    self.partial_output_shape).output_shape)

    def compute_output_spec(self, inputs, *args, **kwargs) -> KerasTensor:
        """Symbolic output by tracing `call` (as Keras), so axes the einsum carries over keep
        their known sizes where `compute_output_shape` reports None."""
        shape = tuple(inputs.shape)
        self._maybe_build(shape)
        return KerasTensor(Layer.compute_output_shape(self, shape),
                           self.compute_output_dtype(inputs.dtype), name=self.name)

    def get_config(self) -> dict:
        return {**super().get_config(),
                "output_shape": self.partial_output_shape, "equation": self.equation,
                "activation": activations.serialize(self.activation),
                "bias_axes": self.bias_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "quantization_config": quantizers.serialize(self.quantization_config)}
