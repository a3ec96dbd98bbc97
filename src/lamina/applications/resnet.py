"""Keras's `keras.applications.resnet`: ResNet50/101/152 (and the shared ResNet/ResNetV2 body).

Same layer names, order and published weights (`resnet*_weights_tf_dim_ordering_tf_kernels*.h5`)
as Keras. ResNetV2 (`resnet_v2.py`) reuses `ResNet` and the v2 blocks defined here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lamina import config, layers
from lamina.applications import _common, imagenet_utils

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
WEIGHTS_HASHES = {  # weights_name -> (md5 with top, md5 without top)
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33"),
    "resnext50": ("67a5b30d522ed92f75a1f16eef299d1a", "62527c363bdd9ec598bed41947b379fc"),
    "resnext101": ("34fb605428fcc7aa4d62f44404c11509", "0f678c91647380debd923963594981b3"),
}
_EPSILON = 1.001e-5


def _bn_axis() -> int:
    return 3 if config.image_data_format() == "channels_last" else 1


def _bn(name: str):
    return layers.BatchNormalization(axis=_bn_axis(), epsilon=_EPSILON, name=name)


def ResNet(stack_fn: Callable, preact: bool, use_bias: bool, include_top: bool = True,
           weights: Any = "imagenet", input_tensor: Any = None, input_shape: tuple | None = None,
           pooling: str | None = None, classes: int = 1000,
           classifier_activation: Any = "softmax", name: str = "resnet",
           weights_name: str | None = None):
    """The ResNet / ResNetV2 model around `stack_fn` (the residual stages): the 7x7 stem,
    pre-activation (`preact`, V2) or not, the classifier or `pooling`, and the weights."""
    _common.check_weights_arg(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=config.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = _common.image_input(input_tensor, input_shape)

    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = _bn("conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = _bn("post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)

    from lamina.models import Functional

    model = Functional(_common.model_inputs(input_tensor, img_input), x, name=name)
    if weights == "imagenet" and weights_name in WEIGHTS_HASHES:
        suffix = "" if include_top else "_notop"
        file_name = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
        _common.load_weights(model, weights, file_name=file_name,
                             origin=BASE_WEIGHTS_PATH + file_name,
                             file_hash=WEIGHTS_HASHES[weights_name][0 if include_top else 1])
    else:  # None, a path, or "imagenet" for an architecture without published weights
        _common.load_weights(model, weights)
    return model


def residual_block_v1(x, filters: int, kernel_size: int = 3, stride: int = 1,
                      conv_shortcut: bool = True, name: str | None = None):
    """A ResNet v1 bottleneck block: 1x1 (strided), kxk, 1x1 (4 * filters), added to the
    (projected) shortcut, then ReLU."""
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = _bn(f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = _bn(f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="SAME", name=f"{name}_2_conv")(x)
    x = _bn(f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = _bn(f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack_residual_blocks_v1(x, filters: int, blocks: int, stride1: int = 2,
                             name: str | None = None):
    """`blocks` v1 blocks; the first projects the shortcut and strides by `stride1`."""
    x = residual_block_v1(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def residual_block_v2(x, filters: int, kernel_size: int = 3, stride: int = 1,
                      conv_shortcut: bool = False, name: str | None = None):
    """A ResNet v2 (pre-activation) bottleneck block; it strides in its 3x3 convolution."""
    preact = _bn(f"{name}_preact_bn")(x)
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = _bn(f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False,
                      name=f"{name}_2_conv")(x)
    x = _bn(f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stack_residual_blocks_v2(x, filters: int, blocks: int, stride1: int = 2,
                             name: str | None = None):
    """`blocks` v2 blocks; the first projects the shortcut, the last strides by `stride1`."""
    x = residual_block_v2(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=f"{name}_block{i}")
    return residual_block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def stages(stack: Callable, blocks: tuple[int, int, int, int],
           strides: tuple[int, int, int, int]) -> Callable:
    """The stack_fn of the four stages conv2..conv5 (64, 128, 256, 512 bottleneck filters)."""
    def stack_fn(x):
        for i, (filters, count, stride) in enumerate(zip((64, 128, 256, 512), blocks, strides)):
            x = stack(x, filters, count, stride1=stride, name=f"conv{i + 2}")
        return x

    return stack_fn


def _resnet_v1(blocks: tuple[int, int, int, int], weights_name: str, args: dict):
    return ResNet(stages(stack_residual_blocks_v1, blocks, (1, 2, 2, 2)), preact=False,
                  use_bias=True, weights_name=weights_name, **args)


def ResNet50(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
             input_shape: tuple | None = None, pooling: str | None = None, classes: int = 1000,
             classifier_activation: Any = "softmax", name: str = "resnet50"):
    """Instantiates the ResNet50 architecture."""
    return _resnet_v1((3, 4, 6, 3), "resnet50", dict(locals()))


def ResNet101(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
              input_shape: tuple | None = None, pooling: str | None = None, classes: int = 1000,
              classifier_activation: Any = "softmax", name: str = "resnet101"):
    """Instantiates the ResNet101 architecture."""
    return _resnet_v1((3, 4, 23, 3), "resnet101", dict(locals()))


def ResNet152(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
              input_shape: tuple | None = None, pooling: str | None = None, classes: int = 1000,
              classifier_activation: Any = "softmax", name: str = "resnet152"):
    """Instantiates the ResNet152 architecture."""
    return _resnet_v1((3, 8, 36, 3), "resnet152", dict(locals()))


preprocess_input, decode_predictions = imagenet_utils.family_functions("caffe")

DOC = """

    Reference: [Deep Residual Learning for Image Recognition](https://arxiv.org/abs/1512.03385)
    (CVPR 2015). Call `{module}.preprocess_input` on your inputs first ({preprocessing}).
""" + _common.ARGS_DOC
_CAFFE = "RGB to BGR, then each color channel zero-centered on ImageNet, without scaling"
for _constructor in (ResNet50, ResNet101, ResNet152):
    _constructor.__doc__ += DOC.format(module="keras.applications.resnet", preprocessing=_CAFFE)
