"""Shapes of an `EinsumDense` from its equation, as Keras derives them: the kernel shape, the
bias shape, the full output shape, and which kernel axes are fan-in / fan-out (for the
variance-scaling initializers)."""

from __future__ import annotations

import re
from typing import NamedTuple

_FORMS = (  # (pattern on the equation with '...' replaced by '0', ellipsis on the left)
    ("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", False),
    ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),
    ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False),
)


class EinsumShapes(NamedTuple):
    kernel_shape: list
    bias_shape: list | None
    output_shape: list
    input_axes: list
    output_axes: list


def analyze_einsum(equation: str, bias_axes: str | None, input_shape,
                   output_shape) -> EinsumShapes:
    """The shapes an `EinsumDense(equation, output_shape, bias_axes=...)` needs for inputs of
    `input_shape` (batch axis included); ValueError for equations Keras rejects."""
    if not isinstance(equation, str):
        raise ValueError(f"EinsumDense expects `equation` to be a string such as 'ab,bc->ac'. "
                         f"Received: equation={equation!r}")
    dotted = re.sub(r"\.\.\.", "0", equation)
    for pattern, left_elided in _FORMS:
        match = re.match(pattern, dotted)
        if match:
            return _analyze_split(*match.groups(), bias_axes, tuple(input_shape),
                                  output_shape, left_elided)
    raise ValueError(
        f"Invalid einsum equation '{equation}'. Equations must be in the form "
        "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def _full_output_shape(input_shape: tuple, output_shape, elided: int,
                       left_elided: bool) -> list:
    """The partial `output_shape` with the batch axis and the elided axes put back."""
    full = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    full.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            full.insert(1, input_shape[i])
    elif elided > 0:
        full.extend(input_shape[len(input_shape) - elided:])
    return full


def _analyze_split(input_spec: str, weight_spec: str, output_spec: str, bias_axes,
                   input_shape: tuple, output_shape, left_elided: bool) -> EinsumShapes:
    elided = len(input_shape) - len(input_spec)
    full = _full_output_shape(input_shape, output_shape, elided, left_elided)
    if left_elided:
        input_dim = {d: i + elided - len(input_shape) for i, d in enumerate(input_spec)}
        output_dim = {d: i + elided for i, d in enumerate(output_spec)}
    else:
        input_dim = {d: i for i, d in enumerate(input_spec)}
        output_dim = {d: i for i, d in enumerate(output_spec)}
    _check_shared_axes(input_spec, input_dim, output_dim, input_shape, full)
    for dim in output_spec:
        if dim not in input_spec and dim not in weight_spec:
            raise ValueError(
                f"Dimension '{dim}' was specified in the output '{output_spec}' but has no "
                f"corresponding dim in the input spec '{input_spec}' or weight spec "
                f"'{output_spec}'")
    kernel_shape, input_axes, output_axes = [], [], []
    for i, dim in enumerate(weight_spec):
        if dim in output_dim:
            kernel_shape.append(full[output_dim[dim]])
            output_axes.append(i)
        elif dim in input_dim:
            kernel_shape.append(input_shape[input_dim[dim]])
            input_axes.append(i)
        else:
            raise ValueError(
                f"Weight dimension '{dim}' did not have a match in either the input spec "
                f"'{input_spec}' or the output spec '{output_spec}'. For this layer, the "
                "weight must be fully specified.")
    bias_shape = None
    if bias_axes is not None:
        bias_shape = _bias_shape(bias_axes, output_spec, full,
                                 elided if left_elided else 0, elided, left_elided)
    return EinsumShapes(kernel_shape, bias_shape, full, input_axes, output_axes)


def _check_shared_axes(input_spec, input_dim, output_dim, input_shape, full) -> None:
    for dim in input_spec:
        if dim in output_dim:
            size_in, size_out = input_shape[input_dim[dim]], full[output_dim[dim]]
            if size_out is not None and size_out != size_in:
                raise ValueError(
                    "Input shape and output shape do not match at shared dimension "
                    f"'{dim}'. Input shape is {size_in}, and output shape is {size_out}.")


def _bias_shape(bias_axes: str, output_spec: str, full: list, left_offset: int,
                elided: int, left_elided: bool) -> list:
    """The bias broadcasts against the output from its first biased axis on."""
    sizes = {char: full[i + left_offset] for i, char in enumerate(output_spec)}
    for char in bias_axes:
        if char not in output_spec:
            raise ValueError(f"Bias dimension '{char}' was requested, but is not part of the "
                             f"output spec '{output_spec}'")
    first = min(output_spec.find(char) for char in bias_axes)
    shape = [sizes[char] if char in bias_axes else 1 for char in output_spec[first:]]
    if not left_elided:
        shape += [1] * max(elided, 0)
    return shape
