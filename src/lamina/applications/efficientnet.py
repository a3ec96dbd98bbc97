"""EfficientNetB0-B7, as Keras's `keras.applications.efficientnet`.

Reference: [EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks](
https://arxiv.org/abs/1905.11946). The models take pixels in [0, 255] and normalize them
themselves (a `Rescaling` and a `Normalization` layer inside the model, plus a per-channel
`Rescaling` with ImageNet weights, exactly as Keras), so `preprocess_input` is the identity.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from lamina import config, layers
from lamina.applications import _common, imagenet_utils
from lamina.applications._efficientnet_blocks import (CONV_KERNEL_INITIALIZER, bn_axis,
                                                      check_repeats, load_weights, residual,
                                                      squeeze_excite, top_layers)
from lamina.applications._mobile_blocks import make_divisible
from lamina.models import Functional

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/keras-applications/"
WEIGHTS_HASHES = {
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}
_BLOCK_KEYS = ("kernel_size", "repeats", "filters_in", "filters_out", "expand_ratio",
               "id_skip", "strides", "se_ratio")
DEFAULT_BLOCKS_ARGS = [dict(zip(_BLOCK_KEYS, row)) for row in (
    (3, 1, 32, 16, 1, True, 1, 0.25),
    (3, 2, 16, 24, 6, True, 2, 0.25),
    (5, 2, 24, 40, 6, True, 2, 0.25),
    (3, 3, 40, 80, 6, True, 2, 0.25),
    (5, 3, 80, 112, 6, True, 1, 0.25),
    (5, 4, 112, 192, 6, True, 2, 0.25),
    (3, 1, 192, 320, 6, True, 1, 0.25),
)]
IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225]


def EfficientNet(width_coefficient: float, depth_coefficient: float, default_size: int,
                 dropout_rate: float = 0.2, drop_connect_rate: float = 0.2,
                 depth_divisor: int = 8, activation: Any = "swish", blocks_args: Any = "default",
                 name: str = "efficientnet", include_top: bool = True,
                 weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
                 pooling: str | None = None, classes: int = 1000,
                 classifier_activation: Any = "softmax", weights_name: str | None = None):
    """The EfficientNet network scaled by `width_coefficient` (channels) and
    `depth_coefficient` (block repeats); `drop_connect_rate` is the stochastic-depth rate of
    the last block (rising linearly from 0 over the blocks)."""
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS
    _common.check_weights_arg(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=config.image_data_format(), require_flatten=include_top, weights=weights)
    img_input = _common.image_input(input_tensor, input_shape)

    def round_filters(filters: float, divisor: int = depth_divisor) -> int:
        return int(make_divisible(filters * width_coefficient, divisor))

    x = _preprocessing(img_input, weights)
    x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = layers.Conv2D(round_filters(32), 3, strides=2, padding="valid", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, name="stem_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis(), name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)

    blocks_args = copy.deepcopy(blocks_args)
    repeats = [int(math.ceil(depth_coefficient * args["repeats"])) for args in blocks_args]
    b, blocks = 0, float(sum(repeats))
    for i, args in enumerate(blocks_args):
        check_repeats(args["repeats"], "EfficientNet", "repeats")
        args.pop("repeats")
        args["filters_in"] = round_filters(args["filters_in"])
        args["filters_out"] = round_filters(args["filters_out"])
        for j in range(repeats[i]):
            if j > 0:
                args["strides"] = 1
                args["filters_in"] = args["filters_out"]
            x = block(x, activation, drop_connect_rate * b / blocks,
                      name=f"block{i + 1}{chr(j + 97)}_", **args)
            b += 1
    x = top_layers(x, round_filters(1280), activation, include_top=include_top,
                   pooling=pooling, dropout_rate=dropout_rate, classes=classes,
                   classifier_activation=classifier_activation, weights=weights)

    model = Functional(_common.model_inputs(input_tensor, img_input), x, name=name)
    load_weights(model, weights, stem=f"efficientnet{weights_name}", include_top=include_top,
                 hashes=WEIGHTS_HASHES.get(weights_name), base_path=BASE_WEIGHTS_PATH)
    return model


def _preprocessing(x: Any, weights: Any):
    """Pixels in [0, 255] to [0, 1], then a `Normalization` whose mean and variance come with
    the weights; Keras's ImageNet files store the variance instead of the squared standard
    deviation, which the extra `Rescaling` by 1/sqrt(stddev) corrects."""
    x = layers.Rescaling(1.0 / 255.0)(x)
    x = layers.Normalization(axis=bn_axis())(x)
    if weights == "imagenet":
        x = layers.Rescaling([1.0 / math.sqrt(stddev) for stddev in IMAGENET_STDDEV_RGB])(x)
    return x


def block(inputs: Any, activation: Any = "swish", drop_rate: float = 0.0, name: str = "",
          filters_in: int = 32, filters_out: int = 16, kernel_size: int = 3, strides: int = 1,
          expand_ratio: int = 1, se_ratio: float = 0.0, id_skip: bool = True):
    """An inverted residual block: expand (1x1), depthwise, squeeze-excite, project (1x1),
    stochastic-depth residual."""
    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = layers.Conv2D(filters, 1, padding="same", use_bias=False,
                          kernel_initializer=CONV_KERNEL_INITIALIZER,
                          name=f"{name}expand_conv")(x)
        x = layers.BatchNormalization(axis=bn_axis(), name=f"{name}expand_bn")(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    conv_pad = "same"
    if strides == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"{name}dwconv_pad")(x)
        conv_pad = "valid"
    x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding=conv_pad, use_bias=False,
                               depthwise_initializer=CONV_KERNEL_INITIALIZER,
                               name=f"{name}dwconv")(x)
    x = layers.BatchNormalization(axis=bn_axis(), name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        x = squeeze_excite(x, filters, max(1, int(filters_in * se_ratio)), activation, name)
    x = layers.Conv2D(filters_out, 1, padding="same", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}project_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis(), name=f"{name}project_bn")(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        x = residual(x, inputs, drop_rate, name)
    return x


_DOC = """Instantiates the {name} architecture (a Functional model).

    The model normalizes its inputs itself: pass pixels in [0, 255] (`preprocess_input` is
    the identity). Arguments are those of every application (`include_top`, `weights`,
    `input_tensor`, `input_shape`, `pooling`, `classes`, `classifier_activation`, `name`).
    """


def _constructor(public_name: str, width: float, depth: float, size: int, dropout: float):
    """EfficientNetB<i> with Keras's signature, defaults and published weights."""
    weights_name = public_name[-2:].lower()

    def constructor(include_top: bool = True, weights: Any = "imagenet",
                    input_tensor: Any = None, input_shape: Any = None,
                    pooling: str | None = None, classes: int = 1000,
                    classifier_activation: Any = "softmax",
                    name: str = f"efficientnet{weights_name}"):
        return EfficientNet(width, depth, size, dropout, name=name, include_top=include_top,
                            weights=weights, input_tensor=input_tensor, input_shape=input_shape,
                            pooling=pooling, classes=classes,
                            classifier_activation=classifier_activation,
                            weights_name=weights_name)

    constructor.__name__ = constructor.__qualname__ = public_name
    constructor.__doc__ = _DOC.format(name=public_name)
    return constructor


EfficientNetB0 = _constructor("EfficientNetB0", 1.0, 1.0, 224, 0.2)
EfficientNetB1 = _constructor("EfficientNetB1", 1.0, 1.1, 240, 0.2)
EfficientNetB2 = _constructor("EfficientNetB2", 1.1, 1.2, 260, 0.3)
EfficientNetB3 = _constructor("EfficientNetB3", 1.2, 1.4, 300, 0.3)
EfficientNetB4 = _constructor("EfficientNetB4", 1.4, 1.8, 380, 0.4)
EfficientNetB5 = _constructor("EfficientNetB5", 1.6, 2.2, 456, 0.4)
EfficientNetB6 = _constructor("EfficientNetB6", 1.8, 2.6, 528, 0.5)
EfficientNetB7 = _constructor("EfficientNetB7", 2.0, 3.1, 600, 0.5)


def preprocess_input(x: Any, data_format: str | None = None):
    """The identity, kept for API compatibility: EfficientNet models normalize their inputs
    themselves. Takes pixels in [0, 255] and returns them unchanged."""
    return x


def decode_predictions(preds: Any, top: int = 5):
    return imagenet_utils.decode_predictions(preds, top=top)


decode_predictions.__doc__ = imagenet_utils.decode_predictions.__doc__
