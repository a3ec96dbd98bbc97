"""Weight initializers with Keras 3's names, arguments, defaults and configs.

An initializer is called as `init(shape, dtype=None)` (dtype defaults to `config.floatx()`).
Random initializers built with an integer `seed` give the same values on every call, as in
Keras 3; unseeded ones draw a fresh key from `lamina.random`'s global stream on each call, so
`lamina.random.set_random_seed` makes them reproducible.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from lamina import config as _config
from lamina import initializer_sampling as sampling
from lamina import random as _random
from lamina._catalog import Catalog, Configurable

Shape = Sequence[int]
_catalog = Catalog("initializer", "keras.initializers")

TRUNCATED_NORMAL_STDDEV = 0.87962566103423978  # stddev of a unit normal truncated to [-2, 2]


def _dtype(dtype) -> jnp.dtype:
    return jnp.dtype(dtype or _config.floatx())


def _filled(shape: Shape, dtype, value) -> jax.Array:
    """An array of `shape` filled with `value` (broadcast), made on the host: `jnp.zeros`
    and friends compile an XLA program per new shape when run eagerly (~20 ms each)."""
    values = np.broadcast_to(np.asarray(value, _dtype(dtype)), tuple(shape))
    return jax.device_put(values.copy())  # a writable, contiguous array of the full shape


class Initializer(Configurable):
    """Base class: subclasses implement `__call__(shape, dtype=None)` and `get_config()`."""

    def __call__(self, shape: Shape, dtype=None) -> jax.Array:
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype).")

    def clone(self) -> "Initializer":
        return type(self).from_config(self.get_config())


@_catalog.register("zero")
class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape: Shape, dtype=None) -> jax.Array:
        return _filled(shape, dtype, 0)


@_catalog.register("one")
class Ones(Initializer):
    """All ones."""

    def __call__(self, shape: Shape, dtype=None) -> jax.Array:
        return _filled(shape, dtype, 1)


@_catalog.register()
class Constant(Initializer):
    """Every entry equal to `value` (a scalar, or an array broadcastable to the shape)."""

    def __init__(self, value: Any = 0.0):
        self.value = value

    def __call__(self, shape: Shape, dtype=None) -> jax.Array:
        if isinstance(self.value, jax.core.Tracer):
            return jnp.broadcast_to(jnp.asarray(self.value, _dtype(dtype)), tuple(shape))
        return _filled(shape, dtype, np.asarray(self.value))

    def get_config(self) -> dict:
        return {"value": self.value}


@_catalog.register("IdentityInitializer")
class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only; non-square gives a rectangular eye)."""

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape: Shape, dtype=None) -> jax.Array:
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D matrices. "
                f"Received: shape={tuple(shape)} of rank {len(shape)}."
            )
        dtype = _dtype(dtype)
        return jnp.asarray(self.gain, dtype) * jnp.eye(*shape, dtype=dtype)

    def get_config(self) -> dict:
        return {"gain": self.gain}


def _seed_to_config(seed: Any) -> Any:
    """An int or None as is; a SeedGenerator as a small config dict."""
    if isinstance(seed, _random.SeedGenerator):
        return {"class_name": "SeedGenerator", "config": seed.get_config()}
    return seed


class RandomInitializer(Initializer):
    """Base of the random initializers: holds `seed` (None, an int or a SeedGenerator)."""

    def __init__(self, seed: int | _random.SeedGenerator | None = None):
        if isinstance(seed, Mapping):  # a serialized SeedGenerator
            seed = _random.SeedGenerator(**seed.get("config", {}))
        if isinstance(seed, bool) or not isinstance(
                seed, (type(None), int, np.integer, _random.SeedGenerator)):
            raise ValueError(
                "`seed` argument should be an instance of `SeedGenerator` or an integer. "
                f"Received: seed={seed!r}"
            )
        self.seed = int(seed) if isinstance(seed, np.integer) else seed

    def get_config(self) -> dict:
        return {"seed": _seed_to_config(self.seed)}


class _Gaussian(RandomInitializer):
    """Shared body of RandomNormal and TruncatedNormal: `sample(shape, mean, stddev, ...)`."""

    sample = staticmethod(sampling.normal)

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed)

    def __call__(self, shape: Shape, dtype=None) -> jax.Array:
        return self.sample(shape, self.mean, self.stddev, _dtype(dtype), self.seed)

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@_catalog.register("normal")
class RandomNormal(_Gaussian):
    """Normal samples with `mean` and `stddev` (default 0.05)."""


@_catalog.register()
class TruncatedNormal(_Gaussian):
    """Normal samples redrawn beyond two standard deviations (mean 0, stddev 0.05 default)."""

    sample = staticmethod(sampling.truncated_normal)


