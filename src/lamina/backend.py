"""The few `keras.backend` helpers user code calls."""

from lamina.config import epsilon, floatx, image_data_format  # noqa: F401
from lamina.layers.base import clear_session  # noqa: F401


def backend() -> str:
    return "jax"
