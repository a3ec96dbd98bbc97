"""SimpleRNN, LSTM and GRU: an RNN around the matching built-in cell, with Keras 3's arguments."""

from __future__ import annotations

from lamina import regularizers
from lamina.layers.base import Layer
from lamina.layers.recurrent_base import RNN
from lamina.layers.recurrent_cells import (GRUCell, LSTMCell, SimpleRNNCell, check_rate,
                                           check_units)

__all__ = ["GRU", "LSTM", "SimpleRNN"]

_LAYER_KEYS = {"return_sequences", "return_state", "go_backwards", "stateful", "unroll",
               "zero_output_for_mask", "name", "trainable", "dtype", "input_shape",
               "batch_input_shape", "batch_size", "input_dim", "weights"}
_CELL_BASE_KEYS = {"name", "trainable", "dtype"}


class _CellRNN(RNN):
    """An RNN whose cell is built from the layer's own arguments (`cell_class`)."""

    cell_class: type
    cell_name: str

    def __init__(self, units: int, activity_regularizer=None, use_cudnn="auto", **kwargs):
        name = kwargs.get("name")
        where = f"Layer '{name}' ({type(self).__name__})" if name else type(self).__name__
        check_units(where, units)
        for rate in ("dropout", "recurrent_dropout"):
            check_rate(where, rate, kwargs.get(rate, 0.0))
        layer_kwargs = {k: v for k, v in kwargs.items() if k in _LAYER_KEYS}
        cell_kwargs = {k: v for k, v in kwargs.items() if k not in _LAYER_KEYS}
        cell = self.cell_class(units, name=self.cell_name, dtype=kwargs.get("dtype"),
                               trainable=kwargs.get("trainable", True), **cell_kwargs)
        super().__init__(cell, activity_regularizer=regularizers.get(activity_regularizer),
                         **layer_kwargs)
        self.use_cudnn = use_cudnn  # accepted for Keras compatibility; XLA picks the kernels

    def __getattr__(self, name: str):
        # units, activation, dropout, ...: read through to the cell, as Keras's properties do
        cell = self.__dict__.get("cell")
        if cell is not None and not name.startswith("_") and name in cell.get_config():
            return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_config(self) -> dict:
        config = super().get_config()
        cell = config.pop("cell")["config"]
        cell = {k: v for k, v in cell.items() if k not in _CELL_BASE_KEYS}
        return {**config, **cell,
                "activity_regularizer": regularizers.serialize(self.activity_regularizer)}

    @classmethod
    def from_config(cls, config: dict) -> RNN:
        return Layer.from_config.__func__(cls, config)  # the cell comes from the arguments


class SimpleRNN(_CellRNN):
    """Fully connected RNN whose output is fed back as the next step's state."""

    cell_class, cell_name = SimpleRNNCell, "simple_rnn_cell"

    def __init__(self, units: int, activation="tanh", use_bias: bool = True, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)


class LSTM(_CellRNN):
    """Long short-term memory (Hochreiter 1997) over the time axis."""

    cell_class, cell_name = LSTMCell, "lstm_cell"

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, **kwargs):
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias, **kwargs)


class GRU(_CellRNN):
    """Gated recurrent unit (Cho et al. 2014); `reset_after=True` as Keras 3 (CuDNN layout)."""

    cell_class, cell_name = GRUCell, "gru_cell"

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, **kwargs):
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias, **kwargs)
