"""Sequential: a linear stack of layers, built as soon as its input shape is known."""

from __future__ import annotations

from lamina import errors
from lamina.layers.base import LAYER_CLASSES, KerasTensor, Layer
from lamina.layers.core import InputLayer
from lamina.models.model import Model


class Sequential(Model):
    """`Sequential([layers...])` or `.add()` one layer at a time, like `keras.Sequential`."""

    def __init__(self, layers=None, trainable: bool = True, name: str | None = None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._input_layer: InputLayer | None = None
        self._input_batch_shape: tuple | None = None
        self._output_shapes: dict[int, tuple] = {}
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_build_from_known_shape()

    def add(self, layer, rebuild: bool = True) -> None:
        """Append a layer (or an `Input(...)` tensor / InputLayer as the first element)."""
        if isinstance(layer, KerasTensor) and hasattr(layer, "_input_layer"):
            layer = layer._input_layer
        if not isinstance(layer, Layer):
            raise TypeError(f"Only instances of lamina.layers.Layer can be added to a Sequential "
                            f"model. Received: {layer!r} (of type {type(layer).__name__})")
        if isinstance(layer, InputLayer):
            if self._tracked_layers or self._input_layer is not None:
                raise ValueError("An InputLayer / Input() can only be the first element of a "
                                 "Sequential model.")
            self._input_layer = layer
        else:
            if any(existing.name == layer.name for existing in self._tracked_layers):
                raise ValueError(f"All layers added to a Sequential model should have unique "
                                 f"names. Name {layer.name!r} is already the name of a layer in "
                                 "this model. Update the `name` argument to pass a unique name.")
            self._tracked_layers.append(layer)
        self.built = False
        if rebuild:
            self._maybe_build_from_known_shape()

    def pop(self) -> Layer:
        if not self._tracked_layers:
            raise TypeError("There are no layers in the model.")
        layer = self._tracked_layers.pop()
        self.built = False
        self._maybe_build_from_known_shape()
        return layer

    @property
    def layers(self) -> list[Layer]:
        return list(self._tracked_layers)

    def _declared_input_shape(self) -> tuple | None:
        if self._input_layer is not None:
            return self._input_layer.batch_shape
        if self._tracked_layers and self._tracked_layers[0]._input_shape_arg is not None:
            return (None, *self._tracked_layers[0]._input_shape_arg)
        return None

    def _maybe_build_from_known_shape(self) -> None:
        shape = self._declared_input_shape()
        if shape is not None and self._tracked_layers:
            self.build(shape)

    def build(self, input_shape=None) -> None:
        """Build every layer in turn, inferring each one's input shape from the previous one."""
        input_shape = input_shape or self._declared_input_shape()
        if input_shape is None:
            raise ValueError("Sequential.build needs an input shape: pass build((None, ...)) or "
                             "give the first layer input_shape=...")
        shape = tuple(input_shape)
        self._input_batch_shape = shape
        self._output_shapes = {}
        for layer in self._tracked_layers:
            tensor = layer(KerasTensor(shape))
            shape = tensor.shape
            self._output_shapes[id(layer)] = shape
        self._build_shape = self._input_batch_shape
        self.built = True

    def _maybe_build(self, input_shape) -> None:
        if not self.built:
            self.build((None, *tuple(input_shape)[1:]))

    def call(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self._tracked_layers:
            y = layer(x, training=training, mask=mask)
            mask = layer.compute_mask(x, mask)
            x = y
        return x

    def compute_output_shape(self, input_shape) -> tuple:
        shape = tuple(input_shape)
        for layer in self._tracked_layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def _output_shape_of(self, layer) -> tuple | None:
        return self._output_shapes.get(id(layer))

    @property
    def input_shape(self) -> tuple | None:
        return self._input_batch_shape

    @property
    def output_shape(self) -> tuple | None:
        if not self.built:
            raise AttributeError(f"Sequential model '{self.name}' has no defined output shape "
                                 "yet: it is not built. Call it on data or build(input_shape).")
        return self.compute_output_shape(self._input_batch_shape)

    def get_config(self) -> dict:
        layer_configs = []
        if self._input_layer is not None:
            layer_configs.append(_serialize(self._input_layer))
        layer_configs += [_serialize(layer) for layer in self._tracked_layers]
        config = {"name": self.name, "trainable": self.trainable, "layers": layer_configs}
        if self._input_batch_shape is not None:
            config["build_input_shape"] = self._input_batch_shape
        return config

    @classmethod
    def from_config(cls, config: dict) -> Sequential:
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config["layers"]:
            layer_cls = LAYER_CLASSES.get(layer_config["class_name"])
            if layer_cls is None:
                raise errors.ConfigError(f"Unknown layer class {layer_config['class_name']!r} in "
                                         "the model config.")
            model.add(layer_cls.from_config(layer_config["config"]), rebuild=False)
        shape = config.get("build_input_shape")
        if shape is not None or model._declared_input_shape() is not None:
            model.build(tuple(shape) if shape is not None else None)
        return model


def _serialize(layer: Layer) -> dict:
    return {"module": "keras.layers", "class_name": type(layer).__name__,
            "config": layer.get_config(), "registered_name": None}
