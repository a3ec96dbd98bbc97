"""Recurrent layers: cells, the RNN time loop, SimpleRNN / LSTM / GRU and the wrappers."""

from lamina.layers.recurrent_base import RNN
from lamina.layers.recurrent_cells import GRUCell, LSTMCell, SimpleRNNCell
from lamina.layers.recurrent_layers import GRU, LSTM, SimpleRNN

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN", "SimpleRNNCell"]
