"""Callbacks: hooks into `fit`, `evaluate` and `predict` (one callback per module)."""

from lamina.callbacks.base import Callback, CallbackList
from lamina.callbacks.history import History
from lamina.callbacks.lambda_callback import LambdaCallback
from lamina.callbacks.progbar_logger import ProgbarLogger

__all__ = ["Callback", "CallbackList", "History", "LambdaCallback", "ProgbarLogger"]
