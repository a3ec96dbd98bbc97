"""RNN: runs a cell over the time axis of (batch, time, features) inputs with `lax.scan`.

One base for every recurrent layer: SimpleRNN, LSTM, GRU and ConvLSTM only choose their cell.
Built-in cells take the fast scan (custom VJP, weight gradients as single matmuls); any other
cell, GRU with reset_after=False, ConvLSTM, and recurrent dropout in training take the generic
scan over `cell.call`. As in Keras, a list of cells is a StackedRNNCells, states may be nested
(one entry per stacked cell) or of any rank, and a user cell may take nested inputs (the
keras.io RNN guide's nested-structure cell).
"""

from __future__ import annotations

import contextlib

import jax
import jax.numpy as jnp

from lamina import errors
from lamina.layers.base import LAYER_CLASSES, Layer
from lamina.layers.input_spec import InputSpec
from lamina.layers.recurrent_cells import _Cell
from lamina.layers.recurrent_scan import fused_scan, scan_cell
from lamina.layers.recurrent_stacked import (StackedRNNCells, cell_initial_state,
                                             cell_output_size, state_shape)

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
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
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
        self.cell._maybe_build(_step_shape(sequences_shape))
        if self.stateful:
            if sequences_shape[0] is None:
                raise errors.ShapeError(errors.message(
                    "is stateful, so it needs a fixed batch size.",
                    where=errors.layer_label(self), got=f"input shape {sequences_shape}",
                    fix="Use layers.Input(shape, batch_size=32) (or batch_input_shape=...)."))
            initial = jax.tree_util.tree_leaves(self.get_initial_state(sequences_shape[0]))
            self.states = [self.add_weight(name="rnn_state", shape=tuple(s.shape),
                                           initializer="zeros", trainable=False)
                           for s in initial]

    @property
    def weights(self) -> list:
        """The cell's weights, then the stateful states (Keras keeps those untracked)."""
        own = self.states or []
        return [*self.cell.weights, *own]

    def _saved_variables(self) -> list:
        """None: the stateful states are not saved (Keras's files hold none for an RNN)."""
        return []

    def reset_state(self) -> None:
        for var in self.states or []:
            var.assign(jnp.zeros(var.shape, var.dtype))

    reset_states = reset_state

    def get_initial_state(self, batch_size) -> list:
        """Zero states (or the cell's own): one array per entry of `state_size`, nested for
        stacked cells."""
        state = cell_initial_state(self.cell, batch_size, self.compute_dtype)
        return list(state) if isinstance(state, (list, tuple)) else [state]

    # -- calling -------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=False):
        batch = jax.tree_util.tree_leaves(sequences)[0].shape[0]  # inputs may be nested
        states = self._initial_states(initial_state, batch)
        inputs = _tmap(lambda a: jnp.swapaxes(a, 0, 1), sequences)
        if mask is not None:
            mask = jnp.swapaxes(jnp.asarray(mask, bool), 0, 1)
        if self.go_backwards:
            inputs = _tmap(lambda a: jnp.flip(a, 0), inputs)
            mask = None if mask is None else jnp.flip(mask, 0)
        outputs, final = self._loop(inputs, states, mask, training)
        if self.zero_output_for_mask and mask is not None:
            outputs = _tmap(lambda o: jnp.where(
                mask.reshape(mask.shape + (1,) * (o.ndim - 2)), o, 0.0), outputs)
        if self.stateful:
            for var, value in zip(self.states, jax.tree_util.tree_leaves(final)):
                var.assign(value)
        output = _tmap(lambda o: jnp.swapaxes(o, 0, 1) if self.return_sequences else o[-1],
                       outputs)
        return (output, *final) if self.return_state else output

    def _initial_states(self, initial_state, batch) -> list:
        if initial_state is None:
            initial = self.get_initial_state(batch)
            if self.stateful:
                values = [var.value for var in self.states]
                return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(initial), values)
            return initial
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [
            initial_state]
        if len(states) != len(self.state_size):
            raise errors.ShapeError(errors.message(
                "got the wrong number of initial states.", where=errors.layer_label(self),
                expected=f"{len(self.state_size)} arrays of shapes "
                         f"{_state_shapes(batch, self.state_size, True)}",
                got=f"{len(states)}", fix="Pass one array per state (LSTM: [h, c])."))
        return jax.tree_util.tree_map(lambda s: jnp.asarray(s, self.compute_dtype), states)

    def _loop(self, inputs, states, mask, training) -> tuple:
        cell = self.cell
        if not isinstance(cell, _Cell):
            kwargs = {"training": training} if cell._call_has_training else {}
            first = _tmap(lambda a: a[0], inputs)
            with _dropout_masks(cell, first, states, bool(training)):
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
        batch, steps = _first_shape(sequences_shape)[:2]
        prefix = (batch, steps) if self.return_sequences else (batch,)
        out = _output_shapes(prefix, cell_output_size(self.cell))
        if self.return_state:
            stacked = isinstance(self.cell, StackedRNNCells)
            return (out, *_state_shapes(batch, self.state_size, stacked))
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
    """A nested layer's config in Keras's form (cells, wrapped layers). Keras adds the
    `build_config` of a built layer; it is left out so that a config does not depend on
    whether the layer was called (the outer layer's build builds its children anyway)."""
    from lamina.saving.serialization import serialize_keras_object

    config = serialize_keras_object(layer)
    config.pop("build_config", None)
    return config


