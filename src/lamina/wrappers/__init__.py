"""scikit-learn wrappers, mirroring `keras.wrappers` (scikit-learn is optional: importing
this package works without it, constructing a wrapper asks for `pip install scikit-learn`)."""

from lamina.wrappers.sklearn_wrapper import (SKLearnClassifier, SKLearnRegressor,
                                             SKLearnTransformer)

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]
