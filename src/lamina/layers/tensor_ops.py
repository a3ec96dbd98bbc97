"""Arithmetic and indexing on symbolic tensors: `x + y`, `2 * x`, `x[:, 0]`, `x @ w`, `-x`.

As in Keras 3, each such expression on KerasTensors becomes an operation node of the model
graph (class names and config entries as Keras writes them, module `keras.src.ops.numpy`), so
functional models may use them, save them and load Keras's. Operations hold no weights and are
not listed in `model.layers`; the summary shows them, as Keras's does.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina.layers.base import KerasTensor, Layer, _probe_struct, _unprobe

#: Keras class name -> operation class, for rebuilding saved graphs.
OP_CLASSES: dict[str, type] = {}


class TensorOperation(Layer):
    """A graph node applying the `lamina.ops` function `op` to its arguments."""

    op: str = ""
    keras_module = "keras.src.ops.numpy"

    def __init_subclass__(cls, **kwargs):  # kept apart from the layer registry (Add vs Add)
        OP_CLASSES[cls.__name__] = cls

    def __init__(self, name: str | None = None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.built = True

    def call(self, *args):
        from lamina import ops

        return getattr(ops, self.op)(*args)

    def compute_output_spec(self, *args):
        """Output KerasTensors from tracing the op on probes for the symbolic arguments (the
        others — numbers, slices, arrays — are closed over, not traced)."""
        leaves, treedef = jax.tree_util.tree_flatten(args, is_leaf=_is_symbolic)
        symbolic = [i for i, leaf in enumerate(leaves) if _is_symbolic(leaf)]

        def apply(values):
            filled = list(leaves)
            for i, value in zip(symbolic, values):
                filled[i] = value
            return self.call(*jax.tree_util.tree_unflatten(treedef, filled))

        out = jax.eval_shape(apply, [_probe_struct(leaves[i].shape, leaves[i].dtype)
                                     for i in symbolic])
        return jax.tree_util.tree_map(
            lambda o: KerasTensor(_unprobe(o.shape), o.dtype.name, name=self.name), out)

    def get_config(self) -> dict:
        return {"name": self.name}


def _is_symbolic(value) -> bool:
    return isinstance(value, KerasTensor)


def _operation(class_name: str, op: str) -> type:
    return type(class_name, (TensorOperation,), {"op": op, "__module__": __name__,
                                                 "__doc__": f"`ops.{op}` as a graph node."})


_BINARY = {"__add__": ("Add", "add"), "__sub__": ("Subtract", "subtract"),
           "__mul__": ("Multiply", "multiply"), "__truediv__": ("TrueDivide", "true_divide"),
           "__floordiv__": ("FloorDivide", "floor_divide"), "__mod__": ("Mod", "mod"),
           "__pow__": ("Power", "power"), "__matmul__": ("Matmul", "matmul"),
           "__lt__": ("Less", "less"), "__le__": ("LessEqual", "less_equal"),
           "__gt__": ("Greater", "greater"), "__ge__": ("GreaterEqual", "greater_equal")}
_UNARY = {"__neg__": ("Negative", "negative"), "__abs__": ("Absolute", "absolute")}
_REFLECTED = {"__radd__": "__add__", "__rsub__": "__sub__", "__rmul__": "__mul__",
              "__rtruediv__": "__truediv__", "__rfloordiv__": "__floordiv__",
              "__rmod__": "__mod__", "__rpow__": "__pow__", "__rmatmul__": "__matmul__"}


class GetItem(TensorOperation):
    """`x[key]` as a graph node (a saved key comes back as a list: index with a tuple)."""

    op = "get_item"

    def call(self, x, key):
        return super().call(x, tuple(key) if isinstance(key, list) else key)


_CLASSES = {dunder: _operation(*spec) for dunder, spec in {**_BINARY, **_UNARY}.items()}
_CLASSES["__getitem__"] = GetItem


def _tensor_methods() -> dict:
    """The operator methods KerasTensor gets: each records an operation node."""
    methods = {}
    for dunder, cls in _CLASSES.items():
        if dunder in _UNARY:
            methods[dunder] = lambda self, _cls=cls: _cls()(self)
        else:
            methods[dunder] = lambda self, other, _cls=cls: _cls()(self, other)
    for reflected, dunder in _REFLECTED.items():
        methods[reflected] = lambda self, other, _cls=_CLASSES[dunder]: _cls()(other, self)
    return methods


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
