"""The built-in loss functions by name (Keras's names and aliases), and their lookup."""

from __future__ import annotations

from typing import Any, Callable

from lamina._catalog import function_name
from lamina.errors import ConfigError, unknown_name
from lamina.losses.arrays import Array
from lamina.losses.ctc_circle_gce import categorical_generalized_cross_entropy, circle, ctc
from lamina.losses.focal_and_overlap import (binary_focal_crossentropy,
                                             categorical_focal_crossentropy, dice, tversky)
from lamina.losses.margin import categorical_hinge, hinge, squared_hinge
from lamina.losses.probabilistic import (binary_crossentropy, categorical_crossentropy,
                                         kl_divergence, poisson,
                                         sparse_categorical_crossentropy)
from lamina.losses.regression import (cosine_similarity, huber, log_cosh, mean_absolute_error,
                                      mean_absolute_percentage_error, mean_squared_error,
                                      mean_squared_logarithmic_error)

LossFn = Callable[..., Array]

FUNCTIONS: dict[str, LossFn] = {fn.__name__: fn for fn in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, huber, log_cosh, kl_divergence, poisson,
    hinge, squared_hinge, categorical_hinge, categorical_crossentropy,
    sparse_categorical_crossentropy, binary_crossentropy, binary_focal_crossentropy,
    categorical_focal_crossentropy, dice, tversky, circle, ctc,
    categorical_generalized_cross_entropy)}
FUNCTIONS.update({alias: FUNCTIONS[name] for name, aliases in {
    "binary_crossentropy": ("bce", "BCE"),
    "kl_divergence": ("kld", "KLD", "kullback_leibler_divergence"),
    "mean_absolute_error": ("mae", "MAE"), "mean_squared_error": ("mse", "MSE"),
    "mean_absolute_percentage_error": ("mape", "MAPE"),
    "mean_squared_logarithmic_error": ("msle", "MSLE"), "log_cosh": ("logcosh",),
}.items() for alias in aliases})

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy


def _resolve_function(fn: Any) -> LossFn:
    """A loss function from a callable, a function name (built-in, registered or in a
    `custom_object_scope`), or its serialized form."""
    if isinstance(fn, dict):
        fn = function_name(fn)
    if isinstance(fn, str):
        return FUNCTIONS.get(fn) or _custom_function(fn, "loss function", FUNCTIONS)
    if not callable(fn):
        raise ConfigError(f"Expected a loss function. Received: fn={fn!r}")
    return fn


def _custom_function(name: str, kind: str, known) -> Callable:
    """A registered or scoped function called `name`; UnknownNameError when none is."""
    from lamina.saving.registry import find_object

    found = find_object(name)
    if not callable(found):
        raise unknown_name(kind, name, known)
    return found
