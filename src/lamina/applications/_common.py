"""What every `lamina.applications` constructor does around its own layers.

Keras's applications repeat the same steps around each architecture: check the `weights`
argument, make (or adopt) the image input, find the source inputs of a user's `input_tensor`,
and, after the model is built, fetch Keras's published weights file into Keras's cache
(`~/.keras/models`) or read a local file. They live here once.
"""

from __future__ import annotations

import os
from typing import Any

#: Environment variable naming a mirror of https://storage.googleapis.com/ (where Keras publishes
#: its application weights and the ImageNet class index), e.g. a server inside a firewall:
#: LAMINA_WEIGHTS_MIRROR=http://mirror.example/ fetches
#: http://mirror.example/tensorflow/keras-applications/resnet/<file>.
MIRROR_ENV = "LAMINA_WEIGHTS_MIRROR"
_PUBLISHED_PREFIX = "https://storage.googleapis.com/"

#: The arguments every ImageNet constructor shares (ResNet, ResNetV2, VGG), appended to their
#: docstrings.
ARGS_DOC = """
    Args:
        include_top: whether to include the fully-connected layer(s) at the top of the network.
        weights: `None` (random initialization), `"imagenet"` (pre-training on ImageNet,
            downloaded once into `~/.keras/models`; set `LAMINA_WEIGHTS_MIRROR` to fetch it
            from a mirror of https://storage.googleapis.com/), or the path to a weights file.
        input_tensor: optional Keras tensor (output of `layers.Input()`) to use as image input.
        input_shape: optional shape tuple, only when `include_top` is False (otherwise it is
            `(224, 224, 3)`); 3 channels, width and height at least 32.
        pooling: with `include_top=False`: `None` (4D output of the last block), `"avg"` or
            `"max"` (global pooling to a 2D tensor).
        classes: number of classes, only with `include_top=True` and no `weights`.
        classifier_activation: activation of the "top" layer (`None` returns logits); with
            pretrained weights only `None` or `"softmax"`.
        name: The name of the model (string).

    Returns:
        A `Model` instance.
    """


def check_weights_arg(weights: Any, include_top: bool, classes: int,
                      imagenet_classes: int = 1000) -> None:
    """Keras's checks of `weights` and `classes`, with Keras's messages (ValueError)."""
    if not (weights in {"imagenet", None} or (isinstance(weights, (str, os.PathLike))
                                              and os.path.exists(weights))):
        raise ValueError(
            "The `weights` argument should be either `None` (random initialization), "
            "'imagenet' (pre-training on ImageNet), or the path to the weights file to be "
            f"loaded.  Received: weights={weights}")
    if weights == "imagenet" and include_top and classes != imagenet_classes:
        raise ValueError(
            "If using `weights='imagenet'` with `include_top=True`, `classes` should be "
            f"{imagenet_classes}.  Received classes={classes}")


def image_input(input_tensor: Any, input_shape: tuple):
    """The model's image input: a new `Input`, or the user's `input_tensor` adopted as one."""
    from lamina import backend, layers

    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not backend.is_keras_tensor(input_tensor):
        return layers.Input(tensor=input_tensor, shape=input_shape)
    return input_tensor


def model_inputs(input_tensor: Any, img_input: Any):
    """The inputs the Functional model is built on: `input_tensor`'s sources when given."""
    from lamina.utils.keras_tensors import get_source_inputs

    if input_tensor is not None:
        return get_source_inputs(input_tensor)
    return img_input


def mirrored_url(origin: str) -> str:
    """`origin` with Keras's storage prefix replaced by `$LAMINA_WEIGHTS_MIRROR` when it is set;
    the file names and hashes stay Keras's, so a mirror holds byte-identical copies."""
    mirror = os.environ.get(MIRROR_ENV)
    if not mirror or not origin.startswith(_PUBLISHED_PREFIX):
        return origin
    return mirror.rstrip("/") + "/" + origin[len(_PUBLISHED_PREFIX):]


def load_weights(model: Any, weights: Any, *, file_name: str | None = None,
                 origin: str | None = None, file_hash: str | None = None) -> None:
    """Read `weights` into `model`: 'imagenet' fetches Keras's published file (`origin`,
    checked against `file_hash`) into Keras's cache `~/.keras/models` through `get_file`, so
    a file Keras already downloaded is reused; a path is read as is; None does nothing."""
    if weights is None:
        return
    if weights == "imagenet":
        if file_name is None:
            raise ValueError(f"No ImageNet weights are published for {model.name}. "
                             "Pass weights=None or the path of a weights file.")
        weights = _fetch_published(file_name, origin, file_hash)
    model.load_weights(weights)


def _fetch_published(file_name: str, origin: str, file_hash: str | None) -> str:
    """Keras's published file in the cache (downloaded once), or a DownloadError saying where
    the file can be put by hand, or how to fetch it from a mirror, or to pass its path."""
    from lamina.datasets.download import DownloadError, HashMismatchError
    from lamina.utils import get_file

    try:
        return get_file(file_name, mirrored_url(origin), cache_subdir="models",
                        file_hash=file_hash)
    except HashMismatchError:
        raise
    except DownloadError as exc:
        raise DownloadError(f"{exc} Alternatively set {MIRROR_ENV} to a mirror of "
                            f"{_PUBLISHED_PREFIX}, or pass weights=<path of the file>.") from None
