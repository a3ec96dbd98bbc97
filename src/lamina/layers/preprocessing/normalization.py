"""Normalization: standardise features with given or adapted mean and variance."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina import config, errors
from lamina.layers.base import Layer
from lamina.layers.normalization_base import normalize_axes

__all__ = ["Normalization"]


class Normalization(Layer):
    """`(inputs - mean) / sqrt(variance)` per position of `axis` (the inverse if `invert`).

    Give `mean` and `variance`, or call `adapt(data)` to compute them from data (an array, or an
    iterable of batches). Adapted statistics live in non-trainable weights named as Keras's.
    """

    supports_masking = True

    def __init__(self, axis=-1, mean=None, variance=None, invert: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        self.input_mean, self.input_variance, self.invert = mean, variance, bool(invert)
        if (mean is None) != (variance is None) or np.shape(mean) != np.shape(variance):
            raise errors.ConfigError(errors.message(
                "needs `mean` and `variance` together, with the same shape.",
                where=errors.layer_label(self), got=f"mean shape {np.shape(mean)}, variance "
                f"shape {np.shape(variance)}", fix="Pass both, or neither and call adapt()."))
        if mean is not None and np.ndim(mean) > len(self.axis):
            raise errors.ConfigError(errors.message(
                "got a `mean` of higher rank than its number of axes.",
                where=errors.layer_label(self), expected=f"rank <= {len(self.axis)}",
                got=f"mean shape {np.shape(mean)} for axis={self.axis}"))

    def build(self, input_shape) -> None:
        ndim = len(input_shape)
        self._keep = tuple(normalize_axes(self, list(self.axis), ndim)) if self.axis else ()
        if any(input_shape[d] is None for d in self._keep):
            raise errors.ShapeError(errors.message(
                "needs known sizes on the axes it keeps.", where=errors.layer_label(self),
                got=f"input_shape={tuple(input_shape)}, axis={self.axis}"))
        self._reduce = tuple(d for d in range(ndim) if d not in self._keep)
        self._broadcast = tuple(input_shape[d] if d in self._keep else 1 for d in range(ndim))
        self._stats_shape = tuple(input_shape[d] for d in self._keep)
        self._build_input_shape = tuple(input_shape)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._stats_shape,
                                              initializer="zeros",
                                              trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=self._stats_shape,
                                                  initializer="ones",
                                                  trainable=False)
            self.count = self.add_weight(name="count", shape=(),
                                         initializer="zeros", dtype="int32", trainable=False)
        else:
            self._fixed = tuple(_expand(np.asarray(v, np.float32), self._keep, self._broadcast)
                                for v in (self.input_mean, self.input_variance))

    def adapt(self, data) -> None:
        """Set mean and variance from `data`: a NumPy/JAX array, or an iterable of batches
        (lists, generators, PyDataset; `(x, y)` tuples use x), combined exactly as Keras does."""
        batches = _batches(self, data)
        first = next(batches)
        self._maybe_build(tuple(first.shape))
        if isinstance(data, (np.ndarray, jax.Array)):
            self._check_adapt_shape(first.shape)
            mean, var = np.mean(data, axis=self._reduce), np.var(data, axis=self._reduce)
        else:
            mean, var = self._running_moments(first, batches)
        self.adapt_mean.assign(jnp.asarray(mean, self.adapt_mean.dtype))
        self.adapt_variance.assign(jnp.asarray(var, self.adapt_variance.dtype))

    def _running_moments(self, first, batches):
        mean = var = jnp.zeros(self._stats_shape)
        total = 0
        for batch in (first, *batches):
            self._check_adapt_shape(batch.shape)
            batch = jnp.asarray(batch, self.dtype)
            b_mean, b_var = jnp.mean(batch, self._reduce), jnp.var(batch, self._reduce)
            count = int(np.prod([batch.shape[d] for d in self._reduce]))
            total += count
            w = float(count) / total
            new_mean = mean * (1.0 - w) + b_mean * w
            var = ((var + (mean - new_mean) ** 2) * (1.0 - w)
                   + (b_var + (b_mean - new_mean) ** 2) * w)
            mean = new_mean
        return mean, var

    def _check_adapt_shape(self, shape) -> None:
        if self.input_mean is not None:
            raise errors.ConfigError(errors.message(
                "cannot adapt: it was given a fixed mean and variance.",
                where=errors.layer_label(self), fix="Create it without mean/variance to adapt."))
        if len(shape) != len(self._build_input_shape) or any(
                shape[d] != self._build_input_shape[d] for d in self._keep):
            raise errors.ShapeError(errors.message(
                "got adapt() data of a shape incompatible with its build.",
                where=errors.layer_label(self), expected=f"shape like {self._build_input_shape}",
                got=f"shape {tuple(shape)}"))

    def call(self, inputs):
        inputs = inputs.astype(self.dtype)
        if self.input_mean is None:
            mean = jnp.reshape(self.adapt_mean.value, self._broadcast)
            variance = jnp.reshape(self.adapt_variance.value, self._broadcast)
        else:
            mean, variance = (jnp.asarray(v, self.dtype) for v in self._fixed)
        std = jnp.maximum(jnp.sqrt(variance), config.epsilon())
        return mean + inputs * std if self.invert else (inputs - mean) / std

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": np.array(self.input_mean).tolist(),
                "variance": np.array(self.input_variance).tolist()}


def _expand(value: np.ndarray, keep: tuple, broadcast: tuple) -> np.ndarray:
    """A given mean/variance placed on the trailing kept axes and broadcast (as Keras)."""
    shape = [1] * len(broadcast)
    for i in range(1, value.ndim + 1):
        shape[keep[-i]] = value.shape[-i]
    return np.broadcast_to(np.reshape(value, shape), broadcast)


def _batches(layer: Layer, data):
    """An iterator over the batches of `data` (an array is one batch)."""
    if isinstance(data, (np.ndarray, jax.Array)):
        return iter([data])
    if hasattr(data, "__getitem__") and hasattr(data, "__len__") and not isinstance(
            data, (list, tuple)):
        source = data  # a PyDataset: its batches by index
        data = (source[i] for i in range(len(source)))
    if not hasattr(data, "__iter__"):
        raise errors.DataError(errors.message(
            "cannot adapt to this data.", where=errors.layer_label(layer),
            expected="a NumPy/JAX array or an iterable of batches",
            got=f"{type(data).__name__}"))
    items = (b[0] if isinstance(b, tuple) else b for b in data)
    items = (np.asarray(b) if not hasattr(b, "shape") else b for b in items)
    first = next(items, None)
    if first is None:
        raise errors.DataError(errors.message(
            "got no batches to adapt to.", where=errors.layer_label(layer),
            fix="Pass a non-empty array or iterable, e.g. layer.adapt(x_train)."))
    return _chain(first, items)


def _chain(first, rest):
    yield first
    yield from rest
