"""Input signatures for export: the shape and dtype of each argument an endpoint takes.

A signature is a list with one entry per positional argument; an entry is a spec or a nested
list/tuple/dict of specs (a functional model with two inputs takes one argument, `[a, b]`).
A spec may be a `keras.InputSpec(shape=..., dtype=...)`, a `KerasTensor`, an array, a
`jax.ShapeDtypeStruct` or a `tf.TensorSpec`. `None` in axis 0 becomes the symbolic dimension
`batch` (shared by all arguments), other `None` axes get their own symbols.
"""

from __future__ import annotations

import itertools
import string
from dataclasses import dataclass

from lamina import tree


@dataclass(frozen=True)
class TensorSpec:
    """One input: its shape (None for a free axis), dtype name and optional name."""

    shape: tuple
    dtype: str
    name: str | None = None

    def to_json(self) -> dict:
        return {"shape": list(self.shape), "dtype": self.dtype, "name": self.name}


def make_input_spec(x) -> TensorSpec:
    """A TensorSpec from any accepted spec-like object (see the module docstring)."""
    from lamina.layers.base import KerasTensor
    from lamina.layers.input_spec import InputSpec

    if isinstance(x, TensorSpec):
        return x
    if isinstance(x, InputSpec):
        if x.shape is None or x.dtype is None:
            raise ValueError(f"The `shape` and `dtype` must be provided. Received: x={x}")
        return TensorSpec(tuple(x.shape), _dtype_name(x.dtype), x.name)
    if isinstance(x, KerasTensor):
        return TensorSpec((None, *x.shape[1:]), _dtype_name(x.dtype), x.name)
    if hasattr(x, "shape") and hasattr(x, "dtype"):  # arrays, ShapeDtypeStruct, tf.TensorSpec
        shape = tuple(None if d is None else int(d) for d in _shape_list(x.shape))
        batchless = (None, *shape[1:]) if _is_array(x) else shape
        return TensorSpec(batchless, _dtype_name(x.dtype), getattr(x, "name", None))
    raise TypeError(f"Unsupported x={x} of the type ({type(x)}). Supported types are: "
                    "`keras.InputSpec`, `keras.KerasTensor` and backend tensor.")


def normalize_signature(input_signature) -> list:
    """The signature as a list (one entry per argument) of TensorSpec structures."""
    if not isinstance(input_signature, (list, tuple)):
        raise ValueError("`input_signature` must be a list with one entry per argument of "
                         f"the endpoint. Received: input_signature={input_signature!r}")
    return [tree.map_structure(make_input_spec, entry) for entry in input_signature]


def input_signature_of(model) -> list:
    """Keras's default signature: one argument holding the model's input structure."""
    from lamina.layers.base import KerasTensor

    if not model.built:
        raise ValueError("The model provided has not yet been built. It must be built "
                         "before export.")
    structure = getattr(model, "_inputs_struct", None)
    if structure is not None:
        return [tree.map_structure(make_input_spec, structure)]
    inputs = _safe_inputs(model)
    if inputs:
        return [tree.map_structure(make_input_spec, inputs[0] if len(inputs) == 1 else inputs)]
    shape = getattr(model, "_build_shape", None)
    if shape is None:
        raise ValueError("The model provided has never called. It must be called at least "
                         "once before export.")
    dtype = _dtype_name(getattr(model, "input_dtype", None) or "float32")
    return [tree.map_shape_structure(
        lambda s: make_input_spec(KerasTensor(tuple(s), dtype)), shape)]


def shape_strings(signature: list) -> list:
    """Each spec's shape as a `jax.export` shape string ("batch, 28, 28"): axis-0 `None` is
    `batch` (shared by every argument), other `None` axes get their own names (a, b, ...)."""
    names = itertools.chain(string.ascii_lowercase,
                            ("".join(p) for p in itertools.product(string.ascii_lowercase,
                                                                   repeat=2)))

    def text(spec: TensorSpec) -> str:
        return ", ".join("batch" if d is None and i == 0 else next(names) if d is None
                         else str(d) for i, d in enumerate(spec.shape))

    return [tree.map_structure(text, entry) for entry in signature]


def symbolic_structs(signature: list) -> list:
    """`jax.ShapeDtypeStruct`s with symbolic dimensions, for `jax.export`."""
    import jax
    from jax import export as jax_export

    scope = jax_export.SymbolicScope()

    def struct(text: str, spec: TensorSpec):
        shape = jax_export.symbolic_shape(text, scope=scope) if text else ()
        return jax.ShapeDtypeStruct(shape, spec.dtype)

    return [tree.map_structure(struct, texts, entry)
            for texts, entry in zip(shape_strings(signature), signature)]


def _safe_inputs(model) -> list | None:
    try:
        return list(model.inputs)
    except (AttributeError, ValueError, TypeError):
        return None


def _shape_list(shape) -> list:
    return shape.as_list() if hasattr(shape, "as_list") else list(shape)


def _is_array(x) -> bool:
    """A concrete array (its batch axis becomes free), not a shape-only spec."""
    return hasattr(x, "__array__")


def _dtype_name(dtype) -> str:
    import jax.numpy as jnp

    return str(getattr(dtype, "name", None) or jnp.dtype(dtype).name)
