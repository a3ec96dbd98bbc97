"""Pieces the MobileNet and EfficientNet families share (Keras repeats them in each file).

`make_divisible` is Keras's `_make_divisible` (MobileNetV2), `_depth` (MobileNetV3) and the
core of EfficientNet's `round_filters`; `global_pool` is the `pooling=` tail of every family;
`check_input_tensor` is MobileNetV2/V3's check of `input_tensor` against `input_shape`.
"""

from __future__ import annotations

from typing import Any

from lamina import backend, config, layers


def make_divisible(v: float, divisor: int = 8, min_value: int | None = None) -> int:
    """`v` rounded to the nearest multiple of `divisor` (at least `min_value`), never more
    than 10% below `v`: the channel counts of the width-scaled networks."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def global_pool(x: Any, pooling: str | None, named: bool = False) -> Any:
    """The feature extractor's `pooling` mode: "avg", "max", or None (the 4D features).
    `named` gives the layers Keras's names "avg_pool"/"max_pool" where the family does."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool" if named else None)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool" if named else None)(x)
    return x


def channel_axis() -> int:
    """The channel axis of 4D image tensors under the global data format."""
    return 1 if config.image_data_format() == "channels_first" else -1


def check_input_tensor(input_tensor: Any, input_shape: Any) -> None:
    """With both `input_tensor` and `input_shape` given, the tensor must be a Keras tensor
    whose width equals `input_shape`'s (Keras's MobileNetV2/V3 check, ValueError)."""
    if input_shape is None or input_tensor is None:
        return
    if not backend.is_keras_tensor(input_tensor):
        raise ValueError("input_tensor is not a Keras tensor; "
                         f"Received `input_tensor={input_tensor}`")
    if config.image_data_format() == "channels_first":
        if input_tensor.shape[1] != input_shape[1]:
            raise ValueError("input_shape[1] must equal shape(input_tensor)[1] when "
                             "`image_data_format` is `channels_first`; Received "
                             f"`input_tensor.shape={input_tensor.shape}`, "
                             f"`input_shape={input_shape}`")
    elif input_tensor.shape[2] != input_shape[1]:
        raise ValueError("input_tensor.shape[2] must equal input_shape[1]; Received "
                         f"`input_tensor.shape={input_tensor.shape}`, "
                         f"`input_shape={input_shape}`")


def spatial_size(shape: Any) -> tuple:
    """(rows, cols) of a 3D image shape (no batch axis) under the global data format."""
    if config.image_data_format() == "channels_first":
        return shape[1], shape[2]
    return shape[0], shape[1]
