"""Logs handed to callbacks: plain dicts of Python floats, or lazy ones for batch hooks.

The training loop keeps metric values on the device. Batch hooks get a `LazyLogs`, which
copies them to the host only when a callback actually reads it; epoch hooks get plain dicts
(`materialize`), in the sorted, flattened, float-converted form Keras 3 hands to callbacks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any

import numpy as np

__all__ = ["LazyLogs", "materialize"]


def materialize(logs: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return `logs` as a plain dict, sorted by key, nested dicts flattened, scalars as floats.

    Scalars (Python numbers, 0-d numpy/jax arrays) become Python floats; other arrays become
    numpy arrays; anything that cannot be converted is kept as is (Keras's `pythonify_logs`).
    """
    if logs is None:
        return {}
    if isinstance(logs, LazyLogs):
        return dict(logs.resolve())
    result: dict[str, Any] = {}
    for key, value in sorted(logs.items()):
        if isinstance(value, Mapping):
            result.update(materialize(value))
        else:
            result[key] = _to_python(value)
    return result


def _to_python(value: Any) -> Any:
    """Convert one log value to a Python float where possible."""
    if hasattr(value, "__array__") and not isinstance(value, (str, bytes)):
        array = np.asarray(value)
        if array.ndim == 0 and array.dtype.kind in "biuf":
            return float(array)
        return array
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


class LazyLogs(MutableMapping):
    """A logs mapping whose values are computed on first access, then cached.

    `LazyLogs(fn)` calls `fn()` (a zero-argument function returning a dict of scalars) the
    first time the mapping is read in any way (`[]`, `get`, `items`, `len`, `iter`, `bool`,
    `in`, `==`), stores `materialize(fn())` and never calls `fn` again.
    """

    __slots__ = ("_fn", "_data")

    def __init__(self, fn: Callable[[], Mapping[str, Any]]) -> None:
        self._fn: Callable[[], Mapping[str, Any]] | None = fn
        self._data: dict[str, Any] | None = None

    @property
    def resolved(self) -> bool:
        """Whether the values have been computed yet (reading this does not compute them)."""
        return self._data is not None

    def resolve(self) -> dict[str, Any]:
        """Compute (once) and return the underlying dict."""
        if self._data is None:
            fn, self._fn = self._fn, None  # drop the closure: it may hold device buffers
            self._data = materialize(fn())
        return self._data

    def __getitem__(self, key: str) -> Any:
        return self.resolve()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.resolve()[key] = value

    def __delitem__(self, key: str) -> None:
        del self.resolve()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.resolve())

    def __len__(self) -> int:
        return len(self.resolve())

    def __contains__(self, key: object) -> bool:
        return key in self.resolve()

    def copy(self) -> dict[str, Any]:
        """A plain-dict copy of the values (like `dict.copy`)."""
        return dict(self.resolve())

    def __repr__(self) -> str:
        if self._data is None:
            return "LazyLogs(<not yet read>)"
        return f"LazyLogs({self._data!r})"
