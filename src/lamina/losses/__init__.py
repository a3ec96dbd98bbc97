"""Losses with Keras 3 names and semantics, written in pure jax.numpy (jittable).

Loss *functions* map `(y_true, y_pred)` to per-sample values (the last axis reduced);
`Loss` *objects* add sample weighting, an optional padding `mask` and a reduction to a scalar.

Modules: `arrays` (shape helpers), `regression`, `margin`, `probabilistic`,
`focal_and_overlap` and `ctc_circle_gce` (the loss functions), `reduction` (weights, masks,
reductions), `registry` (functions by name), `base` (`Loss`, `LossFunctionWrapper`), `classes`,
`focal_and_overlap_classes` and `ctc_circle_gce_classes` (the built-in loss classes) and
`lookup` (`get`, `serialize`, `deserialize`).
"""
# ruff: noqa: F401

from __future__ import annotations

from lamina.losses.arrays import (Array, divide_no_nan,
                                  expand_trailing, squeeze_or_expand_to_same_rank)
from lamina.losses.base import Loss, LossFunctionWrapper
from lamina.losses.classes import (BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge,
                                   CosineSimilarity, Hinge, Huber, KLDivergence, LogCosh,
                                   MeanAbsoluteError, MeanAbsolutePercentageError,
                                   MeanSquaredError, MeanSquaredLogarithmicError, Poisson,
                                   SparseCategoricalCrossentropy, SquaredHinge)
from lamina.losses.ctc_circle_gce import (categorical_generalized_cross_entropy, circle,
                                          ctc)
from lamina.losses.ctc_circle_gce_classes import (CTC, CategoricalGeneralizedCrossEntropy,
                                                  Circle)
from lamina.losses.focal_and_overlap import (binary_focal_crossentropy,
                                             categorical_focal_crossentropy, dice, tversky)
from lamina.losses.focal_and_overlap_classes import (BinaryFocalCrossentropy,
                                                     CategoricalFocalCrossentropy, Dice, Tversky)
from lamina.losses.lookup import (CLASSES, deserialize, get,
                                  is_binary_or_sparse_categorical, serialize)
from lamina.losses.margin import categorical_hinge, hinge, squared_hinge
from lamina.losses.probabilistic import (binary_crossentropy,
                                         categorical_crossentropy, kl_divergence, poisson,
                                         sparse_categorical_crossentropy,
                                         sparse_categorical_crossentropy_with_mask)
from lamina.losses.reduction import (REDUCTIONS, reduce_weighted_values, standardize_reduction)
from lamina.losses.registry import (BCE, FUNCTIONS, KLD, MAE, MAPE, MSE, MSLE, LossFn,
                                    bce, kld, kullback_leibler_divergence,
                                    logcosh, mae, mape, mse, msle)
from lamina.losses.regression import (cosine_similarity, huber, l2_normalize, log_cosh,
                                      mean_absolute_error, mean_absolute_percentage_error,
                                      mean_squared_error, mean_squared_logarithmic_error)
