"""How Keras's `TensorBoard(write_images=True)` turns one weight into images."""

from __future__ import annotations

import numpy as np

from lamina import config

__all__ = ["weight_as_images"]


def weight_as_images(weight: np.ndarray) -> np.ndarray | None:
    """The weight as a `[k, h, w, c]` batch of images, or None where Keras writes none.

    As Keras: a bias is one row; a 2-D kernel one image with its shorter side vertical; a 3-D
    kernel one image per channel (channels_last moves them first); anything that does not end
    as `[k, h, w, 1|3|4]` (e.g. a 2-D conv kernel with 8 filters) is skipped.
    """
    image = np.squeeze(np.asarray(weight))
    shape = image.shape
    if len(shape) == 1:
        image = image.reshape(1, shape[0], 1, 1)
    elif len(shape) == 2:
        if shape[0] > shape[1]:
            image = image.T
        image = image.reshape(1, image.shape[0], image.shape[1], 1)
    elif len(shape) == 3:
        if config.image_data_format() == "channels_last":
            image = np.transpose(image, (2, 0, 1))
        image = image.reshape(*image.shape, 1)
    if image.ndim == 4 and image.shape[-1] in (1, 3, 4):
        return image
    return None
