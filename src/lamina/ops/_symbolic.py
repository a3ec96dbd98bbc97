"""Operation nodes for `lamina.ops` (and activation) calls on KerasTensors.

`install` wraps every ops function named in `_op_table.py`: on arrays and tracers the wrapper
calls the function directly; given a KerasTensor it binds the arguments to Keras's signature,
splits them as Keras's Operation class does (constructor config vs call arguments) and calls
that class's node, e.g. `ops.mean(x, axis=1)` -> `Mean(axis=1, keepdims=False)(x)`. A node
runs the same lamina function again, so saved graphs rebuild from config + call arguments.
"""

from __future__ import annotations

import ast
import functools
import inspect
from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np

from lamina import config as lamina_config
from lamina.layers.base import KerasTensor
from lamina.layers.tensor_ops import OP_CLASSES, TensorOperation, symbolic_function
from lamina.ops import _op_table

_P = inspect.Parameter
#: Ops whose Keras function writes floatx into the config when given dtype=None.
_DTYPE_DEFAULTS_TO_FLOATX = ("one_hot", "multi_hot")
_ACTIVATIONS_MODULE = "keras.src.activations.activations"
_IMAGE_MODULE = "keras.src.ops.image"


def _parse_signature(text: str) -> inspect.Signature:
    """`"x, axis=None, *rest"` -> an inspect.Signature (defaults are Python literals)."""
    args = ast.parse(f"def f({text}): pass").body[0].args
    params = []
    defaults = [None] * (len(args.args) - len(args.defaults)) + list(args.defaults)
    for arg, default in zip(args.args, defaults):
        value = _P.empty if default is None else ast.literal_eval(default)
        params.append(_P(arg.arg, _P.POSITIONAL_OR_KEYWORD, default=value))
    if args.vararg:
        params.append(_P(args.vararg.arg, _P.VAR_POSITIONAL))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        value = _P.empty if default is None else ast.literal_eval(default)
        params.append(_P(arg.arg, _P.KEYWORD_ONLY, default=value))
    if args.kwarg:
        params.append(_P(args.kwarg.arg, _P.VAR_KEYWORD))
    return inspect.Signature(params)


