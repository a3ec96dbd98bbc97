"""Keras's `keras.applications.vgg19`: VGG19, the VGG body of `vgg16.py` with four
convolutions in each of the last three blocks; Keras's published VGG19 weights."""

from __future__ import annotations

from typing import Any

from lamina.applications import imagenet_utils
from lamina.applications.vgg16 import VGG

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                       "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASHES = ("cbe5617147190e668d6c5d5026f83318",  # md5 with top, md5 without top
                  "253f8cb515780f3b799900260a226db6")


def VGG19(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
          input_shape: tuple | None = None, pooling: str | None = None, classes: int = 1000,
          classifier_activation: Any = "softmax", name: str = "vgg19"):
    """Instantiates the VGG19 model (16 convolutions in five blocks, three dense layers).

    Same arguments as `VGG16`; call `keras.applications.vgg19.preprocess_input` on your inputs
    first (RGB to BGR, each color channel zero-centered on ImageNet, no scaling).
    """
    return VGG((2, 2, 4, 4, 4), (WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP), WEIGHTS_HASHES, **locals())


preprocess_input, decode_predictions = imagenet_utils.family_functions("caffe")
