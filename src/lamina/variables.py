"""Variables that layers own, and `bind` to read them from a traced pytree.

Outside a binding a Variable holds a concrete array. Inside `bind(variables, values)` every read
of one of those variables returns the bound (possibly traced) value, and `assign` records the new
value in the binding instead of mutating the object. This is what lets a layer's ordinary `call`
serve eager use, shape inference and a pure compiled training step.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from typing import Iterator, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from lamina.distribution.host import to_host

_local = threading.local()
# next() is atomic: two threads never draw the same number, so a version never comes back
_fresh_numbers = itertools.count(1)
_tracking = [0]  # a fresh number whenever a layer or variable changes its weight lists' makeup
_values = [0]  # a fresh number whenever any variable's value is replaced


def tracking_version() -> int:
    """A number that changes whenever any layer's attributes, weights or a variable's
    `trainable` flag change, so callers can cache a model's weight lists behind it."""
    return _tracking[0]


def tracking_changed() -> None:
    _tracking[0] = next(_fresh_numbers)


def values_version() -> int:
    """A number that changes whenever any Variable gets a new value (assign, set_weights, the
    end of a fit...), so callers can reuse what they built from the values until then."""
    return _values[0]


def in_binding() -> bool:
    """Whether variable reads on this thread come from a `bind` (not the Variables' values)."""
    return bool(_bindings())


def _bindings() -> list[dict]:
    if not hasattr(_local, "stack"):
        _local.stack = []
    return _local.stack


def current_values(variables) -> list:
    """`[v.value for v in variables]`, looking up the bindings once."""
    if not _bindings():
        return [v._array for v in variables]
    return [v.value for v in variables]


class Variable:
    """A named, possibly trainable array owned by a layer (or an optimizer, or a metric)."""

    def __init__(self, value, *, name: str, trainable: bool = True, path: str | None = None,
                 regularizer=None, constraint=None, dtype=None):
        self._value = jnp.asarray(value, dtype=dtype)
        self.name = name
        self.path = path or name
        self._trainable = trainable
        self.regularizer = regularizer
        self.constraint = constraint

    @property
    def _value(self) -> jax.Array:
        """The concrete value, outside any binding."""
        return self._array

    @_value.setter
    def _value(self, value: jax.Array) -> None:
        self._array = value
        _values[0] = next(_fresh_numbers)

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = value
        tracking_changed()

    # -- reading -------------------------------------------------------------------------
    @property
    def value(self) -> jax.Array:
        for frame in reversed(_bindings()):
            if id(self) in frame:
                return frame[id(self)]
        return self._value

    def numpy(self) -> np.ndarray:
        return to_host(self.value)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._value.shape)

    @property
    def dtype(self):
        return self._value.dtype

    @property
    def ndim(self) -> int:
        return self._value.ndim

    # -- writing -------------------------------------------------------------------------
    def assign(self, value) -> None:
        value = jnp.asarray(value, dtype=self.dtype)
        if tuple(value.shape) != self.shape:
            raise ValueError(
                f"Variable '{self.path}' has shape {self.shape}; cannot assign a value of shape "
                f"{tuple(value.shape)}."
            )
        for frame in reversed(_bindings()):
            if id(self) in frame:
                frame[id(self)] = value
                return
        self._value = value

    def assign_add(self, delta) -> None:
        self.assign(self.value + delta)

    def assign_sub(self, delta) -> None:
        self.assign(self.value - delta)

    # -- behave like an array ----------------------------------------------------------------
    def __jax_array__(self):
        return self.value

    def __array__(self, dtype=None, copy=None):
        return np.asarray(to_host(self.value), dtype=dtype)

    def __repr__(self) -> str:
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}>"

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, item):
        return self.value[item]

    def __neg__(self):
        return -self.value

    def __pos__(self):
        return self.value

    def __abs__(self):
        return abs(self.value)

    def astype(self, dtype):
        return self.value.astype(dtype)

    @property
    def T(self):
        return self.value.T


def _binary(op):
    def forward(self, other):
        return op(self.value, other.value if isinstance(other, Variable) else other)

    def reverse(self, other):
        return op(other, self.value)

    return forward, reverse


for _name, _op in {
    "add": jnp.add, "sub": jnp.subtract, "mul": jnp.multiply, "truediv": jnp.true_divide,
    "floordiv": jnp.floor_divide, "pow": jnp.power, "matmul": jnp.matmul, "mod": jnp.mod,
}.items():
    _fwd, _rev = _binary(_op)
    setattr(Variable, f"__{_name}__", _fwd)
    setattr(Variable, f"__r{_name}__", _rev)
for _name, _op in {"lt": jnp.less, "le": jnp.less_equal, "gt": jnp.greater,
                   "ge": jnp.greater_equal}.items():
    setattr(Variable, f"__{_name}__", _binary(_op)[0])


@contextlib.contextmanager
def bind(variables: Sequence[Variable], values: Sequence) -> Iterator[dict]:
    """Read `variables` from `values` inside the block; yields the live id -> value mapping.

    After the block the mapping holds whatever the code assigned (e.g. BatchNorm statistics),
    which `bound_values` turns back into a list in the order of `variables`.
    """
    if len(variables) != len(values):
        raise ValueError(f"bind got {len(variables)} variables but {len(values)} values.")
    frame = {id(v): x for v, x in zip(variables, values)}
    _bindings().append(frame)
    try:
        yield frame
    finally:
        _bindings().pop()


def bound_values(frame: dict, variables: Sequence[Variable]) -> list:
    return [frame[id(v)] for v in variables]
