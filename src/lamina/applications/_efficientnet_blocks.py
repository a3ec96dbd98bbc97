"""Blocks EfficientNet (v1) and EfficientNetV2 share, with Keras's layer names.

Keras writes them twice (`efficientnet.block` and `efficientnet_v2.MBConvBlock`/
`FusedMBConvBlock`); here the squeeze-and-excite gate, the stochastic-depth residual and the
top (1x1 "top_conv", classifier or pooling) are written once.
"""

from __future__ import annotations

from typing import Any

from lamina import config, layers
from lamina.applications import _common, imagenet_utils
from lamina.applications._mobile_blocks import global_pool

CONV_KERNEL_INITIALIZER = {
    "class_name": "VarianceScaling",
    "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"},
}
DENSE_KERNEL_INITIALIZER = {
    "class_name": "VarianceScaling",
    "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"},
}


def bn_axis() -> int:
    """Keras's EfficientNet channel axis (3 or 1, a positive index as Keras writes it)."""
    return 3 if config.image_data_format() == "channels_last" else 1


def squeeze_excite(x: Any, filters: int, filters_se: int, activation: Any, name: str):
    """Pool to one value per channel, reduce to `filters_se`, expand back through a sigmoid
    and scale `x` by it."""
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se_shape = (filters, 1, 1) if bn_axis() == 1 else (1, 1, filters)
    se = layers.Reshape(se_shape, name=f"{name}se_reshape")(se)
    se = layers.Conv2D(filters_se, 1, padding="same", activation=activation,
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_expand")(se)
    return layers.multiply([x, se], name=f"{name}se_excite")


def residual(x: Any, inputs: Any, drop_rate: float, name: str):
    """`x + inputs`, `x` dropped per sample at `drop_rate` in training (stochastic depth)."""
    if drop_rate > 0:
        x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
    return layers.add([x, inputs], name=f"{name}add")


def top_layers(x: Any, filters: int, activation: Any, *, include_top: bool, pooling: str | None,
        dropout_rate: float, classes: int, classifier_activation: Any, weights: Any,
        bn_momentum: float = 0.99, dense_bias_initializer: Any = "zeros"):
    """The 1x1 "top_conv" with its BN and activation, then the classifier ("avg_pool",
    "top_dropout", "predictions") or the `pooling` of a feature extractor."""
    x = layers.Conv2D(filters, 1, padding="same", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, name="top_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis(), momentum=bn_momentum, name="top_bn")(x)
    x = layers.Activation(activation, name="top_activation")(x)
    if not include_top:
        return global_pool(x, pooling, named=True)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if dropout_rate > 0:
        x = layers.Dropout(dropout_rate, name="top_dropout")(x)
    imagenet_utils.validate_activation(classifier_activation, weights)
    return layers.Dense(classes, activation=classifier_activation,
                        kernel_initializer=DENSE_KERNEL_INITIALIZER,
                        bias_initializer=dense_bias_initializer, name="predictions")(x)


def check_repeats(repeats: int, family: str, arg: str) -> None:
    if repeats <= 0:
        raise ValueError(f"The number of repeats in `{family}` must be > 0. "
                         f"Received: {arg}={repeats}")


def load_weights(model: Any, weights: Any, *, stem: str, include_top: bool,
                 hashes: tuple, base_path: str) -> None:
    """`weights` into `model`; "imagenet" is Keras's published `<stem>.h5` (or
    `<stem>_notop.h5` without the top) under `base_path`, checked against its hash."""
    file_name = file_hash = None
    if weights == "imagenet":
        file_name = f"{stem}.h5" if include_top else f"{stem}_notop.h5"
        file_hash = hashes[0] if include_top else hashes[1]
    _common.load_weights(model, weights, file_name=file_name,
                         origin=file_name and base_path + file_name, file_hash=file_hash)
