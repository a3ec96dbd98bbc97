"""ConvNeXtTiny, Small, Base, Large and XLarge (Keras's `keras.applications.convnext`).

Reference: [A ConvNet for the 2020s](https://arxiv.org/abs/2201.03545) (CVPR 2022). Same layers,
names and published weight files as Keras. Preprocessing is part of the model (a
`Normalization` layer with ImageNet's statistics, `include_preprocessing=True`): inputs are
pixels in [0, 255], and `convnext.preprocess_input` returns its input unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina import layers
from lamina.applications import _common, imagenet_utils
from lamina.applications._cnn_blocks import require_channels_last
from lamina.applications._convnext_layers import LayerScale, StochasticDepth
from lamina.applications._mobile_blocks import global_pool
from lamina.models import Functional, Sequential

__all__ = ["ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge",
           "LayerScale", "StochasticDepth", "preprocess_input", "decode_predictions"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/convnext/"

WEIGHTS_HASHES = {
    "convnext_tiny": ("8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
                      "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
    "convnext_small": ("ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
                       "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
    "convnext_base": ("52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
                      "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
    "convnext_large": ("070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
                       "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd"),
    "convnext_xlarge": ("c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
                        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05"),
}

_DEEP = [3, 3, 27, 3]
MODEL_CONFIGS = {
    "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "small": {"depths": _DEEP, "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "base": {"depths": _DEEP, "projection_dims": [128, 256, 512, 1024], "default_size": 224},
    "large": {"depths": _DEEP, "projection_dims": [192, 384, 768, 1536], "default_size": 224},
    "xlarge": {"depths": _DEEP, "projection_dims": [256, 512, 1024, 2048], "default_size": 224},
}


def ConvNeXtBlock(projection_dim: int, drop_path_rate: float = 0.0,
                  layer_scale_init_value: float | None = 1e-6, name: str | None = None):
    """A ConvNeXt block: depthwise 7x7 conv, LayerNorm, pointwise MLP (as `Dense` layers),
    layer scale, and the residual sum (through `StochasticDepth` when `drop_path_rate`)."""
    if name is None:
        from lamina import backend

        name = f"prestem{backend.get_uid('prestem')}"

    def apply(inputs):
        x = layers.Conv2D(filters=projection_dim, kernel_size=7, padding="same",
                          groups=projection_dim, name=f"{name}_depthwise_conv")(inputs)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=f"{name}_gelu")(x)
        x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim, name=f"{name}_layer_scale")(x)
        if drop_path_rate:
            layer = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")
        else:
            layer = layers.Activation("linear", name=f"{name}_identity")
        return inputs + layer(x)

    return apply


def PreStem(name: str | None = None):
    """Normalizes [0, 255] inputs with the ImageNet-1k mean and standard deviation."""
    if name is None:
        from lamina import backend

        name = f"prestem{backend.get_uid('prestem')}"
    mean = [0.485 * 255, 0.456 * 255, 0.406 * 255]
    variance = [(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2]
    return layers.Normalization(mean=mean, variance=variance, name=f"{name}_prestem_normalization")


def Head(num_classes: int = 1000, classifier_activation: Any = None, name: str | None = None):
    """The classification head: global average pooling, LayerNorm, Dense."""
    if name is None:
        from lamina import backend

        name = str(backend.get_uid("head"))

    def apply(x):
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        return layers.Dense(num_classes, activation=classifier_activation,
                            name=f"{name}_head_dense")(x)

    return apply


def _downsampling_layers(projection_dims: list, name: str) -> list:
    """The stem (4x4 patchify conv + LayerNorm) and the three 2x2 downsampling blocks."""
    stem = Sequential([
        layers.Conv2D(projection_dims[0], kernel_size=4, strides=4, name=f"{name}_stem_conv"),
        layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm"),
    ], name=f"{name}_stem")
    return [stem] + [Sequential([
        layers.LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
        layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2,
                      name=f"{name}_downsampling_conv_{i}"),
    ], name=f"{name}_downsampling_block_{i}") for i in range(3)]


def ConvNeXt(depths: list, projection_dims: list, drop_path_rate: float = 0.0,
             layer_scale_init_value: float = 1e-6, default_size: int = 224,
             name: str = "convnext", include_preprocessing: bool = True, include_top: bool = True,
             weights: Any = None, input_tensor: Any = None, input_shape: Any = None,
             pooling: str | None = None, classes: int = 1000,
             classifier_activation: Any = "softmax", weights_name: str | None = None):
    """A ConvNeXt of the given stage `depths` and widths (`projection_dims`)."""
    require_channels_last("ConvNeXt")
    _common.check_weights_arg(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32, data_format="channels_last",
        require_flatten=include_top, weights=weights)
    img_input = _common.image_input(input_tensor, input_shape)
    if input_tensor is not None:
        inputs, x = _common.model_inputs(input_tensor, img_input)[0], input_tensor
    else:
        inputs = x = img_input
    if include_preprocessing and input_shape[-1] == 3:
        x = PreStem(name=name)(x)
    depth_drop_rates = [float(r) for r in np.linspace(0.0, drop_path_rate, sum(depths))]
    cur = 0
    for i, downsample in enumerate(_downsampling_layers(projection_dims, name)):
        x = downsample(x)
        for j in range(depths[i]):
            x = ConvNeXtBlock(projection_dim=projection_dims[i],
                              drop_path_rate=depth_drop_rates[cur + j],
                              layer_scale_init_value=layer_scale_init_value,
                              name=f"{name}_stage_{i}_block_{j}")(x)
        cur += depths[i]
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = Head(num_classes=classes, classifier_activation=classifier_activation, name=name)(x)
    else:
        x = layers.LayerNormalization(epsilon=1e-6)(global_pool(x, pooling))
    model = Functional(inputs=inputs, outputs=x, name=name)
    if weights == "imagenet":
        _check_published_variant(depths, projection_dims, name, weights_name)
        file_name = name + (".h5" if include_top else "_notop.h5")
        _common.load_weights(model, weights, file_name=file_name,
                             origin=BASE_WEIGHTS_PATH + file_name,
                             file_hash=WEIGHTS_HASHES[weights_name][0 if include_top else 1])
    else:
        _common.load_weights(model, weights)
    return model


def _check_published_variant(depths: list, projection_dims: list, name: str,
                             weights_name: str) -> None:
    """ImageNet weights need the published variant's configuration and name (ValueError)."""
    expected = MODEL_CONFIGS[weights_name.split("convnext_")[-1]]
    if depths != expected["depths"] or projection_dims != expected["projection_dims"]:
        raise ValueError(
            f"Architecture configuration does not match {weights_name} variant. When using "
            "pre-trained weights, the model architecture must match the pre-trained "
            f"configuration exactly. Expected depths: {expected['depths']}, got: {depths}. "
            f"Expected projection_dims: {expected['projection_dims']}, got: {projection_dims}.")
    if weights_name not in name:
        raise ValueError(
            f'Model name "{name}" does not match weights variant "{weights_name}". When using '
            "imagenet weights, model name must contain the weights variant (e.g., "
            f'"convnext_{weights_name.split("convnext_")[-1]}").')


