"""`DTypePolicyMap`: layer paths (exact or regular expressions) -> `DTypePolicy`."""

from __future__ import annotations

import re
from collections.abc import MutableMapping

from lamina.dtype_policies.dtype_policy import DTypePolicy


class DTypePolicyMap(DTypePolicy, MutableMapping):
    """Dict-like map from layer paths to policies; a layer given one looks up its own path
    (exact key first, then keys as `re.fullmatch` patterns) and falls back to
    `default_policy` (the global policy when None)."""

    def __init__(self, default_policy=None, policy_map: dict | None = None):
        if isinstance(default_policy, DTypePolicyMap):
            raise ValueError("`default_policy` cannot be a `DTypePolicyMap`.")
        if policy_map is not None and not isinstance(policy_map, dict):
            raise TypeError("If specified, `policy_map` must be a dict. Received: "
                            f"policy_map={policy_map} of type {type(policy_map)}")
        from lamina.dtype_policies import get

        self._default_policy_arg = default_policy
        self._default_policy = get(default_policy)
        self._policy_map = {key: get(value) for key, value in (policy_map or {}).items()}

    @property
    def name(self) -> str:
        return f"map_{self.default_policy._name}"

    @property
    def default_policy(self) -> DTypePolicy:
        return self._default_policy

    @property
    def variable_dtype(self) -> str:
        return self.default_policy.variable_dtype

    @property
    def compute_dtype(self) -> str:
        return self.default_policy.compute_dtype

    @property
    def quantization_mode(self) -> None:
        return self.default_policy.quantization_mode

    def __getitem__(self, key: str) -> DTypePolicy:
        if key in self._policy_map:
            return self._policy_map[key]
        matches = [pattern for pattern in self._policy_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(
                f"Path '{key}' matches multiple dtype policy specification keys: {matches}. "
                "Please make sure each path only matches at most one dtype policy "
                "specification key in the DTypePolicyMap.")
        return self._policy_map[matches[0]] if matches else self.default_policy

    def __setitem__(self, key: str, policy) -> None:
        from lamina.dtype_policies import get

        if key in self._policy_map:
            raise ValueError(f"{key} already exist in the DTypePolicyMap with value "
                             f"{self._policy_map[key]}. Please make sure to not use "
                             "duplicated keys.")
        try:
            policy = get(policy)
        except Exception:
            raise ValueError("Cannot interpret the assigned value by "
                             f"`keras.dtype_policies.get`. Received: {policy} of type "
                             f"{type(policy)}") from None
        self._policy_map[key] = policy

    def __delitem__(self, key: str) -> DTypePolicy:
        return self._policy_map.pop(key)

    def __contains__(self, key) -> bool:
        return key in self._policy_map

    def __len__(self) -> int:
        return len(self._policy_map)

    def __iter__(self):
        return iter(self._policy_map)

    def __eq__(self, other) -> bool:
        return (type(other) is DTypePolicyMap and self.default_policy == other.default_policy
                and self._policy_map == other._policy_map)

    __hash__ = None

    def get_config(self) -> dict:
        """Keras's layout. Keras blanks the names of the mapped policies (in place!) when
        `default_policy` is None; lamina keeps them, and Keras reads either."""
        from lamina.dtype_policies import serialize

        return {"default_policy": self._default_policy_arg,
                "policy_map": {key: serialize(p) for key, p in self._policy_map.items()}}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> DTypePolicyMap:
        from lamina.dtype_policies import deserialize

        config = dict(config)
        config["policy_map"] = {key: deserialize(value, custom_objects) for key, value in
                                (config.get("policy_map") or {}).items()}
        return cls(**config)

    def __repr__(self) -> str:
        mapping = [(key, policy.name) for key, policy in self._policy_map.items()]
        return (f"<DTypePolicyMap at {hex(id(self))} "
                f"default_policy={self.default_policy.name}, mapping={mapping}>")
