"""Functional models: `Model(inputs, outputs)` over the recorded layer graph."""

from __future__ import annotations

import jax
import numpy as np

from lamina import errors
from lamina.layers.base import LAYER_CLASSES, KerasTensor, Layer
from lamina.layers.core import InputLayer
from lamina.layers.tensor_ops import TensorOperation
from lamina.models import graph
from lamina.models.host_stage import HostStagedCall, call_starts, host_stage
from lamina.models.model import Model


class Functional(HostStagedCall, Model):
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
        """The output shape(s) for data `x`: the symbolic ones, or where those have unknown
        (None) axes besides the batch, the ones `x` gives (traced abstractly, no FLOPs)."""
        shapes = [t.shape for t in self._outputs]
        if any(d is None for shape in shapes for d in shape[1:]):
            stage = host_stage(self)
            if stage is not None:  # strings: probe with what the host stage makes of a row
                x = stage.run(self, jax.tree_util.tree_map(lambda a: a[:1], x))
            probes = jax.tree_util.tree_map(
                lambda a: jax.ShapeDtypeStruct(np.shape(a), np.result_type(a)), x)
            out = jax.eval_shape(lambda v: graph.flatten(self.call(v)), probes)
            shapes = [(None, *o.shape[1:]) for o in out]
        return _single_or_list(shapes)

    # -- calling -----------------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        starts, values = call_starts(self, inputs, self._inputs, self._flatten_inputs)
        masks = graph.flatten(mask) if mask is not None else None
        outputs = graph.run(self._nodes_by_depth, starts, values, self._outputs,
                            training, masks)
        packed = graph.pack_like(self._outputs_struct, outputs)
        # Keras unpacks a one-element list of outputs: Model(i, [x])(data) is an array
        return packed[0] if isinstance(packed, (list, tuple)) and len(packed) == 1 else packed

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

    def _ensure_built_for(self, x) -> None:
        if not takes_adjusted_rank(self, x):
            super()._ensure_built_for(x)

    def _check_symbolic_inputs(self, inputs) -> None:
        given = graph.flatten(inputs) if not isinstance(inputs, dict) else \
            self._flatten_inputs(inputs)
        for got, want in zip(given, self._inputs):
            if graph.rank_adjustable(got.shape, want.shape):
                continue
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


def takes_adjusted_rank(model: Model, x) -> bool:
    """Whether a built single-input model takes data `x` only after Keras's input-rank
    adjustment (one trailing axis of size 1 more or fewer than its Input)."""
    expected = getattr(model, "_input_batch_shape", None)
    leaves = jax.tree_util.tree_leaves(x)
    if not model.built or expected is None or len(leaves) != 1:
        return False
    shape = np.shape(leaves[0])
    return graph.rank_adjustable(shape, expected) and all(
        e is None or e == g for e, g in zip(expected[1:], shape[1:]))


def functional_subclass(cls: type, args: tuple, kwargs: dict) -> None:
    """Make the Model subclass `cls` functional, as Keras does for `CustomModel(inputs=...,
    outputs=...)`: `Functional` goes in its bases, in place of `Model`, so its instances get
    the graph's layers, call and config while the subclass's own methods stay."""
    if not (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs)):
        raise errors.ConfigError(
            f"{cls.__name__}: a Model given positional arguments or inputs/outputs is a "
            "functional model and needs both: Model(inputs, outputs). A subclass defining its "
            "own call() should pass only keyword arguments such as name= to "
            f"super().__init__(). Received: args={args!r}, kwargs={sorted(kwargs)}")
    _inject_functional(cls)


def _inject_functional(cls: type) -> type:
    if cls is Model:
        return Functional
    if not issubclass(cls, Model) or issubclass(cls, Functional):
        return cls
    cls.__bases__ = tuple(_inject_functional(base) for base in cls.__bases__)
    return cls


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
