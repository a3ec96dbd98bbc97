"""Sequential: a linear stack of layers, built as soon as its input shape is known.

Building records the stack as a graph, exactly as a functional model's (an InputLayer, then
each layer called on the previous output), and calling runs that graph with the functional
model's evaluator; so `model.inputs`, `layer.output` and feature extraction with
`Model(model.inputs, model.layers[i].output)` work as in Keras.
"""

from __future__ import annotations

import jax
import numpy as np

from lamina.layers.base import KerasTensor, Layer, dtype_policy_config
from lamina.layers.core import InputLayer
from lamina.models import graph
from lamina.models.functional import takes_adjusted_rank
from lamina.models.host_stage import HostStagedCall, call_starts
from lamina.models.model import Model
from lamina.scopes import name_scope


class Sequential(HostStagedCall, Model):
    """`Sequential([layers...])` or `.add()` one layer at a time, like `keras.Sequential`."""

    def __init__(self, layers=None, trainable: bool = True, name: str | None = None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._input_layer: InputLayer | None = None  # given by the user (Input / InputLayer)
        self._graph_input_layer: InputLayer | None = None  # the one the graph starts from
        self._nodes_by_depth: dict = {}
        self._graph_inputs: list[KerasTensor] = []
        self._graph_outputs: list[KerasTensor] = []
        self._input_batch_shape: tuple | None = None
        self._output_shapes: dict[int, tuple] = {}
        self._data_dtype: str | None = None  # "string" once built from text data
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
        if self._graph_input_layer is not None:  # built from data before: keep that shape
            return self._graph_input_layer.batch_shape
        return None

    def _maybe_build_from_known_shape(self) -> None:
        shape = self._declared_input_shape()
        if shape is not None and self._tracked_layers:
            self.build(shape)

    def build(self, input_shape=None) -> None:
        """Record the stack as a graph from an InputLayer of `input_shape` (each layer's input
        shape inferred from the previous one's output)."""
        input_shape = input_shape or self._declared_input_shape()
        if input_shape is None:
            raise ValueError("Sequential.build needs an input shape: pass build((None, ...)) or "
                             "give the first layer input_shape=...")
        input_layer = self._input_layer_of_shape(tuple(input_shape))
        tensor = input_layer.output
        output_shapes = {}
        with name_scope(self.name, caller=self):  # Keras's paths: sequential/dense/kernel
            for layer in self._tracked_layers:
                tensor = layer(tensor)
                output_shapes[id(layer)] = tensor.shape
        self._graph_inputs, self._graph_outputs = [input_layer.output], [tensor]
        self._nodes_by_depth, _ = graph.map_graph(self._graph_inputs, self._graph_outputs)
        self._output_shapes = output_shapes
        self._input_batch_shape = self._build_shape = input_layer.batch_shape
        self.built = True

    def _input_layer_of_shape(self, shape: tuple) -> InputLayer:
        """The user's InputLayer, else one made for `shape` (kept while the shape holds, so
        that rebuilding after add() extends the same graph, as Keras does)."""
        if self._input_layer is not None:
            return self._input_layer
        current = self._graph_input_layer
        if current is None or current.batch_shape != shape:
            current = self._graph_input_layer = InputLayer(batch_shape=shape,
                                                           dtype=self._data_dtype)
        return current

    def _maybe_build(self, input_shape) -> None:
        if not self.built:
            self.build((None, *tuple(input_shape)[1:]))

    def _ensure_built_for(self, x) -> None:
        if not self.built and self._graph_input_layer is None:  # text data: a string Input
            kind = np.asarray(jax.tree_util.tree_leaves(x)[0]).dtype.kind
            self._data_dtype = "string" if kind in "OSU" else None
        if not takes_adjusted_rank(self, x):
            super()._ensure_built_for(x)

    def call(self, inputs, training=None, mask=None):
        if not self.built:
            self._maybe_build(jax.tree_util.tree_leaves(inputs)[0].shape)
        starts, values = call_starts(self, inputs, self._graph_inputs, lambda x: [x])
        return graph.run(self._nodes_by_depth, starts, values, self._graph_outputs, training,
                         [mask])[0]

    @property
    def inputs(self) -> list[KerasTensor]:
        self._require_built("inputs")
        return list(self._graph_inputs)

    @property
    def outputs(self) -> list[KerasTensor]:
        self._require_built("outputs")
        return list(self._graph_outputs)

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise AttributeError(f"Sequential model '{self.name}' has no defined {what} yet: it "
                                 "is not built. Give it an Input(shape) first layer, or call "
                                 "it on data or build(input_shape) first.")

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
        self._require_built("output shape")
        return self.compute_output_shape(self._input_batch_shape)

    def get_config(self) -> dict:
        layer_configs = []
        first = self._input_layer
        if first is None and self._data_dtype == "string":  # built from text: keep the dtype
            first = self._graph_input_layer
        if first is not None:
            layer_configs.append(_serialize(first))
        layer_configs += [_serialize(layer) for layer in self._tracked_layers]
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": dtype_policy_config(self.dtype_policy), "layers": layer_configs}
        if self._input_batch_shape is not None:
            config["build_input_shape"] = self._input_batch_shape
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> Sequential:
        from lamina.saving.deserialization import deserialize_keras_object

        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config["layers"]:  # each layer as Keras does: build_config too
            model.add(deserialize_keras_object(layer_config, custom_objects), rebuild=False)
        shape = config.get("build_input_shape")
        if shape is not None or model._declared_input_shape() is not None:
            model.build(tuple(shape) if shape is not None else None)
        return model


def _serialize(layer: Layer) -> dict:
    return {"module": "keras.layers", "class_name": type(layer).__name__,
            "config": layer.get_config(), "registered_name": None}
