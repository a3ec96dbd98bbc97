"""Keras's `keras.applications.resnet50` module: ResNet50 with its preprocessing and decoding
(the same objects as in `lamina.applications.resnet`)."""

from lamina.applications.resnet import ResNet50, decode_predictions, preprocess_input

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
