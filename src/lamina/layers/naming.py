"""Layer names: the check Keras's `Operation.__init__` makes on the `name` argument.

A name becomes a variable-path segment (`dense/kernel`) and a saved-file key, so only strings
without `/` are accepted, with Keras's ValueError and text.
"""

from __future__ import annotations

from typing import Any


def check_layer_name(name: Any) -> str | None:
    """Return `name` unchanged if it is None or a string without '/'; else raise Keras's
    ValueError (e.g. for `Dense(3, name=5)`)."""
    if name is None or (isinstance(name, str) and "/" not in name):
        return name
    raise ValueError(
        "Argument `name` must be a string and cannot contain character `/`. "
        f"Received: name={name} (of type {type(name)}). Pass a string such as name='dense_out'.")
