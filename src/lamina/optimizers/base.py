"""The Optimizer base class: Keras 3's arguments and update order over a pure optax core.

State is a pytree that the training engine carries through its jitted step:
`{'iterations': int32 scalar, 'learning_rate': float32 scalar, 'slots': <optax state>}`.
`update` runs Keras's order exactly: unscale by `loss_scale_factor` -> clip (clipnorm per
variable, global_clipnorm, clipvalue) -> weight decay `var -= var * wd * lr` -> the
optimizer's rule with the learning rate at the current `iterations` -> `iterations += 1`.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax

from lamina import errors
from lamina.host_constants import init_on_host
from lamina.layers.base import to_snake_case, unique_name
from lamina.optimizers import ema_accumulation as ema_acc
from lamina.optimizers.clipping import clip_by_global_norm, clip_by_norm
from lamina.optimizers import schedules
from lamina.optimizers.keras_api import OptimizerKerasAPI
from lamina.optimizers.overwrite import without_overwritten_slots
from lamina.optimizers.hyperparam_checks import check_clipping

Params = list


# ---------------------------------------------------------------- Keras-exact transformations
def scale_by_learning_rate(flip_sign: bool = True) -> optax.GradientTransformationExtraArgs:
    """`u = -(g * lr)` (`g * lr` without `flip_sign`), `learning_rate` given to `update`.

    optax's own `scale_by_learning_rate` bakes a constant or a schedule of its own count into
    the transformation; Keras reads the learning rate afresh every step, so it is an argument.
    """

    def scale(g, learning_rate):
        scaled = g * learning_rate.astype(g.dtype)
        return -scaled if flip_sign else scaled

    def update(updates, state, params=None, *, learning_rate, **extra):
        del params, extra
        return jax.tree.map(lambda g: scale(g, learning_rate), updates), state

    return optax.GradientTransformationExtraArgs(lambda params: optax.EmptyState(), update)


def interleave(*lists: Sequence) -> list:
    """`[a0, b0, a1, b1, ...]`: Keras's order for slots created together."""
    return [item for group in zip(*lists) for item in group]


