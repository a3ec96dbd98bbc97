"""Keras's pretrained architectures (`keras.applications`), loading Keras's published weights.

Each family is one module, imported on first use: `lamina.applications.ResNet50` loads only
`lamina.applications.resnet`. Submodules carry each family's `preprocess_input` and
`decode_predictions`, as in Keras (`lamina.applications.resnet50.preprocess_input`).
"""

from __future__ import annotations

import importlib

#: Public constructor -> the module (under lamina.applications) that defines it.
_FAMILIES = {
    "convnext": ("ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge",
                 "ConvNeXtXLarge"),
    "densenet": ("DenseNet121", "DenseNet169", "DenseNet201"),
    "efficientnet": tuple(f"EfficientNetB{i}" for i in range(8)),
    "efficientnet_v2": ("EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2",
                        "EfficientNetV2B3", "EfficientNetV2S", "EfficientNetV2M",
                        "EfficientNetV2L"),
    "inception_resnet_v2": ("InceptionResNetV2",),
    "inception_v3": ("InceptionV3",),
    "mobilenet": ("MobileNet",),
    "mobilenet_v2": ("MobileNetV2",),
    "mobilenet_v3": ("MobileNetV3Small", "MobileNetV3Large"),
    "nasnet": ("NASNetMobile", "NASNetLarge"),
    "resnet": ("ResNet50", "ResNet101", "ResNet152"),
    "resnet_v2": ("ResNet50V2", "ResNet101V2", "ResNet152V2"),
    "vgg16": ("VGG16",),
    "vgg19": ("VGG19",),
    "xception": ("Xception",),
}
_CONSTRUCTORS = {name: module for module, names in _FAMILIES.items() for name in names}
_SUBMODULES = (*_FAMILIES, "imagenet_utils", "resnet50")


def __getattr__(name: str):
    if name in _CONSTRUCTORS:
        return getattr(importlib.import_module(f"lamina.applications.{_CONSTRUCTORS[name]}"), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"lamina.applications.{name}")
    raise AttributeError(f"module 'lamina.applications' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_CONSTRUCTORS, *_SUBMODULES})


__all__ = sorted([*_CONSTRUCTORS, *_SUBMODULES])
