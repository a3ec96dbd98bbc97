"""InceptionResNetV2 (Keras's `keras.applications.inception_resnet_v2`).

Reference: [Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning](
https://arxiv.org/abs/1602.07261) (AAAI 2017). Same layers, created in Keras's order, so the
automatic names and Keras's published weight files match; `CustomScaleLayer` is written in saved
files under Keras's module and name, so `.keras` files load both ways. Inputs are preprocessed
with `inception_resnet_v2.preprocess_input` (scaled to [-1, 1]).
"""

from __future__ import annotations

from typing import Any

from lamina import config, layers
from lamina.applications import _common, imagenet_utils
from lamina.applications._cnn_blocks import bn_axis, classifier_top, conv_bn
from lamina.layers.base import Layer
from lamina.models import Functional

BASE_WEIGHT_URL = ("https://storage.googleapis.com/tensorflow/"
                   "keras-applications/inception_resnet_v2/")
_FILE_HASHES = {"inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5":
                "e693bd0210a403b3192acc6073ad2e96",
                "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5":
                "d19885ff4a710c122648d3b5c3b684e4"}


def InceptionResNetV2(include_top: bool = True, weights: Any = "imagenet",
                      input_tensor: Any = None, input_shape: Any = None,
                      pooling: str | None = None, classes: int = 1000,
                      classifier_activation: Any = "softmax",
                      name: str = "inception_resnet_v2"):
    """Instantiates the Inception-ResNet v2 architecture (default input 299x299, at least
    75x75). Args are Keras's: `include_top`, `weights` (None, "imagenet" or a file path),
    `input_tensor`, `input_shape`, `pooling` (None, "avg", "max"), `classes`,
    `classifier_activation` (None returns logits) and `name`."""
    _common.check_weights_arg(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=299, min_size=75, data_format=config.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = _common.image_input(input_tensor, input_shape)
    x = _stem(img_input)
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=block_idx)
    x = _reduction_a(x)
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=block_idx)
    x = _reduction_b(x)
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=block_idx)
    x = inception_resnet_block(x, scale=1.0, activation=None, block_type="block8", block_idx=10)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")
    x = classifier_top(x, include_top=include_top, pooling=pooling, classes=classes,
                       classifier_activation=classifier_activation, weights=weights)
    model = Functional(_common.model_inputs(input_tensor, img_input), x, name=name)
    fname = ("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels"
             f"{'' if include_top else '_notop'}.h5")
    _common.load_weights(model, weights, file_name=fname, origin=BASE_WEIGHT_URL + fname,
                         file_hash=_FILE_HASHES[fname])
    return model


def _stem(x: Any) -> Any:
    """The stem and mixed_5b (Inception-A): -> 35x35x320."""
    x = conv2d_bn(x, 32, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = conv2d_bn(x, 64, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2)(x)
    branch_0 = conv2d_bn(x, 96, 1)
    branch_1 = conv2d_bn(x, 48, 1)
    branch_1 = conv2d_bn(branch_1, 64, 5)
    branch_2 = conv2d_bn(x, 64, 1)
    branch_2 = conv2d_bn(branch_2, 96, 3)
    branch_2 = conv2d_bn(branch_2, 96, 3)
    branch_pool = layers.AveragePooling2D(3, strides=1, padding="same")(x)
    branch_pool = conv2d_bn(branch_pool, 64, 1)
    return layers.Concatenate(axis=bn_axis(), name="mixed_5b")(
        [branch_0, branch_1, branch_2, branch_pool])


def _reduction_a(x: Any) -> Any:
    """mixed_6a (Reduction-A): -> 17x17x1088."""
    branch_0 = conv2d_bn(x, 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(x, 256, 1)
    branch_1 = conv2d_bn(branch_1, 256, 3)
    branch_1 = conv2d_bn(branch_1, 384, 3, strides=2, padding="valid")
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    return layers.Concatenate(axis=bn_axis(), name="mixed_6a")([branch_0, branch_1, branch_pool])


def _reduction_b(x: Any) -> Any:
    """mixed_7a (Reduction-B): -> 8x8x2080."""
    branch_0 = conv2d_bn(x, 256, 1)
    branch_0 = conv2d_bn(branch_0, 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(x, 256, 1)
    branch_1 = conv2d_bn(branch_1, 288, 3, strides=2, padding="valid")
    branch_2 = conv2d_bn(x, 256, 1)
    branch_2 = conv2d_bn(branch_2, 288, 3)
    branch_2 = conv2d_bn(branch_2, 320, 3, strides=2, padding="valid")
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    return layers.Concatenate(axis=bn_axis(), name="mixed_7a")(
        [branch_0, branch_1, branch_2, branch_pool])


def conv2d_bn(x: Any, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "same",
              activation: str | None = "relu", use_bias: bool = False,
              name: str | None = None) -> Any:
    """Conv2D (named `name`), BatchNormalization without a bias (`name_bn`), activation
    (`name_ac`)."""
    names = (None, None, None) if name is None else (name, f"{name}_bn", f"{name}_ac")
    return conv_bn(x, filters, kernel_size, strides=strides, padding=padding,
                   use_bias=use_bias, activation=activation, names=names)


class CustomScaleLayer(Layer):
    """`inputs[0] + inputs[1] * scale`: the scaled residual sum of the Inception-ResNet blocks."""

    keras_module = "keras.src.applications.inception_resnet_v2"

    def __init__(self, scale: float, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale}

    def call(self, inputs):
        return inputs[0] + inputs[1] * self.scale

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape[0])


def _residual_branches(x: Any, block_type: str) -> list:
    if block_type == "block35":
        branch_0 = conv2d_bn(x, 32, 1)
        branch_1 = conv2d_bn(conv2d_bn(x, 32, 1), 32, 3)
        branch_2 = conv2d_bn(conv2d_bn(conv2d_bn(x, 32, 1), 48, 3), 64, 3)
        return [branch_0, branch_1, branch_2]
    if block_type == "block17":
        branch_0 = conv2d_bn(x, 192, 1)
        branch_1 = conv2d_bn(conv2d_bn(conv2d_bn(x, 128, 1), 160, [1, 7]), 192, [7, 1])
        return [branch_0, branch_1]
    if block_type == "block8":
        branch_0 = conv2d_bn(x, 192, 1)
        branch_1 = conv2d_bn(conv2d_bn(conv2d_bn(x, 192, 1), 224, [1, 3]), 256, [3, 1])
        return [branch_0, branch_1]
    raise ValueError('Unknown Inception-ResNet block type. Expects "block35", "block17" or '
                     f'"block8", but got: {block_type}')


def inception_resnet_block(x: Any, scale: float, block_type: str, block_idx: int,
                           activation: str | None = "relu") -> Any:
    """An Inception-ResNet block: `x + scale * r` for its residual branch `r`, then
    `activation`; `block_type` ("block35", "block17", "block8") and `block_idx` name it."""
    branches = _residual_branches(x, block_type)
    block_name = f"{block_type}_{block_idx}"
    axis = bn_axis()
    mixed = layers.Concatenate(axis=axis, name=f"{block_name}_mixed")(branches)
    up = conv2d_bn(mixed, x.shape[axis], 1, activation=None, use_bias=True,
                   name=f"{block_name}_conv")
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=f"{block_name}_ac")(x)
    return x


preprocess_input, decode_predictions = imagenet_utils.family_functions("tf")
