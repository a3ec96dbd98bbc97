"""`keras.wrappers` (SKLearnClassifier / Regressor / Transformer) as scikit-learn estimators.

Oracles: scikit-learn's own estimator checks (the list and model functions of Keras's
`keras/src/wrappers/sklearn_test.py`), Keras's wrappers on the same data and weights, and the
same lamina model trained with `model.fit` directly. The default suite runs the checks that
need no fit plus a few that do; `LAMINA_SKLEARN_FULL=1 pytest -m sklearn_full` runs them all.
"""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn", minversion="1.6")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_iris, make_classification, make_regression  # noqa: E402
from sklearn.model_selection import GridSearchCV, ShuffleSplit, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import estimator_checks_generator  # noqa: E402

import lamina as keras  # noqa: E402
from lamina.layers import Dense, Input  # noqa: E402
from lamina.models import Model  # noqa: E402
from lamina.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer  # noqa: E402

FULL = bool(os.environ.get("LAMINA_SKLEARN_FULL"))
_SKIP_UNLESS_FULL = pytest.mark.skipif(not FULL, reason="set LAMINA_SKLEARN_FULL=1 "
                                       "(make test-sklearn)")
full_only = [pytest.mark.sklearn_full, _SKIP_UNLESS_FULL]


def sklearn_full(test):
    """Run `test` only in the full run (`make test-sklearn`)."""
    return pytest.mark.sklearn_full(_SKIP_UNLESS_FULL(test))


def dynamic_model(X, y, loss, out_activation_function="softmax", layers=[10]):
    """Keras's sklearn_test.py model function: an MLP sized from X and (one-hot) y."""
    inp = Input(shape=(X.shape[1],))
    hidden = inp
    for layer_size in layers:
        hidden = Dense(layer_size, activation="relu")(hidden)
    n_outputs = y.shape[1] if len(y.shape) > 1 else 1
    out = [Dense(n_outputs, activation=out_activation_function)(hidden)]
    model = Model(inp, out)
    model.compile(loss=loss, optimizer="rmsprop")
    return model


# Keras's expected failures less the four that pass with scikit-learn >= 1.6 (they XPASS for
# Keras too): check_classifiers_regression_target and check_parameters_default_constructible.
EXPECTED_FAILED_CHECKS = {
    "SKLearnClassifier": {
        "check_classifiers_one_label_sample_weights": "0 sample weight is not ignored",
        "check_classifiers_classes": ("with small test cases the estimator returns not all "
                                      "classes sometimes"),
        "check_classifier_data_not_an_array": "This test assumes reproducibility in fit.",
        "check_supervised_y_2d": "This test assumes reproducibility in fit.",
        "check_fit_idempotent": "This test assumes reproducibility in fit.",
        "check_classifiers_train": "decision_function can return both probabilities and logits",
    },
    "SKLearnRegressor": {},
    "SKLearnTransformer": {},
}

ESTIMATORS = [
    SKLearnClassifier(model=dynamic_model,
                      model_kwargs={"loss": "categorical_crossentropy", "layers": [20, 20, 20]},
                      fit_kwargs={"epochs": 5}),
    SKLearnRegressor(model=dynamic_model, model_kwargs={"loss": "mse"}),
    SKLearnTransformer(model=dynamic_model, model_kwargs={"loss": "mse"}),
]

#: Checks that fit a model (a compile each, seconds apiece) and still run by default; every
#: other fitting check runs under `sklearn_full` (the classifier's fits are the tests below).
DEFAULT_FIT_CHECKS = {
    "SKLearnClassifier": set(),
    "SKLearnRegressor": {"check_fit2d_predict1d"},
    "SKLearnTransformer": {"check_estimators_pickle"},
}

