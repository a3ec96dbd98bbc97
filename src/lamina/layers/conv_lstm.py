"""ConvLSTM1D, ConvLSTM2D and ConvLSTM3D: an LSTM whose input and recurrent transformations are
convolutions, on the RNN base (recurrent_base.py) with Keras 3's weight layout.

The cell keeps `kernel` (*kernel_size, in_channels, 4 * filters), `recurrent_kernel`
(*kernel_size, filters, 4 * filters) and `bias` (4 * filters,), gates i, f, c, o side by side,
so Keras's files load. Its convolutions are those of Conv1D/2D/3D (`_Conv.convolution_op`: the
matmul form on CPU, else `lax.conv_general_dilated`), held as private, unbuilt conv layers.
"""

from __future__ import annotations

import jax.numpy as jnp

from lamina import errors, random, regularizers
from lamina.layers import conv_utils as cu
from lamina.layers.base import Layer
from lamina.layers.conv import Conv1D, Conv2D, Conv3D, bias_shaped, positive_int
from lamina.layers.input_spec import InputSpec
from lamina.layers.recurrent_base import RNN
from lamina.layers.recurrent_cells import LSTMCell

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]

_CONVS = {1: Conv1D, 2: Conv2D, 3: Conv3D}
_CELL_KEYS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
              "activation", "recurrent_activation", "use_bias", "kernel_initializer",
              "recurrent_initializer", "bias_initializer", "unit_forget_bias",
              "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
              "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
              "recurrent_dropout", "seed")


