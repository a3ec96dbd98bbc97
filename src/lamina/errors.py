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


class ArgumentTypeError(ConfigError, TypeError):
    """An argument has the wrong type (e.g. batch_size=2.5): a TypeError as Keras raises, and a
    ValueError like lamina's other argument errors."""


class NotCompiledError(LaminaError, ValueError, RuntimeError):
    """fit/evaluate/train_on_batch was called before compile() (a ValueError, as in Keras)."""


class UnknownNameError(ConfigError, KeyError):
    """A string identifier (optimizer, loss, metric, activation, ...) is not known."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.args[0] if self.args else ""


class UnknownObjectError(UnknownNameError, TypeError):
    """A saved config names a class or function that is not known (a TypeError, as in
    Keras's deserialization)."""


FIRST_LINE_LIMIT = 200  # the first line of a message stays readable in a traceback


def message(what: str, *, where: str | None = None, expected: str | None = None,
            got: str | None = None, fix: str | None = None) -> str:
    """Build an error message in lamina's one style; the fix goes on a second line when the
    first would pass FIRST_LINE_LIMIT characters."""
    text = f"{where} {what}" if where else what
    if expected:
        text += f" Expected {expected}"
        text += f" but got {got}." if got else "."
    elif got:
        text += f" Received: {got}."
    if fix:
        text += ("\n" if len(text) + 1 + len(fix) > FIRST_LINE_LIMIT else " ") + fix
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
        text += " Use one of the known names (below).\nKnown names: " + ", ".join(choices) + "."
    return UnknownNameError(text)
