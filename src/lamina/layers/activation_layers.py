"""Activation layers, as `keras.layers`: ReLU, LeakyReLU, PReLU, ELU, Softmax and Identity.

Thin wrappers over `lamina.activations` with Keras 3's arguments, checks, masking and
`get_config`."""

from __future__ import annotations

import warnings

import jax.numpy as jnp
from jax.scipy.special import logsumexp

from lamina import activations, constraints, initializers, regularizers
from lamina.layers.base import Layer, standardize_dtype
from lamina.layers.input_spec import InputSpec

__all__ = ["ELU", "Identity", "LeakyReLU", "PReLU", "ReLU", "Softmax"]


class _ElementwiseLayer(Layer):
    """Shared base: no weights (built at once), mask pass-through, same-shape output."""

    supports_masking = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.built = True

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)


class ReLU(_ElementwiseLayer):
    """`max(x, 0)` with an optional cap (`max_value`), leak (`negative_slope`) and `threshold`."""

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError("max_value of a ReLU layer cannot be a negative value. "
                             f"Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError("negative_slope of a ReLU layer cannot be None or a negative "
                             f"value. Received: negative_slope={negative_slope}")
        if threshold is None or threshold < 0.0:
            raise ValueError("threshold of a ReLU layer cannot be None or a negative value. "
                             f"Received: threshold={threshold}")
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def get_config(self) -> dict:
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(_ElementwiseLayer):
    """`x` if `x >= 0` else `negative_slope * x` (the legacy `alpha=` is accepted, with a
    warning, as Keras does)."""

    def __init__(self, negative_slope: float = 0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError("The negative_slope value of a Leaky ReLU layer cannot be None or "
                             "negative value. Expected a float. "
                             f"Received: negative_slope={negative_slope}")
        self.negative_slope = negative_slope

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self) -> dict:
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(_ElementwiseLayer):
    """`x` if `x > 0` else `alpha * (exp(x) - 1)`."""

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def get_config(self) -> dict:
        # Keras writes `alpha` through its automatic config of the constructor's arguments.
        return {**super().get_config(), "alpha": self.alpha}


class Identity(_ElementwiseLayer):
    """Returns its input unchanged: a placeholder where no operation is wanted."""

    def call(self, inputs):
        return inputs


class PReLU(Layer):
    """`x` if `x >= 0` else `alpha * x`, with `alpha` a learned weight of the input's shape
    (batch excluded), of size 1 along `shared_axes`."""

    supports_masking = True

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes: int | list[int] | tuple[int, ...] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)

    def build(self, input_shape) -> None:
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            param_shape[axis - 1] = 1
        self.alpha = self.add_weight(shape=tuple(param_shape), name="alpha",
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        axes = {i: input_shape[i] for i in range(1, len(input_shape))
                if self.shared_axes and i not in self.shared_axes}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)

    def call(self, inputs):
        return activations.relu(inputs) - self.alpha.value * activations.relu(-inputs)

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}


def _check_mask_broadcasts(inputs, mask) -> None:
    """Keras's rule: `mask` has no more axes than `inputs`, each trailing axis 1 or equal."""
    message = (f"Received: inputs.shape={tuple(inputs.shape)}, "
               f"mask.shape={tuple(mask.shape)}")
    if len(mask.shape) > len(inputs.shape):
        raise ValueError("The `mask` must be broadcastable to `inputs` and must not have "
                         f"more dimensions. {message}")
    for m_dim, i_dim in zip(mask.shape[::-1], inputs.shape[::-1]):
        if m_dim is not None and i_dim is not None and m_dim not in (1, i_dim):
            raise ValueError("The `mask` must be broadcastable to `inputs`. Each mask "
                             "dimension must be 1 or match the corresponding input "
                             f"dimension. {message}")


class Softmax(_ElementwiseLayer):
    """Softmax along `axis` (an int or a list of ints). Positions where `mask` is False (or
    <= 0.5) get -1e9 (-3e4 in float16) before the softmax and 0 after, as in Keras."""

    def __init__(self, axis: int | list[int] | tuple[int, ...] = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        inputs = jnp.asarray(inputs)
        if mask is not None:
            mask = jnp.asarray(mask)
            _check_mask_broadcasts(inputs, mask)
            if mask.dtype != jnp.bool_:
                mask = mask > jnp.asarray(0.5, mask.dtype)
            large_negative = -3e4 if standardize_dtype(inputs.dtype) == "float16" else -1e9
            inputs = jnp.where(mask, inputs, jnp.asarray(large_negative, inputs.dtype))
        if isinstance(self.axis, (tuple, list)) and len(self.axis) > 1:
            axis = tuple(self.axis)
            outputs = jnp.exp(inputs - logsumexp(inputs, axis=axis, keepdims=True))
        else:
            axis = self.axis[0] if isinstance(self.axis, (tuple, list)) else self.axis
            outputs = activations.softmax(inputs, axis=axis)
        if mask is not None:
            outputs = jnp.where(mask, outputs, jnp.zeros((), outputs.dtype))
        return outputs

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}