#: Fitting checks (found by timing the full list); every other check runs without a fit.
FITTING_CHECKS = {
    "check_classifiers_train", "check_classifier_data_not_an_array", "check_classifiers_classes",
    "check_classifiers_one_label_sample_weights", "check_dict_unchanged", "check_dtype_object",
    "check_dont_overwrite_parameters", "check_estimators_dtypes",
    "check_estimators_fit_returns_self", "check_estimators_nan_inf",
    "check_estimators_overwrite_params", "check_estimators_pickle",
    "check_f_contiguous_array_estimator", "check_fit2d_1feature", "check_fit2d_1sample",
    "check_fit2d_predict1d", "check_fit_check_is_fitted", "check_fit_idempotent",
    "check_fit_score_takes_y", "check_n_features_in", "check_n_features_in_after_fitting",
    "check_positive_only_tag_during_fit", "check_readonly_memmap_input",
    "check_regressor_data_not_an_array", "check_regressors_int",
    "check_regressors_no_decision_function", "check_regressors_train", "check_supervised_y_2d",
    "check_transformer_data_not_an_array", "check_transformer_general",
}


def _check_name(check) -> str:
    return getattr(check, "func", check).__name__


def _estimator_check_params():
    for estimator in ESTIMATORS:
        name = type(estimator).__name__
        for est, check in estimator_checks_generator(estimator, legacy=True):
            check_name = _check_name(check)
            suffix = "".join(f"-{k}={v}" for k, v in getattr(check, "keywords", {}).items())
            marks = []
            if check_name in EXPECTED_FAILED_CHECKS[name]:
                marks.append(pytest.mark.xfail(reason=EXPECTED_FAILED_CHECKS[name][check_name]))
            if check_name in FITTING_CHECKS and check_name + suffix not in DEFAULT_FIT_CHECKS[name]:
                marks += full_only
            yield pytest.param(est, check, marks=marks, id=f"{name}-{check_name}{suffix}")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
@pytest.mark.parametrize("estimator, check", list(_estimator_check_params()))
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _species_data():
    """40 samples, 4 features, 3 string classes (so `classes_` and `predict` carry labels)."""
    X, y = make_classification(n_samples=40, n_features=4, n_informative=3, n_redundant=0,
                               n_classes=3, n_clusters_per_class=1, random_state=0)
    return X, np.array(["cat", "dog", "emu"])[y]


_WEIGHTS = [w * 0.5 for w in (np.random.default_rng(0).standard_normal(s).astype("float32")
                              for s in [(4, 8), (8,), (8, 3), (3,)])]
_FIT_KWARGS = {"epochs": 3, "batch_size": 8, "shuffle": False, "verbose": 0}


def _fixed_mlp(library, X, y):
    """The same small MLP, with the same starting weights, in lamina or in Keras."""
    inp = library.Input(shape=(X.shape[1],))
    hidden = library.layers.Dense(8, activation="relu")(inp)
    model = library.Model(inp, library.layers.Dense(y.shape[1], activation="softmax")(hidden))
    model.set_weights(_WEIGHTS)
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop")
    return model


def lamina_mlp(X, y):
    return _fixed_mlp(keras, X, y)


@pytest.fixture(scope="module")
def fitted_classifier():
    X, y = _species_data()
    return X, y, SKLearnClassifier(model=lamina_mlp, fit_kwargs=_FIT_KWARGS).fit(X, y)


def test_classifier_matches_keras_wrapper(fitted_classifier):
    real_keras = pytest.importorskip("keras")
    X, y, ours = fitted_classifier
    theirs = real_keras.wrappers.SKLearnClassifier(
        model=lambda X, y: _fixed_mlp(real_keras, X, y), fit_kwargs=dict(_FIT_KWARGS)).fit(X, y)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.classes_.dtype == theirs.classes_.dtype
    ours_pred, theirs_pred = ours.predict(X), theirs.predict(X)
    assert ours_pred.shape == theirs_pred.shape == (40,)
    assert ours_pred.dtype == theirs_pred.dtype
    np.testing.assert_array_equal(ours_pred, theirs_pred)
    np.testing.assert_allclose(ours.decision_function(X), theirs.decision_function(X),
                               rtol=1e-4, atol=1e-6)
    assert ours.n_features_in_ == theirs.n_features_in_ == 4


