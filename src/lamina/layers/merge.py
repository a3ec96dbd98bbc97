"""Merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot) and
their function forms (`add`, `concatenate`, ...), as in `keras.layers`."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from lamina import config, errors
from lamina.layers.base import Layer

__all__ = ["Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply",
           "Subtract", "add", "average", "concatenate", "dot", "maximum", "minimum",
           "multiply", "subtract"]


class _ListInput(Layer):
    """A layer called on a list of tensors; `build` only validates their shapes."""

    min_inputs, max_inputs = 1, None

    def _check_shapes(self, input_shape) -> list[tuple]:
        if not isinstance(input_shape, (list, tuple)) or not input_shape or \
                not isinstance(input_shape[0], (list, tuple)):
            raise errors.ShapeError(errors.message(
                "must be called on a list of tensors.", where=errors.layer_label(self),
                got=f"input_shape={input_shape}",
                fix=f"Call it as {type(self).__name__}()([x1, x2])."))
        count = len(input_shape)
        if count < self.min_inputs or (self.max_inputs and count > self.max_inputs):
            wanted = (f"exactly {self.max_inputs}" if self.max_inputs == self.min_inputs
                      else f"at least {self.min_inputs}")
            raise errors.ShapeError(errors.message(
                "got the wrong number of inputs.", where=errors.layer_label(self),
                expected=f"{wanted} inputs", got=f"{count}"))
        return [tuple(s) for s in input_shape]

    def build(self, input_shape) -> None:
        self.compute_output_shape(input_shape)


class Merge(_ListInput):
    """Base of the element-wise merges: inputs of lower rank get axes inserted after the
    batch axis (as Keras does), then `_merge` combines them with broadcasting."""

    supports_masking = True

    def compute_output_shape(self, input_shape) -> tuple:
        shapes = self._check_shapes(input_shape)
        rank = max(len(s) for s in shapes)
        shapes = [(s[0], *([1] * (rank - len(s))), *s[1:]) for s in shapes]
        return functools.reduce(lambda a, b: self._broadcast(a, b, input_shape), shapes)

    def _broadcast(self, a: tuple, b: tuple, original) -> tuple:
        out = []
        for x, y in zip(a, b):
            if x is None or y is None:
                out.append(None if x in (None, 1) or y in (None, 1) else max(x, y))
            elif x == y or 1 in (x, y):
                out.append(max(x, y))
            else:
                raise errors.ShapeError(errors.message(
                    "cannot merge inputs of incompatible shapes.", where=errors.layer_label(self),
                    expected="equal (or 1) sizes on every axis", got=f"shapes {list(original)}",
                    fix="Reshape or project the inputs (e.g. with Dense) to one shape first."))
        return tuple(out)

    def call(self, inputs):
        rank = max(jnp.ndim(x) for x in inputs)
        aligned = []
        for x in inputs:
            while jnp.ndim(x) < rank:
                x = jnp.expand_dims(x, 1)
            aligned.append(x)
        return self._merge(aligned)

    def _merge(self, inputs: list):
        raise NotImplementedError

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        masks = [jnp.ones(jnp.shape(x)[:2], bool) if m is None else m
                 for x, m in zip(inputs, mask)]
        return functools.reduce(jnp.logical_and, masks)


def _reducing(name: str, op, doc: str):
    def merge(self, inputs):
        return functools.reduce(op, inputs)

    return type(name, (Merge,), {"_merge": merge, "__doc__": doc})


Add = _reducing("Add", jnp.add, "Element-wise sum of a list of inputs.")
Multiply = _reducing("Multiply", jnp.multiply, "Element-wise product of a list of inputs.")
Maximum = _reducing("Maximum", jnp.maximum, "Element-wise maximum of a list of inputs.")
Minimum = _reducing("Minimum", jnp.minimum, "Element-wise minimum of a list of inputs.")
for _cls in (Add, Multiply, Maximum, Minimum):
    _cls.__module__ = __name__


class Average(Merge):
    """Element-wise mean of a list of inputs."""

    def _merge(self, inputs):
        return functools.reduce(jnp.add, inputs) / len(inputs)


class Subtract(Merge):
    """`inputs[0] - inputs[1]` (exactly two inputs)."""

    min_inputs = max_inputs = 2

    def _merge(self, inputs):
        return inputs[0] - inputs[1]


class Concatenate(_ListInput):
    """Concatenation of a list of inputs along `axis`."""

    supports_masking = True

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def compute_output_shape(self, input_shape) -> tuple:
        shapes = self._check_shapes(input_shape)
        rank = len(shapes[0])
        axis = self.axis % rank if rank else 0
        for shape in shapes[1:]:
            if len(shape) != rank or any(a is not None and b is not None and a != b
                                         for i, (a, b) in enumerate(zip(shape, shapes[0]))
                                         if i != axis):
                raise errors.ShapeError(errors.message(
                    "requires inputs with matching shapes except for the concatenation axis.",
                    where=errors.layer_label(self), expected=f"equal sizes off axis {self.axis}",
                    got=f"input_shape={[tuple(s) for s in input_shape]}",
                    fix="Reshape the inputs or concatenate on another axis."))
        sizes = [s[axis] for s in shapes]
        total = None if None in sizes else sum(sizes)
        return (*shapes[0][:axis], total, *shapes[0][axis + 1:])

    def call(self, inputs):
        return jnp.concatenate(list(inputs), axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        masks = [jnp.ones(jnp.shape(x)[:-1], bool) if m is None else m
                 for x, m in zip(inputs, mask)]
        return jnp.all(jnp.stack(masks, -1), -1) if self.axis in (-1, len(inputs[0].shape) - 1) \
            else jnp.concatenate(masks, axis=self.axis)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class Dot(_ListInput):
    """Batch-wise dot product of two inputs over `axes`, optionally L2-normalized first
    (cosine proximity)."""

    min_inputs = max_inputs = 2

    def __init__(self, axes, normalize: bool = False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int) and (not isinstance(axes, (list, tuple)) or len(axes) != 2):
            raise errors.ConfigError(f"Dot: axes must be an int or a pair of ints. Received: "
                                     f"axes={axes!r}")
        self.axes = axes
        self.normalize = normalize

    def _axes(self, shape1, shape2) -> tuple[int, int]:
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else tuple(self.axes)
        return axes[0] % len(shape1), axes[1] % len(shape2)

    def compute_output_shape(self, input_shape) -> tuple:
        shape1, shape2 = map(list, self._check_shapes(input_shape))
        ax1, ax2 = self._axes(shape1, shape2)
        if None not in (shape1[ax1], shape2[ax2]) and shape1[ax1] != shape2[ax2]:
            raise errors.ShapeError(errors.message(
                "got inputs whose dot axes differ in size.", where=errors.layer_label(self),
                expected=f"shape1[{ax1}] == shape2[{ax2}]",
                got=f"shapes {tuple(shape1)} and {tuple(shape2)}"))
        shape1.pop(ax1), shape2.pop(ax2), shape2.pop(0)
        out = shape1 + shape2
        return tuple(out + [1] if len(out) == 1 else out)

    def call(self, inputs):
        x, y = inputs
        ax1, ax2 = self._axes(jnp.shape(x), jnp.shape(y))
        if self.normalize:
            x, y = _l2_normalize(x, ax1), _l2_normalize(y, ax2)
        out = jax.vmap(lambda a, b: jnp.tensordot(a, b, axes=(ax1 - 1, ax2 - 1)))(x, y)
        return out[:, None] if out.ndim == 1 else out

    def get_config(self) -> dict:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _l2_normalize(x, axis: int):
    """Keras's `ops.normalize(x, axis)`: x * min(rsqrt(sum(x^2)), 1 / epsilon)."""
    square_sum = jnp.sum(jnp.square(x), axis=axis, keepdims=True)
    return x * jnp.minimum(jax.lax.rsqrt(square_sum), 1.0 / config.epsilon())


def _function_form(cls, doc_name: str):
    def merge(inputs, **kwargs):
        return cls(**kwargs)(inputs)

    merge.__name__ = doc_name
    merge.__doc__ = f"Functional interface to the `{cls.__name__}` layer."
    return merge


add = _function_form(Add, "add")
subtract = _function_form(Subtract, "subtract")
multiply = _function_form(Multiply, "multiply")
average = _function_form(Average, "average")
maximum = _function_form(Maximum, "maximum")
minimum = _function_form(Minimum, "minimum")


def concatenate(inputs, axis: int = -1, **kwargs):
    """Functional interface to the `Concatenate` layer."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize: bool = False, **kwargs):
    """Functional interface to the `Dot` layer."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
