"""Functional models: `Model(inputs, outputs)` over the recorded layer graph."""

from __future__ import annotations

import jax

from lamina import errors
from lamina.layers.base import LAYER_CLASSES, KerasTensor, Layer
from lamina.layers.core import InputLayer
from lamina.layers.tensor_ops import TensorOperation
from lamina.models import graph
from lamina.models.model import Model


class Functional(Model):
    """A model defined by its input and output tensors (single, list or dict of each)."""

    def __init__(self, inputs, outputs, name: str | None = None, trainable: bool = True,
                 **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._inputs_struct = _check_tensors(inputs, "inputs")
        self._outputs_struct = _check_tensors(outputs, "outputs")
        self._inputs = graph.flatten(self._inputs_struct)
        self._outputs = graph.flatten(self._outputs_struct)
        self._nodes_by_depth, self._operations = graph.map_graph(self._inputs, self._outputs)
        self._layers = [op for op in self._operations if not isinstance(op, TensorOperation)]
        self._tracked_layers = [layer for layer in self._layers
                                if not isinstance(layer, InputLayer)]
        self.built = True
        if len(self._inputs) == 1:
            self._input_batch_shape = self._inputs[0].shape

    # -- structure ---------------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    @property
    def inputs(self) -> list[KerasTensor]:
        return list(self._inputs)

    @property
    def outputs(self) -> list[KerasTensor]:
        return list(self._outputs)

    @property
    def input_names(self) -> list[str]:
        return [t._keras_history[0].name for t in self._inputs]

    @property
    def output_names(self) -> list[str]:
        """Names that label the outputs in losses, metrics and logs (the output layers' names,
        or the keys when the outputs were given as a dict)."""
        if isinstance(self._outputs_struct, dict):
            return sorted(self._outputs_struct)
        return [t._keras_history[0].name for t in self._outputs]

    @property
    def input_shape(self):
        return _single_or_list([t.shape for t in self._inputs])

    @property
    def output_shape(self):
        return _single_or_list([t.shape for t in self._outputs])

    def _output_shape_of(self, layer) -> tuple | str | None:
        for depth in self._nodes_by_depth.values():
            for node in depth:
                if node.layer is layer:
                    shapes = [t.shape for t in node.outputs]
                    return shapes[0] if len(shapes) == 1 else shapes
        return None

    def _output_shape_for(self, x):
        return _single_or_list([t.shape for t in self._outputs])

    # -- calling -----------------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        values = self._flatten_inputs(inputs)
        masks = graph.flatten(mask) if mask is not None else None
        outputs = graph.run(self._nodes_by_depth, self._inputs, values, self._outputs,
                            training, masks)
        return graph.pack_like(self._outputs_struct, outputs)

    def _flatten_inputs(self, inputs) -> list:
        if isinstance(inputs, dict):
            keys = (sorted(self._inputs_struct) if isinstance(self._inputs_struct, dict)
                    else self.input_names)
            missing = [k for k in keys if k not in inputs]
            if missing:
                raise errors.DataError(errors.message(
                    f"is missing inputs {missing}.", where=f"Model '{self.name}'",
                    expected=f"a dict with keys {keys}", got=f"keys {sorted(inputs)}",
                    fix="Key the input arrays by the names of the model's Input layers."))
            return [inputs[k] for k in keys]
        values = graph.flatten(inputs)
        if len(values) != len(self._inputs):
            raise errors.DataError(errors.message(
                "received the wrong number of inputs.", where=f"Model '{self.name}'",
                expected=f"{len(self._inputs)} input arrays ({', '.join(self.input_names)})",
                got=f"{len(values)}", fix="Pass a list (or a dict keyed by input name) with "
                "one array per Input."))
        return values

    def compute_output_shape(self, input_shape):
        return _single_or_list([t.shape for t in self._outputs]) if not isinstance(
            self._outputs_struct, dict) else {k: t.shape for k, t in self._outputs_struct.items()}

    def compute_output_spec(self, inputs, *args, **kwargs):
        self._check_symbolic_inputs(inputs)
        return jax.tree_util.tree_map(
            lambda t: KerasTensor(t.shape, t.dtype, name=self.name), self._outputs_struct,
            is_leaf=lambda v: isinstance(v, KerasTensor))

    def _check_symbolic_inputs(self, inputs) -> None:
        given = graph.flatten(inputs) if not isinstance(inputs, dict) else \
            self._flatten_inputs(inputs)
        for got, want in zip(given, self._inputs):
            if len(got.shape) != len(want.shape) or any(
                    a is not None and b is not None and a != b
                    for a, b in zip(got.shape[1:], want.shape[1:])):
                raise errors.ShapeError(errors.message(
                    "was called on a tensor of the wrong shape.",
                    where=f"Model '{self.name}' (Functional)",
                    expected=f"shape {want.shape}", got=f"shape {got.shape}",
                    fix="Call the model on tensors shaped like its Input layers."))

    # -- config ------------------------------------------------------------------------------
    def get_config(self) -> dict:
        from lamina.models.functional_config import functional_config

        return functional_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> Functional:
        from lamina.models.functional_config import functional_from_config

        return functional_from_config(cls, config, custom_objects)


def _single_or_list(items: list):
    return items[0] if len(items) == 1 else items


def _check_tensors(structure, argument: str):
    if isinstance(structure, tuple):
        structure = list(structure)
    flat = graph.flatten(structure)
    if not flat:
        raise errors.ConfigError(f"Model({argument}=...) needs at least one tensor. Received: "
                                 f"{argument}={structure!r}")
    for tensor in flat:
        if not isinstance(tensor, KerasTensor) or tensor._keras_history is None:
            raise errors.ConfigError(errors.message(
                f"Model({argument}=...) takes symbolic tensors made by lamina.Input() and "
                "layer calls.", got=f"{argument} containing {tensor!r}",
                fix="Create inputs with x = lamina.Input(shape) and outputs by calling layers "
                    "on them: y = layers.Dense(1)(x); Model(x, y)."))
    return structure


LAYER_CLASSES.setdefault("Functional", Functional)
