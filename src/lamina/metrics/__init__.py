"""Metrics with Keras 3 names and semantics whose state is a pytree of jax arrays.

Each metric has a pure, jittable core (`init`, `update`, `result_from`) that the training
engine runs on the device, and Keras's stateful API (`update_state`, `result`, `reset_state`)
on top of it for eager use.

Modules: `base` (`Metric`), `reduction_metrics` (`Sum`, `Mean`), `functions` and `registry`
(metric functions and their names), `wrappers` (`MeanMetricWrapper`), `accuracy_metrics`,
`loss_metrics`, `confusion` (threshold counts), `confusion_metrics`, `auc` and `lookup`
(`get`, `serialize`, `deserialize`).
"""
# ruff: noqa: F401

from __future__ import annotations

# Imported by the single-module `lamina.metrics` and still reachable through it.
from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from lamina import config, losses
from lamina._catalog import function_config, function_name, snake_case
from lamina.errors import ConfigError, unknown_name
from lamina.losses.arrays import Array, divide_no_nan, squeeze_or_expand_to_same_rank

from lamina.metrics.accuracy_metrics import (Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                             SparseCategoricalAccuracy,
                                             SparseTopKCategoricalAccuracy,
                                             TopKCategoricalAccuracy)
from lamina.metrics.auc import AUC, _interpolated_pr_auc
from lamina.metrics.base import Metric, State
from lamina.metrics.confusion import (COUNTS, NEG_INF, _bucketed_counts, _evenly_distributed,
                                      _filter_top_k, _parse_thresholds, confusion_counts)
from lamina.metrics.confusion_metrics import (FalseNegatives, FalsePositives, Precision, Recall,
                                              TrueNegatives, TruePositives, _ConditionCount,
                                              _ConfusionMetric, _condition_count)
from lamina.metrics.functions import (_argmax_matches, _floatx, _in_top_k, accuracy,
                                      binary_accuracy, categorical_accuracy, cosine_similarity,
                                      sparse_categorical_accuracy,
                                      sparse_top_k_categorical_accuracy,
                                      top_k_categorical_accuracy)
from lamina.metrics.lookup import (_ABSTRACT, CLASSES, NAMES, _accuracy_for, deserialize, get,
                                   serialize)
from lamina.metrics.loss_metrics import (BinaryCrossentropy, CategoricalCrossentropy,
                                         CategoricalHinge, CosineSimilarity, Hinge, KLDivergence,
                                         LogCoshError, MeanAbsoluteError,
                                         MeanAbsolutePercentageError, MeanSquaredError,
                                         MeanSquaredLogarithmicError, Poisson,
                                         RootMeanSquaredError, SparseCategoricalCrossentropy,
                                         SquaredHinge)
from lamina.metrics.reduction_metrics import Mean, Sum, _samplewise
from lamina.metrics.registry import FUNCTIONS, _resolve_function
from lamina.metrics.wrappers import MeanMetricWrapper, _BuiltinMetric, _simple_metric
