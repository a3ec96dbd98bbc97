"""`lamina.ops` calls, activations, arithmetic and indexing on symbolic tensors.

As in Keras 3, `ops.squeeze(x, 1)`, `activations.relu(x)`, `x + y` or `x[:, 0]` on KerasTensors
become operation nodes of the model graph, under Keras's Operation class names, module and
config (see lamina/ops/_op_table.py), so functional models may use them, save them and load
Keras's. Operations hold no weights and are not listed in `model.layers`; the summary shows
them, as Keras's does. The classes are made on first use by lamina/ops/_symbolic.py; this
module holds what the always-imported code needs: the node base class, the cheap
"is anything symbolic?" test the wrapped functions run first, and the KerasTensor operators.
"""

from __future__ import annotations

import functools
import importlib

import jax
import jax.numpy as jnp
import numpy as np

from lamina.layers.base import KerasTensor, Layer, _probe_struct, _unprobe


class _OperationClasses(dict):
    """Keras class name -> operation class; a miss builds the class from the op table (so
    loading a saved graph does not need `lamina.ops` imported beforehand)."""

    def get(self, key, default=None):
        if key not in self:
            importlib.import_module("lamina.ops._symbolic").operation_class_named(key)
        return super().get(key, default)

    def __missing__(self, key):
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found


#: Keras class name -> operation class, for rebuilding saved graphs.
OP_CLASSES: dict[str, type] = _OperationClasses()


class TensorOperation(Layer):
    """A graph node applying one `lamina.ops` function: its config holds the constructor
    arguments, its recorded call the tensors and other call arguments (see ops/_symbolic.py)."""

    keras_module = "keras.src.ops.numpy"
    is_operation = True
    spec = None  # the ops/_symbolic.OpSpec of the generated classes

    def __init_subclass__(cls, **kwargs):  # kept apart from the layer registry (Add vs Add)
        pass

    def __init__(self, name: str | None = None, **config):
        super().__init__(name=name)
        self._config = {key: _tuples(value) for key, value in config.items()}
        self.built = True

    def __call__(self, *args, **kwargs):
        if _any_symbolic(args, kwargs):
            from lamina.models.graph import record_node

            return record_node(self, args, kwargs, self.compute_output_spec(*args, **kwargs))
        return self.call(*args, **kwargs)

    def call(self, *args, **kwargs):
        return self.spec.run(self._config, args, kwargs)

    def compute_output_spec(self, *args, **kwargs):
        """Output KerasTensors from tracing the op on probes for the symbolic arguments (the
        others — numbers, slices, arrays — are closed over, not traced)."""
        leaves, treedef = jax.tree_util.tree_flatten((args, kwargs), is_leaf=_is_symbolic)
        symbolic = [i for i, leaf in enumerate(leaves) if _is_symbolic(leaf)]

        def apply(values):
            filled = list(leaves)
            for i, value in zip(symbolic, values):
                filled[i] = value
            a, k = jax.tree_util.tree_unflatten(treedef, filled)
            return self.call(*a, **k)

        out = jax.eval_shape(apply, [_probe_struct(leaves[i].shape, leaves[i].dtype)
                                     for i in symbolic])
        return jax.tree_util.tree_map(
            lambda o: KerasTensor(_unprobe(o.shape), o.dtype.name, name=self.name), out)

    def get_config(self) -> dict:
        return {"name": self.name, **self._config}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> TensorOperation:
        return cls(**config)


def _tuples(value):
    """JSON lists in a loaded config back to tuples (axes, shapes, paddings)."""
    return tuple(_tuples(v) for v in value) if isinstance(value, (list, tuple)) else value


def _is_symbolic(value) -> bool:
    return isinstance(value, KerasTensor)


def _any_symbolic(args: tuple, kwargs: dict) -> bool:
    """Whether an argument, or an item of a list/tuple argument, is a KerasTensor: the one test
    a wrapped function runs before its direct call on arrays or tracers."""
    for value in (*args, *kwargs.values()) if kwargs else args:
        if isinstance(value, KerasTensor):
            return True
        if isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, KerasTensor):
                    return True
    return False


def symbolic_function(fn, record):
    """`fn` as before on arrays and tracers; on KerasTensors, `record(args, kwargs)` instead
    (which adds the operation node and returns its symbolic outputs)."""

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if _any_symbolic(args, kwargs):
            return record(args, kwargs)
        return fn(*args, **kwargs)

    op.__lamina_symbolic__ = True
    return op


