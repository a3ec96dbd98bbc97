"""Metrics with Keras 3 names and semantics whose state is a pytree of jax arrays.

Each metric has a pure, jittable core (`init`, `update`, `result_from`) that the training
engine runs on the device, and Keras's stateful API (`update_state`, `result`, `reset_state`)
on top of it for eager use.

Modules: `base` (`Metric`), `reduction_metrics` (`Sum`, `Mean`), `functions` and `registry`
(metric functions and their names), `wrappers` (`MeanMetricWrapper`), `accuracy_metrics`,
`loss_metrics`, `confusion` (threshold counts), `confusion_metrics`, `auc`,
`fscore_and_r2` (`FBetaScore`, `F1Score`, `R2Score`), `iou` (the IoU family),
`correlation` / `correlation_metrics` (Pearson and concordance correlation),
`sensitivity_specificity` (`PrecisionAtRecall` and its kin) and `lookup`
(`get`, `serialize`, `deserialize`). The loss functions Keras re-exports as metric functions
are `lamina.losses`'s own.
"""
# ruff: noqa: F401

from __future__ import annotations

# Keras's metric functions that are its loss functions (`keras.metrics.hinge is
# keras.losses.hinge`): the same objects here.
from lamina.losses import (binary_crossentropy, binary_focal_crossentropy,
                           categorical_crossentropy, categorical_focal_crossentropy,
                           categorical_hinge, hinge, huber, kl_divergence, log_cosh,
                           mean_absolute_error, mean_absolute_percentage_error,
                           mean_squared_error, mean_squared_logarithmic_error, poisson,
                           sparse_categorical_crossentropy, squared_hinge)
from lamina.metrics.accuracy_metrics import (Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                             SparseCategoricalAccuracy,
                                             SparseTopKCategoricalAccuracy,
                                             TopKCategoricalAccuracy)
from lamina.metrics.auc import AUC
from lamina.metrics.base import Metric, State
from lamina.metrics.confusion import (COUNTS, NEG_INF, confusion_counts)
from lamina.metrics.confusion_metrics import (FalseNegatives, FalsePositives, Precision, Recall,
                                              TrueNegatives, TruePositives)
from lamina.metrics.correlation import concordance_correlation, pearson_correlation
from lamina.metrics.correlation_metrics import ConcordanceCorrelation, PearsonCorrelation
from lamina.metrics.fscore_and_r2 import F1Score, FBetaScore, R2Score
from lamina.metrics.functions import (accuracy,
                                      binary_accuracy, categorical_accuracy, cosine_similarity,
                                      sparse_categorical_accuracy,
                                      sparse_top_k_categorical_accuracy,
                                      top_k_categorical_accuracy)
from lamina.metrics.iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
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
from lamina.metrics.sensitivity_specificity import (PrecisionAtRecall, RecallAtPrecision,
                                                    SensitivityAtSpecificity,
                                                    SpecificityAtSensitivity)
from lamina.metrics.wrappers import MeanMetricWrapper
