"""`Loss` classes for CTC, Circle and the categorical generalized crossentropy, each wrapping
its function in `ctc_circle_gce` (kept apart from the functions, which the name registry
imports)."""

from __future__ import annotations

from typing import Any

from lamina.losses.classes import _BuiltinLoss
from lamina.losses.ctc_circle_gce import categorical_generalized_cross_entropy, circle, ctc


class CTC(_BuiltinLoss):
    """Connectionist Temporal Classification loss of logits (batch, time, classes) for
    integer labels (batch, max_length) padded with the blank class 0."""
    fn = staticmethod(ctc)
    default_name = "ctc"

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = "ctc",
                 dtype: Any = None):
        super().__init__(reduction, name, dtype)


class Circle(_BuiltinLoss):
    """Circle loss between integer labels and L2-normalised embeddings of one batch; rows
    with no positive or no negative in the batch are left out of the mean."""
    fn = staticmethod(circle)
    default_name = "circle"

    def __init__(self, gamma: float = 80.0, margin: float = 0.4, remove_diagonal: bool = True,
                 reduction: str | None = "sum_over_batch_size", name: str | None = "circle",
                 dtype: Any = None):
        super().__init__(reduction, name, dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)


class CategoricalGeneralizedCrossEntropy(_BuiltinLoss):
    """Generalized crossentropy `(1 - p ** q) / q` of probabilities for integer labels, robust
    to noisy labels; `q` in (0, 1)."""
    fn = staticmethod(categorical_generalized_cross_entropy)
    default_name = "categorical_generalized_cross_entropy"

    def __init__(self, q: float = 0.5, reduction: str | None = "sum_over_batch_size",
                 name: str | None = "categorical_generalized_cross_entropy",
                 dtype: Any = None):
        if not 0 < q < 1:
            raise ValueError(f"q must be in the interval (0, 1). Received: q={q}")
        super().__init__(reduction, name, dtype, q=q)
