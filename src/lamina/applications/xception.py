"""Xception (Keras's `keras.applications.xception`).

Reference: [Xception: Deep Learning with Depthwise Separable Convolutions](
https://arxiv.org/abs/1610.02357) (CVPR 2017). Same layers, created in Keras's order so that the
automatic names of the shortcut layers and Keras's published weight files match; inputs are
preprocessed with `xception.preprocess_input` (scaled to [-1, 1]).
"""

from __future__ import annotations

from typing import Any

from lamina import config, layers
from lamina.applications import _common, imagenet_utils
from lamina.applications._cnn_blocks import bn_axis, classifier_top
from lamina.models import Functional

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                "xception/xception_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                       "xception/xception_weights_tf_dim_ordering_tf_kernels_notop.h5")


def Xception(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
             input_shape: Any = None, pooling: str | None = None, classes: int = 1000,
             classifier_activation: Any = "softmax", name: str = "xception"):
    """Instantiates the Xception architecture (default input 299x299, at least 71x71).

    Args are Keras's: `include_top`, `weights` (None, "imagenet" or a file path),
    `input_tensor`, `input_shape` (only with `include_top=False`), `pooling` (None, "avg",
    "max"), `classes`, `classifier_activation` (None returns logits) and `name`.
    """
    _common.check_weights_arg(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=299, min_size=71, data_format=config.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = _common.image_input(input_tensor, input_shape)
    axis = bn_axis(-1)
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)
    x = _reduction_block(x, "block2", (128, 128), first_activation=False)
    x = _reduction_block(x, "block3", (256, 256))
    x = _reduction_block(x, "block4", (728, 728))
    for i in range(8):
        x = _middle_block(x, f"block{i + 5}")
    x = _reduction_block(x, "block13", (728, 1024))
    for index, filters in ((1, 1536), (2, 2048)):
        x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False,
                                   name=f"block14_sepconv{index}")(x)
        x = layers.BatchNormalization(axis=axis, name=f"block14_sepconv{index}_bn")(x)
        x = layers.Activation("relu", name=f"block14_sepconv{index}_act")(x)
    x = classifier_top(x, include_top=include_top, pooling=pooling, classes=classes,
                       classifier_activation=classifier_activation, weights=weights)
    model = Functional(_common.model_inputs(input_tensor, img_input), x, name=name)
    file_name, origin, file_hash = (
        ("xception_weights_tf_dim_ordering_tf_kernels.h5", WEIGHTS_PATH,
         "0a58e3b7378bc2990ea3b43d5981f1f6") if include_top else
        ("xception_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH_NO_TOP,
         "b0042744bf5b25fce3cb969f33bebb97"))
    _common.load_weights(model, weights, file_name=file_name, origin=origin, file_hash=file_hash)
    return model


def _sepconv_bn(x: Any, filters: int, prefix: str, index: int, activation: bool = True) -> Any:
    """[ReLU `prefix_sepconv{index}_act`], SeparableConv2D `prefix_sepconv{index}`, its BN."""
    if activation:
        x = layers.Activation("relu", name=f"{prefix}_sepconv{index}_act")(x)
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False,
                               name=f"{prefix}_sepconv{index}")(x)
    return layers.BatchNormalization(axis=bn_axis(-1), name=f"{prefix}_sepconv{index}_bn")(x)


def _reduction_block(x: Any, prefix: str, filters: tuple, first_activation: bool = True) -> Any:
    """Two separable convolutions and a strided max-pooling, plus a strided 1x1 shortcut."""
    residual = layers.Conv2D(filters[1], (1, 1), strides=(2, 2), padding="same",
                             use_bias=False)(x)
    residual = layers.BatchNormalization(axis=bn_axis(-1))(residual)
    x = _sepconv_bn(x, filters[0], prefix, 1, activation=first_activation)
    x = _sepconv_bn(x, filters[1], prefix, 2)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"{prefix}_pool")(x)
    return layers.add([x, residual])


def _middle_block(x: Any, prefix: str) -> Any:
    """Three ReLU-separable-conv-BN units (728 channels) around an identity shortcut."""
    residual = x
    for index in (1, 2, 3):
        x = _sepconv_bn(x, 728, prefix, index)
    return layers.add([x, residual])


preprocess_input, decode_predictions = imagenet_utils.family_functions("tf")
