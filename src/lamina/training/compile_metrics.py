"""The compiled metrics as one Keras metric (Keras's `CompileMetrics`), and the loss tracker:
what `model.metrics` lists for custom training steps."""

from __future__ import annotations

from typing import Any

from lamina.metrics.base import Metric


class CompileMetrics(Metric):
    """All metrics given to `compile`, updated together; the result is a dict by name."""

    def __init__(self, metrics: list, name: str = "compile_metrics"):
        super().__init__(name=name)
        self.metrics = list(metrics)

    def init(self) -> list:
        return [m.init() for m in self.metrics]

    def update(self, state: list, y_true: Any, y_pred: Any, sample_weight: Any = None) -> list:
        return [m.update(s, y_true, y_pred, sample_weight) for m, s in zip(self.metrics, state)]

    def result_from(self, state: list) -> dict:
        return {m.name: m.result_from(s) for m, s in zip(self.metrics, state)}


def keras_log_names(names: list[str], weighted: list[bool]) -> list[str]:
    """The names Keras 3's `CompileMetrics.result` logs metrics under: a repeated name gets
    `_1`, `_2`, ...; a weighted metric repeating a name is `weighted_<name>` (then numbered),
    so `metrics=['mae'], weighted_metrics=['mae']` logs 'mae' and 'weighted_mae'."""
    counters: dict[str, int] = {}
    result = []
    for name, is_weighted in zip(names, weighted):
        if name in counters and is_weighted:
            name = f"weighted_{name}"
        if name in counters:
            counters[name] += 1
            name = f"{name}_{counters[name] - 1}"
        else:
            counters[name] = 1
        result.append(name)
    return result
