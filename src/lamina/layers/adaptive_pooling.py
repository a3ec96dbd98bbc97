"""Adaptive average and max pooling (1D/2D/3D): pool any spatial size into `output_size` bins,
each bin `[floor(i n / o), ceil((i + 1) n / o))`, as Keras 3 (and PyTorch) do. One base per
family; the arithmetic lives in `ops.adaptive_average_pool` / `ops.adaptive_max_pool`."""

from __future__ import annotations

from lamina import config
from lamina.layers.base import Layer

__all__ = ["AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
           "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D"]

_SIZE_NAMES = {1: "1 integer", 2: "(height, width) tuple", 3: "(depth, height, width) tuple"}


def _output_size(output_size, rank: int) -> tuple:
    """`output_size` as a tuple of `rank` ints (an int is repeated), as Keras checks it."""
    if isinstance(output_size, int) and not isinstance(output_size, bool):
        return (output_size,) * rank
    if isinstance(output_size, (tuple, list)) and len(output_size) == rank:
        return tuple(output_size)
    if isinstance(output_size, (tuple, list)) and rank == 1:
        raise ValueError("For 1D input, `output_size` tuple must have length 1. "
                         f"Received: {output_size}")
    kind = "an integer or tuple of 1 integer" if rank == 1 else \
        f"an integer or {_SIZE_NAMES[rank]}"
    raise TypeError(f"`output_size` must be {kind}. "
                    f"Received: {output_size} of type {type(output_size)}")


class _AdaptivePooling(Layer):
    """Pools the `rank` spatial axes into `output_size` bins with `_op` ('average' or 'max')."""

    rank: int = 0
    _op: str = "average"

    def __init__(self, output_size, data_format: str | None = None, **kwargs):
        output_size = _output_size(output_size, self.rank)
        super().__init__(**kwargs)
        self.output_size = output_size
        self.data_format = data_format or config.image_data_format()
        if self.data_format not in {"channels_first", "channels_last"}:
            raise ValueError(f"Invalid data_format: {self.data_format}. "
                             "Expected 'channels_first' or 'channels_last'.")

    def call(self, inputs):
        from lamina.ops import convolution

        pool = convolution.adaptive_average_pool if self._op == "average" else \
            convolution.adaptive_max_pool
        return pool(inputs, output_size=self.output_size, data_format=self.data_format)

    def compute_output_shape(self, input_shape) -> tuple:
        if self.data_format == "channels_last":
            return (input_shape[0], *self.output_size, input_shape[-1])
        return (input_shape[0], input_shape[1], *self.output_size)

    def get_config(self) -> dict:
        return {**super().get_config(), "output_size": self.output_size,
                "data_format": self.data_format}


class AdaptiveAveragePooling1D(_AdaptivePooling):
    """Adaptive average pooling of `(batch, length, channels)` to `output_size` steps."""

    rank, _op = 1, "average"


class AdaptiveAveragePooling2D(_AdaptivePooling):
    """Adaptive average pooling of images to `output_size` = (height, width)."""

    rank, _op = 2, "average"


class AdaptiveAveragePooling3D(_AdaptivePooling):
    """Adaptive average pooling of volumes to `output_size` = (depth, height, width)."""

    rank, _op = 3, "average"


class AdaptiveMaxPooling1D(_AdaptivePooling):
    """Adaptive max pooling of `(batch, length, channels)` to `output_size` steps."""

    rank, _op = 1, "max"


class AdaptiveMaxPooling2D(_AdaptivePooling):
    """Adaptive max pooling of images to `output_size` = (height, width)."""

    rank, _op = 2, "max"


class AdaptiveMaxPooling3D(_AdaptivePooling):
    """Adaptive max pooling of volumes to `output_size` = (depth, height, width)."""

    rank, _op = 3, "max"
