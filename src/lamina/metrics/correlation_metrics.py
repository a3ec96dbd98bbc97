"""`PearsonCorrelation` and `ConcordanceCorrelation`: the mean over samples of the
correlation coefficients of `correlation`, with Keras's names, arguments and configs."""

from __future__ import annotations

from typing import Any

from lamina.metrics.correlation import concordance_correlation, pearson_correlation
from lamina.metrics.wrappers import _BuiltinMetric


class PearsonCorrelation(_BuiltinMetric):
    """The mean over samples of the Pearson correlation coefficient along `axis`."""
    fn = staticmethod(pearson_correlation)
    default_name = "pearson_correlation"
    direction = "up"

    def __init__(self, name: str = "pearson_correlation", dtype: Any = None, axis: int = -1):
        super().__init__(name, dtype, axis=axis)


class ConcordanceCorrelation(_BuiltinMetric):
    """The mean over samples of the concordance correlation coefficient along `axis`."""
    fn = staticmethod(concordance_correlation)
    default_name = "concordance_correlation"
    direction = "up"

    def __init__(self, name: str = "concordance_correlation", dtype: Any = None,
                 axis: int = -1):
        super().__init__(name, dtype, axis=axis)
