"""load_img, img_to_array, array_to_img and save_img, as in `keras.utils`.

They use Pillow, imported on first use (`pip install lamina[images]`).
"""

from __future__ import annotations

import io
import pathlib
import warnings

import numpy as np

from lamina import config

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img"]

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def pillow(what: str):
    """`PIL.Image`, or an ImportError saying that `what` needs Pillow and how to get it."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(f"{what} needs Pillow to read and write images. Install it with "
                          "`pip install lamina[images]` (or `pip install Pillow`).") from None
    return Image


def array_to_img(x, data_format: str | None = None, scale: bool = True, dtype=None):
    """A rank-3 array (height, width, channels) as a PIL image: 1 channel gives an "L" image
    ("I" when values exceed 255), 3 "RGB", 4 "RGBA". `scale` maps the values to [0, 255]."""
    data_format = config.standardize_data_format(data_format)
    Image = pillow("array_to_img")
    x = np.asarray(x, dtype=dtype or config.floatx())
    if x.ndim != 3:
        raise ValueError("Expected image array to have rank 3 (single image). Got array with "
                         f"shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels in (3, 4):
        return Image.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}")


def img_to_array(img, data_format: str | None = None, dtype=None) -> np.ndarray:
    """A PIL image as a rank-3 array (a grayscale image gets a channel axis of 1)."""
    data_format = config.standardize_data_format(data_format)
    x = np.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[..., None]
    raise ValueError(f"Unsupported image shape: {x.shape}")


def save_img(path, x, data_format: str | None = None, file_format: str | None = None,
             scale: bool = True, **kwargs) -> None:
    """Save an image array to a path or file object. The format comes from the file name's
    extension unless `file_format` is given (needed for a file object); `kwargs` go to
    `PIL.Image.save`."""
    data_format = config.standardize_data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.",
                      stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(path, color_mode: str = "rgb", target_size: tuple[int, int] | None = None,
             interpolation: str = "nearest", keep_aspect_ratio: bool = False):
    """Load an image file (a path or `io.BytesIO`) as a PIL image.

    Args:
        color_mode: "grayscale", "rgb" or "rgba".
        target_size: `(height, width)` to resize to, or None for the file's size.
        interpolation: "nearest", "bilinear", "bicubic", "hamming", "box" or "lanczos".
        keep_aspect_ratio: crop the centre to the target's aspect ratio before resizing.
    """
    Image = pillow("load_img")
    if isinstance(path, io.BytesIO):
        img = Image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        with open(str(pathlib.Path(path).resolve()) if isinstance(path, pathlib.Path) else path,
                  "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    img = _convert(img, color_mode)
    if target_size is None or img.size == (target_size[1], target_size[0]):
        return img
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"Invalid interpolation method {interpolation} specified. Supported "
                         f"methods are {', '.join(_INTERPOLATIONS)}")
    resample = getattr(Image.Resampling, interpolation.upper())
    size = (target_size[1], target_size[0])
    box = _center_crop_box(img.size, size) if keep_aspect_ratio else None
    return img.resize(size, resample, box=box)


def _convert(img, color_mode: str):
    if color_mode == "grayscale":
        # 8-, 16- and 32-bit grayscale images stay as they are
        return img if img.mode in ("L", "I;16", "I") else img.convert("L")
    if color_mode in ("rgb", "rgba"):
        mode = color_mode.upper()
        return img if img.mode == mode else img.convert(mode)
    raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')


def _center_crop_box(size: tuple[int, int], target: tuple[int, int]) -> list[int]:
    """The centred box of `size` (width, height) with `target`'s aspect ratio."""
    width, height = size
    target_width, target_height = target
    crop_height = min(height, (width * target_height) // target_width)
    crop_width = min(width, (height * target_width) // target_height)
    top, left = (height - crop_height) // 2, (width - crop_width) // 2
    return [left, top, left + crop_width, top + crop_height]


def smart_resize(x, size, interpolation: str = "bilinear", data_format: str = "channels_last",
                 **kwargs):
    """Resize an image (or a batch) to `size` without distorting it: the largest centred crop
    of the target aspect ratio, then a resize (Keras's `preprocessing.image.smart_resize`).
    NumPy in, NumPy out; a JAX array in, a JAX array out."""
    from lamina import ops

    kwargs.pop("backend_module", None)
    if kwargs:
        raise TypeError(f"smart_resize() got unexpected keyword arguments: {list(kwargs)}")
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    img = ops.convert_to_tensor(x)
    if not 3 <= img.ndim <= 4:
        raise ValueError("Expected an image array with shape `(height, width, channels)`, or "
                         "`(batch_size, height, width, channels)`, but got input with incorrect "
                         f"rank, of shape {img.shape}.")
    rows, cols = (-3, -2) if data_format == "channels_last" else (-2, -1)
    height, width = img.shape[rows], img.shape[cols]
    target_height, target_width = size
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    top, left = int((height - crop_height) / 2), int((width - crop_width) / 2)
    index = [slice(None)] * img.ndim
    index[rows], index[cols] = slice(top, top + crop_height), slice(left, left + crop_width)
    img = ops.image.resize(img[tuple(index)], size=size, interpolation=interpolation,
                           data_format=data_format)
    return np.array(img) if isinstance(x, np.ndarray) else img
