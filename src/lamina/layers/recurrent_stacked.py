"""StackedRNNCells: a list of cells run one after another inside each time step, as one cell.

`RNN([cell_a, cell_b])` wraps its list in one. States stay nested per cell, as in Keras: a cell
whose `state_size` is an int keeps one bare state array, any other cell a list of them.
"""

from __future__ import annotations

import jax.numpy as jnp

from lamina import errors
from lamina.layers.base import Layer

__all__ = ["StackedRNNCells", "cell_output_size", "state_shape"]


def state_shape(batch_size, size) -> tuple:
    """The array shape of one state of `size`: an int, or a shape (tuple / TensorShape-like)."""
    if isinstance(size, int):
        return (batch_size, size)
    dims = size.as_list() if hasattr(size, "as_list") else size
    return (batch_size, *dims)


def cell_output_size(cell):
    """`cell.output_size`, else the size of its first state (Keras's rule)."""
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    state_size = cell.state_size
    return state_size[0] if isinstance(state_size, (list, tuple)) else state_size


def cell_initial_state(cell, batch_size, dtype):
    """What `cell.get_initial_state` gives, else zeros: a bare array for an int `state_size`,
    a list for a list of sizes."""
    if hasattr(cell, "get_initial_state"):
        return cell.get_initial_state(batch_size=batch_size)
    size = cell.state_size
    if isinstance(size, int):
        return jnp.zeros((batch_size, size), dtype)
    return [jnp.zeros(state_shape(batch_size, d), dtype) for d in size]


class StackedRNNCells(Layer):
    """Wraps a list of RNN cells so that they behave as a single cell (a stacked RNN)."""

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if "call" not in dir(cell):
                raise errors.ConfigError(
                    "All cells must have a `call` method. "
                    f"Received cell without a `call` method: {cell}")
            if "state_size" not in dir(cell):
                raise errors.ConfigError(
                    "All cells must have a `state_size` attribute. "
                    f"Received cell without a `state_size`: {cell}")
        self.cells = list(cells)

    @property
    def state_size(self) -> list:
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        return cell_output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None) -> list:
        return [cell_initial_state(c, batch_size, self.compute_dtype) for c in self.cells]

    def build(self, input_shape) -> None:
        for cell in self.cells:
            if isinstance(cell, Layer):
                cell._maybe_build(input_shape)
            input_shape = (input_shape[0], cell_output_size(cell))

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, state in zip(self.cells, states):
            nested = isinstance(state, (list, tuple))
            state = list(state) if nested else [state]
            kwargs = {"training": training} if getattr(cell, "_call_has_training", False) else {}
            inputs, state = cell(inputs, state, **kwargs)
            state = list(state) if isinstance(state, (list, tuple)) else [state]
            new_states.append(state if nested or len(state) != 1 else state[0])
        return inputs, new_states

    def get_config(self) -> dict:
        from lamina.layers.recurrent_base import serialize_layer

        return {**super().get_config(), "cells": [serialize_layer(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config: dict) -> StackedRNNCells:
        from lamina.layers.recurrent_base import deserialize_layer

        config = dict(config)
        cells = [deserialize_layer(c) for c in config.pop("cells")]  # Keras's order
        return cls(cells, **config)
