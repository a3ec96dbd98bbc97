"""Global settings, mirroring `keras.config`: the only mutable globals in lamina."""

from __future__ import annotations

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"


def floatx() -> str:
    """The default float dtype for new variables and inputs ('float32')."""
    return _FLOATX


def set_floatx(value: str) -> None:
    global _FLOATX
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(f"Unknown floatx type. Received: value={value!r}")
    _FLOATX = value


def epsilon() -> float:
    """The fuzz factor used by losses and a few layers (Keras default 1e-7)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    return _IMAGE_DATA_FORMAT


def set_image_data_format(value: str) -> None:
    global _IMAGE_DATA_FORMAT
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            "image_data_format must be 'channels_last' or 'channels_first'. "
            f"Received: value={value!r}"
        )
    _IMAGE_DATA_FORMAT = value
