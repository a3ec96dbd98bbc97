"""The `keras.backend` helpers: dtype names and promotion, uids, session reset, settings.

Dtype names and promotion follow Keras 3's JAX backend: 64-bit results become 32-bit ones
(JAX runs 32-bit unless x64 is enabled), Python `int`/`float` are "weak" types resolved at
the precision of `floatx()`, and the promotion lattice is JAX's.
"""

from __future__ import annotations

import gc
from functools import reduce

import jax.numpy as jnp

from lamina.config import (backend, epsilon, floatx, image_data_format,  # noqa: F401
                           set_epsilon, set_floatx, set_image_data_format)
from lamina.layers import base as _layer_base

__all__ = ["backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format",
           "is_float_dtype", "is_int_dtype", "is_keras_tensor", "result_type", "set_epsilon",
           "set_floatx", "set_image_data_format", "standardize_dtype"]

ALLOWED_DTYPES = ("float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64",
                  "int8", "int16", "int32", "int64", "bfloat16", "bool", "string",
                  "float8_e4m3fn", "float8_e5m2", "complex64", "complex128")
_PYTHON_DTYPES = {bool: "bool", int: "int32", float: "float32", str: "string",
                  "int": "int32", complex: "complex64"}
_BIT64_TO_BIT32 = {"int64": "int32", "uint64": "uint32", "float64": "float32",
                   "complex128": "complex64"}


def standardize_dtype(dtype) -> str:
    """A dtype's Keras name ('float32', 'int32', ...); None means `floatx()`.

    Accepts names, NumPy / JAX dtypes and the Python types bool, int, float, complex, str.
    """
    if dtype is None:
        return floatx()
    dtype = _PYTHON_DTYPES.get(dtype, dtype) if _hashable(dtype) else dtype
    if hasattr(dtype, "name"):
        dtype = dtype.name
    elif hasattr(dtype, "__name__"):
        dtype = dtype.__name__
    elif "jax.numpy" in str(dtype):
        dtype = str(dtype).split(".")[-1]
    if dtype not in ALLOWED_DTYPES:
        raise ValueError(f"Invalid dtype: {dtype}")
    return dtype


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def is_float_dtype(dtype) -> bool:
    """Whether `dtype` is a floating dtype (float16/32/64, bfloat16, float8)."""
    dtype = standardize_dtype(dtype)
    return dtype.startswith("float") or dtype.startswith("bfloat")


def is_int_dtype(dtype) -> bool:
    """Whether `dtype` is a signed or unsigned integer dtype."""
    dtype = standardize_dtype(dtype)
    return dtype.startswith("int") or dtype.startswith("uint")


def result_type(*dtypes) -> str:
    """The dtype of an operation on `dtypes` under Keras's promotion rules.

    Example:

        >>> result_type("int32", "float16")
        'float16'
        >>> result_type("bfloat16", int)     # a Python int does not widen bfloat16
        'bfloat16'
    """
    if not dtypes:
        return floatx()
    if any(d in ("float8_e4m3fn", "float8_e5m2") for d in dtypes if isinstance(d, str)):
        raise ValueError("There is no implicit conversions from float8 dtypes to others. You "
                         f"must cast it internally. Received: {dtypes}")
    dtypes = tuple(floatx() if d is None else d for d in dtypes)
    weak = [d for d in dtypes if d is int or d is float]
    strong = [standardize_dtype(d) for d in dtypes if not (d is int or d is float)]
    if strong:
        out = reduce(lambda a, b: jnp.promote_types(a, b).name, strong)
        # uint64 with a signed int meets at JAX's weak float, which promote_types calls float64
        out_is_weak = out == "float64" and "float64" not in strong
    else:
        out, out_is_weak = "int32", True
    if any(d is float for d in weak) and (not strong or not is_float_dtype(out)) and \
            not out.startswith("complex"):
        out, out_is_weak = "float32", True  # a Python float over ints or bools
    elif weak and out == "bool":
        out, out_is_weak = "int32", True  # a Python int over bools
    if out_is_weak:
        out = f"{'float' if out.startswith('float') else 'int'}{floatx()[-2:]}"
    return _BIT64_TO_BIT32.get(out, out)


def get_uid(prefix: str = "") -> int:
    """A per-prefix counter: 1, 2, 3, ... It is the counter that names layers ('dense',
    'dense_1', ...), as in Keras, and `clear_session()` resets it."""
    _layer_base._name_counts[prefix] += 1
    return _layer_base._name_counts[prefix]


def clear_session(free_memory: bool = True) -> None:
    """Reset the state lamina keeps across models (the layer-name counters), and run the
    garbage collector when `free_memory`, as `keras.backend.clear_session()` does. The
    compiled functions of every model are dropped too (a model used again compiles again)."""
    from lamina.training import program_caches

    _layer_base.clear_session()
    program_caches.clear()
    if free_memory:
        gc.collect()


def is_keras_tensor(x) -> bool:
    """Whether `x` is a symbolic tensor (from `keras.Input` or a layer called on one)."""
    return isinstance(x, _layer_base.KerasTensor)
