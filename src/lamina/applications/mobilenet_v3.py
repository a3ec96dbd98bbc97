"""MobileNetV3Small and MobileNetV3Large, as Keras's `keras.applications.mobilenet_v3`.

Reference: [Searching for MobileNetV3](https://arxiv.org/pdf/1905.02244.pdf). The models
rescale their inputs themselves (`include_preprocessing=True`: pixels in [0, 255]), so
`preprocess_input` is the identity, as in Keras.
"""

from __future__ import annotations

import warnings
from typing import Any

from lamina import backend, config, layers
from lamina.applications import _common, imagenet_utils
from lamina.applications._mobile_blocks import (channel_axis, check_input_tensor, global_pool,
                                                make_divisible, spatial_size)
from lamina.models import Functional

BASE_WEIGHT_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                    "mobilenet_v3/")
WEIGHTS_HASHES = {
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb",
                             "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7",
                            "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c",
                                         "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7",
                             "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862",
                            "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37",
                                         "cde8136e733e811080d9fcd8a252f7e4"),
}

# The inverted residual blocks, block_id 0.., as (expansion, filters, kernel, stride, se,
# activation): kernel None is the variant's kernel (5, or 3 when minimalistic), se says the
# block squeezes-and-excites (not when minimalistic), activation "act" is the variant's
# (hard swish, or ReLU when minimalistic).
_SMALL = ((1, 16, 3, 2, True, "relu"), (72.0 / 16, 24, 3, 2, False, "relu"),
          (88.0 / 24, 24, 3, 1, False, "relu"), (4, 40, None, 2, True, "act"),
          (6, 40, None, 1, True, "act"), (6, 40, None, 1, True, "act"),
          (3, 48, None, 1, True, "act"), (3, 48, None, 1, True, "act"),
          (6, 96, None, 2, True, "act"), (6, 96, None, 1, True, "act"),
          (6, 96, None, 1, True, "act"))
_LARGE = ((1, 16, 3, 1, False, "relu"), (4, 24, 3, 2, False, "relu"),
          (3, 24, 3, 1, False, "relu"), (3, 40, None, 2, True, "relu"),
          (3, 40, None, 1, True, "relu"), (3, 40, None, 1, True, "relu"),
          (6, 80, 3, 2, False, "act"), (2.5, 80, 3, 1, False, "act"),
          (2.3, 80, 3, 1, False, "act"), (2.3, 80, 3, 1, False, "act"),
          (6, 112, 3, 1, True, "act"), (6, 112, 3, 1, True, "act"),
          (6, 160, None, 2, True, "act"), (6, 160, None, 1, True, "act"),
          (6, 160, None, 1, True, "act"))
_VARIANTS = {"small": (_SMALL, 1024), "large": (_LARGE, 1280)}


def relu(x: Any):
    return layers.ReLU()(x)


def hard_sigmoid(x: Any):
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def hard_swish(x: Any):
    return layers.Activation("hard_swish")(x)


def MobileNetV3(model_type: str, input_shape: Any = None, alpha: float = 1.0,
                minimalistic: bool = False, include_top: bool = True,
                weights: Any = "imagenet", input_tensor: Any = None, classes: int = 1000,
                pooling: str | None = None, dropout_rate: float = 0.2,
                classifier_activation: Any = "softmax", include_preprocessing: bool = True,
                name: str | None = None):
    """The MobileNetV3 network of `model_type` ("small" or "large"); see MobileNetV3Small."""
    _common.check_weights_arg(weights, include_top, classes)
    check_input_tensor(input_tensor, input_shape)
    input_shape = _input_shape(input_shape, input_tensor)
    rows, cols = spatial_size(input_shape)
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(f"Input size must be at least 32x32; Received `input_shape={input_shape}`")
    if weights == "imagenet":
        _check_imagenet_args(alpha, minimalistic, rows, cols)

    img_input = _common.image_input(input_tensor, input_shape)
    x, activation, last_point_ch = _features(img_input, model_type, alpha, minimalistic,
                                             include_preprocessing)
    if include_top:
        x = _classifier(x, last_point_ch, activation, dropout_rate, classes,
                        classifier_activation, weights)
    else:
        x = global_pool(x, pooling, named=True)

    model = Functional(_common.model_inputs(input_tensor, img_input), x, name=name)
    file_name = file_hash = None
    if weights == "imagenet":
        model_name = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
        file_name = f"weights_mobilenet_v3_{model_name}{'' if include_top else '_no_top_v2'}.h5"
        file_hash = WEIGHTS_HASHES[model_name][0 if include_top else 1]
    _common.load_weights(model, weights, file_name=file_name,
                         origin=file_name and BASE_WEIGHT_PATH + file_name, file_hash=file_hash)
    return model


def _features(x: Any, model_type: str, alpha: float, minimalistic: bool,
              include_preprocessing: bool):
    """Rescaling, the stem, the inverted residual blocks and the last 1x1 convolution; returns
    the features, the variant's activation and the width of the classifier's "conv_2"."""
    kernel, activation, se_ratio = (3, relu, None) if minimalistic else (5, hard_swish, 0.25)
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False,
                      name="conv")(x)
    x = activation(_batch_norm("conv_bn")(x))
    blocks, last_point_ch = _VARIANTS[model_type]
    for block_id, (expansion, filters, block_kernel, stride, se, act) in enumerate(blocks):
        x = _inverted_res_block(x, expansion, make_divisible(filters * alpha),
                                block_kernel or kernel, stride, se_ratio if se else None,
                                relu if act == "relu" else activation, block_id)
    last_conv_ch = make_divisible(x.shape[channel_axis()] * 6)
    if alpha > 1.0:
        last_point_ch = make_divisible(last_point_ch * alpha)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False,
                      name="conv_1")(x)
    return activation(_batch_norm("conv_1_bn")(x)), activation, last_point_ch