@_catalog.register("uniform")
class RandomUniform(RandomInitializer):
    """Uniform samples in `[minval, maxval)` (default +-0.05)."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed)

    def __call__(self, shape: Shape, dtype=None) -> jax.Array:
        return sampling.uniform(shape, self.minval, self.maxval, _dtype(dtype), self.seed)

    def get_config(self) -> dict:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


def compute_fans(shape: Shape, input_axes: Sequence[int] | None = None,
                 output_axes: Sequence[int] | None = None) -> tuple[int, int]:
    """(fan_in, fan_out) as Keras: conv kernels `(*spatial, in, out)` count the receptive field."""
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (math.prod(shape[a] for a in input_axes),
                math.prod(shape[a] for a in output_axes))
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive_field = math.prod(shape[:-2])
    return int(shape[-2] * receptive_field), int(shape[-1] * receptive_field)


_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("uniform", "truncated_normal", "untruncated_normal")


@_catalog.register()
class VarianceScaling(RandomInitializer):
    """Samples with variance `scale / n`, `n` the fan picked by `mode`, from `distribution`."""

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed=None,
                 input_axes: Sequence[int] | None = None,
                 output_axes: Sequence[int] | None = None):
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        distribution = distribution.lower()
        distribution = "truncated_normal" if distribution == "normal" else distribution
        for arg, value, choices in (("mode", mode, _MODES),
                                    ("distribution", distribution, _DISTRIBUTIONS)):
            if value not in choices:
                raise ValueError(f"Invalid `{arg}` argument: {value!r}. Use one of {choices}.")
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes
        super().__init__(seed)

    def variance(self, shape: Shape) -> float:
        """The target variance `scale / max(1, fan)` for a tensor of `shape`."""
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        return self.scale / max(1.0, fan[self.mode])

    def __call__(self, shape: Shape, dtype=None) -> jax.Array:
        variance, dtype = self.variance(shape), _dtype(dtype)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return sampling.uniform(shape, -limit, limit, dtype, self.seed)
        if self.distribution == "untruncated_normal":
            return sampling.normal(shape, 0.0, math.sqrt(variance), dtype, self.seed)
        stddev = math.sqrt(variance) / TRUNCATED_NORMAL_STDDEV
        return sampling.truncated_normal(shape, 0.0, stddev, dtype, self.seed)

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class _PresetVarianceScaling(VarianceScaling):
    """A VarianceScaling whose (scale, mode, distribution) is fixed by the subclass."""

    preset: tuple[float, str, str] = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed=None, input_axes: Sequence[int] | None = None,
                 output_axes: Sequence[int] | None = None):
        super().__init__(*self.preset, seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self) -> dict:
        return {"seed": _seed_to_config(self.seed), "input_axes": self.input_axes,
                "output_axes": self.output_axes}


@_catalog.register()
class GlorotUniform(_PresetVarianceScaling):
    """Glorot (Xavier) uniform: limit `sqrt(6 / (fan_in + fan_out))`."""
    preset = (1.0, "fan_avg", "uniform")


@_catalog.register()
class GlorotNormal(_PresetVarianceScaling):
    """Glorot (Xavier) truncated normal: stddev `sqrt(2 / (fan_in + fan_out))`."""
    preset = (1.0, "fan_avg", "truncated_normal")


@_catalog.register()
class HeUniform(_PresetVarianceScaling):
    """He uniform: limit `sqrt(6 / fan_in)`."""
    preset = (2.0, "fan_in", "uniform")


@_catalog.register()
class HeNormal(_PresetVarianceScaling):
    """He truncated normal: stddev `sqrt(2 / fan_in)`."""
    preset = (2.0, "fan_in", "truncated_normal")


@_catalog.register()
class LecunUniform(_PresetVarianceScaling):
    """LeCun uniform: limit `sqrt(3 / fan_in)`."""
    preset = (1.0, "fan_in", "uniform")


@_catalog.register()
class LecunNormal(_PresetVarianceScaling):
    """LeCun truncated normal: stddev `sqrt(1 / fan_in)`."""
    preset = (1.0, "fan_in", "truncated_normal")


@_catalog.register("OrthogonalInitializer")
class Orthogonal(RandomInitializer):
    """A random orthogonal matrix times `gain` (dims before the last are flattened)."""

    def __init__(self, gain: float = 1.0, seed=None):
        self.gain = gain
        super().__init__(seed)

    def __call__(self, shape: Shape, dtype=None) -> jax.Array:
        shape, dtype = tuple(shape), _dtype(dtype)
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        return sampling.orthogonal(shape, self.gain, dtype, self.seed)

    def get_config(self) -> dict:
        return {**super().get_config(), "gain": self.gain}


serialize = _catalog.serialize  # initializer -> Keras config dict
deserialize = _catalog.deserialize  # name or config dict -> new initializer


def _from_array(values: Any) -> Callable[..., jax.Array]:
    """An initializer function that returns `values` (its shape must match the request)."""
    values = jnp.asarray(values)

    def initialize(shape: Shape, dtype=None) -> jax.Array:
        if tuple(shape) != values.shape:
            raise ValueError(
                f"Expected `shape` to be {values.shape} for an array used as initializer. "
                f"Received: shape={tuple(shape)}"
            )
        return values.astype(_dtype(dtype))

    return initialize


def get(identifier: Any) -> Any:
    """None -> None; name/dict -> new initializer; class -> instance; callable -> itself;
    an array -> a function returning that array."""
    if isinstance(identifier, (jax.Array, np.ndarray, np.generic)):
        return _from_array(identifier)
    return _catalog.get(identifier)


# Keras also exports each class under its snake_case name and these *Initializer names.
from lamina.initializers_stft import STFT  # noqa: E402 - needs the classes above

constant, zeros, ones, identity, orthogonal = Constant, Zeros, Ones, Identity, Orthogonal
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, glorot_normal, glorot_uniform = VarianceScaling, GlorotNormal, GlorotUniform
he_normal, he_uniform, lecun_normal, lecun_uniform = HeNormal, HeUniform, LecunNormal, LecunUniform
IdentityInitializer, OrthogonalInitializer, STFTInitializer, stft = Identity, Orthogonal, STFT, STFT
