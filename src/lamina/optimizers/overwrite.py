"""Variables flagged `overwrite_with_gradient` (float8 training's scales and amax histories)
take their gradient as their new value and are left out of the optimizer's update, as Keras's
`_overwrite_variables_directly_with_gradients`. One rule for the fused `fit` step and for
`optimizer.apply` / `stateless_apply` in custom train steps.

The optimizer's pure `update` still sees every variable (its state keeps one layout), with a
zero gradient for the flagged ones: their slots stay at their initial values as in Keras, a
global clip norm does not count them, and their result is then replaced by the gradient.
"""

from __future__ import annotations

from typing import Callable, Sequence

import jax
import jax.numpy as jnp


def overwrite_flags(variables: Sequence) -> list[bool]:
    """Which of `variables` take their gradient as their new value (arrays: none)."""
    return [bool(getattr(v, "overwrite_with_gradient", False)) for v in variables]


def update_with_overwrites(update: Callable, flags: Sequence[bool], grads, state,
                           params) -> tuple[list, object]:
    """`update(grads, state, params) -> (new_params, new_state)` where each flagged variable's
    new value is its gradient (cast to its dtype) and the optimizer sees a zero gradient."""
    grads = list(grads)
    if not any(flags):
        return update(grads, state, params)
    if len(flags) != len(grads):
        raise ValueError(f"Expected {len(flags)} gradients (one per trainable variable); "
                         f"received {len(grads)}.")
    kept = [jnp.zeros_like(g) if flag else g for flag, g in zip(flags, grads)]
    new_params, new_state = update(kept, state, params)
    new_params = [jnp.asarray(g).astype(jnp.result_type(p)) if flag else new
                  for flag, g, p, new in zip(flags, grads, params, new_params)]
    return new_params, new_state


def without_overwritten_slots(items: list, slots, keras_slots: Callable,
                              flags: Sequence[bool] | None) -> list:
    """`items` (one per slot variable, in `keras_slots(slots)`'s order) less the slots of the
    variables `flags` marks: Keras's optimizers create no slots for them, so lamina's state
    keeps theirs (zeros) internally but lists and loads Keras's variables without them."""
    if not flags or not any(flags):
        return items
    owners = keras_slots(_owners(slots, len(flags)))
    return [item for item, owner in zip(items, owners) if owner < 0 or not flags[owner]]


def _owners(slots, count: int):
    """`slots` with each leaf replaced by the index of the variable it belongs to (its place
    in a per-variable list of `count` entries), or -1 for a slot shared by all."""

    def per_variable(node) -> bool:
        return isinstance(node, list) and len(node) == count

    def label(node):
        if per_variable(node):
            return [jax.tree.map(lambda _, i=i: i, item) for i, item in enumerate(node)]
        return -1

    return jax.tree.map(label, slots, is_leaf=per_variable)
