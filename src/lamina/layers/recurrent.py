"""Recurrent layers: cells, the RNN time loop, SimpleRNN / LSTM / GRU, ConvLSTM and wrappers."""

from lamina.layers.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from lamina.layers.recurrent_base import RNN
from lamina.layers.recurrent_cells import GRUCell, LSTMCell, SimpleRNNCell
from lamina.layers.recurrent_layers import GRU, LSTM, SimpleRNN
from lamina.layers.recurrent_stacked import StackedRNNCells
from lamina.layers.recurrent_wrappers import Bidirectional, TimeDistributed

__all__ = ["GRU", "Bidirectional", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "GRUCell", "LSTM",
           "LSTMCell", "RNN", "SimpleRNN", "SimpleRNNCell", "StackedRNNCells", "TimeDistributed"]
