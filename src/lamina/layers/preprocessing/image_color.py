"""Colour and intensity augmentation layers (Keras 3's `RandomContrast` ... `Equalization`),
gathered from `image_color_adjust` (random per-image amounts of brightness, contrast, hue,
saturation, grayscale) and `image_color_tone` (inversion, posterization, sharpness,
solarization, auto-contrast, equalization) and `image_color_region` (Gaussian blur, random
erasing)."""

from lamina.layers.preprocessing.image_color_adjust import *  # noqa: F401,F403
from lamina.layers.preprocessing.image_color_adjust import __all__ as _adjust_names
from lamina.layers.preprocessing.image_color_region import *  # noqa: F401,F403
from lamina.layers.preprocessing.image_color_region import __all__ as _region_names
from lamina.layers.preprocessing.image_color_tone import *  # noqa: F401,F403
from lamina.layers.preprocessing.image_color_tone import __all__ as _tone_names

__all__ = sorted([*_adjust_names, *_region_names, *_tone_names])
