"""`SKLBase`: what the three scikit-learn wrappers share (Keras's
`keras.src.wrappers.sklearn_wrapper.SKLBase`): build or clone the model, fit it, predict.

Where Keras's wrapper has warts, lamina's does what its documentation says:
`warm_start=True` reuses the fitted model, `fit(**kwargs)` leaves `fit_kwargs` untouched,
`sklearn.base.clone` keeps `fit_kwargs`, `set_fit_request` routes to `fit`, `epoch_` works,
and a fitted wrapper pickles (see `_pickling`)."""

from __future__ import annotations

import copy
from typing import Any, Mapping

import numpy as np

from lamina.wrappers import _pickling
from lamina.wrappers.fixes import _routing_enabled, _validate_data, type_of_target
from lamina.wrappers.utils import (BaseEstimator, TargetReshaper, _check_model,
                                   assert_sklearn_installed)


def _kwargs(name: str, value: Mapping[str, Any] | None) -> dict[str, Any]:
    """`model_kwargs` / `fit_kwargs` as a fresh dict (None means none)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"`{name}` must be a dict of keyword arguments, or None. "
                        f"Received: {name}={value!r}")
    return dict(value)


class SKLBase(BaseEstimator):
    """Base class for scikit-learn wrappers of lamina (Keras) models.

    Args:
        model: a compiled `Model` (cloned with `clone_model` before each fit unless
            `warm_start=True`), or a callable `model(X=X, y=y, **model_kwargs)` that
            returns a compiled `Model`.
        warm_start: reuse the model, and its weights, from the previous fit.
        model_kwargs: keyword arguments passed to `model` when it is a callable.
        fit_kwargs: keyword arguments passed to `model.fit`; those given to the wrapper's
            `fit` take precedence.

    Attributes:
        model_: the fitted `Model`.
        history_: the `History` that `model.fit` returned.
    """

    def __init__(self, model, warm_start: bool = False,
                 model_kwargs: Mapping[str, Any] | None = None,
                 fit_kwargs: Mapping[str, Any] | None = None) -> None:
        assert_sklearn_installed(self.__class__.__name__)
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def _more_tags(self) -> dict:
        return {"non_deterministic": True}  # scikit-learn < 1.6

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags

    def __sklearn_clone__(self) -> "SKLBase":
        """An unfitted copy with the same parameters; the `model` object is shared, not
        deep-copied (fit clones it, or reuses it on purpose with `warm_start=True`)."""
        from sklearn.base import clone

        params = {name: value if name == "model" else clone(value, safe=False)
                  for name, value in self.get_params(deep=False).items()}
        new = type(self)(**params)
        if hasattr(self, "_metadata_request"):
            new._metadata_request = copy.deepcopy(self._metadata_request)
        return new

    def __getstate__(self) -> dict:
        return _pickling.pack_state(super().__getstate__())  # + scikit-learn's version stamp

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(_pickling.unpack_state(state))

    @property
    def epoch_(self) -> int:
        """How many epochs the last `fit` ran (0 before fitting)."""
        history = getattr(self, "history_", None)
        return len(history.epoch) if history is not None else 0

    def set_fit_request(self, **kwargs) -> "SKLBase":
        """Ask scikit-learn's metadata routing to pass `param_name=alias` to `fit`
        (`alias` is True, False, None or a str); needs
        `sklearn.set_config(enable_metadata_routing=True)`."""
        if not _routing_enabled():
            raise RuntimeError(
                "This method is only available when metadata routing is enabled. You can "
                "enable it using sklearn.set_config(enable_metadata_routing=True).")
        request = self._get_metadata_request()
        for param, alias in kwargs.items():
            request.fit.add_request(param=param, alias=alias)
        self._metadata_request = request
        return self

    def _get_model(self, X: np.ndarray, y: np.ndarray):
        from lamina.models import Model, clone_model

        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        if isinstance(self.model, Model):
            return self.model if self.warm_start else clone_model(self.model)
        if not callable(self.model):
            raise TypeError("`model` must be a keras `Model`, or a callable that returns "
                            f"one. Received: model={self.model!r}")
        return self.model(X=X, y=y, **_kwargs("model_kwargs", self.model_kwargs))

    def fit(self, X, y, **kwargs) -> "SKLBase":
        """Fit the model on `X` (n_samples, n_features) and `y`; `kwargs` go to
        `model.fit` (e.g. `epochs=5`)."""
        fit_kwargs = {**_kwargs("fit_kwargs", self.fit_kwargs), **kwargs}
        X, y = _validate_data(self, X, y)
        y = self._process_target(y, reset=True)
        model = self._get_model(X, y)
        _check_model(model)
        self.history_ = model.fit(X, y, **fit_kwargs)
        self.model_ = model
        return self

    def predict(self, X) -> np.ndarray:
        """The model's predictions for `X`, in the shape (and labels) of the fitted `y`."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = _validate_data(self, X, reset=False)
        return self._reverse_process_target(self.model_.predict(X))

    def _process_target(self, y: np.ndarray, reset: bool = False) -> np.ndarray:
        """Regressors and transformers: `y` as 2-D (classifiers one-hot encode)."""
        type_of_target(y, raise_unknown=True)  # the right error for an invalid target
        if reset:
            self._target_encoder = TargetReshaper().fit(y)
        return self._target_encoder.transform(y)

    def _reverse_process_target(self, y: np.ndarray) -> np.ndarray:
        return self._target_encoder.inverse_transform(y)
