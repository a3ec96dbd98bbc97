"""Error types and the one message builder: what happened, where, expected, got, fix."""

from __future__ import annotations

import difflib
from typing import Iterable


class LaminaError(Exception):
    """Base class of lamina's own errors."""


class ShapeError(LaminaError, ValueError):
    """An input's shape does not fit the layer or model that received it."""


class DataError(LaminaError, ValueError):
    """Training or evaluation data is malformed (lengths, dtypes, label ranges, emptiness)."""


class ConfigError(LaminaError, ValueError):
    """An argument or name passed to lamina is invalid (unknown optimizer, bad batch_size...)."""


class NotCompiledError(LaminaError, RuntimeError):
    """fit/evaluate/train_on_batch was called before compile()."""


class UnknownNameError(ConfigError, KeyError):
    """A string identifier (optimizer, loss, metric, activation, ...) is not known."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.args[0] if self.args else ""


def message(what: str, *, where: str | None = None, expected: str | None = None,
            got: str | None = None, fix: str | None = None) -> str:
    """Build an error message in lamina's one style."""
    text = f"{where} {what}" if where else what
    if expected:
        text += f" Expected {expected}"
        text += f" but got {got}." if got else "."
    elif got:
        text += f" Received: {got}."
    if fix:
        text += f" {fix}"
    return text


def layer_label(layer) -> str:
    return f"Layer '{layer.name}' ({type(layer).__name__})"


def unknown_name(kind: str, name: str, choices: Iterable[str]) -> UnknownNameError:
    """An error for an unknown identifier that suggests the close matches."""
    choices = sorted(set(choices))
    close = difflib.get_close_matches(str(name), choices, n=3, cutoff=0.6)
    text = f"Unknown {kind} {name!r}."
    if close:
        text += " Did you mean " + " or ".join(repr(c) for c in close) + "?"
    else:
        text += " Known names: " + ", ".join(choices) + "."
    return UnknownNameError(text)
