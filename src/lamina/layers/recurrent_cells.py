"""SimpleRNNCell, LSTMCell and GRUCell: one time step each, with Keras 3's weight layout.

Every cell is a Keras-style cell (`call(inputs, states, training) -> (output, new_states)`), so
`RNN(cell)` and user cells work alike. The built-in cells also describe themselves as a
`FusedStep` (an input and a recurrent matmul per step, then an elementwise gate function),
which lets the RNN layer use the fast scan with a custom VJP in recurrent_scan.py.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from lamina import activations, constraints, errors, initializers, random, regularizers
from lamina.layers.base import Layer

__all__ = ["GRUCell", "LSTMCell", "SimpleRNNCell"]


class FusedStep(NamedTuple):
    """A cell split for the fast scan: per step, `z_x = x @ kernel + input_bias` and
    `z_h = h @ recurrent_kernel + recurrent_bias` (`weights`, in that order), then
    `gates(z_x + z_h, states)` if `additive` else `gates(z_x, z_h, states)` -> new states
    (pure jnp, closing over no weights)."""

    weights: tuple
    gates: Callable
    additive: bool


def check_units(where: str, units) -> int:
    """`units` as a positive int, or an error that says `where` (which layer) and the fix."""
    if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
        raise errors.ConfigError(errors.message(
            "got an invalid number of units.", where=where,
            expected="a positive integer", got=f"units={units!r}",
            fix="Pass the size of the hidden state, e.g. units=64."))
    return units


def check_rate(where: str, name: str, rate) -> float:
    """A dropout `rate` in [0, 1), or an error that says `where` and the fix."""
    if not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise errors.ConfigError(errors.message(
            f"got an invalid `{name}` rate.", where=where,
            expected="a float in [0, 1)", got=f"{name}={rate!r}",
            fix=f"Pass the fraction of units to drop, e.g. {name}=0.2 (0 disables it)."))
    return float(rate)


class _Cell(Layer):
    """Arguments, dropout masks and config shared by the built-in cells."""

    _GATES = 1  # how many unit-sized blocks the kernels hold
    _ADDITIVE = True  # whether the gates see only z_x + z_h (see FusedStep)

    def __init__(self, units: int, activation="tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(**kwargs)
        where = errors.layer_label(self)
        self.units = check_units(where, units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = check_rate(where, "dropout", dropout)
        self.recurrent_dropout = check_rate(where, "recurrent_dropout",
                                            recurrent_dropout)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.state_size = units
        self.output_size = units
        self._masks: tuple | None = None

    # -- weights ---------------------------------------------------------------------------
    def build(self, input_shape) -> None:
        input_dim = input_shape[-1]
        if input_dim is None:
            raise errors.ShapeError(errors.message(
                "needs a known feature axis to build.", where=errors.layer_label(self),
                got=f"input_shape={input_shape}", fix="Give the inputs a fixed last axis."))
        width = self._GATES * self.units
        self.kernel = self.add_weight(name="kernel", shape=(input_dim, width),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel", shape=(self.units, width),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=self._bias_shape(),
                                        initializer=self._bias_init(),
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def _bias_shape(self) -> tuple:
        return (self._GATES * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    # -- dropout (masks fixed across time, as Keras) -----------------------------------------
    def set_dropout_masks(self, inputs, h, training: bool) -> None:
        """Draw this sequence's masks for `inputs` (batch, features) and state `h`; the RNN
        layer calls it before its time loop and `clear_dropout_masks` after."""
        self._masks = (self._draw(inputs, self.dropout, training),
                       self._draw(h, self.recurrent_dropout, training))

    def clear_dropout_masks(self) -> None:
        self._masks = None

    def _draw(self, like, rate: float, training: bool):
        if not training or rate == 0:
            return None
        return random.dropout(jnp.ones_like(like), rate, seed=self.seed_generator)

    def _dropped(self, inputs, h, training: bool) -> tuple:
        masks = self._masks
        if masks is None:
            masks = (self._draw(inputs, self.dropout, training),
                     self._draw(h, self.recurrent_dropout, training))
        x_mask, h_mask = masks
        return (inputs if x_mask is None else inputs * x_mask,
                h if h_mask is None else h * h_mask)

    # -- one step ----------------------------------------------------------------------------
    def project(self, inputs) -> jax.Array:
        """`inputs @ kernel + input bias`."""
        z = jnp.matmul(inputs, self.kernel.value)
        bias = self._input_bias()
        return z if bias is None else z + bias

    def _input_bias(self):
        return None if self.bias is None else self.bias.value

    def _recurrent_bias(self):
        return None

    def call(self, inputs, states, training=False):
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        x, h_in = self._dropped(inputs, states[0], training)
        zh = jnp.matmul(h_in, self.recurrent_kernel.value)
        zh = zh if self._recurrent_bias() is None else zh + self._recurrent_bias()
        zx, gates = self.project(x), self._cached_gates()
        new_states = gates(zx + zh, states) if self._ADDITIVE else gates(zx, zh, states)
        return new_states[0], new_states

    def fused_step(self) -> FusedStep | None:
        """This cell split for the fast scan (see FusedStep)."""
        weights = (self.kernel.value, self._input_bias(), self.recurrent_kernel.value,
                   self._recurrent_bias())
        return FusedStep(weights, self._cached_gates(), self._ADDITIVE)

    def _cached_gates(self) -> Callable:
        if "_gates" not in self.__dict__:  # one function per cell, so jit caches the scan
            self._gates = self._gates_fn()
        return self._gates

    def _gates_fn(self) -> Callable:
        raise NotImplementedError

    def get_initial_state(self, batch_size=None) -> list:
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        return [jnp.zeros((batch_size, d), self.compute_dtype) for d in sizes]

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "seed": self.seed}


class SimpleRNNCell(_Cell):
    """`h = activation(x @ kernel + h_prev @ recurrent_kernel + bias)`."""

    def _gates_fn(self) -> Callable:
        activation = self.activation

        def gates(z, states):
            return [activation(z)]

        return gates


class LSTMCell(_Cell):
    """Long short-term memory; gates i, f, c, o side by side in one kernel (Keras's layout)."""

    _GATES = 4

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [units, units]

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        init, units = self.bias_initializer, self.units

        def forget_ones(shape, dtype=None):
            head, tail = init((units,), dtype=dtype), init((2 * units,), dtype=dtype)
            if isinstance(head, jax.core.Tracer) or isinstance(tail, jax.core.Tracer):
                return jnp.concatenate([head, jnp.ones((units,), head.dtype), tail])
            # eagerly, NumPy: a jnp.concatenate would compile three small programs
            return jax.device_put(np.concatenate([head, np.ones(units, head.dtype), tail]))

        return forget_ones

    def _gates_fn(self) -> Callable:
        act, rec_act = self.activation, self.recurrent_activation

        def gates(z, states):
            i, f, g, o = jnp.split(z, 4, axis=-1)
            c = rec_act(f) * states[1] + rec_act(i) * act(g)
            return [rec_act(o) * act(c), c]

        return gates

    def get_config(self) -> dict:
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias}


