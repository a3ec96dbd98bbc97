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
from lamina.optimizers import schedules
from lamina.optimizers.keras_api import OptimizerKerasAPI

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


def _clip_leaf_by_norm(g, clipnorm: float):
    l2sum = jnp.sum(jnp.square(g), keepdims=True)
    positive = l2sum > 0
    l2norm = jnp.where(positive, jnp.sqrt(jnp.where(positive, l2sum, 1.0)), l2sum)
    return (g * clipnorm) / jnp.maximum(l2norm, clipnorm)


def clip_by_norm(clipnorm: float) -> optax.GradientTransformation:
    """Keras's per-variable `clipnorm`: `g * clipnorm / max(||g||, clipnorm)`."""
    return optax.stateless(lambda grads, params: jax.tree.map(
        lambda g: _clip_leaf_by_norm(g, clipnorm), grads))


def clip_by_global_norm(clipnorm: float) -> optax.GradientTransformation:
    """Keras's `global_clipnorm`: always scales (by 1 when under the norm); NaN/inf propagate."""

    def clip(grads, params):
        norm = jnp.sqrt(jnp.sum(jnp.stack([jnp.sum(jnp.square(g))
                                           for g in jax.tree.leaves(grads)])))
        scale = clipnorm * jnp.minimum(1.0 / norm, 1.0 / clipnorm) + (norm - norm)
        return jax.tree.map(lambda g: g * scale, grads)

    return optax.stateless(clip)


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
        _check_unsupported(use_ema, gradient_accumulation_steps)
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise errors.ConfigError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}")
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
        """Number of updates applied, as of the last `init` or `sync_state`."""
        return self._iterations

    def sync_state(self, state: dict) -> None:
        """Host side: record the engine's latest state (its `iterations`)."""
        self._iterations = int(jax.device_get(state["iterations"]))

    # ----------------------------------------------------------- the pure core
    def init(self, params: Params) -> dict:
        """The initial state for `params` (a list of arrays in the engine's fixed order)."""
        self._built = True
        params = list(params)
        return {"iterations": jax.device_put(np.int32(self._iterations)),
                "learning_rate": self._learning_rate_value(self._iterations),
                "slots": init_on_host(self._rule().init, params)}

    def update(self, grads: Params, state: dict, params: Params) -> tuple[Params, dict]:
        """One Keras step, pure and jittable: `(new_params, new_state)`."""
        grads, params = list(grads), list(params)
        step = state["iterations"]
        lr = self._learning_rate_at(step, state)
        grads = self._clip(grads)
        grads = [g.astype(p.dtype) for g, p in zip(grads, params)]
        params = self._decay_weights(params, lr)
        updates, slots = self._rule().update(grads, state["slots"], params, learning_rate=lr,
                                             step=step)
        next_lr = self._learning_rate_at(step + 1, state)
        return self._apply_updates(params, updates), {
            "iterations": step + 1, "learning_rate": next_lr, "slots": slots}

    def _apply_updates(self, params: Params, updates: Params) -> Params:
        """`params + updates` (a rule that solves for the new values overrides this)."""
        return optax.apply_updates(params, updates)

    def _clip(self, grads: Params) -> Params:
        if self.loss_scale_factor is not None:
            grads = [g / self.loss_scale_factor for g in grads]
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
        return head + self._keras_slots(state["slots"])

    def load_keras_variables(self, state: dict, values: Sequence) -> dict:
        """`state` with its arrays replaced by `values`, given in `keras_variables`'s order."""
        values = list(values)
        has_lr = not _is_schedule(self._learning_rate)
        leaves, treedef = jax.tree.flatten(state["slots"])
        positions = self._keras_slots(jax.tree.unflatten(treedef, range(len(leaves))))
        if len(values) != 1 + has_lr + len(positions):
            raise errors.ConfigError(
                f"Optimizer '{self.name}' has {1 + has_lr + len(positions)} variables but "
                f"{len(values)} values were given.")
        for position, value in zip(positions, values[1 + has_lr:]):
            leaves[position] = jnp.asarray(value, leaves[position].dtype)
        new = {**state, "iterations": jnp.asarray(values[0], jnp.int32),
               "slots": jax.tree.unflatten(treedef, leaves)}
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
        return float(np.float32(value))
    except (TypeError, ValueError):
        raise errors.ConfigError(
            "Argument `learning_rate` should be float, or an instance of LearningRateSchedule, "
            "or a callable without arguments returning the learning rate. "
            f"Received instead: learning_rate={value!r}"
        ) from None


def _check_unsupported(use_ema: bool, gradient_accumulation_steps) -> None:
    if use_ema:
        raise NotImplementedError("lamina optimizers do not support `use_ema=True` yet.")
    if gradient_accumulation_steps:
        raise NotImplementedError(
            "lamina optimizers do not support `gradient_accumulation_steps` yet.")