class OpSpec:
    """One table entry: how a call's arguments split into Keras's config and call arguments,
    and how a node's config and call arguments map back onto the lamina function."""

    def __init__(self, module: str, name: str, class_name: str, signature: str,
                 constructor: str, keywords: str = ""):
        self.module, self.name, self.class_name = module, name, class_name
        self.signature = _parse_signature(signature)
        params = self.signature.parameters.values()
        self.constructor = {}  # parameter -> default (used when it comes from **kwargs)
        for word in constructor.split():
            key, _, default = word.partition("=")
            self.constructor[key] = ast.literal_eval(default) if default else None
        self.keywords = tuple(word.lstrip("*") for word in keywords.split())
        self.varargs = next((p.name for p in params if p.kind is _P.VAR_POSITIONAL), None)
        self.varkw = next((p.name for p in params if p.kind is _P.VAR_KEYWORD), None)
        self.positional = tuple(p.name for p in params if p.name not in self.constructor
                                and p.name not in self.keywords and p.name != self.varkw)
        self.defaults = {p.name: p.default for p in params if p.default is not _P.empty}
        self.defaults.update({self.varargs: ()} if self.varargs else {})
        self.defaults.update({self.varkw: {}} if self.varkw else {})
        self._plans: dict[int, list] = {}

    def split(self, values: dict) -> tuple[dict, list, dict]:
        """Keras-named argument values -> (constructor config, call args, call kwargs)."""
        extra = dict(values.get(self.varkw) or {}) if self.varkw else {}
        config = {key: values[key] if key in self.signature.parameters else
                  extra.pop(key, default) for key, default in self.constructor.items()}
        args: list = []
        for key in self.positional:
            args.extend(values[key]) if key == self.varargs else args.append(values[key])
        kwargs = {key: values[key] for key in self.keywords if key != self.varkw}
        if self.varkw in self.keywords:
            kwargs.update(extra)
        return config, args, kwargs

    def join(self, args: tuple, kwargs: dict, config: dict) -> dict:
        """A node's call arguments and config -> Keras-named argument values."""
        values = {**self.defaults, **config}
        rest = list(args)
        for key in self.positional:
            if key == self.varargs:
                values[key], rest = tuple(rest), []
            elif rest:
                values[key] = rest.pop(0)
        for key, value in kwargs.items():
            if key in self.signature.parameters and key != self.varkw:
                values[key] = value
            else:
                values[self.varkw] = {**values.get(self.varkw, {}), key: value}
        return values

    def run(self, config: dict, args: tuple, kwargs: dict):
        """What a node of this operation computes from its config and call arguments."""
        return self.invoke(function_of(self), self.join(args, kwargs, config))

    def invoke(self, fn: Callable, values: dict):
        """Call the lamina function `fn` with Keras-named `values` (positionally while its
        parameter names differ, e.g. jnp's `a` for Keras's `x`; by keyword after)."""
        plan = self._plans.get(id(fn)) or self._plans.setdefault(id(fn), self._plan(fn))
        args, kwargs = [], {}
        for key, how in plan:
            value = values.get(key, self.defaults.get(key))
            if how == "positional":
                args.append(value)
            elif how == "varargs":
                args.extend(value)
            elif how == "keyword":
                kwargs[key] = value
            elif how == "varkw":
                kwargs.update(value)
            elif not _same(value, self.defaults.get(key, self.constructor.get(key))):
                raise NotImplementedError(f"lamina's ops.{self.name} does not support "
                                          f"{key}={value!r} yet. Received: {key}={value!r}")
        return fn(*args, **kwargs)

    def _plan(self, fn: Callable) -> list[tuple[str, str]]:
        params = inspect.signature(fn).parameters.values()
        ordered = [p.name for p in params if p.kind in (_P.POSITIONAL_ONLY,
                                                          _P.POSITIONAL_OR_KEYWORD)]
        by_keyword = {p.name for p in params if p.kind in (_P.POSITIONAL_OR_KEYWORD,
                                                             _P.KEYWORD_ONLY)}
        open_keywords = any(p.kind is _P.VAR_KEYWORD for p in params)
        open_positions = any(p.kind is _P.VAR_POSITIONAL for p in params)  # jnp ufuncs
        keys = [*self.signature.parameters,
                *(k for k in self.constructor if k not in self.signature.parameters)]
        plan, index, positional = [], 0, True
        for key in keys:
            if key == self.varargs:
                plan.append((key, "varargs"))
            elif key == self.varkw:
                plan.append((key, "varkw"))
            elif positional and (index < len(ordered) and ordered[index] == key or (
                    index < len(ordered) or open_positions) and key not in by_keyword):
                plan.append((key, "positional"))
                index += 1
            else:
                positional = False
                plan.append((key, "keyword" if key in by_keyword or open_keywords else "drop"))
        return plan


def _same(value, default) -> bool:
    return value is default or (isinstance(value, (bool, int, float, str)) and value == default)


@functools.cache
def spec(module: str, name: str) -> OpSpec:
    return OpSpec(module, name, *_op_table.MODULES[module][name])


@functools.cache
def _class_index() -> dict[str, tuple[str, str]]:
    index: dict[str, tuple[str, str]] = {}
    for module, table in _op_table.MODULES.items():
        for name, entry in table.items():
            index.setdefault(entry[0], (module, name))
    return index


class _GetItem(TensorOperation):
    """`x[key]`: a key saved in a file comes back as a list; Keras indexes with the tuple."""

    def call(self, x, key):
        return super().call(x, tuple(key) if isinstance(key, list) else key)


_BASES = {"GetItem": _GetItem}


def operation_class(op: OpSpec) -> type:
    """The node class named as Keras's (e.g. `Squeeze`), made once."""
    cls = dict.get(OP_CLASSES, op.class_name)
    if cls is None:
        base = _BASES.get(op.class_name, TensorOperation)
        cls = type(op.class_name, (base,), {
            "keras_module": op.module, "spec": op, "__module__": __name__,
            "__doc__": f"`{op.name}` as a graph operation (Keras's {op.class_name})."})
        dict.__setitem__(OP_CLASSES, op.class_name, cls)
    return cls


