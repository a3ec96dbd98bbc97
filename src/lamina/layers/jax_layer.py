"""JaxLayer: a layer around a plain JAX model function (as `keras.layers.JaxLayer`).

The model is `call_fn(params, state, rng, inputs, training)` (any subset holding `inputs`, in
any order). Its `params` pytree becomes the layer's trainable variables and its `state` pytree
its non-trainable ones; inside lamina's compiled step `call` hands `call_fn` the bound values of
those variables, so the function runs as written, traced into the one jitted train step, and the
new state it returns is assigned like BatchNormalization's statistics. FlaxLayer lives in
flax_layer.py and is re-exported here.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from lamina import random
from lamina.layers.base import Layer, _is_shape
from lamina.variables import Variable, capture_assignments

__all__ = ["FlaxLayer", "JaxLayer"]

_CALL_FN_ARGS = {"params", "state", "rng", "inputs", "training"}
_INIT_FN_ARGS = {"rng", "inputs", "training"}


def _is_variable(x: Any) -> bool:
    return isinstance(x, Variable)


def _values_of(tree: Any) -> Any:
    """`tree` with each Variable replaced by its (possibly bound) value."""
    return jax.tree_util.tree_map(lambda v: v.value if _is_variable(v) else v, tree,
                                  is_leaf=_is_variable)


def validate_signature(fn: Callable, fn_name: str, allowed: set, required: set) -> list[str]:
    """The argument names of `fn`, in order, after checking them against Keras's rules."""
    if not callable(fn):
        raise TypeError(f"`{fn_name}` must be a callable. Received: {fn_name}={fn!r}")
    parameters = inspect.signature(fn).parameters
    for name in sorted(required):
        if name not in parameters:
            raise ValueError(f"Missing required argument in `{fn_name}`: `{name}`")
    for name in parameters:
        if name not in allowed:
            raise ValueError(f"Unsupported argument in `{fn_name}`: `{name}`, supported "
                             f"arguments are `{'`, `'.join(sorted(allowed))}`")
    return list(parameters)


