"""Keras 3's scope objects: `name_scope`, `StatelessScope`, `SymbolicScope`, `RematScope`,
`device`, and `remat`.

`StatelessScope` is lamina's variable binding (`variables.bind`) under Keras's name: inside it
variables read the mapped values and every `assign` is recorded in the scope instead of
changing the variable.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Callable, Iterator

import jax

from lamina.variables import Variable, capture_assignments

_local = threading.local()


def _stack(name: str) -> list:
    if not hasattr(_local, name):
        setattr(_local, name, [])
    return getattr(_local, name)


class name_scope:  # noqa: N801 - Keras's name
    """Prefix the paths of variables created inside with `name` (nested scopes join with '/').
    As Keras's: a scope opened by the same `caller` as the innermost one is not opened twice
    (with `deduplicate=True`), so a model building itself inside its own call nests once."""

    def __init__(self, name: str, caller=None, deduplicate: bool = True, **kwargs):
        if not isinstance(name, str) or "/" in name:
            raise ValueError("Argument `name` must be a string and cannot contain '/'. "
                             f"Received: name={name!r}")
        self.name = name
        self.caller = caller
        self.deduplicate = deduplicate
        self._pushed = False

    def __enter__(self) -> name_scope:
        callers = _stack("callers")
        repeated = (self.deduplicate and self.caller is not None and callers
                    and callers[-1] is self.caller)
        if not repeated:
            _stack("names").append(self.name)
            callers.append(self.caller)
            self._pushed = True
        return self

    def __exit__(self, *exc) -> None:
        if self._pushed:
            _stack("names").pop()
            _stack("callers").pop()
            self._pushed = False


def current_path() -> str:
    """The '/'-joined names of the enclosing `name_scope`s ('' outside any)."""
    return "/".join(_stack("names"))


class StatelessScope:
    """Read variables from `state_mapping` (pairs of (variable, value)) and record assignments
    instead of applying them: `scope.get_current_value(variable)` returns what was assigned.
    With `collect_losses=True`, `scope.losses` holds the losses `add_loss` added inside."""

    def __init__(self, state_mapping=None, collect_losses: bool = False,
                 initialize_variables: bool = True):
        pairs = list(state_mapping or [])
        for variable, _ in pairs:
            if not isinstance(variable, Variable):
                raise ValueError("StatelessScope's state_mapping holds (Variable, value) pairs. "
                                 f"Received: {variable!r}")
        self._pairs = [(v, _as_value(v, x)) for v, x in pairs]
        self.collect_losses = collect_losses
        self.losses: list = []
        self._exit = contextlib.ExitStack()

    def __enter__(self) -> StatelessScope:
        from lamina.layers.base import collect_losses

        self._frame = self._exit.enter_context(capture_assignments(self._pairs))
        if self.collect_losses:
            self.losses = self._exit.enter_context(collect_losses())
        return self

    def __exit__(self, *exc) -> None:
        self._exit.close()

    def get_current_value(self, variable: Variable):
        """The value `variable` has in this scope (mapped or assigned), or None."""
        return self._frame.get(id(variable))


def in_stateless_scope() -> bool:
    from lamina.variables import in_binding

    return in_binding()


class SymbolicScope:
    """Marks code run only to infer shapes (as Keras's `SymbolicScope`)."""

    def __enter__(self) -> SymbolicScope:
        _stack("symbolic").append(self)
        return self

    def __exit__(self, *exc) -> None:
        _stack("symbolic").pop()


def in_symbolic_scope() -> bool:
    return bool(_stack("symbolic"))


_REMAT_MODES = (None, "full", "activations", "larger_than", "list_of_layers")


class RematScope:
    """Recompute the activations of layers called inside during the backward pass (saves
    memory); lamina honours mode='full' (every layer) and 'list_of_layers' (`layer_names`)."""

    def __init__(self, mode: str | None = "full", output_size_threshold: int = 1024,
                 layer_names: list[str] | None = None):
        if mode not in _REMAT_MODES:
            raise ValueError(f"Invalid mode '{mode}'. Supported modes are: {_REMAT_MODES}. "
                             f"Received: mode={mode!r}")
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = list(layer_names or [])

    def __enter__(self) -> RematScope:
        _stack("remat").append(self)
        return self

    def __exit__(self, *exc) -> None:
        _stack("remat").pop()


def remat_applies(layer_name: str) -> bool:
    """Whether a layer called now should be rematerialized (the innermost RematScope says)."""
    scopes = _stack("remat")
    if not scopes or scopes[-1].mode is None:
        return False
    scope = scopes[-1]
    return scope.mode == "full" or (scope.mode == "list_of_layers"
                                    and layer_name in scope.layer_names)


def remat(f: Callable) -> Callable:
    """`f` recomputed in the backward pass instead of keeping its activations (jax.checkpoint)."""
    return jax.checkpoint(f)


@contextlib.contextmanager
def device(device_name: str) -> Iterator[None]:
    """Place new arrays on `device_name` ('cpu', 'gpu:1', ...) inside the block."""
    kind, _, index = str(device_name).lower().partition(":")
    try:
        target = jax.devices(kind)[int(index or 0)]
    except (RuntimeError, IndexError, ValueError) as exc:
        raise ValueError(f"Unknown device {device_name!r}. Available: "
                         f"{[str(d) for d in jax.devices()]}. Received: "
                         f"device_name={device_name!r}") from exc
    with jax.default_device(target):
        yield


def _as_value(variable: Variable, value):
    import jax.numpy as jnp

    return jnp.asarray(value, dtype=variable.dtype)
