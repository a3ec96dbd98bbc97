"""Keras 3's `ops.rearrange`: einops-style axis reordering, splitting and merging."""

from __future__ import annotations

import math
import re

import jax.numpy as jnp

__all__ = ["rearrange"]

_AXIS = re.compile(r"\(([\w\s]*)\)|(\w+)")


def _groups(side: str) -> list[list[str]]:
    """'b (h w) c' -> [['b'], ['h', 'w'], ['c']]."""
    return [[name] if name else group.split() for group, name in _AXIS.findall(side)]


def rearrange(tensor, pattern: str, **axes_lengths: int):
    """Rearrange axes by an einops pattern, e.g. `"b (h w) c -> b h w c"` with `h=4`.

    Each parenthesised input group is split (at most one of its lengths may be inferred);
    output groups are merged. No ellipsis, as in Keras.
    """
    tensor = jnp.asarray(tensor)
    source, target = (_groups(side) for side in re.split(r"\s*->\s*", pattern))
    if len(source) != tensor.ndim:
        raise ValueError(f"Pattern {pattern!r} names {len(source)} axes; the input has "
                         f"{tensor.ndim} (shape {tensor.shape}).")
    sizes = dict(axes_lengths)
    for group, dim in zip(source, tensor.shape):
        unknown = [axis for axis in group if axis not in sizes]
        known = math.prod(sizes[axis] for axis in group if axis in sizes)
        if len(unknown) > 1:
            raise ValueError(f"Cannot infer the lengths of {unknown} in {pattern!r}.")
        if unknown:
            sizes[unknown[0]] = dim // known
    flat_source = [axis for group in source for axis in group]
    flat_target = [axis for group in target for axis in group]
    tensor = jnp.reshape(tensor, [sizes[axis] for axis in flat_source])
    tensor = jnp.transpose(tensor, [flat_source.index(axis) for axis in flat_target])
    return jnp.reshape(tensor, [math.prod(sizes[axis] for axis in group) for group in target])