class JaxLayer(Layer):
    """Keras Layer that wraps a JAX model function.

    `call_fn` takes arguments with these exact names: `params` (trainable parameters),
    `state` (optional, non-trainable state; then it returns `(outputs, new_state)`), `rng`
    (optional, a key, passed in training only), `inputs` (required, an array or a pytree)
    and `training` (optional). `init_fn(rng, inputs, training)` (any subset with `inputs`)
    returns the initial `params` (or `(params, state)` when `call_fn` takes `state`); it runs
    at build time on ones of the input shape. Alternatively pass `params` / `state` directly.

    ```python
    def call_fn(params, inputs):
        return jax.nn.relu(inputs @ params["w"] + params["b"])

    def init_fn(rng, inputs):
        return {"w": jax.random.normal(rng, (inputs.shape[-1], 8)), "b": jnp.zeros(8)}

    layer = keras.layers.JaxLayer(call_fn, init_fn=init_fn)
    ```

    Array leaves of `params` and `state` become variables (floats take the layer dtype);
    other leaves (strings, None) stay as configuration. `call_fn` and `init_fn` are saved in
    `get_config()` by name: register them with `@keras.saving.register_keras_serializable()`
    or pass them in `custom_objects` when loading.
    """

    def __init__(self, call_fn: Callable, init_fn: Callable | None = None, params: Any = None,
                 state: Any = None, seed: int | None = None,
                 native_serialization_platforms=None, **kwargs):
        super().__init__(**kwargs)
        self.call_fn = call_fn
        self.init_fn = init_fn
        self.call_fn_arguments = validate_signature(call_fn, "call_fn", _CALL_FN_ARGS,
                                                    {"inputs"})
        self.call_fn_has_params = "params" in self.call_fn_arguments
        self.call_fn_has_state = "state" in self.call_fn_arguments
        if init_fn is None and params is None and state is None and (
                self.call_fn_has_params or self.call_fn_has_state):
            raise ValueError("`init_fn`, `params` and `state` cannot all be `None` when "
                             "`call_fn` takes a `params` or a `state` argument.")
        self.init_fn_arguments = (None if init_fn is None else validate_signature(
            init_fn, "init_fn", _INIT_FN_ARGS, {"inputs"}))
        self.seed = seed
        self.seed_generator = (random.SeedGenerator(seed) if "rng" in self.call_fn_arguments
                               else None)
        self.jax2tf_native_serialization_platforms = native_serialization_platforms
        self._create_variables(params, trainable=True)
        self._create_variables(state, trainable=False)
        if params is not None or state is not None:
            self.built = True

    # -- variables -----------------------------------------------------------------------
    def _create_variables(self, values: Any, trainable: bool) -> None:
        """Sets `self.params` (or `self.state`): `values` with each array leaf (and each
        Python number) made a variable of this layer, in pytree order, as Keras does."""

        def create(value):
            if isinstance(value, (bool, int, float)):
                value = np.asarray(value, dtype="int32" if type(value) is int else None)
            if not isinstance(value, (jax.Array, np.ndarray, np.generic)):
                return value
            floating = jnp.issubdtype(value.dtype, jnp.floating)
            # a copy: training donates the variables' buffers, which the caller may still hold
            return self.add_weight(shape=tuple(value.shape), initializer=jnp.array(value),
                                   dtype=None if floating else value.dtype.name,
                                   trainable=trainable)

        tree = jax.tree_util.tree_map(create, values)
        object.__setattr__(self, "params" if trainable else "state", tree)

    def _initialize_weights(self, input_shape) -> None:
        """Run `init_fn` on ones shaped like the inputs (unknown axes as 1)."""
        inputs = jax.tree_util.tree_map(
            lambda s: jnp.ones(tuple(1 if d is None else d for d in s)), input_shape,
            is_leaf=_is_shape)
        named = {"rng": lambda: self._get_init_rng(), "inputs": lambda: inputs,
                 "training": lambda: True}
        with jax.ensure_compile_time_eval():  # concrete values even if built while tracing
            result = self.init_fn(*[named[name]() for name in self.init_fn_arguments])
        params, state = result if self.call_fn_has_state else (result, None)
        self._create_variables(params, trainable=True)
        self._create_variables(state, trainable=False)

    def build(self, input_shape) -> None:
        if self.params is None and self.state is None and (
                self.call_fn_has_params or self.call_fn_has_state):
            self._initialize_weights(input_shape)

    # -- random keys (overridden by FlaxLayer) ---------------------------------------------
    def _get_init_seed(self) -> jax.Array:
        """A key from the global seed stream (`keras.utils.set_random_seed` repeats it)."""
        return random.draw_key(None)

    def _get_init_rng(self) -> Any:
        """The `rng` argument of `init_fn`: one key."""
        return self._get_init_seed()

    def _get_call_seed(self) -> jax.Array:
        """A fresh key from this layer's SeedGenerator (the step's key inside `fit`)."""
        return self.seed_generator.next()

    def _get_call_rng(self, training: bool) -> Any:
        """The `rng` argument of `call_fn`: a key in training, None in inference."""
        return self._get_call_seed() if training else None

    # -- calling -----------------------------------------------------------------------------
    def call(self, inputs, training=False):
        named = {"params": lambda: _values_of(self.params),
                 "state": lambda: _values_of(self.state),
                 "rng": lambda: self._get_call_rng(training),
                 "inputs": lambda: inputs, "training": lambda: training}
        result = self.call_fn(*[named[name]() for name in self.call_fn_arguments])
        if not self.call_fn_has_state:
            return result
        outputs, new_state = result
        self._assign_state(new_state)
        return outputs

    def _assign_state(self, new_state: Any) -> None:
        """Assign the state `call_fn` returned (recorded in the binding inside a step)."""
        variables, treedef = jax.tree_util.tree_flatten(self.state, is_leaf=_is_variable)
        try:
            values = treedef.flatten_up_to(new_state)
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"Layer '{self.name}' (JaxLayer): structure mismatch: the structure of the "
                "state returned by `call_fn` does not match the structure of the state at "
                f"initialization time. Expected: {treedef}. Received: {new_state!r:.300}. "
                "Return the new state with the same structure as the initial state.") from exc
        for variable, value in zip(variables, values):
            if _is_variable(variable):
                variable.assign(value)

    def compute_output_shape(self, input_shape):
        # Shape inference traces `call` abstractly: keep its state assignments out of the
        # variables (they would receive tracers).
        with capture_assignments([]):
            return super().compute_output_shape(input_shape)

    # -- config --------------------------------------------------------------------------------
    def get_config(self) -> dict:
        from lamina.saving.serialization import serialize_keras_object

        return {**super().get_config(), "call_fn": serialize_keras_object(self.call_fn),
                "init_fn": serialize_keras_object(self.init_fn),
                "native_serialization_platforms": self.jax2tf_native_serialization_platforms}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> JaxLayer:
        from lamina.saving.serialization import deserialize_keras_object

        config = dict(config)
        for key in ("call_fn", "init_fn"):
            config[key] = deserialize_keras_object(config.get(key), custom_objects)
        return super().from_config(config)


from lamina.layers.flax_layer import FlaxLayer  # noqa: E402 - subclasses JaxLayer, defined above
