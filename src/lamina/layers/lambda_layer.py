"""Lambda: wrap an arbitrary function of tensors as a layer (as `keras.layers.Lambda`)."""

from __future__ import annotations

import codecs
import inspect
import marshal
import types

from lamina import errors
from lamina.layers.base import Layer

__all__ = ["Lambda"]


class Lambda(Layer):
    """`Lambda(function, output_shape=None, mask=None, arguments=None)`.

    The output shape is inferred by tracing `function` unless `output_shape` (a shape without
    the batch axis, or a function of the input shape) is given. Python lambdas are saved as
    bytecode, as Keras does, and only load with `safe_mode=False`."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise errors.ConfigError(f"Lambda '{self.name}': function must be callable. "
                                     f"Received: function={function!r}")
        self.function = function
        self._output_shape = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})
        params = inspect.signature(function).parameters
        self._fn_has_mask, self._fn_has_training = "mask" in params, "training" in params
        self.supports_masking = mask is not None

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_has_mask:
            kwargs["mask"] = mask
        if self._fn_has_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        batch = input_shape[0][0] if isinstance(input_shape, list) else input_shape[0]
        return (batch, *tuple(self._output_shape))

    def compute_mask(self, inputs, previous_mask=None):
        if callable(self.mask):
            return self.mask(inputs, previous_mask)
        return self.mask

    def get_config(self) -> dict:
        config = {**super().get_config(), "function": _function_config(self.function),
                  "arguments": dict(self.arguments)}
        if self._output_shape is not None:
            config["output_shape"] = (_function_config(self._output_shape)
                                      if callable(self._output_shape)
                                      else list(self._output_shape))
        if self.mask is not None:
            config["mask"] = _function_config(self.mask) if callable(self.mask) else self.mask
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None, safe_mode=None) -> Lambda:
        """Functions stored as bytecode load only with `safe_mode=False`."""
        config = dict(config)
        for key in ("function", "output_shape", "mask"):
            if key in config and isinstance(config[key], dict):
                config[key] = _load_function(config[key], custom_objects, safe_mode is False)
        if isinstance(config.get("output_shape"), list):
            config["output_shape"] = tuple(config["output_shape"])
        return cls(**config)


def _function_config(fn) -> dict:
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        code = codecs.encode(marshal.dumps(fn.__code__), "base64").decode("ascii")
        closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
        return {"class_name": "__lambda__",
                "config": {"code": code, "defaults": fn.__defaults__, "closure": closure}}
    from lamina.saving.serialization import serialize_keras_object

    return serialize_keras_object(fn)


def _load_function(config: dict, custom_objects, allow_bytecode: bool):
    if config.get("class_name") != "__lambda__":
        from lamina.saving.serialization import deserialize_keras_object

        return deserialize_keras_object(config, custom_objects)
    if not allow_bytecode:
        raise errors.ConfigError(
            "Lambda.from_config: the function is stored as Python bytecode, and loading it "
            "could run arbitrary code. If you trust the source, pass safe_mode=False; better, "
            "write the function as a custom layer registered with "
            "register_keras_serializable().")
    inner = config["config"]
    code = marshal.loads(codecs.decode(inner["code"].encode("ascii"), "base64"))
    closure = inner.get("closure")
    cells = tuple(types.CellType(v) for v in closure) if closure else None
    defaults = tuple(inner["defaults"]) if inner.get("defaults") else None
    return types.FunctionType(code, globals(), name=code.co_name, argdefs=defaults,
                              closure=cells)
