"""MobileNet (v1), as Keras's `keras.applications.mobilenet`.

Reference: [MobileNets: Efficient Convolutional Neural Networks for Mobile Vision
Applications](https://arxiv.org/abs/1704.04861). Same layer names and order as Keras, so
Keras's published weight files load.
"""

from __future__ import annotations

import warnings
from typing import Any

from lamina import config, layers
from lamina.applications import _common, imagenet_utils
from lamina.applications._mobile_blocks import channel_axis, global_pool, spatial_size
from lamina.models import Functional

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"

#: (pointwise filters, strides) of the 13 depthwise-separable blocks, block_id 1..13.
_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
           (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))
_IMAGENET_SIZES = (128, 160, 192, 224)


def MobileNet(input_shape: Any = None, alpha: float = 1.0, depth_multiplier: int = 1,
              dropout: float = 1e-3, include_top: bool = True, weights: Any = "imagenet",
              input_tensor: Any = None, pooling: str | None = None, classes: int = 1000,
              classifier_activation: Any = "softmax", name: str | None = None):
    """Instantiates the MobileNet architecture (a Functional model).

    `alpha` scales the width (filters) of every layer, `depth_multiplier` the depthwise
    convolutions' outputs, `dropout` is the rate before the classifier. Inputs are expected
    preprocessed with `lamina.applications.mobilenet.preprocess_input` (pixels in [-1, 1]).
    The other arguments are those of every application (`include_top`, `weights`,
    `input_tensor`, `input_shape`, `pooling`, `classes`, `classifier_activation`, `name`).
    """
    _common.check_weights_arg(weights, include_top, classes)
    rows, cols = spatial_size(input_shape) if input_shape is not None else (None, None)
    default_size = rows if rows == cols and rows in _IMAGENET_SIZES else 224
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=config.image_data_format(), require_flatten=include_top, weights=weights)
    rows, cols = spatial_size(input_shape)
    if weights == "imagenet":
        rows = _check_imagenet_args(alpha, depth_multiplier, rows, cols)

    img_input = _common.image_input(input_tensor, input_shape)
    x = _conv_block(img_input, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier,
                                  strides=(stride, stride), block_id=block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = global_pool(x, pooling)

    if name is None:
        name = f"mobilenet_{alpha:0.2f}_{rows}"
    model = Functional(_common.model_inputs(input_tensor, img_input), x, name=name)
    file_name = _weights_file_name(alpha, rows, include_top) if weights == "imagenet" else None
    _common.load_weights(model, weights, file_name=file_name,
                         origin=file_name and BASE_WEIGHT_PATH + file_name)
    return model


def _check_imagenet_args(alpha: float, depth_multiplier: int, rows: Any, cols: Any) -> int:
    """Keras's limits for ImageNet weights; returns the size whose weights are loaded."""
    if depth_multiplier != 1:
        raise ValueError("If imagenet weights are being loaded, depth multiplier must be 1.  "
                         f"Received depth_multiplier={depth_multiplier}")
    if alpha not in [0.25, 0.50, 0.75, 1.0]:
        raise ValueError("If imagenet weights are being loaded, alpha can be one of"
                         f"`0.25`, `0.50`, `0.75` or `1.0` only.  Received alpha={alpha}")
    if rows != cols or rows not in _IMAGENET_SIZES:
        warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in "
                      "[128, 160, 192, 224]. Weights for input shape (224, 224) will be "
                      "loaded as the default.", stacklevel=3)
        return 224
    return rows


def _weights_file_name(alpha: float, rows: int, include_top: bool) -> str:
    alpha_text = {1.0: "1_0", 0.75: "7_5", 0.50: "5_0"}.get(alpha, "2_5")
    suffix = "" if include_top else "_no_top"
    return f"mobilenet_{alpha_text}_{rows}_tf{suffix}.h5"


def _conv_block(inputs: Any, filters: int, alpha: float, kernel=(3, 3), strides=(1, 1)):
    """The stem: convolution, batch normalization and ReLU6."""
    x = layers.Conv2D(int(filters * alpha), kernel, padding="same", use_bias=False,
                      strides=strides, name="conv1")(inputs)
    x = layers.BatchNormalization(axis=channel_axis(), name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_conv_block(inputs: Any, pointwise_conv_filters: int, alpha: float,
                          depth_multiplier: int = 1, strides=(1, 1), block_id: int = 1):
    """Depthwise conv, BN, ReLU6, then pointwise conv, BN, ReLU6 (a strided block pads its
    bottom/right edge first, as TensorFlow's 'same' padding does)."""
    if strides == (1, 1):
        x = inputs
    else:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(inputs)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if strides == (1, 1) else "valid",
                               depth_multiplier=depth_multiplier, strides=strides,
                               use_bias=False, name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=channel_axis(), name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(pointwise_conv_filters * alpha), (1, 1), padding="same",
                      use_bias=False, strides=(1, 1), name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=channel_axis(), name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


preprocess_input, decode_predictions = imagenet_utils.family_functions("tf")
