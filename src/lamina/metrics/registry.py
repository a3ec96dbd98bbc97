"""Every metric function by name (the loss functions and aliases included), and their
lookup."""

from __future__ import annotations

from typing import Any, Callable

from lamina import losses
from lamina._catalog import function_name
from lamina.errors import ConfigError
from lamina.losses.registry import _custom_function
from lamina.metrics.correlation import concordance_correlation, pearson_correlation
from lamina.metrics.functions import (accuracy, binary_accuracy, categorical_accuracy,
                                      cosine_similarity, sparse_categorical_accuracy,
                                      sparse_top_k_categorical_accuracy,
                                      top_k_categorical_accuracy)

FUNCTIONS: dict[str, Callable] = {**losses.FUNCTIONS, **{fn.__name__: fn for fn in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, cosine_similarity,
    pearson_correlation, concordance_correlation)}}


def _resolve_function(fn: Any) -> Callable:
    """A metric function from a callable, a function name (built-in, registered or in a
    `custom_object_scope`), or its serialized form."""
    if isinstance(fn, dict):
        fn = function_name(fn)
    if isinstance(fn, str):
        return FUNCTIONS.get(fn) or _custom_function(fn, "metric function", FUNCTIONS)
    if not callable(fn):
        raise ConfigError(f"Expected a metric function. Received: fn={fn!r}")
    return fn
