"""Metrics with Keras 3 names and semantics whose state is a pytree of jax arrays.

Each metric has a pure, jittable core (`init`, `update`, `result_from`) that the training
engine runs on the device, and Keras's stateful API (`update_state`, `result`, `reset_state`)
on top of it for eager use.

Modules: `base` (`Metric`), `reduction_metrics` (`Sum`, `Mean`), `functions` and `registry`
(metric functions and their names), `wrappers` (`MeanMetricWrapper`), `accuracy_metrics`,
`loss_metrics`, `confusion` (threshold counts), `confusion_metrics`, `auc`,
`fscore_and_r2` (`FBetaScore`, `F1Score`, `R2Score`) and `lookup`
(`get`, `serialize`, `deserialize`).
"""
# ruff: noqa: F401

from __future__ import annotations

from lamina.metrics.accuracy_metrics import (Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                             SparseCategoricalAccuracy,
                                             SparseTopKCategoricalAccuracy,
                                             TopKCategoricalAccuracy)
from lamina.metrics.auc import AUC
from lamina.metrics.base import Metric, State
from lamina.metrics.confusion import (COUNTS, NEG_INF, confusion_counts)
from lamina.metrics.confusion_metrics import (FalseNegatives, FalsePositives, Precision, Recall,
                                              TrueNegatives, TruePositives)
from lamina.metrics.fscore_and_r2 import F1Score, FBetaScore, R2Score
from lamina.metrics.functions import (accuracy,
                                      binary_accuracy, categorical_accuracy, cosine_similarity,
                                      sparse_categorical_accuracy,
                                      sparse_top_k_categorical_accuracy,
                                      top_k_categorical_accuracy)
from lamina.metrics.lookup import (CLASSES, NAMES, deserialize, get,
                                   serialize)
from lamina.metrics.loss_metrics import (BinaryCrossentropy, CategoricalCrossentropy,
                                         CategoricalHinge, CosineSimilarity, Hinge, KLDivergence,
                                         LogCoshError, MeanAbsoluteError,
                                         MeanAbsolutePercentageError, MeanSquaredError,
                                         MeanSquaredLogarithmicError, Poisson,
                                         RootMeanSquaredError, SparseCategoricalCrossentropy,
                                         SquaredHinge)
from lamina.metrics.reduction_metrics import Mean, Sum
from lamina.metrics.registry import FUNCTIONS
from lamina.metrics.wrappers import MeanMetricWrapper
