"""`Metric`: a pure, jittable core (`init`, `update`, `result_from`) that the training engine
runs on the device, with Keras's stateful API (`update_state`, `result`, `reset_state`,
`variables`, and the `stateless_*` functions of Keras's JAX training steps) on top of it.

A metric's state lives in Variables, as in Keras. Built-in metrics implement the pure core;
Keras-style metrics (`add_variable` in `__init__`, `update_state` assigning to the variables,
`result`) get the pure core for free: running their methods under a binding that records the
assignments is a pure function of the variables' values.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from lamina import config
from lamina.losses.arrays import Array
from lamina.metrics.naming import default_name
from lamina.variables import Variable, bind, capture_assignments, current_values

State = Any  # a pytree of jax arrays


class Metric:
    """Base class. Either implement the pure `init`, `update` and `result_from`, or (as in
    Keras) create variables with `add_variable` and implement `update_state` and `result`."""

    direction: str | None = None  # 'up' or 'down': which way is better, for callbacks

    def __init__(self, name: str | None = None, dtype: Any = None):
        self.name = name or default_name(type(self))
        self.dtype = jnp.dtype(dtype or config.floatx()).name
        self._own_variables: list[Variable] = []
        self._initial_values: list = []
        self._treedef = None

    # -- the pure core (Keras-style subclasses get it from their variables) --------------------
    def init(self) -> State:
        """The initial (empty) state."""
        if self._is_pure:
            raise NotImplementedError(f"{type(self).__name__} must implement init().")
        return [jax.device_put(value) for value in self._initial_values]  # fresh buffers

    def update(self, state: State, *args: Any, **kwargs: Any) -> State:
        """The state after accumulating one batch (pure)."""
        return self.stateless_update_state(state, *args, **kwargs)

    def result_from(self, state: State) -> Array:
        """The metric value for a state (pure)."""
        return self.stateless_result(state)

    @property
    def _is_pure(self) -> bool:
        return type(self).update is not Metric.update

    # -- variables -------------------------------------------------------------------------------
    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation: str = "sum",
                     name: str | None = None) -> Variable:
        """A state variable of this metric (Keras's `Metric.add_variable`)."""
        variable = Variable(initializer, shape=tuple(shape), dtype=dtype or self.dtype,
                            trainable=False, aggregation=aggregation,
                            name=name or f"variable_{len(self._own_variables)}",
                            path=f"{self.name}/{name or len(self._own_variables)}")
        self._own_variables.append(variable)
        self._initial_values.append(np.asarray(variable.value))  # on the host: never donated
        return variable

    def add_weight(self, shape=(), initializer="zeros", dtype=None, name: str | None = None,
                   **kwargs) -> Variable:
        return self.add_variable(shape, initializer, dtype, name=name)

    @property
    def variables(self) -> list[Variable]:
        """The metric's state as Variables (for a built-in metric, one per state array)."""
        if self._is_pure and self._treedef is None:
            with jax.ensure_compile_time_eval():  # concrete, even when first asked in a jit
                leaves, self._treedef = jax.tree_util.tree_flatten(self.init())
            for i, leaf in enumerate(leaves):
                self.add_variable(jnp.shape(leaf), leaf, jnp.asarray(leaf).dtype, name=f"{i}")
        return list(self._own_variables)

    @property
    def state(self) -> State:
        values = current_values(self.variables)
        return jax.tree_util.tree_unflatten(self._treedef, values) if self._is_pure else values

    # -- Keras's stateful API ----------------------------------------------------------------------
    def update_state(self, *args: Any, **kwargs: Any) -> None:
        """Accumulate a batch into the metric's own state."""
        new = jax.tree_util.tree_leaves(self.update(self.state, *args, **kwargs))
        for variable, value in zip(self.variables, new):
            variable.assign(value)

    def result(self) -> Array:
        return self.result_from(self.state)

    def reset_state(self) -> None:
        for variable, value in zip(self.variables, self._initial_values):
            variable.assign(value)

    def __call__(self, *args: Any, **kwargs: Any) -> Array:
        self.update_state(*args, **kwargs)
        return self.result()

    # -- Keras's stateless API (custom train steps in JAX) -------------------------------------
    def stateless_update_state(self, metric_variables, *args: Any, **kwargs: Any) -> list:
        """The values of `variables` after `update_state`, given their values before."""
        with capture_assignments(self._pairs(metric_variables)) as frame:
            self.update_state(*args, **kwargs)
        return [frame[id(v)] for v in self.variables]

    def stateless_result(self, metric_variables) -> Array:
        with bind(self.variables, self._values(metric_variables)):
            # a result() returning a Variable (as Keras's guide writes it) gives its value
            return jax.tree_util.tree_map(jnp.asarray, self.result())

    def stateless_reset_state(self) -> list:
        with capture_assignments(self._pairs(current_values(self.variables))) as frame:
            self.reset_state()
        return [frame[id(v)] for v in self.variables]

    def _values(self, metric_variables) -> list:
        values = [v.value if isinstance(v, Variable) else v
                  for v in jax.tree_util.tree_leaves(metric_variables)]
        if len(values) != len(self.variables):
            raise ValueError(f"Metric '{self.name}' has {len(self.variables)} variables; "
                             f"received {len(values)} values. Pass the slice of "
                             "`metrics_variables` that belongs to this metric.")
        return values

    def _pairs(self, metric_variables) -> list:
        return list(zip(self.variables, self._values(metric_variables)))

    # -- config ------------------------------------------------------------------------------------
    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> "Metric":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"