def _variant(size: str, public_name: str):
    """A public constructor (Keras's ConvNeXt<Size> signature) over `ConvNeXt`."""
    def constructor(include_top: bool = True, include_preprocessing: bool = True,
                    weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
                    pooling: str | None = None, classes: int = 1000,
                    classifier_activation: Any = "softmax", name: str = f"convnext_{size}"):
        model_config = MODEL_CONFIGS[size]
        return ConvNeXt(
            weights_name=f"convnext_{size}", depths=model_config["depths"],
            projection_dims=model_config["projection_dims"], drop_path_rate=0.0,
            layer_scale_init_value=1e-6, default_size=model_config["default_size"], name=name,
            include_top=include_top, include_preprocessing=include_preprocessing,
            weights=weights, input_tensor=input_tensor, input_shape=input_shape,
            pooling=pooling, classes=classes, classifier_activation=classifier_activation)

    constructor.__name__ = constructor.__qualname__ = public_name
    constructor.__doc__ = BASE_DOCSTRING.format(name=public_name)
    return constructor


BASE_DOCSTRING = """Instantiates the {name} architecture.

Reference: [A ConvNet for the 2020s](https://arxiv.org/abs/2201.03545) (CVPR 2022).
Preprocessing is included in the model (a `Normalization` layer): inputs are float or uint8
pixels in [0, 255].

Args:
    include_top: whether to include the classification head. Defaults to `True`.
    include_preprocessing: whether to include the input normalization. Defaults to `True`.
    weights: `None` (random initialization), `"imagenet"` (pre-training on ImageNet-1k), or
        the path to the weights file to be loaded. Defaults to `"imagenet"`.
    input_tensor: optional Keras tensor (output of `layers.Input()`) to use as image input.
    input_shape: optional shape tuple, only with `include_top=False`; 3 input channels.
    pooling: feature-extraction pooling when `include_top` is False: None, "avg" or "max".
    classes: number of classes, only with `include_top=True` and no `weights`.
    classifier_activation: activation of the "top" layer (None returns logits); with
        pretrained weights only None or "softmax". Defaults to `"softmax"`.
    name: the name of the model.

Returns:
    A model instance.
"""

ConvNeXtTiny = _variant("tiny", "ConvNeXtTiny")
ConvNeXtSmall = _variant("small", "ConvNeXtSmall")
ConvNeXtBase = _variant("base", "ConvNeXtBase")
ConvNeXtLarge = _variant("large", "ConvNeXtLarge")
ConvNeXtXLarge = _variant("xlarge", "ConvNeXtXLarge")


def preprocess_input(x: Any, data_format: str | None = None):
    """A placeholder kept for compatibility: the model normalizes its inputs itself, so this
    returns `x` unchanged."""
    return x


def decode_predictions(preds: Any, top: int = 5):
    return imagenet_utils.decode_predictions(preds, top=top)


decode_predictions.__doc__ = imagenet_utils.decode_predictions.__doc__
