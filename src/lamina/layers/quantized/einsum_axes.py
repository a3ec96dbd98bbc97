"""Which axes an einsum reduces, and how a per-channel scale of the kernel (or of the inputs)
is laid out against the output: Keras's `_analyze_quantization_info`, so EinsumDense's
`kernel_scale` has Keras's shape."""

from __future__ import annotations

import re
import string
from typing import NamedTuple

import jax.numpy as jnp


class EinsumAxes(NamedTuple):
    input_reduced: list
    kernel_reduced: list
    input_transpose: list
    kernel_transpose: list
    input_expand: list
    kernel_expand: list
    input_squeeze: list
    kernel_squeeze: list
    gradient_equation: str


def _specs(equation: str, ndim: int) -> tuple[str, str, str]:
    """Input, kernel and output labels with any "..." spelled out for an `ndim` input."""
    text = re.sub(r"\.\.\.", "0", equation)
    for pattern, side in (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", None),
                          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", "left"),
                          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", "right")):
        match = re.match(pattern, text)
        if match is None:
            continue
        x, w, out = match.groups()
        free = sorted(set(string.ascii_letters) - set(x) - set(w) - set(out))
        for i in range(ndim - len(x) if side else 0):
            x, out = (free[i] + x, free[i] + out) if side == "left" else (x + free[i],
                                                                           out + free[i])
        return x, w, out
    raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form "
                     "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def _layout(spec: str, out: str) -> tuple[list, list, list, list]:
    """(reduced, transpose, expand, squeeze) axes for a scale of the operand `spec`."""
    reduced = [i for i, label in enumerate(spec) if label not in out]
    expand = [i for i, label in enumerate(out) if label not in spec]
    transpose = [spec.find(label) for label in out if label in spec]
    squeeze = []
    for original in reduced:
        if expand:
            index = expand.pop(0)
        else:
            squeeze.append(original)
        transpose.insert(index, original)  # as Keras (reuses the last index when none left)
    return reduced, transpose, expand, squeeze


def analyze(equation: str, input_ndim: int) -> EinsumAxes:
    """The quantization layout of `equation` for inputs of rank `input_ndim`."""
    x, w, out = _specs(equation, input_ndim)
    xr, xt, xe, xs = _layout(x, out)
    wr, wt, we, ws = _layout(w, out)
    return EinsumAxes(xr, wr, xt, wt, xe, we, xs, ws, f"{out},{w}->{x}")


def scale_for_output(scale, transpose: list, expand: list, squeeze: list):
    """A keepdims scale of an operand rearranged to broadcast against the output."""
    if transpose:
        scale = jnp.transpose(scale, transpose)
    if expand:
        scale = jnp.expand_dims(scale, expand)
    if squeeze:
        scale = jnp.squeeze(scale, squeeze)
    return scale


def scale_for_kernel(scale, axes: EinsumAxes):
    """The kernel scale back in the kernel's own layout (to dequantize it)."""
    if axes.kernel_squeeze:
        scale = jnp.expand_dims(scale, axes.kernel_squeeze)
    if axes.kernel_expand:
        scale = jnp.squeeze(scale, axes.kernel_expand)
    if axes.kernel_transpose:
        reverse = sorted(range(len(axes.kernel_transpose)),
                         key=axes.kernel_transpose.__getitem__)
        scale = jnp.transpose(scale, reverse)
    return scale
