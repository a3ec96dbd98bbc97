"""Variables that layers own, and `bind` to read them from a traced pytree.

Outside a binding a Variable holds a concrete array. Inside `bind(variables, values)` every read
of one of those variables returns the bound (possibly traced) value, and `assign` records the new
value in the binding instead of mutating the object. This is what lets a layer's ordinary `call`
serve eager use, shape inference and a pure compiled training step.
"""

from __future__ import annotations

import contextlib
import itertools
import operator
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
_variable_counter = itertools.count()
_CAPTURES_ALL = "captures every assignment"  # a frame key no id() can equal


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


def is_bound(variable) -> bool:
    """Whether reads of `variable` on this thread come from a `bind` frame."""
    return any(id(variable) in frame for frame in _bindings())


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
    """A named, possibly trainable array owned by a layer (or an optimizer, or a metric).

    As `keras.Variable`: `Variable(initializer, shape=None, dtype=None, trainable=True,
    name=None)` takes an initializer (a name, an Initializer, a callable) with a shape, or an
    initial array. It acts as a tensor everywhere: operators, indexing, `lamina.ops`,
    `jax.numpy` (a Variable is a JAX pytree whose one leaf is its current value, so jitted
    functions receive the value itself), NumPy, `float()` / `int()` / `bool()` on scalars.
    """

    __array_priority__ = 100  # `np_array * variable` defers to Variable.__rmul__

    def __init__(self, initializer=None, shape=None, dtype=None, trainable: bool = True,
                 autocast: bool = True, aggregation: str = "none",
                 synchronization: str = "auto", name: str | None = None, *,
                 path: str | None = None, regularizer=None, constraint=None):
        name = name or _auto_name()
        if not isinstance(name, str) or "/" in name:
            raise ValueError("Argument `name` must be a string and cannot contain character "
                             f"`/`. Received: name={name!r}")
        self._value = _initial_value(initializer, shape, dtype)
        self.name = name
        self.path = path or _scoped_path(name)
        self._trainable = bool(trainable)
        self.autocast = bool(autocast)
        self.aggregation = aggregation or "none"
        self.synchronization = synchronization or "none"
        self.regularizer = regularizer
        self.constraint = constraint
        self._overwrite_with_gradient = False

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
        self._trainable = bool(value)
        tracking_changed()

    @property
    def overwrite_with_gradient(self) -> bool:
        """Whether the optimizer sets this variable to its gradient instead of updating it
        (float8 training computes its new scales and amax histories as gradients)."""
        return self._overwrite_with_gradient

    @overwrite_with_gradient.setter
    def overwrite_with_gradient(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise TypeError(f"`overwrite_with_gradient` must be a boolean. Received: {value}")
        self._overwrite_with_gradient = value

    # -- reading -------------------------------------------------------------------------
    @property
    def value(self) -> jax.Array:
        value = self._value
        for frame in reversed(_bindings()):
            if id(self) in frame:
                value = frame[id(self)]
                break
        cast_to = getattr(_local, "autocast", None)
        if cast_to is not None and self.autocast and value.dtype != cast_to and \
                jnp.issubdtype(value.dtype, jnp.floating):
            return value.astype(cast_to)  # read in the layer's compute dtype (mixed precision)
        return value

    def numpy(self) -> np.ndarray:
        return to_host(self.value)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._value.shape)

    @property
    def dtype(self) -> str:
        """The dtype reads give: the compute dtype inside a mixed-precision layer's call."""
        cast_to = getattr(_local, "autocast", None)
        if cast_to is not None and self.autocast and jnp.issubdtype(self._value.dtype,
                                                                     jnp.floating):
            return jnp.dtype(cast_to).name
        return self._value.dtype.name

    @property
    def ndim(self) -> int:
        return self._value.ndim

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    # -- writing -------------------------------------------------------------------------
    def assign(self, value):
        """Set a new value (inside a `bind`, recorded in the binding); returns it."""
        value = jnp.asarray(value, dtype=self._value.dtype)
        if tuple(value.shape) != self.shape:
            raise ValueError(
                f"Variable '{self.path}' has shape {self.shape}; cannot assign a value of shape "
                f"{tuple(value.shape)}."
            )
        for frame in reversed(_bindings()):
            if id(self) in frame or _CAPTURES_ALL in frame:
                frame[id(self)] = value
                return value
        self._value = value
        return value

    def assign_add(self, delta):
        return self.assign(self.value + delta)

    def assign_sub(self, delta):
        return self.assign(self.value - delta)

    # -- behave like an array ----------------------------------------------------------------
    def __jax_array__(self):
        return self.value

    def __array__(self, dtype=None, copy=None):
        return np.asarray(to_host(self.value), dtype=dtype)

    def __repr__(self) -> str:
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"value={np.asarray(self._value) if self.size <= 16 else '...'}>")

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d Variable.")
        return self.shape[0]

    def __iter__(self):
        value = self.value
        return (value[i] for i in range(len(self)))

    def __getitem__(self, item):
        return self.value[item]

    def _scalar(self, convert):
        if self.ndim > 0:
            raise TypeError("Only scalar Variables can be converted to Python scalars. "
                            f"Received: shape={self.shape}")
        return convert(self.value)

    def __float__(self) -> float:
        return self._scalar(float)

    def __int__(self) -> int:
        return self._scalar(int)

    def __bool__(self) -> bool:
        return self._scalar(bool)

    def __index__(self) -> int:
        return self._scalar(operator.index)

    def __round__(self, ndigits=None):
        return jnp.round(self.value, ndigits or 0)

    __hash__ = object.__hash__  # identity: the elementwise __eq__ below must not unhash it

    def astype(self, dtype):
        return self.value.astype(dtype)

    @property
    def T(self):
        return self.value.T


