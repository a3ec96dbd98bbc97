"""`FBetaScore`, `F1Score` and `R2Score` against Keras: values over random batches (with and
without sample weights, several updates, resets), configs, names, and a compile/fit epoch."""

import itertools
import warnings
import zlib

import keras
import numpy as np
import pytest

import lamina

RTOL, ATOL = 1e-6, 1e-7
CASES = 100
BATCHES = (4, 7)  # a few batch sizes: eager ops compile once per shape


def _batches(rng, classes, kind, weighted):
    """1 to 3 random (y_true, y_pred, sample_weight) batches."""
    out = []
    for _ in range(rng.integers(1, 4)):
        n = int(rng.choice(BATCHES))
        if kind == "fscore":
            y_true = (rng.random((n, classes)) < 0.4).astype("float32")
            y_pred = rng.random((n, classes)).astype("float32")
        else:
            y_true = rng.normal(size=(n, classes)).astype("float32")
            y_pred = (y_true + rng.normal(scale=0.7, size=(n, classes))).astype("float32")
        weight = rng.random(n).astype("float32") if weighted else None
        out.append((y_true, y_pred, weight))
    return out


def _compare(ours, theirs, kind, seed):
    """Run CASES random cases through both metrics, resetting between cases."""
    rng = np.random.default_rng(seed)
    for case in range(CASES):
        weighted = case % 2 == 1
        for y_true, y_pred, weight in _batches(rng, 3, kind, weighted):
            ours.update_state(y_true, y_pred, sample_weight=weight)
            theirs.update_state(y_true, y_pred, sample_weight=weight)
        np.testing.assert_allclose(np.asarray(ours.result()), np.asarray(theirs.result()),
                                   rtol=RTOL, atol=ATOL, err_msg=f"case {case}")
        ours.reset_state()
        theirs.reset_state()


@pytest.mark.parametrize("average,threshold,beta", list(itertools.product(
    [None, "micro", "macro", "weighted"], [None, 0.5], [1.0, 2.0])))
def test_fbeta_score_matches_keras(average, threshold, beta):
    args = dict(average=average, threshold=threshold, beta=beta)
    _compare(lamina.metrics.FBetaScore(**args), keras.metrics.FBetaScore(**args), "fscore",
             seed=zlib.crc32(repr(args).encode()))


@pytest.mark.parametrize("average", [None, "macro"])
def test_f1_score_matches_keras(average):
    _compare(lamina.metrics.F1Score(average=average, threshold=0.3),
             keras.metrics.F1Score(average=average, threshold=0.3), "fscore", seed=7)


@pytest.mark.parametrize("aggregation,regressors", list(itertools.product(
    [None, "uniform_average", "variance_weighted_average"], [0, 2])))
def test_r2_score_matches_keras(aggregation, regressors):
    args = dict(class_aggregation=aggregation, num_regressors=regressors)
    _compare(lamina.metrics.R2Score(**args), keras.metrics.R2Score(**args), "r2",
             seed=len(str(aggregation)) + regressors)


def test_r2_score_single_output_and_rank_one_labels():
    y_true = np.array([1.0, 2.0, 4.0, 3.0], "float32")
    y_pred = np.array([[1.5], [2.0], [3.5], [2.0]], "float32")
    ours, theirs = lamina.metrics.R2Score(), keras.metrics.R2Score()
    ours.update_state(y_true, y_pred)
    theirs.update_state(y_true, y_pred)
    np.testing.assert_allclose(ours.result(), theirs.result(), rtol=RTOL)


def test_adjusted_r2_warns_like_keras_with_too_few_samples():
    y = np.array([[1.0], [2.0], [4.0]], "float32")
    ours = lamina.metrics.R2Score(num_regressors=5)
    ours.update_state(y, y * 0.9)
    with pytest.warns(UserWarning, match="More independent predictors"):
        value = ours.result()
    theirs = keras.metrics.R2Score(num_regressors=5)
    theirs.update_state(y, y * 0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(value, theirs.result(), rtol=RTOL)


@pytest.mark.parametrize("name,kwargs", [
    ("FBetaScore", {}), ("FBetaScore", dict(average="weighted", beta=0.5, threshold=0.4)),
    ("F1Score", {}), ("F1Score", dict(average="micro", threshold=0.5, name="f1")),
    ("R2Score", {}), ("R2Score", dict(class_aggregation=None, num_regressors=3)),
])
def test_get_config_and_round_trip_match_keras(name, kwargs):
    ours = getattr(lamina.metrics, name)(**kwargs)
    theirs = getattr(keras.metrics, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert ours.name == theirs.name
    restored = lamina.metrics.deserialize(lamina.metrics.serialize(ours))
    assert type(restored) is type(ours) and restored.get_config() == ours.get_config()
    from_keras = lamina.metrics.deserialize(keras.metrics.serialize(theirs))
    assert from_keras.get_config() == theirs.get_config()


@pytest.mark.parametrize("string", ["f1_score", "F1Score", "f_beta_score", "r2_score"])
def test_string_names_resolve_like_keras(string):
    ours, theirs = lamina.metrics.get(string), keras.metrics.get(string)
    assert type(ours).__name__ == type(theirs).__name__


@pytest.mark.parametrize("kwargs,match", [
    (dict(average="samples"), "Invalid `average` argument value"),
    (dict(beta=1), "It should be a Python float"),
    (dict(beta=-1.0), "It should be > 0"),
    (dict(threshold=1), "It should be a Python float"),
    (dict(threshold=1.5), "0 < threshold <= 1"),
])
def test_bad_fbeta_arguments_raise_keras_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        lamina.metrics.FBetaScore(**kwargs)
    with pytest.raises(ValueError, match=match):
        keras.metrics.FBetaScore(**kwargs)


def test_bad_r2_arguments_and_shapes_raise():
    with pytest.raises(ValueError, match="class_aggregation"):
        lamina.metrics.R2Score(class_aggregation="mean")
    with pytest.raises(ValueError, match="num_regressors"):
        lamina.metrics.R2Score(num_regressors=-1)
    with pytest.raises(ValueError, match="expects 2D inputs"):
        lamina.metrics.F1Score().update_state(np.ones((2, 3, 4)), np.ones((2, 3, 4)))


def test_variables_are_made_on_the_first_update():
    metric = lamina.metrics.F1Score(average="macro")
    assert metric.variables == []
    metric.update_state(np.eye(3), np.eye(3) * 0.9)
    assert [tuple(v.shape) for v in metric.variables] == [(3,)] * 4


def _fit_logs(module, x, y, weights):
    model = module.Sequential([module.Input((4,)), module.layers.Dense(3, activation="sigmoid")])
    model.set_weights(weights)
    model.compile(optimizer=module.optimizers.SGD(0.1), loss="binary_crossentropy",
                  metrics=[module.metrics.F1Score(average="macro", threshold=0.5),
                           "r2_score"])
    history = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    return {k: v[-1] for k, v in history.history.items()}, model.evaluate(
        x, y, batch_size=8, verbose=0, return_dict=True)


def test_compile_fit_logs_match_keras():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = (rng.random((32, 3)) < 0.5).astype("float32")
    weights = [rng.normal(size=(4, 3)).astype("float32"), np.zeros(3, "float32")]
    ours, theirs = _fit_logs(lamina, x, y, weights), _fit_logs(keras, x, y, weights)
    for our_logs, their_logs in zip(ours, theirs):
        assert set(our_logs) == set(their_logs)
        for key in their_logs:
            np.testing.assert_allclose(our_logs[key], their_logs[key], rtol=1e-4, atol=1e-6,
                                       err_msg=key)
