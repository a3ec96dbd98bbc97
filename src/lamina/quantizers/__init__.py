"""`keras.quantizers`: quantizers, quantization configs and their get / serialize /
deserialize (written with Keras's module "keras.quantizers", so Keras reads them)."""

from __future__ import annotations

import inspect
import re

from lamina.quantizers.fake_quant import fake_quant_with_min_max_vars
from lamina.quantizers.quantization_config import (Float8QuantizationConfig,
                                                   Int4QuantizationConfig,
                                                   Int8QuantizationConfig, QuantizationConfig)
from lamina.quantizers.quantizers import (AbsMaxQuantizer, Quantizer, abs_max_quantize,
                                          abs_max_quantize_grouped_with_zero_point,
                                          compute_float8_amax_history, compute_float8_scale,
                                          dequantize_with_sz_map, pack_int4,
                                          quantize_and_dequantize, unpack_int4)
from lamina._class_lookup import lookup_class

_ALL = (Quantizer, AbsMaxQuantizer, QuantizationConfig, Int8QuantizationConfig,
        Int4QuantizationConfig, Float8QuantizationConfig)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _ALL}
ALL_OBJECTS_DICT.update({re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower(): cls
                         for cls in _ALL})


def serialize(quantizer) -> dict | None:
    """Keras's config dict of a quantizer or quantization config (None stays None)."""
    if quantizer is None:
        return None
    if not hasattr(quantizer, "get_config"):
        raise TypeError("quantizers.serialize expects a Quantizer or QuantizationConfig. "
                        f"Received: quantizer={quantizer!r}")
    module = "keras.quantizers" if type(quantizer) in _ALL else type(quantizer).__module__
    return {"module": module, "class_name": type(quantizer).__name__,
            "config": quantizer.get_config(), "registered_name": None}


def deserialize(config, custom_objects: dict | None = None):
    """The quantizer or config a `serialize` dict describes (None stays None)."""
    if config is None:
        return None
    cls, inner = lookup_class(config, {**ALL_OBJECTS_DICT, **(custom_objects or {})},
                              what="quantizer", kind="quantizer",
                              known=sorted(ALL_OBJECTS_DICT),
                              fix="Pass it in `custom_objects`.")
    if "value_range" in inner:  # JSON turned the tuple into a list
        inner["value_range"] = tuple(inner["value_range"])
    return cls.from_config(inner)


def get(identifier, **kwargs):
    """A quantizer (or quantization config) from None, a config dict, a class name or the
    object itself."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
    else:
        obj = identifier
    if isinstance(obj, (Quantizer, QuantizationConfig)):
        return obj
    if callable(obj):
        return obj(**kwargs) if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret quantizer identifier: {identifier}")


__all__ = ["AbsMaxQuantizer", "Float8QuantizationConfig", "Int4QuantizationConfig",
           "Int8QuantizationConfig", "QuantizationConfig", "Quantizer", "abs_max_quantize",
           "abs_max_quantize_grouped_with_zero_point", "compute_float8_amax_history",
           "compute_float8_scale", "dequantize_with_sz_map", "deserialize",
           "fake_quant_with_min_max_vars", "get", "pack_int4", "quantize_and_dequantize", "serialize", "unpack_int4"]
