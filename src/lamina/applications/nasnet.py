"""NASNetMobile and NASNetLarge (Keras's `keras.applications.nasnet`).

Reference: [Learning Transferable Architectures for Scalable Image Recognition](
https://arxiv.org/abs/1707.07012) (CVPR 2018). Same layers, created in Keras's order and in
Keras's name scopes, so the automatic names, the weight paths and Keras's published weight
files match; inputs are preprocessed with `nasnet.preprocess_input` (scaled to [-1, 1]).
"""

from __future__ import annotations

from typing import Any

from lamina import layers
from lamina.applications import _common, imagenet_utils
from lamina.applications._cnn_blocks import classifier_top, require_channels_last
from lamina.applications._nasnet_cells import normal_a_cell, reduction_a_cell
from lamina.models import Functional

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/nasnet/"
NASNET_MOBILE_WEIGHT_PATH = f"{BASE_WEIGHTS_PATH}NASNet-mobile.h5"
NASNET_MOBILE_WEIGHT_PATH_NO_TOP = f"{BASE_WEIGHTS_PATH}NASNet-mobile-no-top.h5"
NASNET_LARGE_WEIGHT_PATH = f"{BASE_WEIGHTS_PATH}NASNet-large.h5"
NASNET_LARGE_WEIGHT_PATH_NO_TOP = f"{BASE_WEIGHTS_PATH}NASNet-large-no-top.h5"

#: (default_size, include_top) -> (cache file name, origin, file hash), as in Keras.
_PUBLISHED = {
    (224, True): ("nasnet_mobile.h5", NASNET_MOBILE_WEIGHT_PATH,
                  "020fb642bf7360b370c678b08e0adf61"),
    (224, False): ("nasnet_mobile_no_top.h5", NASNET_MOBILE_WEIGHT_PATH_NO_TOP,
                   "1ed92395b5b598bdda52abe5c0dbfd63"),
    (331, True): ("nasnet_large.h5", NASNET_LARGE_WEIGHT_PATH,
                  "11577c9a518f0070763c2b964a382f17"),
    (331, False): ("nasnet_large_no_top.h5", NASNET_LARGE_WEIGHT_PATH_NO_TOP,
                   "d81d89dc07e6e56530c4e77faddd61b5"),
}


def NASNet(input_shape: Any = None, penultimate_filters: int = 4032, num_blocks: int = 6,
           stem_block_filters: int = 96, skip_reduction: bool = True,
           filter_multiplier: int = 2, include_top: bool = True, weights: Any = "imagenet",
           input_tensor: Any = None, pooling: str | None = None, classes: int = 1000,
           default_size: int | None = None, classifier_activation: Any = "softmax",
           name: str = "NASNet"):
    """A NASNet-A model `NASNet (num_blocks @ penultimate_filters)` (Keras's arguments)."""
    _check_arguments(input_shape, weights, include_top, classes)
    default_size = 331 if default_size is None else default_size
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32, data_format="channels_last",
        require_flatten=include_top, weights=weights)
    img_input = _common.image_input(input_tensor, input_shape)
    if penultimate_filters % (24 * (filter_multiplier**2)) != 0:
        raise ValueError("For NASNet-A models, the `penultimate_filters` must be a multiple of "
                         f"24 * (`filter_multiplier` ** 2). Current value: {penultimate_filters}")
    filters = penultimate_filters // 24
    x = layers.Conv2D(stem_block_filters, (3, 3), strides=(2, 2), padding="valid",
                      use_bias=False, name="stem_conv1", kernel_initializer="he_normal")(img_input)
    x = layers.BatchNormalization(axis=-1, momentum=0.9997, epsilon=1e-3, name="stem_bn1")(x)
    x, p = reduction_a_cell(x, None, filters // (filter_multiplier**2), block_id="stem_1")
    x, p = reduction_a_cell(x, p, filters // filter_multiplier, block_id="stem_2")
    for stage in range(3):  # the stem-sized, then twice and four times wider normal cells
        stage_filters = filters * filter_multiplier**stage
        if stage:
            x, p0 = reduction_a_cell(x, p, stage_filters, block_id=f"reduce_{stage * num_blocks}")
            p = p if skip_reduction else p0
        for i in range(num_blocks):
            block_id = stage * num_blocks + i + (1 if stage else 0)
            x, p = normal_a_cell(x, p, stage_filters, block_id=f"{block_id}")
    x = layers.Activation("relu")(x)
    x = classifier_top(x, include_top=include_top, pooling=pooling, classes=classes,
                       classifier_activation=classifier_activation, weights=weights,
                       top_pool_name=None)
    model = Functional(_common.model_inputs(input_tensor, img_input), x, name=name)
    _load_published(model, weights, default_size, include_top)
    return model


def _check_arguments(input_shape: Any, weights: Any, include_top: bool, classes: int) -> None:
    """Keras's checks, before anything is built (ValueError)."""
    require_channels_last("NASNet")
    _common.check_weights_arg(weights, include_top, classes)
    if isinstance(input_shape, tuple) and None in input_shape and weights == "imagenet":
        raise ValueError(
            "When specifying the input shape of a NASNet and loading `ImageNet` weights, the "
            "input_shape argument must be static (no None entries). Got: "
            f"`input_shape={input_shape}`.")


def _load_published(model, weights: Any, default_size: int, include_top: bool) -> None:
    """Keras's published Mobile or Large file, or the `weights` path."""
    if weights != "imagenet":
        return _common.load_weights(model, weights)
    if default_size not in (224, 331):
        raise ValueError("ImageNet weights can only be loaded with NASNetLarge or NASNetMobile")
    file_name, origin, file_hash = _PUBLISHED[(default_size, include_top)]
    _common.load_weights(model, weights, file_name=file_name, origin=origin, file_hash=file_hash)


def NASNetMobile(input_shape: Any = None, include_top: bool = True, weights: Any = "imagenet",
                 input_tensor: Any = None, pooling: str | None = None, classes: int = 1000,
                 classifier_activation: Any = "softmax", name: str = "nasnet_mobile"):
    """Instantiates a Mobile NASNet model in ImageNet mode (NASNet 4 @ 1056, input 224x224).

    Args are Keras's: `input_shape` (only with `include_top=False`; at least 32x32),
    `include_top`, `weights` (None, "imagenet" or a file path), `input_tensor`, `pooling`
    (None, "avg", "max"), `classes`, `classifier_activation` and `name`.
    """
    if not include_top and input_shape is None:
        input_shape = (224, 224, 3)
    return NASNet(input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                  skip_reduction=False, filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, pooling=pooling, classes=classes,
                  default_size=224, classifier_activation=classifier_activation, name=name)


def NASNetLarge(input_shape: Any = None, include_top: bool = True, weights: Any = "imagenet",
                input_tensor: Any = None, pooling: str | None = None, classes: int = 1000,
                classifier_activation: Any = "softmax", name: str = "nasnet_large"):
    """Instantiates a NASNet model in ImageNet mode (NASNet 6 @ 4032, input 331x331).

    Args are Keras's, as for `NASNetMobile`.
    """
    return NASNet(input_shape, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
                  skip_reduction=True, filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, pooling=pooling, classes=classes,
                  default_size=331, classifier_activation=classifier_activation, name=name)


preprocess_input, decode_predictions = imagenet_utils.family_functions("tf")