def symbolic_activations(namespace: dict) -> dict:
    """The activation functions of `namespace` (lamina.activations) wrapped to record
    operation nodes on KerasTensors, as `keras.activations` functions do; `linear` stays."""

    def wrap(name: str, fn):
        def record(args, kwargs):
            from lamina.ops import _symbolic

            return _symbolic.record_activation(name, fn, args, kwargs)

        return symbolic_function(fn, record)

    return {name: wrap(name, fn) for name, fn in namespace.items()
            if callable(fn) and getattr(fn, "__module__", None) == namespace["__name__"]
            and name[0] != "_" and name not in ("linear", "serialize", "deserialize", "get")}


def _ops():
    return importlib.import_module("lamina.ops")


_BINARY = {"__add__": "add", "__sub__": "subtract", "__mul__": "multiply",
           "__truediv__": "true_divide", "__floordiv__": "floor_divide", "__mod__": "mod",
           "__pow__": "power", "__matmul__": "matmul", "__lt__": "less",
           "__le__": "less_equal", "__gt__": "greater", "__ge__": "greater_equal",
           "__ne__": "not_equal", "__and__": "logical_and", "__or__": "logical_or",
           "__xor__": "logical_xor", "__getitem__": "get_item"}
_REFLECTED = {"__radd__": "add", "__rsub__": "subtract", "__rmul__": "multiply",
              "__rtruediv__": "true_divide", "__rfloordiv__": "floor_divide", "__rmod__": "mod",
              "__rpow__": "power", "__rmatmul__": "matmul", "__rand__": "logical_and",
              "__ror__": "logical_or", "__rxor__": "logical_xor"}
_UNARY = {"__neg__": "negative", "__abs__": "absolute", "__invert__": "logical_not"}


def _tensor_methods() -> dict:
    """The operator methods KerasTensor gets, as Keras's: each records an operation node."""
    methods = {}
    for dunder, op in _BINARY.items():
        methods[dunder] = lambda self, other, _op=op: getattr(_ops(), _op)(self, other)
    for dunder, op in _REFLECTED.items():
        methods[dunder] = lambda self, other, _op=op: getattr(_ops(), _op)(other, self)
    for dunder, op in _UNARY.items():
        methods[dunder] = lambda self, _op=op: getattr(_ops(), _op)(self)
    methods["__round__"] = lambda self, ndigits=None: _ops().round(self, decimals=ndigits or 0)
    methods["__iter__"] = _not_iterable
    methods["reshape"] = lambda self, newshape: _ops().reshape(self, newshape)
    methods["squeeze"] = lambda self, axis=None: _ops().squeeze(self, axis)
    return methods


def _not_iterable(self):
    raise NotImplementedError("Iterating over a symbolic KerasTensor is not supported. Index it "
                              "(x[:, 0]) or split it with ops.unstack(x, num, axis).")


for _name, _method in _tensor_methods().items():
    setattr(KerasTensor, _name, _method)


ARGUMENT_CLASSES = ("__slice__", "__ellipsis__", "__tensor__", "__numpy__")


def serialize_argument(value):
    """Slices, `...` and arrays in a recorded call, as Keras serializes them; else None."""
    if isinstance(value, slice):
        return {"class_name": "__slice__", "config": {
            "start": value.start, "stop": value.stop, "step": value.step}}
    if value is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(value, (jax.Array, np.ndarray)):
        kind = "__numpy__" if isinstance(value, np.ndarray) else "__tensor__"
        return {"class_name": kind, "config": {"value": np.asarray(value).tolist(),
                                               "dtype": value.dtype.name}}
    return None


def revive_argument(value):
    """Keras's serialized call arguments (`__slice__`, `__ellipsis__`, `__tensor__`) back to
    Python values; anything else unchanged."""
    if isinstance(value, dict):
        kind = value.get("class_name")
        if kind == "__slice__":
            config = value["config"]
            return slice(config.get("start"), config.get("stop"), config.get("step"))
        if kind == "__ellipsis__":
            return Ellipsis
        if kind in ("__tensor__", "__numpy__"):
            array = np.asarray(value["config"]["value"], dtype=value["config"].get("dtype"))
            return array if kind == "__numpy__" else jnp.asarray(array)
    return value
