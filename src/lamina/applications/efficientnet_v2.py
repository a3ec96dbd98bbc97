"""EfficientNetV2B0-B3, S, M and L, as Keras's `keras.applications.efficientnet_v2`.

Reference: [EfficientNetV2: Smaller Models and Faster Training](
https://arxiv.org/abs/2104.00298). With `include_preprocessing=True` (the default) the models
take pixels in [0, 255] and normalize them themselves, so `preprocess_input` is the identity.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from lamina import config, initializers, layers
from lamina.applications import _common, imagenet_utils
from lamina.applications._efficientnet_blocks import (CONV_KERNEL_INITIALIZER, bn_axis,
                                                      check_repeats, load_weights, residual,
                                                      squeeze_excite, top_layers)
from lamina.models import Functional

BASE_WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                     "efficientnet_v2/")
WEIGHTS_HASHES = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}
_BLOCK_KEYS = ("kernel_size", "num_repeat", "input_filters", "output_filters", "expand_ratio",
               "se_ratio", "strides", "conv_type")  # conv_type 1: FusedMBConv, 0: MBConv
_B_BLOCKS = ((3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1),
             (3, 2, 32, 48, 4, 0, 2, 1), (3, 3, 48, 96, 4, 0.25, 2, 0),
             (3, 5, 96, 112, 6, 0.25, 1, 0), (3, 8, 112, 192, 6, 0.25, 2, 0))
_TABLES = {
    "efficientnetv2-s": ((3, 2, 24, 24, 1, 0.0, 1, 1), (3, 4, 24, 48, 4, 0.0, 2, 1),
                         (3, 4, 48, 64, 4, 0, 2, 1), (3, 6, 64, 128, 4, 0.25, 2, 0),
                         (3, 9, 128, 160, 6, 0.25, 1, 0), (3, 15, 160, 256, 6, 0.25, 2, 0)),
    "efficientnetv2-m": ((3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1),
                         (3, 5, 48, 80, 4, 0, 2, 1), (3, 7, 80, 160, 4, 0.25, 2, 0),
                         (3, 14, 160, 176, 6, 0.25, 1, 0), (3, 18, 176, 304, 6, 0.25, 2, 0),
                         (3, 5, 304, 512, 6, 0.25, 1, 0)),
    "efficientnetv2-l": ((3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1),
                         (3, 7, 64, 96, 4, 0, 2, 1), (3, 10, 96, 192, 4, 0.25, 2, 0),
                         (3, 19, 192, 224, 6, 0.25, 1, 0), (3, 25, 224, 384, 6, 0.25, 2, 0),
                         (3, 7, 384, 640, 6, 0.25, 1, 0)),
    **{f"efficientnetv2-b{i}": _B_BLOCKS for i in range(4)},
}
DEFAULT_BLOCKS_ARGS = {name: [dict(zip(_BLOCK_KEYS, row)) for row in rows]
                       for name, rows in _TABLES.items()}


def round_filters(filters: float, width_coefficient: float, min_depth: int | None,
                  depth_divisor: int) -> int:
    """Filters scaled by `width_coefficient`, rounded to a multiple of `depth_divisor`."""
    filters *= width_coefficient
    minimum_depth = min_depth or depth_divisor
    return int(max(minimum_depth,
                   int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def round_repeats(repeats: int, depth_coefficient: float) -> int:
    return int(math.ceil(depth_coefficient * repeats))


def _conv_bn(x: Any, filters: int, kernel_size: int, strides: int, bn_momentum: float,
             activation: Any, name: str):
    """Convolution without bias, BatchNormalization, then `activation` unless None."""
    x = layers.Conv2D(filters, kernel_size=kernel_size, strides=strides,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                      use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis(), momentum=bn_momentum, name=f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}_activation")(x)
    return x


def MBConvBlock(input_filters: int, output_filters: int, expand_ratio: int = 1,
                kernel_size: int = 3, strides: int = 1, se_ratio: float = 0.0,
                bn_momentum: float = 0.9, activation: Any = "swish",
                survival_probability: float = 0.8, name: str | None = None):
    """Expand (1x1), depthwise, squeeze-excite, project (1x1), residual: a function of x."""
    return _block(False, **locals())


def FusedMBConvBlock(input_filters: int, output_filters: int, expand_ratio: int = 1,
                     kernel_size: int = 3, strides: int = 1, se_ratio: float = 0.0,
                     bn_momentum: float = 0.9, activation: Any = "swish",
                     survival_probability: float = 0.8, name: str | None = None):
    """One full convolution in place of expand + depthwise, then as MBConvBlock (the
    projection is activated when there is no expansion)."""
    return _block(True, **locals())


def _block(fused: bool, input_filters: int, output_filters: int, expand_ratio: int,
           kernel_size: int, strides: int, se_ratio: float, bn_momentum: float,
           activation: Any, survival_probability: float, name: str | None):
    """MBConvBlock (`fused=False`) or FusedMBConvBlock, as a function of the input tensor.
    `survival_probability` is, as in Keras, the rate at which the residual branch drops."""
    if name is None:
        from lamina import backend

        name = str(backend.get_uid("block0"))

    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = _conv_bn(x, filters, kernel_size if fused else 1, strides if fused else 1,
                         bn_momentum, activation, f"{name}expand")
        if not fused:
            x = layers.DepthwiseConv2D(kernel_size=kernel_size, strides=strides,
                                       depthwise_initializer=CONV_KERNEL_INITIALIZER,
                                       padding="same", use_bias=False, name=f"{name}dwconv2")(x)
            x = layers.BatchNormalization(axis=bn_axis(), momentum=bn_momentum,
                                          name=f"{name}bn")(x)
            x = layers.Activation(activation, name=f"{name}activation")(x)
        if 0 < se_ratio <= 1:
            x = squeeze_excite(x, filters, max(1, int(input_filters * se_ratio)), activation,
                               name)
        unexpanded = fused and expand_ratio == 1
        x = _conv_bn(x, output_filters, kernel_size if unexpanded else 1,
                     strides if unexpanded else 1, bn_momentum,
                     activation if unexpanded else None, f"{name}project")
        if strides == 1 and input_filters == output_filters:
            x = residual(x, inputs, survival_probability or 0.0, name)
        return x

    return apply


def EfficientNetV2(width_coefficient: float, depth_coefficient: float, default_size: int,
                   dropout_rate: float = 0.2, drop_connect_rate: float = 0.2,
                   depth_divisor: int = 8, min_depth: int = 8, bn_momentum: float = 0.9,
                   activation: Any = "swish", blocks_args: Any = "default",
                   name: str = "efficientnetv2", include_top: bool = True,
                   weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
                   pooling: str | None = None, classes: int = 1000,
                   classifier_activation: Any = "softmax", include_preprocessing: bool = True,
                   weights_name: str | None = None, variant: str | None = None):
    """The EfficientNetV2 network `variant` ("efficientnetv2-b0", ..., "-l"; Keras takes it
    from `name`, which then cannot be changed) scaled by the two coefficients."""
    variant = variant or name
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS[variant]
    _common.check_weights_arg(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=config.image_data_format(), require_flatten=include_top, weights=weights)
    img_input = _common.image_input(input_tensor, input_shape)

    def filters_of(filters: float) -> int:
        return round_filters(filters, width_coefficient, min_depth, depth_divisor)

    x = img_input
    if include_preprocessing:
        x = _preprocessing(x, variant, input_shape[bn_axis() - 1])
    x = layers.Conv2D(filters_of(blocks_args[0]["input_filters"]), kernel_size=3, strides=2,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                      use_bias=False, name="stem_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis(), momentum=bn_momentum, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)

    blocks_args = copy.deepcopy(blocks_args)
    b, blocks = 0, float(sum(args["num_repeat"] for args in blocks_args))
    for i, args in enumerate(blocks_args):
        check_repeats(args["num_repeat"], "EfficientNetV2", "num_repeat")
        args["input_filters"] = filters_of(args["input_filters"])
        args["output_filters"] = filters_of(args["output_filters"])
        block = FusedMBConvBlock if args.pop("conv_type") else MBConvBlock
        for j in range(round_repeats(args.pop("num_repeat"), depth_coefficient)):
            if j > 0:
                args["strides"] = 1
                args["input_filters"] = args["output_filters"]
            x = block(activation=activation, bn_momentum=bn_momentum,
                      survival_probability=drop_connect_rate * b / blocks,
                      name=f"block{i + 1}{chr(j + 97)}_", **args)(x)
            b += 1
    x = top_layers(x, filters_of(1280), activation, include_top=include_top, pooling=pooling,
                   dropout_rate=dropout_rate, classes=classes,
                   classifier_activation=classifier_activation, weights=weights,
                   bn_momentum=bn_momentum, dense_bias_initializer=initializers.Constant(0.0))

    model = Functional(_common.model_inputs(input_tensor, img_input), x, name=name)
    load_weights(model, weights, stem=variant, include_top=include_top,
                 hashes=WEIGHTS_HASHES.get(weights_name), base_path=BASE_WEIGHTS_PATH)
    return model


def _preprocessing(x: Any, variant: str, num_channels: Any):
    """The B variants with RGB inputs normalize with ImageNet's mean and variance; the others
    (and non-RGB inputs) rescale [0, 255] to [-1, 1]."""
    if variant.split("-")[-1].startswith("b") and num_channels == 3:
        x = layers.Rescaling(scale=1.0 / 255)(x)
        return layers.Normalization(mean=[0.485, 0.456, 0.406],
                                    variance=[0.229**2, 0.224**2, 0.225**2], axis=bn_axis())(x)
    return layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)


_DOC = """Instantiates the {name} architecture (a Functional model).

    `include_preprocessing=True` puts the input normalization inside the model (pass pixels
    in [0, 255]; `preprocess_input` is the identity). The other arguments are those of every
    application (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`,
    `classes`, `classifier_activation`, `name`).
    """


def _constructor(public_name: str, width: float, depth: float, size: int):
    """EfficientNetV2<variant> with Keras's signature, defaults and published weights."""
    suffix = public_name[len("EfficientNetV2"):].lower()
    variant = f"efficientnetv2-{suffix}"
    weights_name = suffix if suffix.startswith("b") else f"-{suffix}"

    def constructor(include_top: bool = True, weights: Any = "imagenet",
                    input_tensor: Any = None, input_shape: Any = None,
                    pooling: str | None = None, classes: int = 1000,
                    classifier_activation: Any = "softmax", include_preprocessing: bool = True,
                    name: str = variant):
        return EfficientNetV2(width_coefficient=width, depth_coefficient=depth,
                              default_size=size, name=name, include_top=include_top,
                              weights=weights, input_tensor=input_tensor,
                              input_shape=input_shape, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation,
                              include_preprocessing=include_preprocessing,
                              weights_name=weights_name, variant=variant)

    constructor.__name__ = constructor.__qualname__ = public_name
    constructor.__doc__ = _DOC.format(name=public_name)
    return constructor


EfficientNetV2B0 = _constructor("EfficientNetV2B0", 1.0, 1.0, 224)
EfficientNetV2B1 = _constructor("EfficientNetV2B1", 1.0, 1.1, 240)
EfficientNetV2B2 = _constructor("EfficientNetV2B2", 1.1, 1.2, 260)
EfficientNetV2B3 = _constructor("EfficientNetV2B3", 1.2, 1.4, 300)
EfficientNetV2S = _constructor("EfficientNetV2S", 1.0, 1.0, 384)
EfficientNetV2M = _constructor("EfficientNetV2M", 1.0, 1.0, 480)
EfficientNetV2L = _constructor("EfficientNetV2L", 1.0, 1.0, 480)


def preprocess_input(x: Any, data_format: str | None = None):
    """The identity, kept for API compatibility: with `include_preprocessing=True` the
    models normalize their inputs themselves. Returns `x` unchanged."""
    return x


def decode_predictions(preds: Any, top: int = 5):
    return imagenet_utils.decode_predictions(preds, top=top)


decode_predictions.__doc__ = imagenet_utils.decode_predictions.__doc__
