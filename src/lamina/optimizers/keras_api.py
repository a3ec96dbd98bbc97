"""Keras 3's optimizer API over the pure core: `build`, `variables`, `stateless_apply` (for
custom JAX training steps and loops written from scratch), `apply` / `apply_gradients`
(eager updates of Variables).

`variables` are Variables holding the state in Keras's order (iterations, learning rate,
slots); `stateless_apply` maps their values and the gradients to new values, purely.
"""

from __future__ import annotations

from typing import Sequence

import jax

from lamina.optimizers.overwrite import overwrite_flags, update_with_overwrites
from lamina.variables import Variable, current_values


class OptimizerKerasAPI:
    """Mixed into `Optimizer`; relies on its pure `init` / `update` / `keras_variables` /
    `load_keras_variables`."""

    def build(self, variables: Sequence[Variable]) -> None:
        """Create the optimizer's state for these (trainable) variables."""
        variables = list(variables)
        self.set_variable_paths([getattr(v, "path", "") for v in variables])
        self.set_overwrite_flags(variables)
        with jax.ensure_compile_time_eval():  # concrete even when first built inside a step
            state = self.init([v._value if isinstance(v, Variable) else v for v in variables])
        self._built_for = [id(v) for v in variables]
        self._state_template = state
        self._variables = [Variable(value, name=_slot_name(i), trainable=False,
                                    path=f"{self.name}/{_slot_name(i)}")
                           for i, value in enumerate(self.keras_variables(state))]

    def set_variable_paths(self, paths: Sequence[str]) -> None:
        """The paths of the variables the state is for (some rules choose by path: Muon)."""
        self._variable_paths = list(paths)

    def set_overwrite_flags(self, variables: Sequence) -> None:
        """Note which variables take their gradient as their new value (float8 scales): the
        update leaves them out and Keras's variable list has no slots for them."""
        self._overwrite_flags = overwrite_flags(variables)
        inner = getattr(self, "inner_optimizer", None)  # a LossScaleOptimizer's
        if inner is not None:
            inner.set_overwrite_flags(variables)

    def _variable_path(self, index: int) -> str:
        paths = getattr(self, "_variable_paths", None) or []
        return paths[index] if index < len(paths) else ""

    @property
    def built(self) -> bool:
        return getattr(self, "_variables", None) is not None

    @property
    def variables(self) -> list[Variable]:
        """The state as Keras lists it: iterations, learning rate (unless a schedule), slots."""
        return list(getattr(self, "_variables", None) or [])

    def stateless_apply(self, optimizer_variables, grads, trainable_variables) -> tuple[list,
                                                                                       list]:
        """`(new_trainable_values, new_optimizer_values)` for one step: pure, jittable."""
        if not self.built:
            raise ValueError("You must call `optimizer.build(trainable_variables)` before "
                             "`stateless_apply` (or compile and fit the model, which builds it).")
        given = [v.value if isinstance(v, Variable) else v for v in optimizer_variables]
        if len(given) != len(self._variables):
            raise ValueError(f"Expected {len(self._variables)} optimizer variables (as "
                             f"`optimizer.variables`); received {len(given)}.")
        params = [v.value if isinstance(v, Variable) else v for v in trainable_variables]
        state = self.load_keras_variables(self._state_template, given)
        flags = overwrite_flags(trainable_variables)
        if not any(flags) and len(params) == len(getattr(self, "_overwrite_flags", ())):
            flags = self._overwrite_flags  # values given: the flags of the built-for variables
        new_params, new_state = update_with_overwrites(self.update, flags, grads, state, params)
        return list(new_params), self.keras_variables(new_state)

    def apply(self, grads, trainable_variables=None) -> None:
        """Update `trainable_variables` in place with `grads` (builds on first use)."""
        if trainable_variables is None:
            raise ValueError("Pass the variables to update: optimizer.apply(grads, "
                             "model.trainable_variables).")
        trainable_variables = list(trainable_variables)
        if not self.built or self._built_for != [id(v) for v in trainable_variables]:
            self.build(trainable_variables)
        new_params, new_values = self.stateless_apply(current_values(self._variables), grads,
                                                      trainable_variables)
        for variable, value in zip(trainable_variables, new_params):
            variable.assign(value)
        for variable, value in zip(self._variables, new_values):
            variable.assign(value)
        if not isinstance(new_values[0], jax.core.Tracer):
            self.sync_state(self.load_keras_variables(self._state_template, new_values))

    def apply_gradients(self, grads_and_vars) -> None:
        """`apply` for a list of (gradient, variable) pairs, as tf.keras wrote it."""
        grads, variables = zip(*grads_and_vars)
        self.apply(list(grads), list(variables))


def _slot_name(index: int) -> str:
    return "iteration" if index == 0 else f"variable_{index}"