# ---------------------------------------------------------------------------- Optimizer
class Optimizer(OptimizerKerasAPI):
    """Base class: Keras 3's arguments; subclasses define `_rule()` and their hyperparameters.

    Subclasses set `_hyperparams` (their extra `get_config` keys, which are also attributes),
    implement `_rule()` returning an optax transformation that receives `learning_rate` and
    `step` as extra arguments, and `_keras_slots(slots)` listing the slot arrays in the order of
    Keras's `optimizer.variables`.
    """

    _hyperparams: tuple[str, ...] = ()

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.")
        if kwargs:
            raise errors.ConfigError(f"Argument(s) not recognized: {kwargs}")
        ema_acc.check_arguments(use_ema, ema_momentum, ema_overwrite_frequency,
                                gradient_accumulation_steps)
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise errors.ConfigError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}")
        check_clipping(clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._iterations = 0
        self._built = False
        self._learning_rate = _check_learning_rate(learning_rate)

    # ----------------------------------------------------------- to override
    def _rule(self) -> optax.GradientTransformationExtraArgs:
        """The update rule: grads -> updates added to the (decayed) params."""
        raise NotImplementedError(f"{type(self).__name__} must implement `_rule()`.")

    def _keras_slots(self, slots) -> list:
        """The slot arrays in the order of Keras's `optimizer.variables` (after iterations/lr)."""
        raise NotImplementedError(f"{type(self).__name__} must implement `_keras_slots()`.")

    # ----------------------------------------------------------- learning rate
    @property
    def learning_rate(self) -> float:
        """The current learning rate (a schedule's value at `iterations`), as a float."""
        return float(self._learning_rate_value(self._iterations))

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if _is_schedule(self._learning_rate) and not _is_schedule(value):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not settable. "
                "If you need the learning rate to be settable, you should instantiate the "
                "optimizer with a float `learning_rate` argument.")
        value = _check_learning_rate(value)
        if self._built and _is_schedule(value) != _is_schedule(self._learning_rate):
            raise errors.ConfigError(
                f"Optimizer '{self.name}' is already in use with a "
                f"{'schedule' if _is_schedule(self._learning_rate) else 'float'} learning rate; "
                "switching between a float and a schedule would need a new train step. "
                "Create a new optimizer instead.")
        self._learning_rate = value

    def _learning_rate_value(self, step) -> jax.Array:
        """The learning rate at `step` as a float32 scalar (traceable: `init` may be traced)."""
        lr = self._learning_rate
        if _is_schedule(lr):
            return jnp.asarray(lr(step), jnp.float32)
        value = lr() if callable(lr) else lr
        if isinstance(value, jax.core.Tracer):
            return jnp.asarray(value, jnp.float32)
        return jax.device_put(np.float32(value))  # eager jnp.asarray would compile a convert

    def _learning_rate_at(self, step, state: dict) -> jax.Array:
        """The learning rate for the update at `step`: a schedule is evaluated in-graph."""
        if _is_schedule(self._learning_rate):
            return self._learning_rate_value(step)
        return state["learning_rate"]

    # ----------------------------------------------------------- iterations
    @property
    def iterations(self) -> int:
        """Updates applied (over `gradient_accumulation_steps`, as Keras counts them), as of the
        last `init` or `sync_state`."""
        return int(ema_acc.optimizer_step(self._iterations, self.gradient_accumulation_steps))

    def sync_state(self, state: dict) -> None:
        """Host side: record the engine's latest state (its `iterations`, EMA averages)."""
        self._iterations = int(jax.device_get(state["iterations"]))
        self._ema_values = state.get("ema")

    def finalize_variable_values(self, var_list) -> None:
        """With `use_ema`, set `var_list` (the model's trainable variables) to their moving
        averages; `fit` calls this after its last epoch."""
        if self.use_ema and getattr(self, "_ema_values", None) is not None:
            for variable, average in zip(var_list, self._ema_values):
                variable.assign(jnp.array(average, copy=True))  # a buffer of its own: donated

    # ----------------------------------------------------------- the pure core
    def init(self, params: Params) -> dict:
        """The initial state for `params` (a list of arrays in the engine's fixed order)."""
        self._built = True
        params = list(params)
        extras = init_on_host(lambda p: ema_acc.init_extras(
            p, self.use_ema, self.gradient_accumulation_steps), params)
        return {"iterations": jax.device_put(np.int32(self._iterations)),
                "learning_rate": self._learning_rate_value(self._iterations),
                "slots": init_on_host(self._rule().init, params), **extras}

    def update(self, grads: Params, state: dict, params: Params) -> tuple[Params, dict]:
        """One Keras step, pure and jittable: `(new_params, new_state)`."""
        grads, params = list(grads), list(params)
        raw_step, accumulation = state["iterations"], self.gradient_accumulation_steps
        step = ema_acc.optimizer_step(raw_step, accumulation)
        lr = self._learning_rate_at(raw_step, state)  # schedules see the raw counter
        if self.loss_scale_factor is not None:
            grads = [g / self.loss_scale_factor for g in grads]
        extras = {}
        if accumulation:
            is_update, grads, extras["accum"] = ema_acc.accumulate(
                grads, state["accum"], raw_step, accumulation)
        grads = [g.astype(p.dtype) for g, p in zip(self._clip(grads), params)]
        decayed = self._decay_weights(params, lr)
        updates, slots = self._rule().update(grads, state["slots"], decayed, learning_rate=lr,
                                             step=step)
        new_params = self._apply_updates(decayed, updates)
        if accumulation:
            new_params, slots = ema_acc.keep_unless(is_update, (new_params, slots),
                                                    (params, state["slots"]))
        if self.use_ema:
            extras["ema"], new_params = ema_acc.update_ema(
                state["ema"], new_params, step, self.ema_momentum, self.ema_overwrite_frequency)
        return new_params, {"iterations": raw_step + 1,
                            "learning_rate": self._learning_rate_at(raw_step + 1, state),
                            "slots": slots, **extras}

    def _apply_updates(self, params: Params, updates: Params) -> Params:
        """`params + updates` (a rule that solves for the new values overrides this)."""
        return optax.apply_updates(params, updates)

    def _clip(self, grads: Params) -> Params:
        if self.clipnorm and self.clipnorm > 0:
            clip = clip_by_norm(self.clipnorm)
        elif self.global_clipnorm and self.global_clipnorm > 0:
            clip = clip_by_global_norm(self.global_clipnorm)
        elif self.clipvalue and self.clipvalue > 0:
            clip = optax.clip(self.clipvalue)
        else:
            return grads
        return clip.update(grads, clip.init(grads))[0]

    def _decay_weights(self, params: Params, lr) -> Params:
        """Keras's decoupled weight decay, applied to the variables before the update."""
        if self.weight_decay is None:
            return params
        return [p - p * jnp.asarray(self.weight_decay, p.dtype) * lr.astype(p.dtype)
                for p in params]

    def with_current_hyperparams(self, state: dict) -> dict:
        """Host side: `state` carrying the learning rate the user last set (no retrace needed)."""
        step = int(jax.device_get(state["iterations"]))
        return {**state, "learning_rate": self._learning_rate_value(step)}

    # ----------------------------------------------------------- Keras's variable list
    def keras_variables(self, state: dict) -> list:
        """The state as Keras's `optimizer.variables` list: iterations, [learning_rate], slots."""
        head = [state["iterations"]]
        if not _is_schedule(self._learning_rate):
            head.append(state["learning_rate"])
        extras = [v for key in ("ema", "accum") for v in state.get(key, [])]
        return head + extras + self._listed_slots(self._keras_slots(state["slots"]),
                                                  state["slots"])

    def _listed_slots(self, items: list, slots) -> list:
        """The slots Keras lists: none for `overwrite_with_gradient` variables."""
        return without_overwritten_slots(items, slots, self._keras_slots,
                                         getattr(self, "_overwrite_flags", None))

    def load_keras_variables(self, state: dict, values: Sequence) -> dict:
        """`state` with its arrays replaced by `values`, given in `keras_variables`'s order."""
        values = list(values)
        has_lr = not _is_schedule(self._learning_rate)
        extra_keys = [key for key in ("ema", "accum") if key in state]
        leaves, treedef = jax.tree.flatten(([state[key] for key in extra_keys], state["slots"]))
        extra_index, slot_index = jax.tree.unflatten(treedef, range(len(leaves)))
        positions = [i for group in extra_index for i in group] + self._listed_slots(
            self._keras_slots(slot_index), state["slots"])
        if len(values) != 1 + has_lr + len(positions):
            raise errors.ConfigError(
                f"Optimizer '{self.name}' has {1 + has_lr + len(positions)} variables but "
                f"{len(values)} values were given.")
        for position, value in zip(positions, values[1 + has_lr:]):
            leaves[position] = jnp.asarray(value, leaves[position].dtype)
        extras, slots = jax.tree.unflatten(treedef, leaves)
        new = {**state, **dict(zip(extra_keys, extras)),
               "iterations": jnp.asarray(values[0], jnp.int32), "slots": slots}
        if has_lr:
            new["learning_rate"] = jnp.asarray(values[1], jnp.float32)
        return new

    # ----------------------------------------------------------- config
    def get_config(self) -> dict:
        """Keras 3's config: the base keys, then the optimizer's own hyperparameters."""
        config = {
            "name": self.name, "learning_rate": self._learning_rate_config(),
            "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
            "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }
        config.update({key: getattr(self, key) for key in self._hyperparams})
        return config

    def _learning_rate_config(self) -> Any:
        if _is_schedule(self._learning_rate):
            return schedules.serialize(self._learning_rate)
        return float(self._learning_rate_value(self._iterations))

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Optimizer:
        """The optimizer `get_config` describes (a schedule's dict is deserialized)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"],
                                                            custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} learning_rate={self._learning_rate!r}>"


def _is_schedule(value) -> bool:
    return isinstance(value, schedules.LearningRateSchedule)


def _check_learning_rate(value) -> float | Callable:
    """A float (stored float32-rounded, as Keras's variable), a schedule, or a callable that
    is called on the host (at `init`, `with_current_hyperparams` and in `get_config`)."""
    if _is_schedule(value) or callable(value):
        return value
    try:
        rate = float(np.float32(value))
    except (TypeError, ValueError):
        raise errors.ConfigError(
            "Argument `learning_rate` should be float, or an instance of LearningRateSchedule, "
            "or a callable without arguments returning the learning rate. "
            f"Received instead: learning_rate={value!r}"
        ) from None
    if not (np.isfinite(rate) and rate >= 0):  # a negative rate climbs the loss
        raise errors.ConfigError(
            "Argument `learning_rate` must be a finite number >= 0. Received: "
            f"learning_rate={value!r}. Use a small positive value, e.g. learning_rate=0.001.")
    return rate