def operation_class_named(class_name: str) -> type | None:
    """The node class for a Keras class name found in a saved config, or None."""
    found = _class_index().get(class_name)
    return operation_class(spec(*found)) if found else None


def function_of(op: OpSpec) -> Callable:
    """The (unwrapped) lamina function a node of `op` runs."""
    import importlib

    home = {_ACTIVATIONS_MODULE: "lamina.activations", _IMAGE_MODULE: "lamina.ops.image"}
    fn = getattr(importlib.import_module(home.get(op.module, "lamina.ops")), op.name, None)
    if fn is None:
        raise NotImplementedError(f"lamina has no ops.{op.name} yet, needed by a "
                                  f"{op.class_name} operation.")
    return fn.__wrapped__ if getattr(fn, "__lamina_symbolic__", False) else fn


def record(op: OpSpec, signature: inspect.Signature, args: tuple, kwargs: dict):
    """Add the node of a symbolic call and return its output KerasTensor(s)."""
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"{op.name}() got arguments it does not take: {exc}. Its signature "
                        f"is {op.name}{op.signature}.") from None
    bound.apply_defaults()
    config, call_args, call_kwargs = op.split({**op.defaults, **bound.arguments})
    config = {key: _plain(op, key, value) for key, value in config.items()}
    return operation_class(op)(**config)(*call_args, **call_kwargs)


def _plain(op: OpSpec, key: str, value: Any):
    """A constructor argument as Keras stores it (dtype names, resolved data_format)."""
    if isinstance(value, KerasTensor):
        raise TypeError(f"ops.{op.name}: argument `{key}` must be a Python value, not a "
                        f"symbolic tensor (Keras stores it in the {op.class_name} config). "
                        f"Received: {key}={value}")
    if isinstance(value, (list, tuple)):
        return tuple(_plain(op, key, item) for item in value)
    if isinstance(value, np.generic):
        return value.item()
    if key == "dtype" and (value is not None or op.name in _DTYPE_DEFAULTS_TO_FLOATX):
        return jnp.dtype(value or lamina_config.floatx()).name
    if key == "data_format" and value is None and op.module == "keras.src.ops.nn":
        return lamina_config.image_data_format()
    if key == "padding" and isinstance(value, str):
        return value.lower()
    return value


def record_activation(name: str, fn: Callable, args: tuple, kwargs: dict):
    """`activations.<name>(x)` on a KerasTensor: the node Keras's activation records."""
    if name in _op_table.ACTIVATIONS:
        op = spec(_ACTIVATIONS_MODULE, name)
    else:
        op_name = _op_table.ACTIVATION_OPS.get(name, name)
        op = spec(_op_modules()[op_name], op_name)
    return record(op, inspect.signature(fn), args, kwargs)


@functools.cache
def _op_modules() -> dict[str, str]:
    """Top-level ops name -> its Keras module (image and activation ops excluded)."""
    return {name: module for module, table in _op_table.MODULES.items()
            if module not in (_IMAGE_MODULE, _ACTIVATIONS_MODULE) for name in table}


def install(namespaces: list[dict], image_namespace: dict) -> None:
    """Wrap the table's functions in each namespace (the same wrapper wherever one function
    object is bound under one name, so `ops.numpy.mean is ops.mean`)."""
    wrappers: dict[tuple, Callable] = {}
    tables = [(ns, False) for ns in namespaces] + [(image_namespace, True)]
    for namespace, image in tables:
        for name, fn in list(namespace.items()):
            module = (_IMAGE_MODULE if name in _op_table.IMAGE else None) if image else \
                _op_modules().get(name)
            if module is None or not callable(fn) or getattr(fn, "__lamina_symbolic__", 0):
                continue
            key = (module, name, id(fn))
            if key not in wrappers:
                wrappers[key] = _wrap(fn, module, name)
            namespace[name] = wrappers[key]


def _wrap(fn: Callable, module: str, name: str) -> Callable:
    def record_call(args, kwargs):
        op = spec(module, name)
        return record(op, op.signature, args, kwargs)

    return symbolic_function(fn, record_call)
