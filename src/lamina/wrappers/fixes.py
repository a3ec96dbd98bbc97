"""scikit-learn version differences in one place (Keras's `keras.src.wrappers.fixes`):
input validation (`validate_data` from 1.6 on), `type_of_target` that can refuse unknown
targets, and whether metadata routing is on."""

from __future__ import annotations

from typing import Any


def _validate_data(estimator, *args, **kwargs) -> Any:
    """`sklearn.utils.validation.validate_data` (>= 1.6) or the older
    `BaseEstimator._validate_data`."""
    try:
        from sklearn.utils.validation import validate_data
    except ImportError:
        return estimator._validate_data(*args, **kwargs)
    return validate_data(estimator, *args, **kwargs)


def type_of_target(y, input_name: str = "", *, raise_unknown: bool = False) -> str:
    """scikit-learn's `type_of_target`; with `raise_unknown`, an 'unknown' target raises."""
    from sklearn.utils.multiclass import type_of_target as sk_type_of_target

    target_type = sk_type_of_target(y, input_name=input_name)
    if raise_unknown and target_type == "unknown":
        raise ValueError(f"Unknown label type for {input_name or 'data'}: {y!r}")
    return target_type


def _routing_enabled() -> bool:
    """Whether scikit-learn's metadata routing is on (`sklearn.set_config`)."""
    try:
        import sklearn
    except ImportError:
        return False
    return bool(sklearn.get_config().get("enable_metadata_routing", False))
