"""`AUC`: area under the ROC or PR curve from confusion counts at fixed thresholds."""

from __future__ import annotations

from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from lamina import config
from lamina.errors import ConfigError
from lamina.losses.arrays import Array, divide_no_nan
from lamina.metrics.base import Metric, State
from lamina.metrics.confusion import COUNTS, _evenly_distributed, confusion_counts


class AUC(Metric):
    """Area under the ROC or PR curve, from counts at `num_thresholds` thresholds."""
    direction = "up"

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None,
                 dtype: Any = None, thresholds: Sequence[float] | None = None,
                 multi_label: bool = False, num_labels: int | None = None,
                 label_weights: Any = None, from_logits: bool = False):
        super().__init__(name, dtype)
        if multi_label or num_labels:
            raise ConfigError("AUC(multi_label=True) is not supported by lamina yet.")
        self.curve = {"roc": "ROC", "pr": "PR"}.get(str(curve).lower())
        self.summation_method = str(summation_method).lower()
        if self.curve is None or self.summation_method not in (
                "interpolation", "majoring", "minoring"):
            raise ConfigError(f"Invalid AUC curve {curve!r} or summation_method "
                              f"{summation_method!r}: expected 'ROC'/'PR' and "
                              "'interpolation'/'majoring'/'minoring'.")
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(thresholds)
            self.num_thresholds = len(inner) + 2
            self._evenly = _evenly_distributed([0.0, *inner, 1.0])
        else:
            if num_thresholds <= 1:
                raise ConfigError("Argument `num_thresholds` must be an integer > 1. "
                                  f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        eps = config.epsilon()
        self.thresholds = [0.0 - eps, *inner, 1.0 + eps]
        self.multi_label, self.num_labels = multi_label, num_labels
        self.label_weights = None if label_weights is None else list(np.ravel(label_weights))
        self.from_logits = from_logits

    def init(self) -> State:
        return {k: jnp.zeros((self.num_thresholds,), self.dtype) for k in COUNTS}

    def update(self, state: State, y_true: Any, y_pred: Any,
               sample_weight: Any = None) -> State:
        if self.from_logits:
            y_pred = jax.nn.sigmoid(jnp.asarray(y_pred))
        counts = confusion_counts(y_true, y_pred, self.thresholds, dtype=self.dtype,
                                  evenly=self._evenly, sample_weight=sample_weight,
                                  label_weights=self.label_weights)
        return {k: state[k] + counts[k] for k in state}

    def result_from(self, state: State) -> Array:
        tp, fp, tn, fn = (state[k] for k in COUNTS)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return _interpolated_pr_auc(tp, fp, fn)
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        else:
            heights = (jnp.minimum if self.summation_method == "minoring" else jnp.maximum)(
                y[:-1], y[1:])
        return jnp.sum((x[:-1] - x[1:]) * heights)

    def get_config(self) -> dict:
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": self.label_weights, "from_logits": self.from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config


def _interpolated_pr_auc(tp: Array, fp: Array, fn: Array) -> Array:
    """PR-AUC by Davis & Goadrich's interpolation, as Keras computes it."""
    dtp = tp[:-1] - tp[1:]
    p = tp + fp
    dp = p[:-1] - p[1:]
    prec_slope = divide_no_nan(dtp, jnp.maximum(dp, 0))
    intercept = tp[1:] - prec_slope * p[1:]
    safe_p_ratio = jnp.where((p[:-1] > 0) & (p[1:] > 0),
                             divide_no_nan(p[:-1], jnp.maximum(p[1:], 0)), jnp.ones_like(p[1:]))
    increment = divide_no_nan(prec_slope * (dtp + intercept * jnp.log(safe_p_ratio)),
                              jnp.maximum(tp[1:] + fn[1:], 0))
    return jnp.sum(increment)
