"""A layer's dtype policy: variable dtype, compute dtype, and the casts Keras makes at call.

As Keras 3: `layer.dtype` is the variable dtype, floating inputs are cast to
`layer.compute_dtype` when the layer is called (`autocast=True`), and inside `call` variables
with `autocast=True` read as the compute dtype. With a float32 policy every cast is skipped
at trace time, so float32 models compile to the same program as before.
"""

from __future__ import annotations

import contextlib
import functools

import jax
import jax.numpy as jnp

from lamina import dtype_policies
from lamina.dtype_policies import DTypePolicy, DTypePolicyMap
from lamina.variables import Variable, autocast_dtype, autocast_scope


class LayerDTypeMixin:
    """`dtype_policy`, `dtype`, `compute_dtype`, `variable_dtype` and the casts at call."""

    #: Whether floating inputs are cast to the compute dtype at `__call__` (Keras's flag).
    _convert_input_args = True
    autocast = True

    def _init_dtype_policy(self, dtype, autocast: bool = True) -> None:
        self._dtype_policy = dtype_policies.get(dtype)
        self.autocast = bool(autocast)

    @property
    def dtype_policy(self) -> DTypePolicy:
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value) -> None:
        policy = dtype_policies.get(value)
        if isinstance(self._dtype_policy, DTypePolicyMap) and self._policy_path():
            path = self._policy_path()
            if path in self._dtype_policy:
                del self._dtype_policy[path]
            self._dtype_policy[path] = policy
        else:
            self._dtype_policy = policy

    def _own_policy(self) -> DTypePolicy:
        """The policy for this layer: its map's entry for its path, or the policy itself."""
        policy = self._dtype_policy
        if isinstance(policy, DTypePolicyMap) and self._policy_path():
            return policy[self._policy_path()]
        return policy

    def _policy_path(self) -> str | None:
        return getattr(self, "path", None) or getattr(self, "name", None)

    @property
    def dtype(self) -> str:
        """Alias of `variable_dtype` (as Keras)."""
        return self.variable_dtype

    @dtype.setter
    def dtype(self, value) -> None:
        self._dtype_policy = dtype_policies.get(value)

    @property
    def variable_dtype(self) -> str:
        """The dtype of this layer's weights."""
        return self._own_policy().variable_dtype

    @property
    def compute_dtype(self) -> str:
        """The dtype of this layer's computations (and usually of its outputs)."""
        return self._own_policy().compute_dtype

    @property
    def input_dtype(self) -> str:
        """The dtype floating inputs are cast to."""
        return self.compute_dtype

    def _cast_inputs(self, structure):
        """Floating arrays of `structure` in the compute dtype (Keras's input conversion)."""
        if not (self.autocast and self._convert_input_args):
            return structure
        target = self.input_dtype
        if getattr(structure, "dtype", None) == target or not _is_float(target):
            return structure  # the common case, kept cheap: one array already in dtype
        policy = self._own_policy()
        return jax.tree_util.tree_map(lambda x: policy.convert_input(x, True, target),
                                      structure, is_leaf=lambda x: isinstance(x, Variable))

    def _cast_call_args(self, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        """`_cast_inputs` for a call's other arguments; free when they hold no arrays."""
        if not args and not any(hasattr(v, "dtype") or isinstance(v, (list, tuple, dict))
                                for v in kwargs.values()):
            return args, kwargs
        return self._cast_inputs((args, kwargs))

    def _autocast_variables(self):
        """The autocast scope for this layer's `call` (Keras's rules), or a null context."""
        current = autocast_dtype()
        policy = self._own_policy()
        compute = policy.compute_dtype
        if current is not None:
            if not self.autocast or not _is_float(compute):
                return autocast_scope(None)
            if current != jnp.dtype(compute):
                return autocast_scope(compute)
            return _NO_SCOPE
        if compute != policy.variable_dtype and _is_float(compute):
            return autocast_scope(compute)
        return _NO_SCOPE  # float32 policies: nothing to enter


_NO_SCOPE = contextlib.nullcontext()  # reusable: it holds no state


@functools.lru_cache(maxsize=None)
def _is_float(dtype: str) -> bool:
    try:
        return jnp.issubdtype(jnp.dtype(dtype), jnp.floating)
    except TypeError:  # "string"
        return False
