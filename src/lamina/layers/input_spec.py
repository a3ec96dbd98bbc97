"""What a layer accepts, and the errors that say which layer, what it got and how to fix it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from lamina import errors


def shape_str(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


@dataclass
class InputSpec:
    """Rank and fixed-axis requirements, as `keras.layers.InputSpec`."""

    ndim: int | None = None
    min_ndim: int | None = None
    axes: dict[int, int] = field(default_factory=dict)
    #: As Keras's: the full shape and dtype of an input (what export signatures describe).
    shape: tuple | None = None
    dtype: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if self.shape is not None:
            self.shape = tuple(self.shape)
            self.ndim = len(self.shape) if self.ndim is None else self.ndim

    def check(self, layer, shape: tuple) -> None:
        where = errors.layer_label(layer)
        rank = len(shape)
        if self.ndim is not None and rank != self.ndim:
            raise errors.ShapeError(errors.message(
                "received an input of the wrong rank.", where=where,
                expected=f"{self.ndim}D input (batch included)", got=f"shape {shape_str(shape)}",
                fix=_rank_fix(rank, self.ndim)))
        if self.min_ndim is not None and rank < self.min_ndim:
            raise errors.ShapeError(errors.message(
                "received an input of too low a rank.", where=where,
                expected=f"at least {self.min_ndim}D input (batch included)",
                got=f"shape {shape_str(shape)}",
                fix="Give each sample at least one feature axis, e.g. x.reshape(-1, 1)."))
        for axis, size in self.axes.items():
            got = shape[axis] if -rank <= axis < rank else None
            if got is not None and got != size:
                raise errors.ShapeError(errors.message(
                    f"expects inputs whose axis {axis} has size {size}.", where=where,
                    expected=f"shape {_with_axis(shape, axis, size)}",
                    got=f"shape {shape_str(shape)}", fix=_axis_fix(shape, axis, size)))


def _with_axis(shape, axis, size) -> str:
    fixed = list(shape)
    fixed[axis] = size
    return shape_str(tuple(fixed))


def _rank_fix(rank: int, ndim: int) -> str:
    if rank > ndim:
        return "Add layers.Flatten() or layers.Reshape(...) before this layer."
    return "Add a feature axis to your data (e.g. x[..., None]) or layers.Reshape(...) before it."


def _axis_fix(shape, axis, size) -> str:
    features = shape[1:]
    if axis == -1 and len(shape) > 2 and None not in features and math.prod(features) == size:
        return (f"Add layers.Flatten() before it, or use input_shape={shape_str(tuple(features))} "
                "on a Flatten first layer.")
    return (f"Reshape your data so axis {axis} has size {size}, or rebuild the model for "
            f"inputs of shape {shape_str(tuple(shape[1:]))}.")
