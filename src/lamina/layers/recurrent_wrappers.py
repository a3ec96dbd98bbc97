"""Bidirectional (an RNN forwards and backwards, merged) and TimeDistributed."""

from __future__ import annotations

import jax.numpy as jnp

from lamina import errors
from lamina.layers.base import Layer
from lamina.layers.wrapper import Wrapper
from lamina.layers.recurrent_base import deserialize_layer, serialize_layer

__all__ = ["Bidirectional", "TimeDistributed"]

_MERGES = {
    "concat": lambda a, b: jnp.concatenate([a, b], axis=-1),
    "sum": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "ave": lambda a, b: (a + b) / 2,
    None: lambda a, b: [a, b],
}


def _copy(layer: Layer, name: str, **changes) -> Layer:
    return type(layer).from_config({**layer.get_config(), "name": name, **changes})


def _strip(name: str, prefix: str) -> str:
    return name[len(prefix):] if name.startswith(prefix) else name


class Bidirectional(Layer):
    """Runs `layer` over the sequence and a backward copy of it over the reversed sequence, and
    merges their outputs (`merge_mode` concat, sum, mul, ave, or None for a list)."""

    supports_masking = True

    def __init__(self, layer: Layer, merge_mode: str | None = "concat", weights=None,
                 backward_layer: Layer | None = None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer) or not hasattr(layer, "go_backwards"):
            raise errors.ConfigError(errors.message(
                "wraps a recurrent layer.", where=errors.layer_label(self),
                got=f"layer={layer!r}", fix="Pass e.g. layers.LSTM(32, return_sequences=True)."))
        if merge_mode not in _MERGES:
            raise errors.ConfigError(errors.message(
                "got an unknown merge_mode.", where=errors.layer_label(self),
                expected="one of 'concat', 'sum', 'mul', 'ave' or None",
                got=f"merge_mode={merge_mode!r}"))
        self.forward_layer = _copy(layer, "forward_" + _strip(layer.name, "forward_"))
        if backward_layer is None:
            backward_layer = _copy(layer, "backward_" + _strip(layer.name, "backward_"),
                                   go_backwards=not layer.go_backwards)
        self.backward_layer = backward_layer
        self._check_pair()
        for rnn in (self.forward_layer, self.backward_layer):
            if hasattr(rnn, "zero_output_for_mask"):  # as Keras: masked steps output zeros
                rnn.zero_output_for_mask = rnn.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self._initial_weights = weights

    def _check_pair(self) -> None:
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise errors.ConfigError(errors.message(
                "needs layers that run in opposite directions.", where=errors.layer_label(self),
                got=f"go_backwards={forward.go_backwards} for both",
                fix="Give backward_layer go_backwards=True (or leave it out)."))
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(forward, attr) != getattr(backward, attr):
                raise errors.ConfigError(errors.message(
                    f"needs forward and backward layers with the same `{attr}`.",
                    where=errors.layer_label(self),
                    got=f"{getattr(forward, attr)} (forward) and "
                        f"{getattr(backward, attr)} (backward)"))

    def build(self, sequences_shape, initial_state_shape=None) -> None:
        self.forward_layer._maybe_build(sequences_shape)
        self.backward_layer._maybe_build(sequences_shape)

    def call(self, sequences, initial_state=None, mask=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, mask=mask,
                               training=training)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, mask=mask,
                                    training=training)
        states = ()
        if self.return_state:
            states, y, y_rev = (*y[1:], *y_rev[1:]), y[0], y_rev[0]
        if self.return_sequences:
            y_rev = jnp.flip(y_rev, axis=1)
        output = _MERGES[self.merge_mode](y, y_rev)
        if not self.return_state:
            return output
        return (*output, *states) if self.merge_mode is None else (output, *states)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        states = ()
        if self.return_state:
            shape, states = shape[0], tuple(shape[1:])
        if self.merge_mode == "concat":
            shape = (*shape[:-1], shape[-1] * 2)
        outputs = (shape, shape) if self.merge_mode is None else (shape,)
        if not self.return_state and self.merge_mode is not None:
            return shape
        return (*outputs, *states, *states)

    def compute_mask(self, inputs, previous_mask=None):
        mask = previous_mask[0] if isinstance(previous_mask, list) else previous_mask
        output = mask if self.return_sequences else None
        outputs = [output, output] if self.merge_mode is None else [output]
        if self.return_state:
            return outputs + [None] * (2 * len(self.forward_layer.state_size))
        return outputs if self.merge_mode is None else output

    def reset_state(self) -> None:
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    reset_states = reset_state

    def get_config(self) -> dict:
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": serialize_layer(self.forward_layer),
                "backward_layer": serialize_layer(self.backward_layer)}

    @classmethod
    def from_config(cls, config: dict) -> Bidirectional:
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"])
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_layer(config["backward_layer"])
        return super().from_config(config)


class TimeDistributed(Wrapper):
    """Applies `layer` to every time step (axis 1) of its input, with shared weights.

    The time axis folds into the batch axis for one call of `layer`; layers that compute batch
    statistics (BatchNormalization in training) therefore see all steps at once."""

    supports_masking = True

    def __init__(self, layer: Layer, **kwargs):
        if not isinstance(layer, Layer):
            raise errors.ConfigError(errors.message(
                "wraps a layer.", where="Layer TimeDistributed", got=f"layer={layer!r}",
                fix="Pass e.g. layers.Dense(8)."))
        super().__init__(layer, **kwargs)

    def _child_shape(self, input_shape) -> tuple:
        if len(input_shape) < 3:
            raise errors.ShapeError(errors.message(
                "received an input without a time axis.", where=errors.layer_label(self),
                expected="at least 3D input (batch, time, ...)",
                got=f"shape {tuple(input_shape)}",
                fix="Add a time axis, or call the wrapped layer directly."))
        batch, steps = input_shape[0], input_shape[1]
        folded = None if batch is None or steps is None else batch * steps
        return (folded, *input_shape[2:])

    def build(self, input_shape) -> None:
        self.layer._maybe_build(self._child_shape(input_shape))

    def call(self, inputs, training=None, mask=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        kwargs = {"training": training}
        if mask is not None and self.layer._call_has_mask:
            kwargs["mask"] = jnp.reshape(mask, (batch * steps, *mask.shape[2:]))
        folded = jnp.reshape(inputs, (batch * steps, *inputs.shape[2:]))
        outputs = self.layer(folded, **kwargs)
        return jnp.reshape(outputs, (batch, steps, *outputs.shape[1:]))

    def compute_output_shape(self, input_shape) -> tuple:
        child = self.layer.compute_output_shape(self._child_shape(input_shape))
        return (input_shape[0], input_shape[1], *child[1:])

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config: dict) -> TimeDistributed:
        return super().from_config({**config, "layer": deserialize_layer(config["layer"])})
