"""`QuantizableMixin`: what Dense, EinsumDense and Embedding share for `layer.quantize(mode)`:
argument checks, swapping the float weight for its quantized variables, the quantized dtype
policy, the quantized call, and Keras's save order of the quantized variables (read by
the stock `save_own_variables` / `load_own_variables` through `_saved_variables`).

Each layer names its per-mode behaviour in `_quantized_modes` (mode -> a `QuantizedScheme`
of `build` / `quantize` / `call` / `saved`, see `scheme.py`)."""

from __future__ import annotations

import warnings

from lamina.quantizers.quantization_config import validate_and_resolve_config
from lamina.variables import Variable, tracking_changed


class QuantizableMixin:
    """`quantize`, `quantization_mode` and quantized save/load for a layer family."""

    _quantized_modes: dict = {}  # mode -> QuantizedScheme, set by each layer class
    quantization_config = None

    @property
    def quantization_mode(self) -> str | None:
        """"int8", "int4", ... when the layer's dtype policy is quantized, else None."""
        return getattr(self._own_policy(), "quantization_mode", None)

    def quantize(self, mode: str | None = None, type_check: bool = True, config=None) -> None:
        """Replace the float weights by quantized ones (Keras's layout) and switch the dtype
        policy to e.g. "int8_from_float32". The layer must be built and not quantized."""
        if type_check and type(self) not in _quantizable_types(type(self)):
            raise NotImplementedError(f"Layer {type(self).__name__} does not have a "
                                      "`quantize` method implemented.")
        config = validate_and_resolve_config(mode, config)
        mode = config.mode
        self._check_quantize_args(mode)
        scheme = self._scheme(mode)
        self.quantization_config = config
        scheme.quantize(self, config)
        from lamina.dtype_policies.quantized import get_quantized_policy

        source = self._own_policy().name
        self.dtype_policy = get_quantized_policy(f"{scheme.policy_mode(config)}_from_{source}")
        self._is_quantized = True

    def _check_quantize_args(self, mode: str) -> None:
        if not self.built:
            raise ValueError("Cannot quantize a layer that isn't yet built. Layer "
                             f"'{self.name}' (of type '{type(self).__name__}') is not built "
                             "yet.")
        if getattr(self, "_is_quantized", False) or self.quantization_mode:
            raise ValueError(f"Layer '{self.name}' is already quantized with "
                             f"dtype_policy='{self._own_policy().name}'. Received: mode={mode}")
        if mode == "int8" and self.compute_dtype == "float16":
            raise ValueError(
                f"Quantization mode='{mode}' doesn't work well with compute_dtype='float16'. "
                "Consider loading model/layer with another dtype policy such as "
                "'mixed_bfloat16' or 'mixed_float16' before calling `quantize()`.")

    def _scheme(self, mode: str):
        if mode not in self._quantized_modes:  # Keras's text: the modes this layer has
            raise NotImplementedError(f"Invalid quantization mode. Expected one of "
                                      f"{tuple(self._quantized_modes)}. Received: "
                                      f"quantization_mode={mode}")
        return self._quantized_modes[mode]

    def _builds_float_weight(self) -> bool:
        """Whether `build` creates the float weight: unquantized, or a mode that trains it
        (float8; its quantized variables come first, as in Keras)."""
        mode = self.quantization_mode
        return not mode or self._scheme(mode).keeps_float_weight

    def _quantized_build(self, shape: tuple) -> None:
        """Create the quantized variables (for a float weight of `shape`) of a layer built
        under a quantized policy, e.g. when a quantized model is loaded."""
        self._scheme(self.quantization_mode).build(self, tuple(shape), self.quantization_config)
        self._is_quantized = True

    def _quantized_call(self, inputs, **kwargs):
        return self._scheme(self.quantization_mode).call(self, inputs, **kwargs)

    def _replace_variable(self, attr: str, new: Variable | None) -> None:
        """Drop the variable at `attr` from this layer (Keras's `del self._kernel`) and put
        `new` there (tracked after the layer's other variables, as in Keras)."""
        old = self.__dict__.get(attr)
        if isinstance(old, Variable):
            self._own_variables[:] = [v for v in self._own_variables if v is not old]
            self._created_trainable[:] = [v for v in self._created_trainable if v is not old]
            tracking_changed()
        setattr(self, attr, new)

    def _saved_variables(self) -> list:
        """The variables `save_own_variables` writes, in order: Keras's quantized order
        (`variable_serialization_spec`) once quantized."""
        if not self.quantization_mode:
            return super()._saved_variables()
        return self._quantized_saved()

    def _quantized_saved(self) -> list:
        """The quantized variables in Keras's file order (`variable_serialization_spec`)."""
        names = self._scheme(self.quantization_mode).saved
        return [getattr(self, n) for n in names if getattr(self, n, None) is not None]


def _quantizable_types(cls: type) -> tuple:
    """The lamina classes that define quantization (subclasses are refused, as Keras)."""
    return tuple(c for c in cls.__mro__ if "_quantized_modes" in c.__dict__)


def warn_not_quantizable(layer) -> None:
    """Keras's warning for a leaf layer `model.quantize` skips."""
    warnings.warn(f"Layer {type(layer).__name__} does not have a `quantize` method "
                  "implemented.", stacklevel=3)
