"""FlaxLayer: a JaxLayer around a `flax.linen.Module` (as `keras.layers.FlaxLayer`).

The module's "params" collection becomes trainable variables and every other collection
(e.g. BatchNorm's "batch_stats") non-trainable ones, updated in training through
`Module.apply(..., mutable=DenyList(["params"]))`. Flax is imported only when a FlaxLayer is
made. Like Keras 3.15, only Flax Linen modules are supported (not Flax NNX).
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from lamina.layers.jax_layer import JaxLayer

__all__ = ["FlaxLayer"]


def _linen():
    try:
        import flax.linen
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("FlaxLayer requires the `flax` package. Install it with "
                          "`pip install flax`.") from exc
    return flax.linen


def _check_module(linen, module: Any) -> None:
    if isinstance(module, linen.Module):
        return
    nnx = any(c.__module__.startswith("flax.nnx") for c in type(module).__mro__)
    kind = ("a Flax NNX module; FlaxLayer (as in Keras) wraps Flax Linen modules only" if nnx
            else "not a `flax.linen.Module`")
    raise TypeError(f"FlaxLayer expects an instance of `flax.linen.Module`; the module given is "
                    f"{kind}. Received: module={module!r:.200}")


class FlaxLayer(JaxLayer):
    """Keras Layer that wraps a Flax Linen module.

    `method` (default `module.__call__`, or a method name) takes `inputs` and optionally
    `training`; it may be a function not defined on the module, then taking the module first.
    `variables` is what `module.init(...)` returns; when None the module is initialized at
    build time.

    ```python
    class MyFlaxModule(flax.linen.Module):
        @flax.linen.compact
        def __call__(self, inputs):
            x = flax.linen.Conv(features=32, kernel_size=(3, 3))(inputs)
            x = flax.linen.relu(x).reshape((inputs.shape[0], -1))
            return flax.linen.Dense(features=10)(x)

    keras_layer = keras.layers.FlaxLayer(MyFlaxModule())
    ```

    The module is saved in `get_config()` through its own `get_config()`: register its class
    with `@keras.saving.register_keras_serializable()` (or pass it in `custom_objects`).
    """

    def __init__(self, module: Any, method: Callable | str | None = None, variables: Any = None,
                 **kwargs):
        linen = _linen()
        _check_module(linen, module)
        if isinstance(method, str):  # a method name, as `Module.apply(method=...)` takes
            method = getattr(module, method)
        self.module = module
        self.method = method
        mutable = linen.DenyList(["params"])
        with_training = "training" in inspect.signature(method or module.__call__).parameters

        def call_fn(params, state, rng, inputs, training):
            extra = {"training": training} if with_training else {}
            return self.module.apply(self._params_and_state_to_variables(params, state),
                                     inputs, rngs=rng, method=self.method, mutable=mutable,
                                     **extra)

        def init_fn(rng, inputs, training):
            extra = {"training": training} if with_training else {}
            return self._variables_to_params_and_state(
                self.module.init(rng, inputs, method=self.method, **extra))

        if variables is not None:  # a FrozenDict would not match the plain dicts apply returns
            from flax.core import unfreeze

            variables = unfreeze(variables)
        params, state = self._variables_to_params_and_state(variables)
        super().__init__(call_fn=call_fn, init_fn=init_fn, params=params, state=state,
                         **kwargs)

    @staticmethod
    def _params_and_state_to_variables(params: Any, state: Any) -> dict:
        return {**(params or {}), **(state or {})}

    @staticmethod
    def _variables_to_params_and_state(variables: Any) -> tuple:
        """Split flax variables into `({"params": ...}, {other collections})`."""
        if variables is None:
            return None, None
        if "params" not in variables:
            return {}, variables
        state = {k: v for k, v in variables.items() if k != "params"}
        return {"params": variables["params"]}, state

    def _get_init_rng(self) -> dict:
        return {"params": self._get_init_seed(), "dropout": self._get_init_seed()}

    def _get_call_rng(self, training: bool) -> dict:
        return {"dropout": self._get_call_seed()} if training else {}

    def get_config(self) -> dict:
        from lamina.saving.serialization import serialize_keras_object

        method = self.method
        if method is not None and getattr(method, "__self__", None) == self.module:
            method = method.__name__  # a method bound to the module is saved by name
        config = super().get_config()
        config.pop("call_fn")
        config.pop("init_fn")
        return {**config, "module": serialize_keras_object(self.module),
                "method": serialize_keras_object(method)}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> FlaxLayer:
        from lamina.saving.serialization import deserialize_keras_object

        config = dict(config)
        module = deserialize_keras_object(config["module"], custom_objects)
        method = config.get("method")  # a name (of a method of the module) stays one
        if isinstance(method, dict):
            method = deserialize_keras_object(method, custom_objects)
        config.update(module=module, method=method)
        return super(JaxLayer, cls).from_config(config)  # Layer's: batch shapes, then cls(...)
