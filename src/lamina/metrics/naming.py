"""Default metric names, as Keras 3 gives them.

Keras's `Metric.__init__` names an unnamed metric `auto_name(class name)`: the snake-case
class name, uniquified for the session with the counter layers use too ('auc', 'auc_1', ...;
`keras.backend.clear_session()` resets it). Most built-in classes have a fixed default name
instead (`MeanSquaredError()` is always 'mean_squared_error'); only those listed below reach
the base class unnamed. User subclasses are auto-named like Keras's.
"""

from __future__ import annotations

from lamina._catalog import snake_case

#: built-in metric classes whose Keras default is `name=None` (so auto-named)
AUTO_NAMED_BUILTINS = frozenset({
    "AUC", "BinaryIoU", "FalseNegatives", "FalsePositives", "IoU", "MeanIoU", "OneHotIoU",
    "OneHotMeanIoU", "Precision", "PrecisionAtRecall", "Recall", "RecallAtPrecision",
    "SensitivityAtSpecificity", "SpecificityAtSensitivity", "TrueNegatives", "TruePositives"})


def default_name(cls: type) -> str:
    """The name a metric of class `cls` gets when constructed without one."""
    from lamina.layers.base import unique_name  # the session's name counters

    base = snake_case(cls.__name__)
    builtin = cls.__module__.startswith("lamina.")
    if builtin and cls.__name__ not in AUTO_NAMED_BUILTINS:
        return base
    return unique_name(base)
