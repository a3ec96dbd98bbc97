"""`SKLearnClassifier`, `SKLearnRegressor`, `SKLearnTransformer`: lamina (Keras) models as
scikit-learn estimators, usable in `Pipeline`, `GridSearchCV` and `cross_val_score`
(`keras.wrappers`). The shared machinery is in `base.SKLBase`."""

from __future__ import annotations

import numpy as np

from lamina.wrappers.base import SKLBase
from lamina.wrappers.fixes import _validate_data, type_of_target
from lamina.wrappers.utils import TargetReshaper, TransformerMixin, sklearn

if sklearn is not None:
    from sklearn.base import ClassifierMixin, RegressorMixin
else:  # lamina works without scikit-learn; constructing a wrapper says how to get it
    class ClassifierMixin:  # type: ignore[no-redef]
        """Stand-in so the class can be defined without scikit-learn."""

    class RegressorMixin:  # type: ignore[no-redef]
        """Stand-in so the class can be defined without scikit-learn."""

_ARGS = """
    Args:
        model: a compiled `Model` (cloned with `keras.models.clone_model` before each fit
            unless `warm_start=True`), or a callable `model(X=X, y=y, **model_kwargs)` that
            returns a compiled `Model`.
        warm_start: bool, defaults to `False`. Reuse the model and its weights from the
            previous fit instead of starting anew.
        model_kwargs: dict, defaults to `None`. Keyword arguments passed to `model` when it
            is a callable.
        fit_kwargs: dict, defaults to `None`. Keyword arguments passed to `model.fit`; the
            ones given to the wrapper's `fit` take precedence.
"""


class SKLearnClassifier(ClassifierMixin, SKLBase):
    __doc__ = """scikit-learn compatible classifier wrapper for Keras models.

    The targets are one-hot encoded before they reach `model` (so a model function sees
    `y.shape[1]` classes); `predict` returns the original labels (the argmax of the model's
    output) and `decision_function` the raw outputs.
    """ + _ARGS + """
    Attributes:
        model_: the fitted `Model`.
        history_: the `History` returned by `model.fit`.
        classes_: array of shape (n_classes,), the class labels.

    Example:

    ```python
    def dynamic_model(X, y, loss, layers=[10]):
        inp = keras.Input(shape=(X.shape[1],))
        hidden = inp
        for size in layers:
            hidden = keras.layers.Dense(size, activation="relu")(hidden)
        out = keras.layers.Dense(y.shape[1], activation="softmax")(hidden)
        model = keras.Model(inp, out)
        model.compile(loss=loss, optimizer="rmsprop")
        return model

    est = keras.wrappers.SKLearnClassifier(
        model=dynamic_model,
        model_kwargs={"loss": "categorical_crossentropy", "layers": [20, 20]})
    est.fit(X, y, epochs=5)
    ```
    """

    def decision_function(self, X) -> np.ndarray:
        """The model's raw outputs for `X` (probabilities or logits, one column per class)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = _validate_data(self, X, reset=False)
        return self.model_.predict(X)

    def _process_target(self, y: np.ndarray, reset: bool = False) -> np.ndarray:
        """One-hot encode `y` (binary or multiclass labels of any type)."""
        target_type = type_of_target(y, raise_unknown=True)
        if target_type not in ["binary", "multiclass"]:
            raise ValueError("Only binary and multiclass target types are supported."
                             f" Target type: {target_type}")
        if reset:
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import OneHotEncoder

            self._target_encoder = make_pipeline(
                TargetReshaper(), OneHotEncoder(sparse_output=False)).fit(y)
            self.classes_ = np.unique(y)
            if len(self.classes_) == 1:
                raise ValueError("Classifier can't train when only one class is present.")
        return self._target_encoder.transform(y)

    def _more_tags(self) -> dict:
        return {"poor_score": True}  # scikit-learn < 1.6

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags


class SKLearnRegressor(RegressorMixin, SKLBase):
    __doc__ = """scikit-learn compatible regressor wrapper for Keras models.

    A 1-D `y` reaches `model` as one column and `predict` returns 1-D again.
    """ + _ARGS + """
    Attributes:
        model_: the fitted `Model`.
        history_: the `History` returned by `model.fit`.
    """

    def _more_tags(self) -> dict:
        return {"poor_score": True}  # scikit-learn < 1.6

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class SKLearnTransformer(TransformerMixin, SKLBase):
    __doc__ = """scikit-learn compatible transformer wrapper for Keras models: `transform`
    returns the model's outputs (e.g. an embedding) as features for the next step of a
    `Pipeline`. Wrap it in `sklearn.frozen.FrozenEstimator` to keep an already trained
    model from being fitted again.
    """ + _ARGS + """
    Attributes:
        model_: the fitted `Model`.
        history_: the `History` returned by `model.fit`.
    """

    def transform(self, X) -> np.ndarray:
        """The model's outputs for `X`, shape (n_samples, n_outputs)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = _validate_data(self, X, reset=False)
        return self.model_.predict(X)

    def _more_tags(self) -> dict:
        return {"preserves_dtype": []}  # scikit-learn < 1.6

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags
