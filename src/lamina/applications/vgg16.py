"""Keras's `keras.applications.vgg16`: VGG16, and the VGG body VGG19 (`vgg19.py`) shares.

Reference: [Very Deep Convolutional Networks for Large-Scale Image Recognition](
https://arxiv.org/abs/1409.1556) (ICLR 2015). Same layer names, order and published weights as
Keras; inputs are preprocessed in "caffe" mode (RGB to BGR, ImageNet mean pixel subtracted).
"""

from __future__ import annotations

from typing import Any

from lamina import config, layers
from lamina.applications import _common, imagenet_utils

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                       "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASHES = ("64373286793e3c8b2b4e3219cbf3544b",  # md5 with top, md5 without top
                  "6d6bbae143d832006294945121d1f1fc")
_FILTERS = (64, 128, 256, 512, 512)


def VGG(convs_per_block: tuple[int, ...], weights_files: tuple[str, str],
        weights_hashes: tuple[str, str], include_top: bool = True, weights: Any = "imagenet",
        input_tensor: Any = None, input_shape: tuple | None = None, pooling: str | None = None,
        classes: int = 1000, classifier_activation: Any = "softmax", name: str = "vgg"):
    """Five blocks of `convs_per_block[i]` 3x3 ReLU convolutions then 2x2 max pooling, the
    three fully-connected layers (or `pooling`), and Keras's published weights when asked:
    `weights_files` / `weights_hashes` are (with top, without top)."""
    _common.check_weights_arg(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=config.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = _common.image_input(input_tensor, input_shape)
    x = img_input
    for block, (filters, convs) in enumerate(zip(_FILTERS, convs_per_block), start=1):
        for conv in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{conv}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)

    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)

    from lamina.models import Functional

    model = Functional(_common.model_inputs(input_tensor, img_input), x, name=name)
    which = 0 if include_top else 1
    origin = weights_files[which]
    _common.load_weights(model, weights, file_name=origin.rsplit("/", 1)[-1], origin=origin,
                         file_hash=weights_hashes[which])
    return model


def VGG16(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
          input_shape: tuple | None = None, pooling: str | None = None, classes: int = 1000,
          classifier_activation: Any = "softmax", name: str = "vgg16"):
    """Instantiates the VGG16 model (13 convolutions in five blocks, three dense layers).

    The default input size is 224x224. Call `keras.applications.vgg16.preprocess_input` on
    your inputs first (RGB to BGR, each color channel zero-centered on ImageNet, no scaling).
    """
    return VGG((2, 2, 3, 3, 3), (WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP), WEIGHTS_HASHES, **locals())


VGG16.__doc__ += _common.ARGS_DOC
preprocess_input, decode_predictions = imagenet_utils.family_functions("caffe")
