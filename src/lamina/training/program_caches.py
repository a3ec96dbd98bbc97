"""The compiled functions lamina keeps, counted and dropped together.

Each compiled model's Engine holds its programs (train/eval/predict chunks and batches), and a
model keeps two shortcuts to them (the latency memo of predict, the stateful predict step).
They live as long as the model does; `clear_session()` drops them all at once, so the memory
of old models' programs comes back even while the models are still referenced (a later call
compiles again, as after a recompile).
"""

from __future__ import annotations

import weakref

_engines: weakref.WeakSet = weakref.WeakSet()
#: per-model attributes that hold compiled functions
_MODEL_SHORTCUTS = ("_predict_memo", "_stateful_predict_step")


def register(engine) -> None:
    """Count `engine` among the live ones (it leaves the set when it is collected)."""
    _engines.add(engine)


def cached_program_count() -> int:
    """How many compiled functions the live engines and models hold."""
    engines = list(_engines)
    return sum(engine.cached_count() for engine in engines) + sum(
        name in engine.model.__dict__ for engine in engines for name in _MODEL_SHORTCUTS)


def clear() -> None:
    """Drop every compiled function lamina holds (models compile again when next used)."""
    for engine in list(_engines):
        engine.clear()
        for name in _MODEL_SHORTCUTS:
            engine.model.__dict__.pop(name, None)
