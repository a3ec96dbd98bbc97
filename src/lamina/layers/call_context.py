"""What an outer layer call passes to the calls nested in it, as Keras's CallContext does:
the `training` flag (a Dropout inside a custom layer follows the model's fit), and which call
is outermost (where the losses of the previous call are cleared).

Also the `_keras_mask` attribute Keras attaches to tensors: set on the array itself when it
takes attributes, else kept by id for as long as the array lives.
"""

from __future__ import annotations

import threading
import weakref

_local = threading.local()
_masks_by_id: dict[int, object] = {}


def _stack() -> list:
    if not hasattr(_local, "stack"):
        _local.stack = []
    return _local.stack


class call_scope:  # noqa: N801 - used as `with call_scope(training, default) as scope:`
    """Enter one layer call; `scope.training` is the value the call should use, in Keras's
    order: its own argument, else the enclosing call's, else the default of the layer's `call`
    signature (`training=True` in the augmentation layers), which nested calls then inherit."""

    def __init__(self, training, default=None):
        self.training = training
        self.default = default

    def __enter__(self):
        stack = _stack()
        self.outermost = not stack
        if self.training is None and stack:
            self.training = stack[-1]
        if self.training is None:
            self.training = self.default
        stack.append(self.training)
        return self

    def __exit__(self, *exc) -> None:
        _stack().pop()


def get_keras_mask(tensor):
    """The mask a layer attached to `tensor` (for a list of tensors, one per tensor), or None."""
    if isinstance(tensor, (list, tuple)):
        masks = [get_keras_mask(each) for each in tensor]
        return masks if any(m is not None for m in masks) else None
    mask = getattr(tensor, "_keras_mask", None)
    return mask if mask is not None else _masks_by_id.get(id(tensor))


def set_keras_mask(tensor, mask) -> None:
    """Attach `mask` to `tensor` (as `tensor._keras_mask` where the array allows it)."""
    if mask is None:
        return
    if isinstance(tensor, (list, tuple)):  # several outputs: one mask each (or one for all)
        masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(tensor)
        for each, each_mask in zip(tensor, masks):
            set_keras_mask(each, each_mask)
        return
    try:
        tensor._keras_mask = mask
    except AttributeError:
        try:
            weakref.finalize(tensor, _masks_by_id.pop, id(tensor), None)
        except TypeError:  # neither attributes nor weak references: cannot carry a mask
            return
        _masks_by_id[id(tensor)] = mask