def _flatten(variable: Variable):
    return (variable.value,), None


def _unflatten(_aux, children):
    """A Variable comes back from a pytree round trip as its value (what jitted code sees)."""
    return children[0]


jax.tree_util.register_pytree_node(Variable, _flatten, _unflatten)


def _binary(op):
    def forward(self, other):
        return op(self.value, other)

    def reverse(self, other):
        return op(other, self.value)

    return forward, reverse


for _name, _op in {
    "add": jnp.add, "sub": jnp.subtract, "mul": jnp.multiply, "truediv": jnp.true_divide,
    "floordiv": jnp.floor_divide, "pow": jnp.power, "matmul": jnp.matmul, "mod": jnp.mod,
    "and": jnp.bitwise_and, "or": jnp.bitwise_or, "xor": jnp.bitwise_xor,
    "lshift": jnp.left_shift, "rshift": jnp.right_shift, "divmod": jnp.divmod,
}.items():
    _fwd, _rev = _binary(_op)
    setattr(Variable, f"__{_name}__", _fwd)
    setattr(Variable, f"__r{_name}__", _rev)
for _name, _op in {"lt": jnp.less, "le": jnp.less_equal, "gt": jnp.greater,
                   "ge": jnp.greater_equal, "eq": jnp.equal, "ne": jnp.not_equal}.items():
    setattr(Variable, f"__{_name}__", _binary(_op)[0])
for _name, _op in {"neg": jnp.negative, "pos": jnp.positive, "abs": jnp.abs,
                   "invert": jnp.invert}.items():
    setattr(Variable, f"__{_name}__", lambda self, _op=_op: _op(self.value))


def _initial_value(initializer, shape, dtype) -> jax.Array:
    """The first value of a Variable: an initializer called on `shape`, or an array."""
    if isinstance(initializer, str) or (callable(initializer) and
                                        not hasattr(initializer, "shape")):
        if shape is None:
            raise ValueError("When creating a Variable from an initializer, the `shape` "
                             f"argument should be specified. Received: initializer="
                             f"{initializer!r} and shape={shape}")
        from lamina import config, initializers

        dtype = dtype or config.floatx()
        return jnp.asarray(initializers.get(initializer)(tuple(shape), dtype=dtype), dtype=dtype)
    if initializer is None:
        raise ValueError("Variable needs an initial value or an initializer with a shape. "
                         "Received: initializer=None")
    if isinstance(initializer, Variable):
        initializer = initializer.value
    value = _on_device(initializer, dtype)
    if shape is not None and tuple(value.shape) != tuple(shape):
        raise ValueError(f"Initial value has shape {tuple(value.shape)} but the Variable was "
                         f"given shape={tuple(shape)}.")
    return value


def _on_device(value, dtype) -> jax.Array:
    """`jnp.asarray(value, dtype)`, without the small program JAX compiles (per shape) to
    lift a NumPy array or Python number: host values are transferred instead."""
    if isinstance(value, jax.Array) or not isinstance(value, (np.ndarray, np.generic, int,
                                                               float, bool, list, tuple)):
        return jnp.asarray(value, dtype=dtype)
    return jax.device_put(np.asarray(value, dtype=None if dtype is None else jnp.dtype(dtype)))


def _auto_name() -> str:
    count = next(_variable_counter)
    return "variable" if count == 0 else f"variable_{count}"


def _scoped_path(name: str) -> str:
    from lamina.scopes import current_path

    prefix = current_path()
    return f"{prefix}/{name}" if prefix else name


@contextlib.contextmanager
def autocast_scope(dtype: str | None) -> Iterator[None]:
    """Inside the block, reads of floating variables with `autocast=True` give `dtype`
    (None: their own dtype), as Keras's `AutocastScope`; Layer.__call__ enters it for
    layers whose compute dtype differs from their variable dtype."""
    previous = getattr(_local, "autocast", None)
    _local.autocast = None if dtype is None else jnp.dtype(dtype)
    try:
        yield
    finally:
        _local.autocast = previous


def autocast_dtype():
    """The dtype variables are read in now (None: their own)."""
    return getattr(_local, "autocast", None)


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


@contextlib.contextmanager
def capture_assignments(pairs) -> Iterator[dict]:
    """Like `bind` for (variable, value) pairs, but every `assign` inside the block, to any
    variable, is recorded in the yielded mapping instead of changing the variable."""
    with bind([v for v, _ in pairs], [x for _, x in pairs]) as frame:
        frame[_CAPTURES_ALL] = True
        yield frame


def bound_values(frame: dict, variables: Sequence[Variable]) -> list:
    return [frame[id(v)] for v in variables]
