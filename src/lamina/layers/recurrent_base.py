"""RNN: runs a cell over the time axis of (batch, time, features) inputs with `lax.scan`.

One base for every recurrent layer: SimpleRNN, LSTM and GRU only choose their cell. Built-in
cells take the fast scan (custom VJP, weight gradients as single matmuls); any other cell, GRU
with reset_after=False, and recurrent dropout in training take the generic scan over `cell.call`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import errors
from lamina.layers.base import LAYER_CLASSES, Layer
from lamina.layers.input_spec import InputSpec
from lamina.layers.recurrent_cells import _Cell
from lamina.layers.recurrent_scan import fused_scan, scan_cell

__all__ = ["RNN"]

_fused_scan = jax.jit(fused_scan, static_argnums=(0, 1))  # eager calls reuse the compiled loop


class RNN(Layer):
    """`keras.layers.RNN(cell, ...)`: the time loop around a cell."""

    supports_masking = True
    splits_batch_over_cores = True  # a chain of small matmuls, one per time step

    def __init__(self, cell, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(cell, Layer) or not hasattr(cell, "state_size"):
            raise errors.ConfigError(errors.message(
                "needs a cell: a Layer with `state_size` and call(inputs, states).",
                where=errors.layer_label(self), got=f"cell={cell!r}",
                fix="Pass e.g. layers.LSTMCell(32), or use layers.LSTM(32) directly."))
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll  # accepted; the scan is always rolled (unrolling measured slower)
        self.zero_output_for_mask = zero_output_for_mask
        self.states = None
        self.input_spec = InputSpec(ndim=3)

    @property
    def state_size(self) -> list:
        size = self.cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    # -- building ------------------------------------------------------------------------
    def build(self, sequences_shape, initial_state_shape=None) -> None:
        self.cell._maybe_build((sequences_shape[0], *sequences_shape[2:]))
        if self.stateful:
            if sequences_shape[0] is None:
                raise errors.ShapeError(errors.message(
                    "is stateful, so it needs a fixed batch size.",
                    where=errors.layer_label(self), got=f"input shape {sequences_shape}",
                    fix="Use layers.Input(shape, batch_size=32) (or batch_input_shape=...)."))
            self.states = [self.add_weight(name="rnn_state", shape=(sequences_shape[0], d),
                                           initializer="zeros",
                                           trainable=False) for d in self.state_size]

    @property
    def weights(self) -> list:
        """The cell's weights, then the stateful states (Keras keeps those untracked)."""
        own = self.states or []
        return [*self.cell.weights, *own]

    def reset_state(self) -> None:
        for var in self.states or []:
            var.assign(jnp.zeros(var.shape, var.dtype))

    reset_states = reset_state

    def get_initial_state(self, batch_size) -> list:
        if hasattr(self.cell, "get_initial_state"):
            return list(self.cell.get_initial_state(batch_size=batch_size))
        return [jnp.zeros((batch_size, d), self.dtype) for d in self.state_size]

    # -- calling -------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=False):
        batch = sequences.shape[0]
        states = self._initial_states(initial_state, batch)
        inputs = jnp.swapaxes(sequences, 0, 1)
        if mask is not None:
            mask = jnp.swapaxes(jnp.asarray(mask, bool), 0, 1)
        if self.go_backwards:
            inputs = jnp.flip(inputs, 0)
            mask = None if mask is None else jnp.flip(mask, 0)
        outputs, final = self._loop(inputs, states, mask, training)
        if self.zero_output_for_mask and mask is not None:
            outputs = jnp.where(mask[..., None], outputs, 0.0)
        if self.stateful:
            for var, value in zip(self.states, final):
                var.assign(value)
        output = jnp.swapaxes(outputs, 0, 1) if self.return_sequences else outputs[-1]
        return (output, *final) if self.return_state else output

    def _initial_states(self, initial_state, batch) -> list:
        if initial_state is None:
            if self.stateful:
                return [var.value for var in self.states]
            return self.get_initial_state(batch)
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [
            initial_state]
        if len(states) != len(self.state_size):
            raise errors.ShapeError(errors.message(
                "got the wrong number of initial states.", where=errors.layer_label(self),
                expected=f"{len(self.state_size)} arrays of shapes "
                         f"{[(batch, d) for d in self.state_size]}",
                got=f"{len(states)}", fix="Pass one array per state (LSTM: [h, c])."))
        return [jnp.asarray(s, self.dtype) for s in states]

    def _loop(self, inputs, states, mask, training) -> tuple:
        cell = self.cell
        if not isinstance(cell, _Cell):
            kwargs = {"training": training} if cell._call_has_training else {}
            return scan_cell(lambda x, s: cell(x, s, **kwargs), inputs, states, mask)
        cell.set_dropout_masks(inputs[0], states[0], bool(training))
        try:
            step = cell.fused_step()
            if step is None or cell._masks[1] is not None:  # per-step cell.call
                return scan_cell(lambda x, s: cell.call(x, s, training), inputs, states, mask)
            x_mask = cell._masks[0]
            x = inputs if x_mask is None else inputs * x_mask
            return _fused_scan(step.gates, step.additive, x, step.weights, states, mask)
        finally:
            cell.clear_dropout_masks()

    # -- shapes, masks, config -----------------------------------------------------------
    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        units = getattr(self.cell, "output_size", None) or self.state_size[0]
        out = (batch, steps, units) if self.return_sequences else (batch, units)
        if self.return_state:
            return (out, *[(batch, d) for d in self.state_size])
        return out

    def compute_mask(self, inputs, previous_mask=None):
        output_mask = previous_mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    def get_config(self) -> dict:
        cell = serialize_layer(self.cell)
        return {**super().get_config(), "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards,
                "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask, "cell": cell}

    @classmethod
    def from_config(cls, config: dict) -> RNN:
        config = dict(config)
        return super().from_config({**config, "cell": deserialize_layer(config.pop("cell"))})


def serialize_layer(layer: Layer) -> dict:
    """A nested layer's config in Keras's form (cells, wrapped layers)."""
    return {"module": "keras.layers", "class_name": type(layer).__name__,
            "config": layer.get_config(), "registered_name": None}


def deserialize_layer(config: dict) -> Layer:
    cls = LAYER_CLASSES.get(config["class_name"])
    if cls is None:
        raise errors.unknown_name("layer class", config["class_name"], LAYER_CLASSES)
    return cls.from_config(config["config"])
