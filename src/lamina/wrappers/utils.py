"""What the scikit-learn wrappers share: the optional `sklearn` import, the checks on the
wrapped model, and `TargetReshaper` (1-D targets to 2-D and back), as in Keras's
`keras.src.wrappers.utils`. lamina imports without scikit-learn; only building a wrapper
needs it."""

from __future__ import annotations

import numpy as np

try:
    import sklearn
    from sklearn.base import BaseEstimator, TransformerMixin
except ImportError:  # lamina works without scikit-learn; the wrappers say how to get it
    sklearn = None

    class BaseEstimator:  # type: ignore[no-redef]
        """Stand-in so the wrapper classes can be defined without scikit-learn."""

    class TransformerMixin:  # type: ignore[no-redef]
        """Stand-in so the wrapper classes can be defined without scikit-learn."""


def assert_sklearn_installed(symbol_name: str) -> None:
    """Raise a clear ImportError when scikit-learn is missing (Keras's message)."""
    if sklearn is None:
        raise ImportError(f"{symbol_name} requires `scikit-learn` to be installed. "
                          "Run `pip install scikit-learn` to install it.")


def _check_model(model) -> None:
    """The wrapped model must be a compiled lamina `Model` with a loss and an optimizer."""
    from lamina.models import Model

    if not isinstance(model, Model):
        raise TypeError("`model` must be a keras `Model`, or a callable that returns one "
                        "when called as model(X=X, y=y, **model_kwargs). Received: the "
                        f"callable returned {model!r}")
    if not model.compiled or not model.loss or not model.optimizer:
        raise RuntimeError("Given model needs to be compiled, and have a loss and an "
                           "optimizer. Call model.compile(optimizer=..., loss=...) before "
                           "handing it (or returning it) to the wrapper.")


class TargetReshaper(TransformerMixin, BaseEstimator):
    """Convert 1-D targets to 2-D and back, for encoders that only take 2-D input
    (OneHotEncoder) and models whose output is (n_samples, 1).

    Attributes:
        ndim_: int, the number of dimensions of the `y` it was fitted on.
    """

    def fit(self, y: np.ndarray) -> "TargetReshaper":
        """Remember the dimensions of `y`."""
        self.ndim_ = y.ndim
        return self

    def transform(self, y: np.ndarray) -> np.ndarray:
        """`y` as a 2-D array: a 1-D `y` becomes one column."""
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def inverse_transform(self, y: np.ndarray) -> np.ndarray:
        """Undo `transform`: one column goes back to 1-D if the fitted `y` was 1-D."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        if self.ndim_ == 1 and y.ndim == 2:
            return np.squeeze(y, axis=1)
        return y
