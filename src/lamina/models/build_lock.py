"""One thread builds a model; the others wait for it.

A model built lazily (a Sequential without an Input, a subclassed model) creates its weights
on its first call. Two threads calling it at once would each create a set (the last one wins,
and the first thread's outputs came from weights that no longer exist), and a thread that sees
the model marked built while another is still building its nested layers would create their
weights inside a compiled trace (a leaked tracer). Until a model and every layer in it are
built, its calls and its build-for-data run under the model's own lock; after that, calls take
no lock at all.
"""

from __future__ import annotations

import threading
import weakref

from lamina.variables import tracking_version

_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_guard = threading.Lock()


def lock(model) -> threading.RLock:
    """The model's build lock (re-entrant: building a model calls it)."""
    found = _locks.get(model)
    if found is not None:
        return found
    with _guard:
        return _locks.setdefault(model, threading.RLock())


def settled(model) -> bool:
    """Whether `model` and all its layers are built, so a call creates no weights (checked
    again only after some layer changed, see `tracking_version`)."""
    version = tracking_version()
    if model.__dict__.get("_settled_at") == version:
        return True
    if not model.built or not all(layer.built for layer in model._flatten_layers()):
        return False
    object.__setattr__(model, "_settled_at", version)  # not a tracked attribute
    return True
