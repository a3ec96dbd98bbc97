"""Range checks of optimizer hyperparameters at construction (lamina is stricter than Keras,
which accepts these and then trains to NaN or diverges)."""

from __future__ import annotations

import numbers

import numpy as np

from lamina import errors


def _number(value) -> float | None:
    """`value` as a float, or None for what is not checked here (callables, tensors)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.number)):
        return None
    return float(value)


def _refuse(name: str, value, expected: str, example: str) -> None:
    raise errors.ConfigError(f"Argument `{name}` must be {expected}. Received: {name}={value!r}."
                             f" Use e.g. {name}={example}.")


def check_decay(name: str, value, example: str = "0.9") -> None:
    """A moving-average factor (beta, rho): in [0, 1)."""
    number = _number(value)
    if number is not None and not 0 <= number < 1:
        _refuse(name, value, "in [0, 1)", example)


def check_epsilon(value, name: str = "epsilon") -> None:
    number = _number(value)
    if number is not None and not (np.isfinite(number) and number >= 0):
        _refuse(name, value, "a finite number >= 0", "1e-07")


def check_clipping(**values) -> None:
    """clipnorm / clipvalue / global_clipnorm: None or > 0 (0 would zero every gradient)."""
    for name, value in values.items():
        number = _number(value)
        if value is not None and number is not None and not number > 0:
            _refuse(name, value, "None or a number > 0", "1.0")
