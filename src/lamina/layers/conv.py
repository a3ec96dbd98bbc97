"""Conv1D, Conv2D and Conv3D: one `_Conv(rank)` base on `jax.lax.conv_general_dilated`, or on
CPU for small channels-last convolutions its matmul form (layers/conv_im2col.py), which also
lets the engine scan several training steps in one call."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import errors, regularizers
from lamina.layers import conv_im2col as im2col
from lamina.layers import conv_shifted as shifted
from lamina.layers import conv_utils as cu
from lamina.layers.base import Layer
from lamina.layers.weight_args import dense_like_config, set_dense_like_args
from lamina.layers.input_spec import InputSpec, shape_str

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D"]


def dimension_numbers(rank: int, data_format: str) -> jax.lax.ConvDimensionNumbers:
    """lax dimension numbers for inputs in `data_format` and a Keras kernel (*k, in, out)."""
    spatial = tuple(range(2, rank + 2)) if data_format == "channels_first" else tuple(
        range(1, rank + 1))
    lhs = (0, 1, *spatial) if data_format == "channels_first" else (0, rank + 1, *spatial)
    return jax.lax.ConvDimensionNumbers(lhs, (rank + 1, rank, *range(rank)), lhs)


class _Conv(Layer):
    """N-D convolution with a kernel of shape (*kernel_size, in_channels // groups, filters)."""

    rank: int = 0
    allows_causal = True  # for rank 1; Keras's depthwise and separable layers refuse it

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate=1, groups: int = 1,
                 activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        kwargs.pop("lora_rank", None), kwargs.pop("lora_alpha", None)
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        label = errors.layer_label(self)
        self.filters = positive_int(filters, "filters", label)
        self.groups = positive_int(groups, "groups", label)
        self.kernel_size = cu.normalize_tuple(kernel_size, self.rank, "kernel_size", label)
        self.strides = cu.normalize_tuple(strides, self.rank, "strides", label)
        self.dilation_rate = cu.normalize_tuple(dilation_rate, self.rank, "dilation_rate", label)
        self.padding = cu.normalize_padding(padding, label, allow_causal=self.rank == 1 and self.allows_causal)
        self.data_format = cu.normalize_data_format(data_format, label)
        set_dense_like_args(self, activation, use_bias, kernel_initializer, bias_initializer,
                            kernel_regularizer, bias_regularizer, kernel_constraint,
                            bias_constraint)
        self._check_args(label)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _check_args(self, label: str) -> None:
        if self.filters % self.groups:
            raise errors.ConfigError(errors.message(
                "needs filters divisible by groups.", where=label,
                got=f"filters={self.filters}, groups={self.groups}",
                fix="Choose filters as a multiple of groups."))
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise errors.ConfigError(errors.message(
                "cannot combine strides > 1 with dilation_rate > 1.", where=label,
                got=f"strides={self.strides}, dilation_rate={self.dilation_rate}",
                fix="Use strides=1 or dilation_rate=1."))

    # -- shapes ----------------------------------------------------------------------------
    def _input_channels(self, input_shape) -> int:
        cu.check_spatial_input(self, input_shape, self.rank, self.data_format)
        channels = input_shape[cu.channel_axis(self.data_format)]
        if channels is None or channels % self.groups:
            raise errors.ShapeError(errors.message(
                "needs a known number of input channels divisible by groups.",
                where=errors.layer_label(self), got=f"input shape {shape_str(input_shape)}, "
                f"groups={self.groups}", fix="Give the inputs a fixed channel axis."))
        return channels

    def _spatial_out(self, input_shape) -> tuple:
        axes = cu.spatial_axes(self.rank, self.data_format)
        out = tuple(self._out_length(input_shape[a], i) for i, a in enumerate(axes))
        if any(o is not None and o <= 0 for o in out):
            raise errors.ShapeError(errors.message(
                f"has a kernel larger than its input with padding='{self.padding}'.",
                where=errors.layer_label(self),
                got=f"input shape {shape_str(tuple(input_shape))}, kernel_size="
                f"{self.kernel_size}, dilation_rate={self.dilation_rate}",
                fix="Use padding='same', a smaller kernel_size, or larger inputs."))
        return out

    def _out_length(self, length: int | None, i: int) -> int | None:
        """Output size of spatial axis `i` for an input of `length` (None if unknown)."""
        return cu.output_length(length, self.kernel_size[i], "same" if self.padding == "causal"
                                else self.padding, self.strides[i], self.dilation_rate[i])

    def _kernel_shape(self, channels: int) -> tuple:
        return (*self.kernel_size, channels // self.groups, self.filters)

    def compute_output_shape(self, input_shape) -> tuple:
        self._input_channels(input_shape)
        spatial = self._spatial_out(input_shape)
        if self.data_format == "channels_last":
            return (input_shape[0], *spatial, self.filters)
        return (input_shape[0], self.filters, *spatial)

    # -- weights and maths -------------------------------------------------------------------
    def build(self, input_shape) -> None:
        channels = self._input_channels(input_shape)
        self._spatial_out(input_shape)
        self.kernel = self.add_weight(name="kernel", shape=self._kernel_shape(channels),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    axes={cu.channel_axis(self.data_format): channels})

    def _lax_padding(self):
        if self.padding == "causal":
            return [(self.dilation_rate[0] * (self.kernel_size[0] - 1), 0)]
        return self.padding.upper()

    @property
    def fuse_steps(self) -> bool:
        """Several training steps may share a compiled call when the convolution takes the
        matmul or the shifted-window form; XLA:CPU runs scanned lax convolutions ~10x slower
        than unscanned ones."""
        return self.built and (self._matmul_form(self._build_shape, self.kernel.shape) or
                               self._depthwise_form(self.kernel.shape))

    def _depthwise_form(self, kernel_shape) -> bool:
        """One group per input channel (ConvNeXt's 7x7 convolutions): a depthwise convolution,
        computed as shifted windows on CPU (layers/conv_shifted.py)."""
        return self.groups > 1 and kernel_shape[-2] == 1 and shifted.usable(self.data_format)

    def _matmul_form(self, input_shape, kernel_shape) -> bool:
        return im2col.usable(input_shape, kernel_shape, self.strides, self.dilation_rate,
                             self.data_format, self.groups)

    def convolution_op(self, inputs, kernel):
        if self._depthwise_form(kernel.shape):  # output c * m + j: input channel c's filter j
            pads = im2col.explicit_padding(self.padding, inputs.shape[1:-1], self.kernel_size,
                                           self.strides, self.dilation_rate)
            per_channel = kernel.reshape(*kernel.shape[:-2], self.groups, -1)
            return shifted.depthwise(inputs, per_channel, self.strides, pads,
                                     self.dilation_rate)
        if self._matmul_form(inputs.shape, kernel.shape):
            pads = im2col.explicit_padding(self.padding, inputs.shape[1:-1], self.kernel_size,
                                           self.strides, self.dilation_rate)
            return im2col.convolve(inputs, kernel, self.strides, pads, self.dilation_rate)
        return jax.lax.conv_general_dilated(
            inputs, kernel, self.strides, self._lax_padding(), rhs_dilation=self.dilation_rate,
            dimension_numbers=dimension_numbers(self.rank, self.data_format),
            feature_group_count=self.groups)

    def call(self, inputs):
        outputs = self.convolution_op(inputs, self.kernel.value)
        if self.bias is not None:
            outputs = outputs + bias_shaped(self.bias.value, self.rank, self.data_format)
        return self.activation(outputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate, "groups": self.groups,
                **conv_weight_config(self)}


def bias_shaped(bias, rank: int, data_format: str):
    if data_format == "channels_last":
        return bias
    return jnp.reshape(bias, (bias.shape[0],) + (1,) * rank)


def conv_weight_config(layer) -> dict:
    """The shared weight arguments plus activity_regularizer, which Keras's conv configs
    always carry."""
    return {**dense_like_config(layer),
            "activity_regularizer": regularizers.serialize(layer.activity_regularizer)}


def positive_int(value, name: str, label: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise errors.ConfigError(errors.message(
            f"needs a strictly positive integer '{name}'.", where=label,
            got=f"{name}={value!r}", fix=f"Pass {name} >= 1."))
    return value


class Conv1D(_Conv):
    """1D convolution over (batch, steps, channels); padding may also be 'causal'."""

    rank = 1


class Conv2D(_Conv):
    """2D convolution over (batch, height, width, channels) images."""

    rank = 2


class Conv3D(_Conv):
    """3D convolution over (batch, depth, height, width, channels) volumes."""

    rank = 3


Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D


from lamina.layers.conv_depthwise import *  # noqa: E402,F401,F403
from lamina.layers.conv_depthwise import __all__ as _depthwise_all  # noqa: E402
from lamina.layers.conv_transpose import *  # noqa: E402,F401,F403
from lamina.layers.conv_transpose import __all__ as _transpose_all  # noqa: E402

__all__ += [*_transpose_all, *_depthwise_all]
