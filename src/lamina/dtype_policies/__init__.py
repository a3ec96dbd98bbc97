"""`keras.dtype_policies`: policy objects and their get / serialize / deserialize."""

from __future__ import annotations

from lamina.dtype_policies.dtype_policy import (  # noqa: F401 - set_dtype_policy for config
    DTypePolicy, FloatDTypePolicy, dtype_policy, set_dtype_policy)
from lamina.dtype_policies.dtype_policy_map import DTypePolicyMap
from lamina.dtype_policies.quantized import (QUANTIZATION_MODES, Int4DTypePolicy,
                                             QuantizedDTypePolicy, QuantizedFloat8DTypePolicy,
                                             get_quantized_policy)
from lamina._class_lookup import lookup_class

_QUANTIZED = (QuantizedDTypePolicy, QuantizedFloat8DTypePolicy, Int4DTypePolicy)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in (DTypePolicy, FloatDTypePolicy,
                                                    DTypePolicyMap, *_QUANTIZED)}
_MODULES = {cls.__name__: "keras.dtype_policies" for cls in (DTypePolicyMap, *_QUANTIZED)}


def serialize(dtype_policy: DTypePolicy) -> dict:
    """Keras's config dict of a policy: module, class_name, config, registered_name."""
    if not isinstance(dtype_policy, DTypePolicy):
        raise TypeError("dtype_policies.serialize expects a DTypePolicy. Received: "
                        f"dtype_policy={dtype_policy!r}")
    class_name = type(dtype_policy).__name__
    return {"module": _MODULES.get(class_name, "keras"), "class_name": class_name,
            "config": dtype_policy.get_config(), "registered_name": None}


def deserialize(config, custom_objects: dict | None = None) -> DTypePolicy:
    """The policy a `serialize` dict (or a bare class name) describes."""
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    objects = {**ALL_OBJECTS_DICT, **(custom_objects or {})}
    cls, inner = lookup_class(config, objects, what="DTypePolicy", kind="dtype policy",
                              known=sorted(objects),
                              fix="Pass it in `custom_objects` if it is your own.")
    if cls is DTypePolicyMap:
        return cls.from_config(inner, custom_objects)
    return cls.from_config(inner)


def get(identifier) -> DTypePolicy:
    """A policy from None (the global one), a policy, a name, a dtype or a config dict."""
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier.startswith(QUANTIZATION_MODES):  # e.g. "int8_from_float32"
            return get_quantized_policy(identifier)
        return DTypePolicy(identifier)
    from lamina.layers.base import standardize_dtype

    try:
        return DTypePolicy(standardize_dtype(identifier))
    except (TypeError, ValueError):
        raise ValueError("Cannot interpret `dtype` argument. Expected a string or an "
                         f"instance of DTypePolicy. Received: dtype={identifier}") from None


__all__ = ["DTypePolicy", "DTypePolicyMap", "FloatDTypePolicy", "Int4DTypePolicy",
           "QuantizedDTypePolicy", "QuantizedFloat8DTypePolicy", "deserialize", "get",
           "serialize"]