def test_classifier_equals_the_model_trained_directly(fitted_classifier):
    X, y, wrapped = fitted_classifier
    one_hot = (y[:, None] == np.unique(y)).astype("float32")
    model = lamina_mlp(X, one_hot)
    model.fit(X, one_hot, **_FIT_KWARGS)
    probabilities = model.predict(X, verbose=0)
    np.testing.assert_allclose(wrapped.decision_function(X), probabilities, rtol=1e-6)
    np.testing.assert_array_equal(wrapped.predict(X), wrapped.classes_[probabilities.argmax(1)])
    np.testing.assert_array_equal(wrapped.history_.history["loss"], model.history.history["loss"])


def test_fitted_classifier_pickles(fitted_classifier):
    X, y, wrapped = fitted_classifier
    restored = pickle.loads(pickle.dumps(wrapped))
    np.testing.assert_array_equal(restored.predict(X), wrapped.predict(X))
    np.testing.assert_allclose(restored.decision_function(X), wrapped.decision_function(X))
    assert restored.history_.history == wrapped.history_.history
    assert restored.history_.model is restored.model_


@pytest.mark.parametrize("cv", [ShuffleSplit(n_splits=1, test_size=0.3, random_state=0),
                                pytest.param(3, marks=full_only)])
def test_grid_search_over_a_pipeline_picks_more_epochs_and_reaches_accuracy(cv):
    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                        random_state=0)
    keras.utils.set_random_seed(0)
    pipe = make_pipeline(StandardScaler(), SKLearnClassifier(
        model=dynamic_model, model_kwargs={"loss": "categorical_crossentropy", "layers": [16]}))
    search = GridSearchCV(pipe, {"sklearnclassifier__fit_kwargs": [
        {"epochs": 1, "batch_size": 16, "verbose": 0},
        {"epochs": 100, "batch_size": 16, "verbose": 0}]}, cv=cv)
    search.fit(X_train, y_train)
    assert search.best_params_["sklearnclassifier__fit_kwargs"]["epochs"] == 100
    assert search.best_score_ >= 0.8
    assert search.score(X_test, y_test) >= 0.9  # the refitted pipeline on held-out data


def test_warm_start_keeps_training_the_same_model():
    X, y = make_regression(n_samples=20, n_features=3, random_state=0)
    est = SKLearnRegressor(model=dynamic_model, warm_start=True,
                           model_kwargs={"loss": "mse", "out_activation_function": "linear"},
                           fit_kwargs={"epochs": 1, "verbose": 0})
    first = est.fit(X, y).model_
    before = first.get_weights()
    est.fit(X, y, epochs=2)  # fit's keyword arguments win over fit_kwargs, without changing it
    assert est.model_ is first and est.epoch_ == 2
    assert est.fit_kwargs == {"epochs": 1, "verbose": 0}
    assert all(not np.allclose(a, b) for a, b in zip(before, est.model_.get_weights()))
    assert est.predict(X).shape == (20,)


def test_a_compiled_model_instance_is_cloned_before_fitting():
    X, y = make_regression(n_samples=20, n_features=3, random_state=0)
    model = dynamic_model(X, y.reshape(-1, 1), loss="mse", out_activation_function="linear")
    before = model.get_weights()
    est = SKLearnRegressor(model=model, fit_kwargs={"epochs": 1, "verbose": 0}).fit(X, y)
    assert est.model_ is not model
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert est.predict(X).shape == (20,)


def test_clone_keeps_every_parameter_and_shares_the_model_function():
    est = SKLearnClassifier(model=dynamic_model, model_kwargs={"loss": "mse"},
                            fit_kwargs={"epochs": 2})
    copy = clone(est)
    assert copy.get_params() == est.get_params()  # Keras's clone drops fit_kwargs
    assert copy.model is dynamic_model and copy.model_kwargs is not est.model_kwargs


