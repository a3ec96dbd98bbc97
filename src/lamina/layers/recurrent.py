"""Recurrent layers: cells, the RNN time loop, SimpleRNN / LSTM / GRU and the wrappers."""

from lamina.layers.recurrent_base import RNN
from lamina.layers.recurrent_cells import GRUCell, LSTMCell, SimpleRNNCell
from lamina.layers.recurrent_layers import GRU, LSTM, SimpleRNN
from lamina.layers.recurrent_wrappers import Bidirectional, TimeDistributed

__all__ = ["GRU", "Bidirectional", "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN",
           "SimpleRNNCell", "TimeDistributed"]
