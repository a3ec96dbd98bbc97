"""DenseNet121, DenseNet169 and DenseNet201 (Keras's `keras.applications.densenet`).

Reference: [Densely Connected Convolutional Networks](https://arxiv.org/abs/1608.06993)
(CVPR 2017). Same layer names, order and published weight files as Keras; inputs are
preprocessed with `densenet.preprocess_input` ("torch" mode).
"""

from __future__ import annotations

from typing import Any

from lamina import layers
from lamina.applications import _common, imagenet_utils
from lamina.applications._cnn_blocks import bn_axis, classifier_top, require_channels_last
from lamina.models import Functional

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
DENSENET121_WEIGHT_PATH = f"{BASE_WEIGHTS_PATH}densenet121_weights_tf_dim_ordering_tf_kernels.h5"
DENSENET121_WEIGHT_PATH_NO_TOP = (
    f"{BASE_WEIGHTS_PATH}densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5")
DENSENET169_WEIGHT_PATH = f"{BASE_WEIGHTS_PATH}densenet169_weights_tf_dim_ordering_tf_kernels.h5"
DENSENET169_WEIGHT_PATH_NO_TOP = (
    f"{BASE_WEIGHTS_PATH}densenet169_weights_tf_dim_ordering_tf_kernels_notop.h5")
DENSENET201_WEIGHT_PATH = f"{BASE_WEIGHTS_PATH}densenet201_weights_tf_dim_ordering_tf_kernels.h5"
DENSENET201_WEIGHT_PATH_NO_TOP = (
    f"{BASE_WEIGHTS_PATH}densenet201_weights_tf_dim_ordering_tf_kernels_notop.h5")

#: blocks -> (depth, file hash with top, file hash without top), as in Keras.
_PUBLISHED = {
    (6, 12, 24, 16): (121, "9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
    (6, 12, 32, 32): (169, "d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
    (6, 12, 48, 32): (201, "1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1"),
}


def dense_block(x: Any, blocks: int, name: str) -> Any:
    """`blocks` conv blocks, each concatenating 32 new channels to its input."""
    for i in range(blocks):
        x = conv_block(x, 32, name=f"{name}_block{i + 1}")
    return x


def transition_block(x: Any, reduction: float, name: str) -> Any:
    """BN-ReLU, a 1x1 convolution keeping `reduction` of the channels, 2x2 average pooling."""
    axis = bn_axis()
    x = layers.BatchNormalization(axis=axis, epsilon=1.001e-5, name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(int(x.shape[axis] * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def conv_block(x: Any, growth_rate: int, name: str) -> Any:
    """BN-ReLU-Conv1x1(4k)-BN-ReLU-Conv3x3(k), concatenated to the block's input."""
    axis = bn_axis()
    x1 = layers.BatchNormalization(axis=axis, epsilon=1.001e-5, name=f"{name}_0_bn")(x)
    x1 = layers.Activation("relu", name=f"{name}_0_relu")(x1)
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(x1)
    x1 = layers.BatchNormalization(axis=axis, epsilon=1.001e-5, name=f"{name}_1_bn")(x1)
    x1 = layers.Activation("relu", name=f"{name}_1_relu")(x1)
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(x1)
    return layers.Concatenate(axis=axis, name=f"{name}_concat")([x, x1])


def DenseNet(blocks: list, include_top: bool = True, weights: Any = "imagenet",
             input_tensor: Any = None, input_shape: Any = None, pooling: str | None = None,
             classes: int = 1000, classifier_activation: Any = "softmax",
             name: str = "densenet"):
    """A DenseNet with `blocks` conv blocks in each of its four dense blocks."""
    require_channels_last("DenseNet")
    _common.check_weights_arg(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format="channels_last",
        require_flatten=include_top, weights=weights)
    img_input = _common.image_input(input_tensor, input_shape)
    axis = bn_axis()
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1.001e-5, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, count in enumerate(blocks):
        x = dense_block(x, count, name=f"conv{stage + 2}")
        if stage < 3:
            x = transition_block(x, 0.5, name=f"pool{stage + 2}")
    x = layers.BatchNormalization(axis=axis, epsilon=1.001e-5, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = classifier_top(x, include_top=include_top, pooling=pooling, classes=classes,
                       classifier_activation=classifier_activation, weights=weights,
                       named_pooling=True)
    model = Functional(_common.model_inputs(input_tensor, img_input), x, name=name)
    _load_published(model, weights, tuple(blocks), include_top)
    return model


def _load_published(model, weights: Any, blocks: tuple, include_top: bool) -> None:
    """Keras's published file for these `blocks` (with or without the top), or `weights`."""
    if weights != "imagenet":
        return _common.load_weights(model, weights)
    if blocks not in _PUBLISHED:
        raise ValueError("weights_path undefined")
    depth, top_hash, notop_hash = _PUBLISHED[blocks]
    suffix = "" if include_top else "_notop"
    file_name = f"densenet{depth}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
    _common.load_weights(model, weights, file_name=file_name,
                         origin=BASE_WEIGHTS_PATH + file_name,
                         file_hash=top_hash if include_top else notop_hash)


def _variant(blocks: list, public_name: str, default_name: str):
    """A public constructor: Keras's DenseNet121/169/201 signature over `DenseNet(blocks)`."""
    def constructor(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
                    input_shape: Any = None, pooling: str | None = None, classes: int = 1000,
                    classifier_activation: Any = "softmax", name: str = default_name):
        return DenseNet(blocks, include_top, weights, input_tensor, input_shape, pooling,
                        classes, classifier_activation, name=name)

    constructor.__name__ = constructor.__qualname__ = public_name
    constructor.__doc__ = f"Instantiates the {public_name} architecture." + DOC
    return constructor


DOC = """

Reference: [Densely Connected Convolutional Networks](https://arxiv.org/abs/1608.06993)

Args:
    include_top: whether to include the fully-connected layer at the top of the network.
    weights: `None` (random initialization), `"imagenet"` (pre-training on ImageNet), or the
        path to the weights file to be loaded.
    input_tensor: optional Keras tensor (output of `layers.Input()`) to use as image input.
    input_shape: optional shape tuple, only to be specified if `include_top` is False
        (otherwise the input shape has to be `(224, 224, 3)`); 3 channels, width and height
        no smaller than 32.
    pooling: feature-extraction pooling when `include_top` is False: None, "avg" or "max".
    classes: number of classes, only with `include_top=True` and no `weights`.
    classifier_activation: activation of the "top" layer (None returns logits); with
        pretrained weights only None or "softmax".
    name: the name of the model.

Returns:
    A model instance.
"""

DenseNet121 = _variant([6, 12, 24, 16], "DenseNet121", "densenet121")
DenseNet169 = _variant([6, 12, 32, 32], "DenseNet169", "densenet169")
DenseNet201 = _variant([6, 12, 48, 32], "DenseNet201", "densenet201")


preprocess_input, decode_predictions = imagenet_utils.family_functions("torch")
