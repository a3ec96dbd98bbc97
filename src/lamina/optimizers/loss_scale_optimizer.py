"""`LossScaleOptimizer`: dynamic loss scaling for float16 training, as Keras 3's.

The training step multiplies the loss by `dynamic_scale` (see `scale_loss_in_step`); `update`
divides the gradients by it. A step whose gradients are not all finite is skipped (weights and
the inner optimizer's state unchanged) and halves the scale; after `dynamic_growth_steps`
finite steps in a row the scale doubles. State, in Keras's variable order: the wrapper's
`iterations` (always 0, as Keras's) and `learning_rate` (0.0), `step_counter`,
`dynamic_scale`, then the inner optimizer's variables.
"""

from __future__ import annotations

from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from lamina.optimizers.base import Optimizer

_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                  "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                  "ema_overwrite_frequency": None, "loss_scale_factor": None,
                  "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Wraps `inner_optimizer` with dynamic loss scaling (skip and halve on overflow, double
    after `dynamic_growth_steps` good steps). `Model.compile` wraps the optimizer in one when
    the model's dtype policy is "mixed_float16" (unless `auto_scale_loss=False`)."""

    def __init__(self, inner_optimizer: Optimizer, initial_scale: float = 2.0 ** 15,
                 dynamic_growth_steps: int = 2000, name: str | None = None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, "
                             "simply set `loss_scale_factor` directly on the "
                             "`inner_optimizer`.")
        for arg_name, default in _BASE_DEFAULTS.items():
            if arg_name in kwargs and kwargs.pop(arg_name) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{arg_name}`. "
                                 f"Instead, set `{arg_name}` on the `inner_optimizer`.")
        if kwargs:
            raise ValueError("LossScaleOptimizer does not support arguments: "
                             f"`{'`, `'.join(kwargs.keys())}`.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError("LossScaleOptimizer wraps an optimizer instance, e.g. "
                            "LossScaleOptimizer(keras.optimizers.Adam()). Received: "
                            f"inner_optimizer={inner_optimizer!r}")
        if int(dynamic_growth_steps) < 1 or not float(initial_scale) > 0:
            raise ValueError("LossScaleOptimizer needs initial_scale > 0 and "
                             f"dynamic_growth_steps >= 1. Received: initial_scale="
                             f"{initial_scale}, dynamic_growth_steps={dynamic_growth_steps}")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        self.inner_optimizer.loss_scale_factor = None
        self._dynamic_scale = float(initial_scale)

    # ----------------------------------------------------------- delegated to the inner one
    @property
    def learning_rate(self) -> float:
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if hasattr(self, "inner_optimizer"):  # the base __init__ sets 0.0 before it exists
            self.inner_optimizer.learning_rate = value
        else:
            Optimizer.learning_rate.fset(self, value)

    @property
    def iterations(self) -> int:
        return self.inner_optimizer.iterations

    @property
    def dynamic_scale(self) -> float:
        """The current loss scale, as of the last sync with the training engine."""
        return self._dynamic_scale

    def set_variable_paths(self, paths: Sequence[str]) -> None:
        super().set_variable_paths(paths)
        self.inner_optimizer.set_variable_paths(paths)

    def scale_loss(self, loss):
        """`loss * scale` (the current scale), as Keras's `scale_loss`."""
        return loss * self._dynamic_scale

    def finalize_variable_values(self, var_list) -> None:
        self.inner_optimizer.finalize_variable_values(var_list)

    # ----------------------------------------------------------- the pure core
    def init(self, params) -> dict:
        self._built = True
        return {"iterations": jax.device_put(np.int32(0)),
                "learning_rate": jax.device_put(np.float32(0.0)), "slots": None,
                "step_counter": jax.device_put(np.int32(0)),
                "dynamic_scale": jax.device_put(np.float32(self._dynamic_scale)),
                "inner": self.inner_optimizer.init(params)}

    def update(self, grads, state: dict, params) -> tuple[list, dict]:
        """Unscale, then the inner update if every gradient is finite; else skip and halve."""
        grads, params = list(grads), list(params)
        scale = state["dynamic_scale"]
        finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(g)) for g in grads])) if grads \
            else jnp.asarray(True)
        unscaled = [g / scale.astype(g.dtype) for g in grads]
        stepped, inner = self.inner_optimizer.update(unscaled, state["inner"], params)
        grow = state["step_counter"] == self.dynamic_growth_steps - 1
        counter = jnp.where(finite & ~grow, state["step_counter"] + 1, 0).astype(jnp.int32)
        new_scale = jnp.where(finite, jnp.where(grow, scale * 2.0, scale), scale * 0.5)
        keep = jax.tree_util.tree_map(lambda new, old: jnp.where(finite, new, old),
                                      (stepped, inner), (params, state["inner"]))
        return keep[0], {**state, "step_counter": counter,
                         "dynamic_scale": new_scale.astype(jnp.float32), "inner": keep[1]}

    def with_current_hyperparams(self, state: dict) -> dict:
        return {**state, "inner": self.inner_optimizer.with_current_hyperparams(state["inner"])}

    def sync_state(self, state: dict) -> None:
        self._iterations = int(jax.device_get(state["iterations"]))
        self._dynamic_scale = float(jax.device_get(state["dynamic_scale"]))
        self.inner_optimizer.sync_state(state["inner"])

    # ----------------------------------------------------------- Keras's variable list
    def keras_variables(self, state: dict) -> list:
        return [state["iterations"], state["learning_rate"], state["step_counter"],
                state["dynamic_scale"]] + self.inner_optimizer.keras_variables(state["inner"])

    def load_keras_variables(self, state: dict, values: Sequence) -> dict:
        values = list(values)
        if len(values) < 4:
            raise ValueError(f"Optimizer '{self.name}' has at least 4 variables but "
                             f"{len(values)} values were given.")
        inner = self.inner_optimizer.load_keras_variables(state["inner"], values[4:])
        return {**state, "iterations": jnp.asarray(values[0], jnp.int32),
                "learning_rate": jnp.asarray(values[1], jnp.float32),
                "step_counter": jnp.asarray(values[2], jnp.int32),
                "dynamic_scale": jnp.asarray(values[3], jnp.float32), "inner": inner}

    # ----------------------------------------------------------- config
    def get_config(self) -> dict:
        from lamina.saving.serialization import serialize_keras_object

        return {"name": self.name,
                "inner_optimizer": serialize_keras_object(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        from lamina.saving.deserialization import deserialize_keras_object

        config = dict(config)
        if "inner_optimizer" not in config:
            raise ValueError("LossScaleOptimizer needs `inner_optimizer` (the optimizer it "
                             f"wraps) in its config. Received: config={config}")
        inner = deserialize_keras_object(config.pop("inner_optimizer"), custom_objects)
        return cls(inner, **config)


def scale_loss_in_step(optimizer, opt_state, loss):
    """The loss the training step differentiates: times the dynamic scale of a
    LossScaleOptimizer, times `loss_scale_factor` when one is set (Keras's `scale_loss`)."""
    if isinstance(optimizer, LossScaleOptimizer):
        return loss * opt_state["dynamic_scale"].astype(loss.dtype)
    factor = getattr(optimizer, "loss_scale_factor", None)
    return loss if factor is None else loss * factor


def scale_loss_stateless(optimizer, loss, optimizer_variables=None):
    """Keras's `optimizer.scale_loss(loss)` inside a user's pure train step: the dynamic scale
    comes from `optimizer_variables` (Keras's order: iterations, learning_rate, step_counter,
    dynamic_scale, ...) when given, else from the optimizer itself."""
    if isinstance(optimizer, LossScaleOptimizer) and optimizer_variables is not None:
        scale = optimizer_variables[3]
        scale = getattr(scale, "value", scale)
        return loss * jnp.asarray(scale).astype(loss.dtype)
    if isinstance(optimizer, LossScaleOptimizer):
        return optimizer.scale_loss(loss)
    factor = getattr(optimizer, "loss_scale_factor", None)
    return loss if factor is None else loss * factor


def wrap_for_policy(optimizer, policy_name: str, auto_scale_loss: bool):
    """Keras's compile: a "mixed_float16" model's optimizer gets dynamic loss scaling."""
    if not auto_scale_loss or policy_name != "mixed_float16" or optimizer is None:
        return optimizer
    from lamina import optimizers

    optimizer = optimizers.get(optimizer)
    if isinstance(optimizer, LossScaleOptimizer):
        return optimizer
    return LossScaleOptimizer(optimizer, name="loss_scale_optimizer")
