"""`Pipeline`: a list of preprocessing layers applied in order (Keras's `layers.Pipeline`).

Unlike `Sequential` it is a layer, not a model: it takes any input the layers take (a batch,
or a dict of images and labels) and is meant for data pipelines and augmentation stacks."""

from __future__ import annotations

from typing import Sequence

from lamina.layers.base import Layer

__all__ = ["Pipeline"]


class Pipeline(Layer):
    """Applies `layers` one after the other; `training` (True unless given) and masks are
    passed on to each layer that takes them."""

    def __init__(self, layers: Sequence[Layer], name: str | None = None):
        super().__init__(name=name)
        if not isinstance(layers, (list, tuple)) or not all(
                callable(layer) for layer in layers):
            raise ValueError("`Pipeline` expects `layers` to be a list of layers (callables). "
                             f"Received: layers={layers}")
        self.pipeline_layers = list(layers)  # a public attribute, so the layers are tracked

    @property
    def layers(self) -> list:
        return self.pipeline_layers

    def call(self, inputs, training=True, mask=None):
        outputs = inputs
        for layer in self.pipeline_layers:
            kwargs = {}
            if mask is not None:
                kwargs["mask"], mask = mask, None  # later layers read it off their inputs
            if getattr(layer, "_call_has_training", False) and training is not None:
                kwargs["training"] = training
            outputs = layer(outputs, **kwargs)
        return outputs

    def compute_output_shape(self, input_shape):
        for layer in self.pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    @classmethod
    def from_config(cls, config: dict) -> Pipeline:
        from lamina.saving import deserialize_keras_object

        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError("`Pipeline` config must contain a `layers` key mapping to a list "
                             f"of serialized layers. Received config with layers={layers}.")
        config = {**config, "layers": [deserialize_keras_object(x) for x in layers]}
        return cls(**config)

    def get_config(self) -> dict:
        from lamina.saving import serialize_keras_object

        return {"layers": serialize_keras_object(self.pipeline_layers), "name": self.name}
