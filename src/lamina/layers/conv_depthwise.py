"""DepthwiseConv1D/2D and SeparableConv1D/2D: per-channel convolution (then a 1x1 mixing)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import constraints, errors, initializers, regularizers
from lamina.layers import conv_im2col as im2col
from lamina.layers import conv_shifted as shifted
from lamina.layers import conv_utils as cu
from lamina.layers.conv import _Conv, dimension_numbers, positive_int
from lamina.layers.input_spec import InputSpec

__all__ = ["DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
           "SeparableConvolution1D", "SeparableConvolution2D"]


def depthwise(layer: _Conv, inputs, kernel):
    """Convolve each input channel with its own `depth_multiplier` filters (Keras layout)."""
    if shifted.usable(layer.data_format):
        pads = im2col.explicit_padding(layer.padding, inputs.shape[1:-1], layer.kernel_size,
                                       layer.strides, layer.dilation_rate)
        return shifted.depthwise(inputs, kernel, layer.strides, pads, layer.dilation_rate)
    channels, multiplier = kernel.shape[-2], kernel.shape[-1]
    kernel = jnp.reshape(kernel, (*kernel.shape[:-2], 1, channels * multiplier))
    return jax.lax.conv_general_dilated(
        inputs, kernel, layer.strides, layer._lax_padding(), rhs_dilation=layer.dilation_rate,
        dimension_numbers=dimension_numbers(layer.rank, layer.data_format),
        feature_group_count=channels)


class _DepthwiseConv(_Conv):
    """Per-channel convolution: kernel (*kernel_size, channels, depth_multiplier)."""

    allows_causal = False

    @property
    def fuse_steps(self) -> bool:
        """Scanned steps only with the shifted-window form (XLA:CPU runs scanned lax
        convolutions ~10x slower)."""
        return shifted.usable(self.data_format)

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier: int = 1,
                 data_format=None, dilation_rate=1, activation=None, use_bias: bool = True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        _init_with_depthwise_kernel(
            self, depth_multiplier, depth_multiplier, kernel_size, depthwise_initializer,
            depthwise_regularizer, depthwise_constraint, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, bias_initializer=bias_initializer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            bias_constraint=bias_constraint, **kwargs)

    def _kernel_shape(self, channels: int) -> tuple:
        return (*self.kernel_size, channels, self.depth_multiplier)

    def build(self, input_shape) -> None:
        self.filters = self._input_channels(input_shape) * self.depth_multiplier
        super().build(input_shape)

    def compute_output_shape(self, input_shape) -> tuple:
        self.filters = self._input_channels(input_shape) * self.depth_multiplier
        return super().compute_output_shape(input_shape)

    def convolution_op(self, inputs, kernel):
        return depthwise(self, inputs, kernel)

    def get_config(self) -> dict:
        config = super().get_config()
        for key in ("filters", "groups"):
            del config[key]
        return {**_renamed(config, "kernel", "depthwise"),
                "depth_multiplier": self.depth_multiplier}


class _SeparableConv(_Conv):
    """Depthwise convolution followed by a 1x1 (pointwise) convolution to `filters`."""

    allows_causal = False

    def __init__(self, filters: int, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, depth_multiplier: int = 1, activation=None,
                 use_bias: bool = True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        _init_with_depthwise_kernel(
            self, filters, depth_multiplier, kernel_size, depthwise_initializer,
            depthwise_regularizer, depthwise_constraint, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, bias_initializer=bias_initializer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            bias_constraint=bias_constraint, **kwargs)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape) -> None:
        channels = self._input_channels(input_shape)
        self._spatial_out(input_shape)
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=(*self.kernel_size, channels, self.depth_multiplier),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel", shape=(*(1,) * self.rank, channels * self.depth_multiplier,
                                 self.filters), initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    axes={cu.channel_axis(self.data_format): channels})
        self.kernel = self.depthwise_kernel

    @property
    def fuse_steps(self) -> bool:
        """Scanned steps only when both convolutions avoid lax's (see `_DepthwiseConv`)."""
        return self.built and self._pointwise_as_matmul(self._build_shape)

    def _pointwise_as_matmul(self, input_shape) -> bool:
        ones = (1,) * self.rank
        spread = (*input_shape[:-1], self.pointwise_kernel.shape[-2])
        return shifted.usable(self.data_format) and im2col.usable(
            spread, self.pointwise_kernel.shape, ones, ones, self.data_format, 1)

    def convolution_op(self, inputs, kernel):
        spread = depthwise(self, inputs, kernel)
        ones = (1,) * self.rank
        if self._pointwise_as_matmul(inputs.shape):
            return im2col.convolve(spread, self.pointwise_kernel.value, ones,
                                   [(0, 0)] * self.rank, ones)
        return jax.lax.conv_general_dilated(
            spread, self.pointwise_kernel.value, ones, "VALID",
            dimension_numbers=dimension_numbers(self.rank, self.data_format))

    def get_config(self) -> dict:
        config = _renamed(super().get_config(), "kernel", "depthwise")
        del config["groups"]
        return {**config, "depth_multiplier": self.depth_multiplier,
                "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
                "pointwise_constraint": constraints.serialize(self.pointwise_constraint)}


def _init_with_depthwise_kernel(layer: _Conv, filters, depth_multiplier, kernel_size,
                                depthwise_initializer, depthwise_regularizer,
                                depthwise_constraint, **conv_kwargs) -> None:
    """_Conv.__init__ with the depthwise_* arguments as its kernel_* ones, then
    depth_multiplier: what the depthwise and separable layers share."""
    _Conv.__init__(layer, filters, kernel_size, kernel_initializer=depthwise_initializer,
                   kernel_regularizer=depthwise_regularizer,
                   kernel_constraint=depthwise_constraint, **conv_kwargs)
    layer.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier",
                                          errors.layer_label(layer))


def _renamed(config: dict, old: str, new: str) -> dict:
    """kernel_initializer -> depthwise_initializer, etc."""
    return {(new + key[len(old):] if key.startswith(old + "_") and key != "kernel_size" else key):
            value for key, value in config.items()}


class DepthwiseConv1D(_DepthwiseConv):
    rank = 1


class DepthwiseConv2D(_DepthwiseConv):
    """Per-channel 2D convolution (MobileNet-style), `depth_multiplier` outputs per channel."""

    rank = 2


class SeparableConv1D(_SeparableConv):
    rank = 1


class SeparableConv2D(_SeparableConv):
    """Depthwise 2D convolution then a 1x1 convolution to `filters` channels."""

    rank = 2


SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
