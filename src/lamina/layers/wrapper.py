"""`Wrapper`: the base of layers that hold another layer (`self.layer`) and augment it, with
Keras 3's config shape (`{"layer": <the wrapped layer's serialized dict>, ...}`)."""

from __future__ import annotations

from lamina.layers.base import Layer

__all__ = ["Wrapper"]


class Wrapper(Layer):
    """Abstract wrapper base class: takes `layer` and augments it (SpectralNormalization,
    and in Keras TimeDistributed and Bidirectional). Not meant to be used as a layer itself."""

    def __init__(self, layer: Layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Layer {layer} supplied to Wrapper isn't a supported layer type. "
                             "Please ensure wrapped layer is a valid Keras layer.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None) -> None:
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True

    def get_config(self) -> dict:
        from lamina.saving.serialization import serialize_keras_object

        return {**super().get_config(), "layer": serialize_keras_object(self.layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Wrapper:
        """Rebuild the wrapped layer from its serialized dict, then the wrapper around it."""
        from lamina.saving.deserialization import deserialize_keras_object

        config = dict(config)
        layer = config.pop("layer")
        if not isinstance(layer, Layer):
            layer = deserialize_keras_object(layer, custom_objects=custom_objects)
        return cls(layer, **config)
