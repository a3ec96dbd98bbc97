"""Learning-rate schedules, mirroring `keras.optimizers.schedules` (Keras 3 formulas and configs).

Every schedule is a pure function of the step written in `jax.numpy`, so it can be evaluated
inside a jitted train step (the optimizer calls it with its `iterations` counter).
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp

from lamina import config, errors

_MODULE = "keras.optimizers.schedules"


def _float(value) -> jnp.ndarray:
    """A Python number as a floatx array (Keras's `convert_to_tensor` of the initial rate)."""
    return jnp.asarray(value, dtype=config.floatx())


def _true_divide(x, constant):
    """`x / constant` as a true division even under jit.

    XLA rewrites a division by a constant into a multiplication by its rounded reciprocal,
    which moves `floor`/`ceil` at exact multiples (90 * (1/30) -> 3.0000002); the barrier keeps
    the constant opaque so the result is Keras's.
    """
    return x / jax.lax.optimization_barrier(constant)


def _check_positive(name: str, value) -> None:
    if value <= 0:
        raise errors.ConfigError(f"Argument `{name}` must be > 0. Received: {name}={value}")


class LearningRateSchedule:
    """Base class: subclasses implement `__call__(step)` (pure jnp) and `get_config()`."""

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`.")

    def get_config(self) -> dict:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
            "in order to be serializable.")

    @classmethod
    def from_config(cls, config: dict) -> LearningRateSchedule:
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)` (floored if `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _progress(self, step, dtype):
        p = _true_divide(jnp.asarray(step).astype(dtype),
                         jnp.asarray(self.decay_steps).astype(dtype))
        return jnp.floor(p) if self.staircase else p

    def __call__(self, step):
        initial = _float(self.initial_learning_rate)
        p = self._progress(step, initial.dtype)
        return initial * jnp.power(jnp.asarray(self.decay_rate).astype(initial.dtype), p)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(ExponentialDecay):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)` (floored if `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        initial = _float(self.initial_learning_rate)
        p = self._progress(step, initial.dtype)
        decay_rate = jnp.asarray(self.decay_rate).astype(initial.dtype)
        return initial / (jnp.asarray(1, initial.dtype) + decay_rate * p)


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[i]` for `boundaries[i-1] < step <= boundaries[i]`."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise errors.ConfigError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = jnp.asarray(step)
        bounds = [jnp.asarray(b).astype(step.dtype) for b in self.boundaries]
        values = [_float(v) if isinstance(v, float) else jnp.asarray(v) for v in self.values]
        dtype = values[0].dtype
        result = (step <= bounds[0]).astype(dtype) * values[0]
        result += (step > bounds[-1]).astype(dtype) * values[-1]
        for low, high, value in zip(bounds[:-1], bounds[1:], values[1:-1]):
            result += ((step > low) & (step <= high)).astype(dtype) * value
        return result

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay from `initial_learning_rate` to `end_learning_rate` over `decay_steps`."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        initial = _float(self.initial_learning_rate)
        dtype = initial.dtype
        end = jnp.asarray(self.end_learning_rate).astype(dtype)
        step = jnp.asarray(step).astype(dtype)
        decay_steps = jnp.asarray(self.decay_steps).astype(dtype)
        if self.cycle:
            multiplier = jnp.where(step == 0, 1.0, jnp.ceil(_true_divide(step, decay_steps)))
            decay_steps = decay_steps * multiplier
        else:
            step = jnp.minimum(step, decay_steps)
        p = _true_divide(step, decay_steps)
        return (initial - end) * jnp.power(1 - p, jnp.asarray(self.power).astype(dtype)) + end

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay over `decay_steps`, after an optional linear warmup to `warmup_target`."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, step, decay_steps, decay_from):
        fraction = _true_divide(step, decay_steps)
        cosine = 0.5 * (1.0 + jnp.cos(jnp.asarray(math.pi, step.dtype) * fraction))
        return decay_from * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        initial = _float(self.initial_learning_rate)
        dtype = initial.dtype
        decay_steps = jnp.asarray(self.decay_steps).astype(dtype)
        step = jnp.asarray(step).astype(dtype)
        if self.warmup_target is None:
            return self._decay(jnp.minimum(step, decay_steps), decay_steps, initial)
        target = jnp.asarray(self.warmup_target).astype(dtype)
        warmup_steps = jnp.asarray(self.warmup_steps).astype(dtype)
        step = jnp.minimum(step, decay_steps + warmup_steps)
        warmup = (target - initial) * _true_divide(step, warmup_steps) + initial
        return jnp.where(step < warmup_steps, warmup,
                         self._decay(step - warmup_steps, decay_steps, target))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): periods grow by `t_mul`, peaks by `m_mul`."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        _check_positive("first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def _restart(self, fraction, t_mul):
        """The restart index and the fraction completed within the current period."""
        if self._t_mul == 1.0:
            i_restart = jnp.floor(fraction)
            return i_restart, fraction - i_restart
        i_restart = jnp.floor(_true_divide(jnp.log(1.0 - fraction * (1.0 - t_mul)),
                                           jnp.log(t_mul)))
        sum_r = _true_divide(1.0 - jnp.power(t_mul, i_restart), 1.0 - t_mul)
        return i_restart, (fraction - sum_r) / jnp.power(t_mul, i_restart)

    def __call__(self, step):
        initial = _float(self.initial_learning_rate)
        dtype = initial.dtype
        alpha, t_mul, m_mul = (jnp.asarray(v).astype(dtype)
                               for v in (self.alpha, self._t_mul, self._m_mul))
        fraction = _true_divide(jnp.asarray(step).astype(dtype),
                          jnp.asarray(self.first_decay_steps).astype(dtype))
        i_restart, fraction = self._restart(fraction, t_mul)
        cosine = 0.5 * jnp.power(m_mul, i_restart) * (
            1.0 + jnp.cos(jnp.asarray(math.pi, dtype) * fraction))
        return initial * ((1 - alpha) * cosine + alpha)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_SCHEDULES = {cls.__name__: cls for cls in (
    ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, PolynomialDecay, CosineDecay,
    CosineDecayRestarts)}


def serialize(schedule: LearningRateSchedule) -> dict:
    """The schedule as Keras's serialized dict (`module`, `class_name`, `config`, ...)."""
    return {"module": _MODULE, "class_name": type(schedule).__name__,
            "config": schedule.get_config(), "registered_name": None}


def deserialize(config: dict, custom_objects: dict[str, Any] | None = None
                ) -> LearningRateSchedule:
    """A schedule from `serialize`'s dict (custom classes through `custom_objects`)."""
    known = {**_SCHEDULES, **(custom_objects or {})}
    name = config["class_name"]
    if name not in known:
        raise errors.unknown_name("learning rate schedule", name, known)
    return known[name].from_config(dict(config.get("config", {})))
