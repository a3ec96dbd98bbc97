"""`DTypePolicy`: a layer's compute dtype and variable dtype, and the global default policy.

As Keras 3: "mixed_float16" / "mixed_bfloat16" compute in float16 / bfloat16 and keep variables
in float32; any other dtype name uses that dtype for both. The global policy starts as
`DTypePolicy(floatx())` and is read when a layer is created.
"""

from __future__ import annotations

import threading

import jax.numpy as jnp

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
_QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")
_global = threading.local()  # per thread, like Keras's global_state
_global_default: list = [None]  # what threads that never set one see


class DTypePolicy:
    """A dtype policy for a layer: `compute_dtype` for its math, `variable_dtype` for its
    weights. `DTypePolicy("mixed_float16")` computes in float16 with float32 variables."""

    def __init__(self, name: str | None = None):
        if name is None:
            name = dtype_policy().name
        self._name = name
        self._compute_dtype, self._variable_dtype = self._parse_name(name)
        self._quantization_mode = None

    @staticmethod
    def _parse_name(name) -> tuple[str, str]:
        """`(compute_dtype, variable_dtype)` for a policy name."""
        if not isinstance(name, str):
            raise TypeError("'name' must be a string, such as 'mixed_float16'. "
                            f"Received: name={name} (of type {type(name)})")
        if name in _MIXED:
            return _MIXED[name], "float32"
        if name.startswith(_QUANTIZATION_MODES):
            raise ValueError(f"DTypePolicy takes no quantized name. Received: name={name!r}. "
                             f"Use keras.dtype_policies.get({name!r}) or model.quantize().")
        from lamina.layers.base import standardize_dtype

        try:
            dtype = standardize_dtype(name)
        except TypeError:
            raise ValueError(
                f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid policies "
                "include 'mixed_float16', 'mixed_bfloat16', and the name of any float dtype "
                "such as 'float32'.") from None
        return dtype, dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype layers create their variables in."""
        return self._variable_dtype

    @property
    def compute_dtype(self) -> str:
        """The dtype layers compute in (and usually output)."""
        return self._compute_dtype

    @property
    def name(self) -> str:
        return self._name

    @property
    def quantization_mode(self) -> None:
        """Always None: lamina has no quantized policies yet."""
        return self._quantization_mode

    def convert_input(self, x, autocast: bool, dtype):
        """`x` cast to `dtype` when it is a floating array of another dtype and `autocast`."""
        if autocast and _should_cast(x, dtype):
            return x.astype(dtype)
        return x

    def get_config(self) -> dict:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> DTypePolicy:
        return cls(**config)

    def __repr__(self) -> str:
        class_name = type(self).__name__
        if class_name == "FloatDTypePolicy":
            class_name = "DTypePolicy"
        return f'<{class_name} "{self._name}">'

    def __eq__(self, other) -> bool:
        plain = (DTypePolicy, FloatDTypePolicy)
        if type(self) in plain:
            if type(other) not in plain:
                return False
        elif type(other) is not type(self):
            return False
        return self._name == other._name

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._name))


class FloatDTypePolicy(DTypePolicy):
    """Keras's other name for a plain float `DTypePolicy`."""


def _should_cast(x, dtype) -> bool:
    x_dtype = getattr(x, "dtype", None)
    if x_dtype is None or x_dtype == dtype:  # cheap checks first: this runs on every call
        return False
    return jnp.issubdtype(x_dtype, jnp.floating) and jnp.dtype(x_dtype) != jnp.dtype(dtype)


def set_dtype_policy(policy) -> None:
    """Set the default dtype policy of layers created from now on (e.g. "mixed_float16")."""
    if not isinstance(policy, DTypePolicy):
        if not isinstance(policy, str):
            raise ValueError("Invalid `policy` argument. Expected the string name of a policy "
                             "(such as 'mixed_float16') or a `DTypePolicy` instance. "
                             f"Received: policy={policy} (of type {type(policy)})")
        policy = DTypePolicy(policy)
    _global.policy = policy
    _global_default[0] = policy


def dtype_policy() -> DTypePolicy:
    """The current default dtype policy (`DTypePolicy(floatx())` until one is set)."""
    policy = getattr(_global, "policy", None) or _global_default[0]
    if policy is None:
        from lamina import config

        policy = DTypePolicy(config.floatx())
    return policy


def reset_dtype_policy() -> None:
    """Forget the set policy, so the default follows `floatx()` again (clear_session)."""
    _global.policy = None
    _global_default[0] = None
