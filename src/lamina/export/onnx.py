"""Write a model as one ONNX file through jax2onnx (which converts jaxprs to ONNX graphs).

The weights are stored in the file as initializers; axis 0 of every input is the symbolic
dimension "batch". Needs the optional packages `jax2onnx` and `onnx` (`onnxruntime` to run it).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Iterator

import jax

from lamina.export.endpoint import pure_function
from lamina.export.signature import input_signature_of, normalize_signature, symbolic_structs
from lamina.saving.atomic import atomic_write

MISSING_JAX2ONNX = (
    "format='onnx' needs the `jax2onnx` and `onnx` packages, which are not installed. "
    "Install them (`pip install jax2onnx onnx onnxruntime`), or export with "
    "format='stablehlo' (loads with jax alone: lamina.export.load_stablehlo(path)).")


def require_jax2onnx():
    """jax2onnx's `to_onnx`, or an ImportError that names the other formats."""
    try:
        with _quiet():
            from jax2onnx import to_onnx
    except ImportError as exc:
        raise ImportError(MISSING_JAX2ONNX) from exc
    return to_onnx


@contextlib.contextmanager
def _quiet(names=("jax2onnx", "onnx_ir")) -> Iterator[None]:
    """Silence the converter's warnings (one per optional plugin it skips: equinox, dm_pix)."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def export_onnx(model, filepath, verbose: bool = True, input_signature=None,
                opset_version: int | None = None, **kwargs) -> None:
    """Write `model`'s forward pass to the ONNX file `filepath`, atomically."""
    if kwargs:
        raise TypeError(f"format='onnx' takes only `opset_version`. Received: kwargs={kwargs}")
    to_onnx = require_jax2onnx()
    signature = (normalize_signature(input_signature) if input_signature is not None
                 else input_signature_of(model))
    variables = model.trainable_variables + model.non_trainable_variables
    values = [v.value for v in variables]
    pure = pure_function(model.__call__, variables)
    specs, treedef = jax.tree_util.tree_flatten(signature, is_leaf=_is_spec)
    structs = jax.tree_util.tree_leaves(symbolic_structs(signature))

    def flat_fn(*flat_inputs):
        return pure(values, *jax.tree_util.tree_unflatten(treedef, flat_inputs))

    options = {} if opset_version is None else {"opset": int(opset_version)}
    with _quiet():
        proto = to_onnx(flat_fn, structs, model_name=model.name, input_names=_names(specs),
                        **options)
    with atomic_write(filepath) as tmp:
        tmp.write_bytes(proto.SerializeToString())
    if verbose:
        print(f"Saved artifact at '{filepath}'.")


def _is_spec(x) -> bool:
    from lamina.export.signature import TensorSpec

    return isinstance(x, TensorSpec)


def _names(specs: list) -> list[str]:
    """Each input's own name where it has a unique one, else `input_<i>`."""
    names = [s.name for s in specs]
    return [n if n and names.count(n) == 1 else f"input_{i}" for i, n in enumerate(names)]