class GRUCell(_Cell):
    """Gated recurrent unit; gates z, r, h in one kernel. With `reset_after` (default, as Keras
    3) the reset gate applies after the recurrent matmul and the bias has shape (2, 3 * units)."""

    _GATES = 3
    _ADDITIVE = False

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 reset_after: bool = True, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = reset_after

    def _bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self):
        if self.bias is None:
            return None
        return self.bias.value[0] if self.reset_after else self.bias.value

    def _recurrent_bias(self):
        return self.bias.value[1] if self.bias is not None and self.reset_after else None

    def call(self, inputs, states, training=False):
        if self.reset_after:
            return super().call(inputs, states, training)
        h = states[0] if isinstance(states, (list, tuple)) else states
        x, h_in = self._dropped(inputs, h, training)
        u, kernel = self.units, self.recurrent_kernel.value
        x_z, x_r, x_h = jnp.split(self.project(x), 3, axis=-1)
        zr = jnp.matmul(h_in, kernel[:, :2 * u])
        z = self.recurrent_activation(x_z + zr[:, :u])
        r = self.recurrent_activation(x_r + zr[:, u:])
        hh = self.activation(x_h + jnp.matmul(r * h_in, kernel[:, 2 * u:]))
        h_new = z * h + (1 - z) * hh
        return h_new, [h_new]

    def fused_step(self) -> FusedStep | None:
        return super().fused_step() if self.reset_after else None

    def _gates_fn(self) -> Callable:
        act, rec_act = self.activation, self.recurrent_activation

        def gates(zx, hu, states):
            x_z, x_r, x_h = jnp.split(zx, 3, axis=-1)
            h_z, h_r, h_h = jnp.split(hu, 3, axis=-1)
            z = rec_act(x_z + h_z)
            r = rec_act(x_r + h_r)
            hh = act(x_h + r * h_h)
            return [z * states[0] + (1 - z) * hh]

        return gates

    def get_config(self) -> dict:
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "reset_after": self.reset_after}
