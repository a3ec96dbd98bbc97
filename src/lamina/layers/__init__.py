"""Layers, mirroring `keras.layers`. Each module lists its public layers in `__all__`."""

from lamina.layers.activation_layers import *  # noqa: F401,F403
from lamina.layers.adaptive_pooling import *  # noqa: F401,F403
from lamina.layers.attention import *  # noqa: F401,F403
from lamina.layers.base import KerasTensor, Layer
from lamina.layers.conv import *  # noqa: F401,F403
from lamina.layers.core import *  # noqa: F401,F403
from lamina.layers.embedding import *  # noqa: F401,F403
from lamina.layers.input_spec import InputSpec
from lamina.layers.jax_layer import *  # noqa: F401,F403
from lamina.layers.merge import *  # noqa: F401,F403
from lamina.layers.normalization import *  # noqa: F401,F403
from lamina.layers.pooling import *  # noqa: F401,F403
from lamina.layers.preprocessing import *  # noqa: F401,F403
from lamina.layers.recurrent import *  # noqa: F401,F403
from lamina.layers.regularization import *  # noqa: F401,F403
from lamina.layers.reshaping import *  # noqa: F401,F403
from lamina.layers.reshaping_spatial import *  # noqa: F401,F403
from lamina.layers.reversible_embedding import *  # noqa: F401,F403
from lamina.layers.spectral_normalization import *  # noqa: F401,F403
from lamina.layers.wrapper import *  # noqa: F401,F403
from lamina.layers import tensor_ops as _tensor_ops  # noqa: F401 - KerasTensor operators


def serialize(layer: Layer) -> dict:
    """The layer as Keras's serialized dict (`keras.layers.serialize`)."""
    from lamina.saving.serialization import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize(config: dict, custom_objects: dict | None = None) -> Layer:
    """The layer a `serialize` dict (or a Keras layer config) describes."""
    from lamina.saving.deserialization import deserialize_keras_object

    layer = deserialize_keras_object(config, custom_objects)
    if not isinstance(layer, Layer):
        raise ValueError("`keras.layers.deserialize` was passed a `config` object that is not "
                         f"a `keras.layers.Layer`. Received: {config!r}")
    return layer