def deserialize_layer(config: dict) -> Layer:
    """The nested layer a `serialize_layer` dict describes (built-ins, registered or custom
    objects in scope, or any Layer subclass known by its class name)."""
    from lamina.saving.deserialization import deserialize_keras_object

    try:
        return deserialize_keras_object(config)
    except errors.UnknownNameError:
        cls = LAYER_CLASSES.get(config["class_name"])  # a user cell defined in this session
        if cls is None:
            raise
        return cls.from_config(config["config"])

def _tmap(fn, tree):
    return jax.tree_util.tree_map(fn, tree)


def _is_shape(value) -> bool:
    """Whether `value` is one shape (ints / None, or TensorShape-like), not a nest of them."""
    return hasattr(value, "as_list") or (isinstance(value, (tuple, list)) and all(
        v is None or isinstance(v, int) for v in value))


def _first_shape(shapes):
    return shapes if _is_shape(shapes) else _first_shape(
        next(iter(shapes.values())) if isinstance(shapes, dict) else shapes[0])


def _step_shape(shapes):
    """The shape(s) one time step has: the time axis (axis 1) dropped, in nested inputs too."""
    if _is_shape(shapes):
        return (shapes[0], *tuple(shapes)[2:])
    if isinstance(shapes, dict):
        return {k: _step_shape(v) for k, v in shapes.items()}
    return type(shapes)(_step_shape(s) for s in shapes)


def _state_shapes(batch, sizes, stacked: bool = False) -> list:
    """The shapes of states of `sizes`: ints or shapes, or for `stacked` cells one int or
    list of ints per cell (Keras's StackedRNNCells rule), nested alike."""
    return [state_shape(batch, d) if not stacked or isinstance(d, int)
            else _state_shapes(batch, d) for d in sizes]


def _output_shapes(prefix: tuple, size):
    """The output shape(s) for `output_size`: an int, a shape, or a nest of them."""
    if isinstance(size, int) or _is_shape(size):
        return (*prefix, *state_shape(None, size)[1:])
    return [_output_shapes(prefix, s) for s in size]


@contextlib.contextmanager
def _dropout_masks(cell, x, states, training: bool):
    """Fix the dropout masks of the built-in cells inside a StackedRNNCells for one call (the
    same masks at every step, as Keras); each cell's inputs are the previous cell's outputs."""
    cells = cell.cells if isinstance(cell, StackedRNNCells) else []
    drawn = []
    try:
        for sub, state in zip(cells, states):
            first = state[0] if isinstance(state, (list, tuple)) else state
            if isinstance(sub, _Cell):
                sub.set_dropout_masks(x, first, training)
                drawn.append(sub)
            x = jnp.zeros(x.shape[:1] + (cell_output_size(sub),), x.dtype)
        yield
    finally:
        for sub in drawn:
            sub.clear_dropout_masks()
