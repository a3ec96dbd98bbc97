"""`Loss` classes for the focal crossentropies, Dice and Tversky, each wrapping its function
in `focal_and_overlap` (kept apart from the functions, which the name registry imports)."""

from __future__ import annotations

from typing import Any

from lamina.losses.classes import _BuiltinLoss
from lamina.losses.focal_and_overlap import (Axis, binary_focal_crossentropy,
                                             categorical_focal_crossentropy, dice, tversky)


class BinaryFocalCrossentropy(_BuiltinLoss):
    """Binary crossentropy scaled by `(1 - p_t) ** gamma`, optionally class-balanced."""
    fn = staticmethod(binary_focal_crossentropy)
    default_name = "binary_focal_crossentropy"

    def __init__(self, apply_class_balancing: bool = False, alpha: float = 0.25,
                 gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                 axis: int = -1, reduction: str | None = "sum_over_batch_size",
                 name: str | None = "binary_focal_crossentropy", dtype: Any = None):
        super().__init__(reduction, name, dtype, apply_class_balancing=apply_class_balancing,
                         alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(_BuiltinLoss):
    """Categorical crossentropy scaled by `alpha * (1 - p) ** gamma`."""
    fn = staticmethod(categorical_focal_crossentropy)
    default_name = "categorical_focal_crossentropy"

    def __init__(self, alpha: Any = 0.25, gamma: float = 2.0, from_logits: bool = False,
                 label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size",
                 name: str | None = "categorical_focal_crossentropy", dtype: Any = None):
        super().__init__(reduction, name, dtype, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class Dice(_BuiltinLoss):
    """One minus the Dice coefficient over `axis` (all axes when None)."""
    fn = staticmethod(dice)
    default_name = "dice"

    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str | None = "dice", axis: Axis = None, dtype: Any = None):
        super().__init__(reduction, name, dtype, axis=axis)


class Tversky(_BuiltinLoss):
    """One minus the Tversky index, weighting false positives by `alpha`, negatives by
    `beta`."""
    fn = staticmethod(tversky)
    default_name = "tversky"

    def __init__(self, alpha: float = 0.5, beta: float = 0.5,
                 reduction: str | None = "sum_over_batch_size", name: str | None = "tversky",
                 axis: Axis = None, dtype: Any = None):
        super().__init__(reduction, name, dtype, alpha=alpha, beta=beta, axis=axis)
