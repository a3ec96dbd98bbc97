"""`keras.preprocessing.image`: image loading and conversion helpers."""

from lamina.utils.image import array_to_img, img_to_array, load_img, save_img, smart_resize

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]
