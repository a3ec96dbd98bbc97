"""Metrics that average a function of `(y_true, y_pred)`: `MeanMetricWrapper` for any
function, and the base and factory of the built-in metric classes."""

from __future__ import annotations

from typing import Any, Callable

from lamina import losses
from lamina._catalog import function_config, snake_case
from lamina.metrics.base import Metric, State
from lamina.metrics.reduction_metrics import Mean
from lamina.metrics.registry import _resolve_function


class MeanMetricWrapper(Mean):
    """The mean over samples of `fn(y_true, y_pred, **kwargs)`."""

    def __init__(self, fn: Callable, name: str | None = None, dtype: Any = None,
                 **kwargs: Any):
        fn = _resolve_function(fn)
        super().__init__(name or snake_case(getattr(fn, "__name__", "metric")), dtype)
        self.fn = fn
        self._fn_kwargs = kwargs
        if fn in losses.FUNCTIONS.values():
            self.direction = "down"

    def update(self, state: State, y_true: Any, y_pred: Any,
               sample_weight: Any = None) -> State:
        values = self.fn(y_true, y_pred, **self._fn_kwargs)
        return self._accumulate(state, values, sample_weight)

    def get_config(self) -> dict:
        return {**super().get_config(), "fn": function_config(self.fn, "metric"),
                **self._fn_kwargs}


class _BuiltinMetric(MeanMetricWrapper):
    """A Keras metric class: a fixed function, its default name and keyword arguments."""

    fn: Callable
    default_name: str

    def __init__(self, name: str | None = None, dtype: Any = None, **kwargs: Any):
        super().__init__(type(self).fn, name or self.default_name, dtype, **kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def get_config(self) -> dict:
        return {**Metric.get_config(self), **self._fn_kwargs}


def _simple_metric(class_name: str, fn: Callable, default_name: str, direction: str, *,
                   module: str) -> type:
    """A parameterless metric class `ClassName(name, dtype)` averaging `fn`, defined in the
    module named `module` (the caller's `__name__`)."""

    def __init__(self, name: str | None = None, dtype: Any = None):
        _BuiltinMetric.__init__(self, name, dtype)

    __init__.__qualname__ = f"{class_name}.__init__"

    doc = f"The mean of `{fn.__name__}` (default name {default_name!r})."
    return type(class_name, (_BuiltinMetric,), {
        "fn": staticmethod(fn), "default_name": default_name, "direction": direction,
        "__init__": __init__, "__doc__": doc, "__module__": module})
