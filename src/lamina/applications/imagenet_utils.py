"""Keras's `keras.applications.imagenet_utils`: ImageNet preprocessing, decoding of ImageNet
predictions, and the input-shape checks every application shares.

`preprocess_input` has Keras's three modes ("caffe": RGB->BGR then minus the ImageNet mean pixel;
"tf": scale to [-1, 1]; "torch": scale to [0, 1] then normalize per channel). As in Keras, a
floating NumPy array is preprocessed in place (pass `numpy.copy(x)` to keep it); tensors are not.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np

from lamina import activations, config, ops
from lamina.applications._common import mirrored_url

CLASS_INDEX = None
CLASS_INDEX_PATH = ("https://storage.googleapis.com/download.tensorflow.org/"
                    "data/imagenet_class_index.json")
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"

_MODES = {  # mode -> (mean, std, RGB->BGR), on the scale the mode leaves pixels in
    "caffe": ((103.939, 116.779, 123.68), None, True),
    "torch": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225), False),
}

PREPROCESS_INPUT_DOC = """Preprocesses a tensor or NumPy array encoding a batch of images.

    Args:
        x: A floating point `numpy.array` or a tensor, 3D or 4D with 3 color channels, with
            values in the range [0, 255]. A floating NumPy array is preprocessed in place
            (pass `numpy.copy(x)` to keep it).
        data_format: Optional data format of the image tensor/array. `None` means the global
            setting `keras.backend.image_data_format()` ("channels_last" unless changed).{mode}

    Returns:
        Preprocessed array with type `float32`.{ret}

    Raises:
        ValueError: {error}
    """
PREPROCESS_INPUT_MODE_DOC = """
        mode: One of "caffe", "tf" or "torch". "caffe" converts the images from RGB to BGR,
            then zero-centers each color channel with respect to the ImageNet dataset, without
            scaling; "tf" scales pixels between -1 and 1, sample-wise; "torch" scales pixels
            between 0 and 1, then normalizes each channel with respect to the ImageNet
            dataset. Defaults to `"caffe"`."""
PREPROCESS_INPUT_DEFAULT_ERROR_DOC = "In case of unknown `mode` or `data_format` argument."
PREPROCESS_INPUT_ERROR_DOC = "In case of unknown `data_format` argument."
PREPROCESS_INPUT_RET_DOC_TF = """
        The input pixel values are scaled between -1 and 1, sample-wise."""
PREPROCESS_INPUT_RET_DOC_TORCH = """
        The input pixel values are scaled between 0 and 1 and each channel is normalized
        with respect to the ImageNet dataset."""
PREPROCESS_INPUT_RET_DOC_CAFFE = """
        The images are converted from RGB to BGR, then each color channel is zero-centered
        with respect to the ImageNet dataset, without scaling."""


def preprocess_input(x: Any, data_format: str | None = None, mode: str = "caffe"):
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError("Expected mode to be one of `caffe`, `tf` or `torch`. "
                         f"Received: mode={mode}")
    if data_format is None:
        data_format = config.image_data_format()
    elif data_format not in {"channels_first", "channels_last"}:
        raise ValueError("Expected data_format to be one of `channels_first` or "
                         f"`channels_last`. Received: data_format={data_format}")
    if isinstance(x, np.ndarray):
        return _preprocess_numpy_input(x, data_format, mode)
    return _preprocess_tensor_input(x, data_format, mode)


preprocess_input.__doc__ = PREPROCESS_INPUT_DOC.format(
    mode=PREPROCESS_INPUT_MODE_DOC, ret="", error=PREPROCESS_INPUT_DEFAULT_ERROR_DOC)


def _channel_axis(ndim: int, data_format: str) -> int:
    return (0 if ndim == 3 else 1) if data_format == "channels_first" else ndim - 1


def _per_channel(values, ndim: int, data_format: str, dtype) -> np.ndarray:
    """`values` (one per color channel) shaped to broadcast along the channel axis."""
    shape = [1] * ndim
    shape[_channel_axis(ndim, data_format)] = len(values)
    return np.asarray(values, dtype=dtype).reshape(shape)


def _preprocess_numpy_input(x: np.ndarray, data_format: str, mode: str) -> np.ndarray:
    """Keras's NumPy path: in place for floating arrays (the BGR flip is a view of `x`)."""
    if not issubclass(x.dtype.type, np.floating):
        x = x.astype(config.floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    mean, std, to_bgr = _MODES[mode]
    if mode == "torch":
        x /= 255.0
    if to_bgr:
        x = np.flip(x, axis=_channel_axis(x.ndim, data_format))
    x -= _per_channel(mean, x.ndim, data_format, x.dtype)
    if std is not None:
        x /= _per_channel(std, x.ndim, data_format, x.dtype)
    return x


def _preprocess_tensor_input(x: Any, data_format: str, mode: str):
    """Keras's tensor path (JAX arrays, symbolic tensors): new tensors, never in place. As in
    Keras, the mean is cast to the input's dtype (an integer tensor gets an integer mean)."""
    if mode == "tf":
        return x / 127.5 - 1.0
    mean, std, to_bgr = _MODES[mode]
    if mode == "torch":
        x = x / 255.0
    ndim = len(x.shape)
    if to_bgr:
        x = ops.flip(x, axis=_channel_axis(ndim, data_format))
    x = x + ops.convert_to_tensor(-_per_channel(mean, ndim, data_format, "float64"), x.dtype)
    if std is not None:
        x = x / ops.convert_to_tensor(_per_channel(std, ndim, data_format, "float64"), x.dtype)
    return x


def decode_predictions(preds: Any, top: int = 5) -> list[list[tuple]]:
    """Decodes a batch of ImageNet predictions (shape `(samples, 1000)`) into, per sample, the
    `top` guesses `(class_name, class_description, score)`, best first.

    The class index is Keras's `imagenet_class_index.json`, fetched once into `~/.keras/models`
    (or read from there when Keras already fetched it). Raises ValueError for another shape.
    """
    global CLASS_INDEX

    if len(preds.shape) != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D array "
                         f"of shape (samples, 1000)). Received array with shape: {preds.shape}")
    if CLASS_INDEX is None:
        from lamina.utils import get_file

        fpath = get_file("imagenet_class_index.json", mirrored_url(CLASS_INDEX_PATH),
                         cache_subdir="models", file_hash=CLASS_INDEX_HASH)
        with open(fpath) as f:
            CLASS_INDEX = json.load(f)
    results = []
    for pred in ops.convert_to_numpy(preds):
        top_indices = pred.argsort()[-top:][::-1]
        result = [(*CLASS_INDEX[str(i)], pred[i]) for i in top_indices]
        result.sort(key=lambda item: item[2], reverse=True)
        results.append(result)
    return results