def _input_shape(input_shape: Any, input_tensor: Any) -> tuple:
    """The given shape, else the input tensor's (Keras takes it as (cols, rows, 3)), else any
    size with 3 channels."""
    channels_first = config.image_data_format() == "channels_first"
    if input_shape is None and input_tensor is not None and backend.is_keras_tensor(input_tensor):
        rows, cols = spatial_size(input_tensor.shape[1:])
        input_shape = (3, cols, rows) if channels_first else (cols, rows, 3)
    if input_shape is None and input_tensor is None:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    return input_shape


def _check_imagenet_args(alpha: float, minimalistic: bool, rows: Any, cols: Any) -> None:
    if (not minimalistic and alpha not in [0.75, 1.0]) or (minimalistic and alpha != 1.0):
        raise ValueError("If imagenet weights are being loaded, alpha can be one of `0.75`, "
                         "`1.0` for non minimalistic or `1.0` for minimalistic only.")
    if rows != cols or rows != 224:
        warnings.warn("`input_shape` is undefined or non-square, or `rows` is not 224. "
                      "Weights for input shape (224, 224) will be loaded as the default.",
                      stacklevel=4)


def _classifier(x: Any, last_point_ch: int, activation, dropout_rate: float, classes: int,
                classifier_activation: Any, weights: Any):
    """Pooled features, a 1x1 "conv_2" head, dropout, the 1x1 "logits" and the activation."""
    x = layers.GlobalAveragePooling2D(keepdims=True)(x)
    x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True,
                      name="conv_2")(x)
    x = activation(x)
    if dropout_rate > 0:
        x = layers.Dropout(dropout_rate)(x)
    x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
    x = layers.Flatten()(x)
    imagenet_utils.validate_activation(classifier_activation, weights)
    return layers.Activation(activation=classifier_activation, name="predictions")(x)


def _batch_norm(name: str):
    return layers.BatchNormalization(axis=channel_axis(), epsilon=1e-3, momentum=0.999,
                                     name=name)


def _se_block(inputs: Any, filters: int, se_ratio: float, prefix: str):
    """Squeeze-and-excite with a hard-sigmoid gate (MobileNetV3's own naming)."""
    x = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}squeeze_excite_avg_pool")(
        inputs)
    x = layers.Conv2D(make_divisible(filters * se_ratio), kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv")(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv_1")(x)
    x = hard_sigmoid(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _inverted_res_block(x: Any, expansion: float, filters: int, kernel_size: int, stride: int,
                        se_ratio: float | None, activation, block_id: int):
    """Expand (1x1), depthwise, optional squeeze-excite, linear project, residual add."""
    shortcut = x
    prefix = "expanded_conv_"
    infilters = x.shape[channel_axis()]
    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(make_divisible(infilters * expansion), kernel_size=1, padding="same",
                          use_bias=False, name=f"{prefix}expand")(x)
        x = activation(_batch_norm(f"{prefix}expand_bn")(x))
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride,
                               padding="same" if stride == 1 else "valid", use_bias=False,
                               name=f"{prefix}depthwise")(x)
    x = activation(_batch_norm(f"{prefix}depthwise_bn")(x))
    if se_ratio:
        x = _se_block(x, make_divisible(infilters * expansion), se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False,
                      name=f"{prefix}project")(x)
    x = _batch_norm(f"{prefix}project_bn")(x)
    if stride == 1 and infilters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def _constructor(model_type: str, public_name: str):
    """MobileNetV3Small/Large with Keras's signature."""
    def constructor(input_shape: Any = None, alpha: float = 1.0, minimalistic: bool = False,
                    include_top: bool = True, weights: Any = "imagenet",
                    input_tensor: Any = None, classes: int = 1000, pooling: str | None = None,
                    dropout_rate: float = 0.2, classifier_activation: Any = "softmax",
                    include_preprocessing: bool = True, name: str = public_name):
        return MobileNetV3(model_type, input_shape, alpha, minimalistic, include_top, weights,
                           input_tensor, classes, pooling, dropout_rate, classifier_activation,
                           include_preprocessing, name=name)

    constructor.__name__ = constructor.__qualname__ = public_name
    constructor.__doc__ = _DOC.format(name=public_name)
    return constructor


_DOC = """Instantiates the {name} architecture (a Functional model).

    `alpha` scales the width of every layer; `minimalistic=True` drops squeeze-and-excite,
    hard swish and 5x5 kernels; `dropout_rate` is the rate before the logits;
    `include_preprocessing=True` puts a `Rescaling` of [0, 255] pixels to [-1, 1] inside the
    model (so `preprocess_input` is the identity). The other arguments are those of every
    application (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`,
    `classes`, `classifier_activation`, `name`).
    """

MobileNetV3Small = _constructor("small", "MobileNetV3Small")
MobileNetV3Large = _constructor("large", "MobileNetV3Large")


def preprocess_input(x: Any, data_format: str | None = None):
    """The identity, kept for API compatibility: the models rescale their inputs themselves
    (`include_preprocessing=True`). Takes pixels in [0, 255]; returns them unchanged."""
    return x


def decode_predictions(preds: Any, top: int = 5):
    return imagenet_utils.decode_predictions(preds, top=top)


decode_predictions.__doc__ = imagenet_utils.decode_predictions.__doc__