class ConvLSTMCell(LSTMCell):
    """One ConvLSTM step on (batch, *spatial, channels) inputs (Keras's `ConvLSTMCell`, which
    Keras does not export either). Dropout draws one mask per gate, fixed across time."""

    def __init__(self, rank: int, filters: int, kernel_size, strides=1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate=1, **kwargs):
        super().__init__(filters, **kwargs)
        if rank not in _CONVS:
            raise ValueError(f"Rank {rank} convolutions are not currently implemented. "
                             f"Received: rank={rank}")
        where = errors.layer_label(self)
        self.rank, self.filters = rank, filters
        self.padding = cu.normalize_padding(padding, where)
        self.data_format = cu.normalize_data_format(data_format, where)
        conv = _CONVS[rank]
        self._input_conv = conv(4 * filters, kernel_size, strides=strides, padding=padding,
                                data_format=self.data_format, dilation_rate=dilation_rate,
                                name=f"{self.name}_input_conv")
        self._recurrent_conv = conv(4 * filters, kernel_size, padding="same",
                                    data_format=self.data_format,
                                    name=f"{self.name}_recurrent_conv")
        self.kernel_size = self._input_conv.kernel_size
        self.strides = self._input_conv.strides
        self.dilation_rate = self._input_conv.dilation_rate
        self._channel_axis = 1 if self.data_format == "channels_first" else -1

    def build(self, input_shape) -> None:
        spatial = tuple(input_shape[a] for a in cu.spatial_axes(self.rank, self.data_format))
        if None in spatial:
            raise ValueError("ConvLSTM layers only support static input shapes for the spatial "
                             f"dimension. Received invalid input shape: input_shape="
                             f"{tuple(input_shape)}")
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError("The channel dimension of the inputs (last axis) should be "
                             f"defined. Found None. Full input shape received: "
                             f"input_shape={tuple(input_shape)}")
        self.spatial_dims, self.input_dim = spatial, channels
        self._state_shape = self.compute_output_shape(input_shape)[0][1:]
        f4 = 4 * self.filters
        self.kernel = self.add_weight(name="kernel", shape=(*self.kernel_size, channels, f4),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel", shape=(*self.kernel_size, self.filters, f4),
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(f4,), initializer=self._bias_init(),
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def get_initial_state(self, batch_size=None) -> list:
        return [jnp.zeros((batch_size, *self._state_shape), self.compute_dtype) for _ in range(2)]

    def _draw(self, like, rate: float, training: bool):
        """Four masks (one per gate) stacked on a new leading axis, as Keras draws them."""
        if not training or rate == 0:
            return None
        return random.dropout(jnp.ones((4, *like.shape), like.dtype), rate,
                              seed=self.seed_generator)

    def _gate_convs(self, conv: Layer, x, kernel, mask):
        """The four gates' convolutions side by side; with dropout, each gate sees its own
        masked copy of `x` (and its quarter of the kernel)."""
        if mask is None:
            return conv.convolution_op(x, kernel)
        quarters = jnp.split(kernel, 4, axis=-1)
        return jnp.concatenate([conv.convolution_op(x * m, k) for m, k in zip(mask, quarters)],
                               axis=self._channel_axis)

    def call(self, inputs, states, training=False):
        h, c = states[0], states[1]
        masks = self._masks or (self._draw(inputs, self.dropout, training),
                                self._draw(h, self.recurrent_dropout, training))
        z = self._gate_convs(self._input_conv, inputs, self.kernel.value, masks[0])
        if self.bias is not None:
            z = z + bias_shaped(self.bias.value, self.rank, self.data_format)
        z = z + self._gate_convs(self._recurrent_conv, h, self.recurrent_kernel.value, masks[1])
        i, f, g, o = jnp.split(z, 4, axis=self._channel_axis)
        act, rec_act = self.activation, self.recurrent_activation
        c = rec_act(f) * c + rec_act(i) * act(g)
        h = rec_act(o) * act(c)
        return h, [h, c]

    def fused_step(self):
        return None  # convolutions: the generic scan over `call`

    def compute_output_shape(self, inputs_shape, states_shape=None):
        shape = list(self._input_conv.compute_output_shape(inputs_shape))
        shape[self._channel_axis] = self.filters  # the convolution computes all four gates
        return tuple(shape), [tuple(shape), tuple(shape)]

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("units")
        return {**config, "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding,
                "data_format": self.data_format, "dilation_rate": self.dilation_rate}


class ConvLSTM(RNN):
    """The N-D convolutional LSTM layer (`rank` set by ConvLSTM1D/2D/3D)."""

    rank: int = 0

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate=1, activation="tanh",
                 recurrent_activation="sigmoid", use_bias: bool = True,
                 activity_regularizer=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: int | None = None,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, **kwargs):
        positive_int(filters, "filters", kwargs.get("name") or type(self).__name__)
        cell_kwargs = {k: kwargs.pop(k) for k in _CELL_KEYS if k in kwargs}
        cell = ConvLSTMCell(self.rank, filters, kernel_size, strides=strides, padding=padding,
                            data_format=data_format, dilation_rate=dilation_rate,
                            activation=activation, recurrent_activation=recurrent_activation,
                            use_bias=use_bias, dropout=dropout,
                            recurrent_dropout=recurrent_dropout, seed=seed,
                            name="conv_lstm_cell", dtype=kwargs.get("dtype"), **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful,
                         activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        self.input_spec = InputSpec(ndim=self.rank + 3)

    def __getattr__(self, name: str):
        # filters, kernel_size, dropout, ...: read through to the cell, as Keras's properties
        cell = self.__dict__.get("cell")
        if cell is not None and name in _CELL_KEYS:
            return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        state = self.cell.compute_output_shape((batch, *sequences_shape[2:]))[0]
        output = (batch, steps, *state[1:]) if self.return_sequences else state
        return (output, state, state) if self.return_state else output

    def get_config(self) -> dict:
        config = super().get_config()
        cell = config.pop("cell")["config"]
        return {**config, **{k: cell[k] for k in _CELL_KEYS},
                "activity_regularizer": regularizers.serialize(self.activity_regularizer)}

    @classmethod
    def from_config(cls, config: dict) -> ConvLSTM:
        return Layer.from_config.__func__(cls, config)  # the cell comes from the arguments


class ConvLSTM1D(ConvLSTM):
    """1D convolutional LSTM over (batch, time, steps, channels) inputs."""

    rank = 1


class ConvLSTM2D(ConvLSTM):
    """2D convolutional LSTM over (batch, time, rows, cols, channels) inputs."""

    rank = 2


class ConvLSTM3D(ConvLSTM):
    """3D convolutional LSTM over (batch, time, depth, rows, cols, channels) inputs."""

    rank = 3