def obtain_input_shape(input_shape: Any, default_size: int, min_size: int, data_format: str,
                       require_flatten: bool, weights: Any = None) -> tuple:
    """The model's input shape: `input_shape` checked against the architecture's minimum size
    (and, with ImageNet weights, 3 channels and the default size when the top is included),
    or the default shape when None. Keras's messages (ValueError)."""
    channels_first = data_format == "channels_first"
    default_shape = _default_shape(input_shape, default_size, channels_first, weights)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError("When setting `include_top=True` and loading `imagenet` weights, "
                             f"`input_shape` should be {default_shape}.  "
                             f"Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        _check_input_shape(input_shape, min_size, channels_first, weights)
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static "
                         f"`input_shape`. Received: input_shape={input_shape}")
    return input_shape


def _default_shape(input_shape, default_size: int, channels_first: bool, weights) -> tuple:
    """The default size with the user's channel count (3 with ImageNet weights)."""
    if weights == "imagenet" or not input_shape or len(input_shape) != 3:
        return (3, default_size, default_size) if channels_first else (
            default_size, default_size, 3)
    channels = input_shape[0] if channels_first else input_shape[-1]
    if channels not in {1, 3}:
        warnings.warn("This model usually expects 1 or 3 input channels. However, it was "
                      f"passed an input_shape with {channels} input channels.", stacklevel=3)
    return (channels, default_size, default_size) if channels_first else (
        default_size, default_size, channels)


def _check_input_shape(input_shape, min_size: int, channels_first: bool, weights) -> None:
    if len(input_shape) != 3:
        raise ValueError("`input_shape` must be a tuple of three integers.")
    channels = input_shape[0] if channels_first else input_shape[-1]
    if channels != 3 and weights == "imagenet":
        raise ValueError(f"The input must have 3 channels; Received `input_shape={input_shape}`")
    sizes = input_shape[1:] if channels_first else input_shape[:2]
    if any(size is not None and size < min_size for size in sizes):
        raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: "
                         f"input_shape={input_shape}")


def correct_pad(inputs: Any, kernel_size: int | tuple[int, int]) -> tuple:
    """The `ZeroPadding2D` padding that makes a strided 'valid' convolution of `kernel_size`
    behave like TensorFlow's 'same' one (Keras's MobileNet/EfficientNet stems)."""
    img_dim = 2 if config.image_data_format() == "channels_first" else 1
    input_size = inputs.shape[img_dim:img_dim + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    if input_size[0] is None:
        adjust = (1, 1)
    else:
        adjust = (1 - input_size[0] % 2, 1 - input_size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation: Any, weights: Any) -> None:
    """Pretrained weights allow only `None` or "softmax" as the classifier's activation."""
    if weights is None:
        return
    classifier_activation = activations.get(classifier_activation)
    if classifier_activation not in {activations.get("softmax"), activations.get(None)}:
        raise ValueError("Only `None` and `softmax` activations are allowed for the "
                         "`classifier_activation` argument when using pretrained weights, "
                         "with `include_top=True`; Received: "
                         f"classifier_activation={classifier_activation}")


_RETURN_DOCS = {"tf": PREPROCESS_INPUT_RET_DOC_TF, "torch": PREPROCESS_INPUT_RET_DOC_TORCH,
                "caffe": PREPROCESS_INPUT_RET_DOC_CAFFE}


def family_functions(mode: str) -> tuple:
    """A family module's `(preprocess_input, decode_predictions)`, as Keras gives each module:
    ImageNet preprocessing in `mode` ("tf", "torch" or "caffe") and the shared decoding."""

    def preprocess(x: Any, data_format: str | None = None):
        return preprocess_input(x, data_format=data_format, mode=mode)

    def decode(preds: Any, top: int = 5) -> list[list[tuple]]:
        return decode_predictions(preds, top=top)

    preprocess.__name__ = preprocess.__qualname__ = "preprocess_input"
    preprocess.__doc__ = PREPROCESS_INPUT_DOC.format(
        mode="", ret=_RETURN_DOCS[mode], error=PREPROCESS_INPUT_ERROR_DOC)
    decode.__name__ = decode.__qualname__ = "decode_predictions"
    decode.__doc__ = decode_predictions.__doc__
    return preprocess, decode
