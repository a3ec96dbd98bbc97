"""Quantized layer behaviour (`layer.quantize("int8")`): the mixin the quantizable layers
share, and one scheme per (layer family, mode)."""

from lamina.layers.quantized.mixin import QuantizableMixin, warn_not_quantizable

__all__ = ["QuantizableMixin", "warn_not_quantizable"]
