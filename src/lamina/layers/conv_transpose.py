"""Conv1DTranspose and Conv2DTranspose: `_Conv` with a (*kernel_size, filters, in) kernel."""

from __future__ import annotations

import jax

from lamina import errors
from lamina.layers import conv_utils as cu
from lamina.layers.conv import _Conv, dimension_numbers

__all__ = ["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "Convolution1DTranspose",
           "Convolution2DTranspose", "Convolution3DTranspose"]


class _ConvTranspose(_Conv):
    """Transposed ("deconvolution") N-D convolution, Keras's output-size rules."""

    fuse_steps = False  # lax convolutions: XLA:CPU runs scanned ones ~10x slower

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid",
                 output_padding=None, data_format: str | None = None, dilation_rate=1,
                 **kwargs):
        kwargs.pop("groups", None)
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)
        self.output_padding = None
        if output_padding is not None:
            label = errors.layer_label(self)
            self.output_padding = cu.normalize_tuple(output_padding, self.rank,
                                                     "output_padding", label, allow_zero=True)
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise errors.ConfigError(errors.message(
                    "needs output_padding strictly less than strides.", where=label,
                    got=f"output_padding={self.output_padding}, strides={self.strides}"))

    def _kernel_shape(self, channels: int) -> tuple:
        return (*self.kernel_size, self.filters, channels)

    def _extent(self, i: int) -> tuple[int, int | None]:
        kernel = (self.kernel_size[i] - 1) * self.dilation_rate[i] + 1
        return kernel, None if self.output_padding is None else self.output_padding[i]

    def _out_length(self, length: int | None, i: int) -> int | None:
        if length is None:
            return None
        kernel, extra = self._extent(i)
        stride = self.strides[i]
        if self.padding == "valid":
            extra = max(kernel, stride) - kernel if extra is None else extra
            return (length - 1) * stride + kernel + extra
        if extra is None:
            return length * stride
        return (length - 1) * stride + kernel % 2 + extra

    def _lax_padding(self) -> list:
        """(left, right) padding of the dilated input, as Keras's JAX backend computes it."""
        pads = []
        for i in range(self.rank):
            kernel, extra = self._extent(i)
            if self.padding == "valid":
                extra = max(kernel, self.strides[i]) - kernel if extra is None else extra
                pads.append((kernel - 1, kernel - 1 + extra))
                continue
            total = (self.strides[i] + kernel - 2 if extra is None
                     else kernel + kernel % 2 - 2 + extra)
            left = min(total // 2 + total % 2, kernel - 1)
            pads.append((left, total - left))
        return pads

    def convolution_op(self, inputs, kernel):
        return jax.lax.conv_transpose(
            inputs, kernel, self.strides, self._lax_padding(), rhs_dilation=self.dilation_rate,
            dimension_numbers=dimension_numbers(self.rank, self.data_format),
            transpose_kernel=True)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["groups"]
        return {**config, "output_padding": self.output_padding}


class Conv1DTranspose(_ConvTranspose):
    rank = 1


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2D convolution, e.g. to upsample feature maps in a decoder."""

    rank = 2


class Conv3DTranspose(_ConvTranspose):
    rank = 3


Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose = (
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose)