def test_bad_arguments_name_the_argument():
    X, y = make_regression(n_samples=10, n_features=3, random_state=0)
    with pytest.raises(TypeError, match="model=42"):
        SKLearnRegressor(model=42).fit(X, y)
    with pytest.raises(TypeError, match="fit_kwargs='epochs=3'"):
        SKLearnRegressor(model=dynamic_model, fit_kwargs="epochs=3").fit(X, y)
    uncompiled = Model(*(lambda i: (i, Dense(1)(i)))(Input(shape=(3,))))
    with pytest.raises(RuntimeError, match="needs to be compiled"):
        SKLearnRegressor(model=uncompiled).fit(X, y)
    with pytest.raises(TypeError, match="returns one"):
        SKLearnRegressor(model=lambda X, y: "not a model").fit(X, y)
    with pytest.raises(RuntimeError, match="enable_metadata_routing=True"):
        SKLearnRegressor(model=dynamic_model).set_fit_request(sample_weight=True)


def test_set_fit_request_routes_sample_weight_to_fit():
    X, y = make_regression(n_samples=20, n_features=3, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        est = SKLearnRegressor(model=dynamic_model, model_kwargs={"loss": "mse"},
                               fit_kwargs={"epochs": 1, "verbose": 0})
        assert est.set_fit_request(sample_weight=True) is est
        assert est.get_metadata_routing().fit.requests == {"sample_weight": True}
        assert clone(est).get_metadata_routing().fit.requests == {"sample_weight": True}


@sklearn_full
def test_grid_search_routes_sample_weight_to_model_fit():
    X, y = make_regression(n_samples=20, n_features=3, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        est = SKLearnRegressor(model=dynamic_model, fit_kwargs={"epochs": 1, "verbose": 0},
                               model_kwargs={"loss": "mse", "out_activation_function": "linear"})
        est.set_fit_request(sample_weight=True).set_score_request(sample_weight=False)
        search = GridSearchCV(est, {"warm_start": [False]}, cv=2)
        search.fit(X, y, sample_weight=np.zeros(20))  # all weights zero: a zero loss
    assert search.best_estimator_.history_.history["loss"] == [0.0]


@sklearn_full
@pytest.mark.parametrize("out_activation_function", ["softmax", "linear"])
def test_decision_function_argmax_is_predict(out_activation_function):
    """Keras's test_sklearn_estimator_decision_function."""
    X, y = make_classification(n_samples=10, n_features=10, n_informative=4, n_classes=2,
                               random_state=42)
    est = SKLearnClassifier(model=dynamic_model, model_kwargs={
        "out_activation_function": out_activation_function, "loss": "binary_crossentropy"},
        fit_kwargs={"epochs": 1, "verbose": 0}).fit(X, y)
    np.testing.assert_array_equal(est.decision_function(X).argmax(axis=-1), est.predict(X))


@sklearn_full
def test_transformer_in_a_pipeline_feeds_its_outputs_forward():
    X, y = make_regression(n_samples=20, n_features=3, random_state=0)
    pipe = make_pipeline(StandardScaler(), SKLearnTransformer(
        model=dynamic_model, model_kwargs={"loss": "mse", "out_activation_function": "linear"},
        fit_kwargs={"epochs": 1, "verbose": 0}))
    features = pipe.fit(X, y).transform(X)
    assert features.shape == (20, 1)
    model = pipe[-1].model_
    np.testing.assert_allclose(features, model.predict(pipe[0].transform(X), verbose=0))


def test_wrappers_need_scikit_learn_only_when_built(monkeypatch):
    from lamina.wrappers import utils

    monkeypatch.setattr(utils, "sklearn", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        SKLearnClassifier(model=dynamic_model)


@sklearn_full
def test_lamina_imports_without_scikit_learn():
    code = ("import sys; sys.modules['sklearn'] = None\n"
            "import lamina as keras\n"
            "try:\n    keras.wrappers.SKLearnRegressor(model=None)\n"
            "except ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "SKLearnRegressor requires `scikit-learn`" in out
