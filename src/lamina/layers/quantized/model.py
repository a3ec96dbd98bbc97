"""`Model.quantize`: quantize every leaf layer that supports it (Keras's walk, filters and
warnings)."""

from __future__ import annotations

import re
from typing import Callable

from lamina.layers.quantized.mixin import QuantizableMixin, warn_not_quantizable


def should_quantize_layer(layer, filters) -> bool:
    """Whether `filters` (None, a regex, a list of regexes or a callable) selects `layer`."""
    if filters is None:
        return True
    if isinstance(filters, str):
        return bool(re.search(filters, layer.name))
    if isinstance(filters, (list, tuple)):
        return any(re.search(pattern, layer.name) for pattern in filters)
    return bool(filters(layer))


def quantize_model(model, mode=None, config=None, filters=None, **kwargs) -> None:
    """Quantize the leaf layers of `model` selected by `filters` with `mode` / `config`;
    layers without quantization support are skipped with a warning."""
    type_check = kwargs.pop("type_check", True)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments passed to {type(model).__name__}: "
                         f"{kwargs}")
    if filters is not None and not isinstance(filters, (str, Callable, list, tuple)):
        raise ValueError("The `filters` argument must be a regex string, a list of regex "
                         f"strings, or a callable. Received: {type(filters)}")
    if not model.built:
        raise ValueError(f"Cannot quantize model '{model.name}': it isn't built yet. Build it "
                         "first (model.build(input_shape), or call it on data).")
    for layer in list(model._flatten_layers()):
        if list(layer._flatten_layers()) or not should_quantize_layer(layer, filters):
            continue
        if not isinstance(layer, QuantizableMixin):
            warn_not_quantizable(layer)
            continue
        try:
            layer.quantize(mode, type_check=type_check, config=config)
        except NotImplementedError as e:
            import warnings

            warnings.warn(str(e), stacklevel=2)
