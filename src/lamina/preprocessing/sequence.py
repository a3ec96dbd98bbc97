"""`keras.preprocessing.sequence`: padding sequences to one length."""

from lamina.utils.sequence import pad_sequences

__all__ = ["pad_sequences"]
