"""Preprocessing layers, mirroring `keras.layers`' preprocessing family. Each module lists its
public layers in `__all__`; image augmentation builds on `image_base.BaseImagePreprocessingLayer`."""

from lamina.layers.preprocessing.image_resizing import *  # noqa: F401,F403
from lamina.layers.preprocessing.normalization import *  # noqa: F401,F403
