"""Pieces DenseNet, Inception, Xception, NASNet and ConvNeXt share (Keras repeats them in each
file): the channels-last requirement, the conv -> BatchNorm -> activation unit of the Inception
networks, and the classifier / pooling top every family ends with.
"""

from __future__ import annotations

from typing import Any

from lamina import config, layers
from lamina.applications import imagenet_utils
from lamina.applications._mobile_blocks import global_pool


def require_channels_last(family: str) -> None:
    """Keras's refusal of `channels_first` for the families built only for channels_last."""
    if config.image_data_format() == "channels_first":
        raise ValueError(
            f"{family} does not support the `channels_first` image data format. Switch to "
            "`channels_last` by editing your local config file at ~/.keras/keras.json")


def bn_axis(last: int = 3) -> int:
    """The channel axis of 4D images under the global data format (`last` where channels come
    last: Keras writes 3 in some families and -1 in others, and saves what it wrote)."""
    return 1 if config.image_data_format() == "channels_first" else last


def conv_bn(x: Any, filters: int, kernel_size: Any, *, strides: Any = 1,
            padding: str = "same", use_bias: bool = False, activation: str | None = "relu",
            names: tuple = (None, None, None)) -> Any:
    """Conv2D, then (without a bias) BatchNormalization with `scale=False`, then the
    activation: the unit of InceptionV3 and InceptionResNetV2. `names` are the three layers'."""
    conv_name, bn_name, act_name = names
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding,
                      use_bias=use_bias, name=conv_name)(x)
    if not use_bias:
        x = layers.BatchNormalization(axis=bn_axis(), scale=False, name=bn_name)(x)
    if activation is not None:
        x = layers.Activation(activation, name=act_name)(x)
    return x


def classifier_top(x: Any, *, include_top: bool, pooling: str | None, classes: int,
                   classifier_activation: Any, weights: Any, top_pool_name: str | None = "avg_pool",
                   named_pooling: bool = False) -> Any:
    """With `include_top`, global average pooling (`top_pool_name`) and the "predictions"
    Dense layer; without, the `pooling` mode ("avg", "max" or None)."""
    if not include_top:
        return global_pool(x, pooling, named=named_pooling)
    x = layers.GlobalAveragePooling2D(name=top_pool_name)(x)
    imagenet_utils.validate_activation(classifier_activation, weights)
    return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
