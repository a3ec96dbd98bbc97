"""InceptionV3 (Keras's `keras.applications.inception_v3`).

Reference: [Rethinking the Inception Architecture for Computer Vision](
http://arxiv.org/abs/1512.00567) (CVPR 2016). Same layers, created in Keras's order so that the
automatic names (`conv2d_12`, `batch_normalization_12`, ...) and Keras's published weight files
match; inputs are preprocessed with `inception_v3.preprocess_input` (scaled to [-1, 1]).
"""

from __future__ import annotations

from typing import Any

from lamina import config, layers
from lamina.applications import _common, imagenet_utils
from lamina.applications._cnn_blocks import bn_axis, classifier_top, conv_bn
from lamina.models import Functional

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                       "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5")


def InceptionV3(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
                input_shape: Any = None, pooling: str | None = None, classes: int = 1000,
                classifier_activation: Any = "softmax", name: str = "inception_v3"):
    """Instantiates the Inception v3 architecture (default input 299x299, at least 75x75).

    Args are Keras's: `include_top`, `weights` (None, "imagenet" or a file path),
    `input_tensor`, `input_shape` (only with `include_top=False`), `pooling` (None, "avg",
    "max"), `classes`, `classifier_activation` (None returns logits) and `name`.
    """
    _common.check_weights_arg(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=299, min_size=75, data_format=config.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = _common.image_input(input_tensor, input_shape)
    x = _stem(img_input)
    for index, pool_filters in enumerate((32, 64, 64)):
        x = _block_35(x, pool_filters, name=f"mixed{index}")
    x = _reduction_17(x)
    for index, filters_7x7 in ((4, 128), (5, 160), (6, 160), (7, 192)):
        x = _block_17(x, filters_7x7, name=f"mixed{index}")
    x = _reduction_8(x)
    for i in range(2):
        x = _block_8(x, i)
    x = classifier_top(x, include_top=include_top, pooling=pooling, classes=classes,
                       classifier_activation=classifier_activation, weights=weights)
    model = Functional(_common.model_inputs(input_tensor, img_input), x, name=name)
    if weights == "imagenet":
        file_name, origin, file_hash = (
            ("inception_v3_weights_tf_dim_ordering_tf_kernels.h5", WEIGHTS_PATH,
             "9a0d58056eeedaa3f26cb7ebd46da564") if include_top else
            ("inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH_NO_TOP,
             "bcbd6486424b2319ff4ef7d526e38f63"))
        _common.load_weights(model, weights, file_name=file_name, origin=origin,
                             file_hash=file_hash)
    else:
        _common.load_weights(model, weights)
    return model


def _avg_pool_same(x: Any) -> Any:
    return layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)


def _stem(x: Any) -> Any:
    """Five convolutions and two max-poolings: 299x299x3 -> 35x35x192."""
    x = conv2d_bn(x, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    return layers.MaxPooling2D((3, 3), strides=(2, 2))(x)


def _block_35(x: Any, pool_filters: int, name: str) -> Any:
    """mixed0-2 (35x35): 1x1, 5x5, double 3x3 and pooled branches."""
    branch1x1 = conv2d_bn(x, 64, 1, 1)
    branch5x5 = conv2d_bn(x, 48, 1, 1)
    branch5x5 = conv2d_bn(branch5x5, 64, 5, 5)
    branch3x3dbl = conv2d_bn(x, 64, 1, 1)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
    branch_pool = conv2d_bn(_avg_pool_same(x), pool_filters, 1, 1)
    return layers.concatenate([branch1x1, branch5x5, branch3x3dbl, branch_pool],
                              axis=bn_axis(), name=name)


def _reduction_17(x: Any) -> Any:
    """mixed3: 35x35 -> 17x17x768."""
    branch3x3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    branch3x3dbl = conv2d_bn(x, 64, 1, 1)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    return layers.concatenate([branch3x3, branch3x3dbl, branch_pool], axis=bn_axis(),
                              name="mixed3")


def _block_17(x: Any, c7: int, name: str) -> Any:
    """mixed4-7 (17x17x768): factorised 7x7 branches of width `c7`."""
    branch1x1 = conv2d_bn(x, 192, 1, 1)
    branch7x7 = conv2d_bn(x, c7, 1, 1)
    branch7x7 = conv2d_bn(branch7x7, c7, 1, 7)
    branch7x7 = conv2d_bn(branch7x7, 192, 7, 1)
    branch7x7dbl = conv2d_bn(x, c7, 1, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, c7, 7, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, c7, 1, 7)
    branch7x7dbl = conv2d_bn(branch7x7dbl, c7, 7, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, 192, 1, 7)
    branch_pool = conv2d_bn(_avg_pool_same(x), 192, 1, 1)
    return layers.concatenate([branch1x1, branch7x7, branch7x7dbl, branch_pool],
                              axis=bn_axis(), name=name)


def _reduction_8(x: Any) -> Any:
    """mixed8: 17x17 -> 8x8x1280."""
    branch3x3 = conv2d_bn(x, 192, 1, 1)
    branch3x3 = conv2d_bn(branch3x3, 320, 3, 3, strides=(2, 2), padding="valid")
    branch7x7x3 = conv2d_bn(x, 192, 1, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 1, 7)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 7, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    return layers.concatenate([branch3x3, branch7x7x3, branch_pool], axis=bn_axis(),
                              name="mixed8")


def _block_8(x: Any, i: int) -> Any:
    """mixed9 / mixed10 (8x8x2048): split 1x3 / 3x1 branches."""
    axis = bn_axis()
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3 = layers.concatenate([conv2d_bn(branch3x3, 384, 1, 3),
                                    conv2d_bn(branch3x3, 384, 3, 1)],
                                   axis=axis, name=f"mixed9_{i}")
    branch3x3dbl = conv2d_bn(x, 448, 1, 1)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 384, 3, 3)
    branch3x3dbl = layers.concatenate([conv2d_bn(branch3x3dbl, 384, 1, 3),
                                       conv2d_bn(branch3x3dbl, 384, 3, 1)], axis=axis)
    branch_pool = conv2d_bn(_avg_pool_same(x), 192, 1, 1)
    return layers.concatenate([branch1x1, branch3x3, branch3x3dbl, branch_pool],
                              axis=axis, name=f"mixed{9 + i}")


def conv2d_bn(x: Any, filters: int, num_row: int, num_col: int, padding: str = "same",
              strides: Any = (1, 1), name: str | None = None) -> Any:
    """Conv2D + BatchNormalization + ReLU; `name` names the ReLU (`name_conv`, `name_bn`)."""
    names = (None, None, None) if name is None else (f"{name}_conv", f"{name}_bn", name)
    return conv_bn(x, filters, (num_row, num_col), strides=strides, padding=padding,
                   names=names)


preprocess_input, decode_predictions = imagenet_utils.family_functions("tf")
