"""lamina.metrics against Keras 3 (JAX backend) as the oracle."""

import os
import re

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from keras.src.trainers import compile_utils  # noqa: E402

from lamina import errors, metrics  # noqa: E402

ATOL = 1e-6
N, C = 8, 5


def make_batch(kind: str, seed: int, n: int = N):
    """(y_true, y_pred) for one batch in the domain a metric expects."""
    rng = np.random.default_rng(seed)
    normal = rng.normal(size=(n, C)).astype("float32")
    probs = np.asarray(jax.nn.softmax(normal, axis=-1))
    labels = rng.integers(0, C, size=n)
    bits = rng.integers(0, 2, size=(n, C)).astype("float32")
    # Rounded scores create ties and values exactly on thresholds (bucket edges).
    scores = np.round(rng.uniform(0, 1, size=(n, C)), 2).astype("float32")
    return {
        "regression": (rng.normal(size=(n, C)).astype("float32"), normal),
        "positive": (rng.uniform(0, 3, size=(n, C)).astype("float32"),
                     rng.uniform(0.1, 3, size=(n, C)).astype("float32")),
        "equal": (labels[:, None], rng.integers(0, C, size=(n, 1))),
        "binary": (bits, scores),
        "binary_edges": (bits, rng.choice([0.0, 0.25, 0.5, 1.0], size=(n, C)).astype("float32")),
        "binary_col": (bits[:, :1], scores[:, :1]),
        "binary_vec": (bits[:, 0], scores[:, :1]),
        "binary_logits": (bits, 3 * normal),
        "onehot": (np.eye(C, dtype="float32")[labels], probs),
        "onehot_logits": (np.eye(C, dtype="float32")[labels], 3 * normal),
        "sparse": (labels, probs),
        "sparse_col": (labels[:, None], probs),
        "dist": (np.asarray(jax.nn.softmax(rng.normal(size=(n, C)), -1)), probs),
    }[kind]


CASES = [
    ("Accuracy", {}, "equal"),
    ("BinaryAccuracy", {}, "binary"),
    ("BinaryAccuracy", {"threshold": 0.3}, "binary_vec"),
    ("CategoricalAccuracy", {}, "onehot"),
    ("SparseCategoricalAccuracy", {}, "sparse"),
    ("SparseCategoricalAccuracy", {}, "sparse_col"),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
    ("SparseTopKCategoricalAccuracy", {}, "sparse_col"),
    ("Precision", {}, "binary"),
    ("Precision", {"thresholds": [0.2, 0.5, 0.8]}, "binary"),
    ("Precision", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, "binary_edges"),
    ("Precision", {"top_k": 2}, "binary"),
    ("Precision", {"class_id": 1, "thresholds": 0.4}, "binary"),
    ("Recall", {}, "binary_vec"),
    ("Recall", {"thresholds": [0.0, 0.5, 1.0]}, "binary"),
    ("Recall", {"top_k": 3, "class_id": 2}, "binary"),
    ("AUC", {}, "binary"),
    ("AUC", {}, "binary_col"),
    ("AUC", {"curve": "PR"}, "binary"),
    ("AUC", {"summation_method": "majoring"}, "binary_edges"),
    ("AUC", {"num_thresholds": 7, "curve": "PR", "summation_method": "minoring"}, "binary"),
    ("AUC", {"thresholds": [0.3, 0.6, 0.61]}, "binary"),
    ("AUC", {"from_logits": True, "curve": "PR"}, "binary_logits"),
    ("TruePositives", {}, "binary"),
    ("FalsePositives", {"thresholds": [0.3, 0.7]}, "binary"),
    ("TrueNegatives", {}, "binary_edges"),
    ("FalseNegatives", {}, "binary"),
    ("MeanSquaredError", {}, "regression"),
    ("MeanAbsoluteError", {}, "regression"),
    ("RootMeanSquaredError", {}, "regression"),
    ("MeanAbsolutePercentageError", {}, "regression"),
    ("MeanSquaredLogarithmicError", {}, "positive"),
    ("LogCoshError", {}, "regression"),
    ("CosineSimilarity", {}, "regression"),
    ("Hinge", {}, "binary"),
    ("SquaredHinge", {}, "binary"),
    ("CategoricalHinge", {}, "onehot"),
    ("KLDivergence", {}, "dist"),
    ("Poisson", {}, "positive"),
    ("BinaryCrossentropy", {"label_smoothing": 0.1}, "binary"),
    ("BinaryCrossentropy", {"from_logits": True}, "binary_logits"),
    ("CategoricalCrossentropy", {}, "onehot"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, "onehot_logits"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("SparseCategoricalCrossentropy", {"ignore_class": 1}, "sparse"),
]
IDS = [f"{name}-{kind}-{i}" for i, (name, _, kind) in enumerate(CASES)]


def weights_for(seed: int, n: int = N):
    return np.random.default_rng(100 + seed).uniform(0, 2, size=n).astype("float32")


def batches(kind: str, weighted: bool, count: int = 3):
    return [(*make_batch(kind, seed), weights_for(seed) if weighted else None)
            for seed in range(count)]


def assert_close(ours, theirs):
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), atol=ATOL, rtol=1e-6)


PAD = 3
_JITTED = {}  # case id -> (metric, jitted update, jitted result_from): compile once per case


def jitted(case_id, class_name, kwargs):
    if case_id not in _JITTED:
        metric = getattr(metrics, class_name)(**kwargs)
        _JITTED[case_id] = metric, jax.jit(metric.update), jax.jit(metric.result_from)
    return _JITTED[case_id]


def padded(x):
    return np.concatenate([x, np.zeros((PAD,) + np.shape(x)[1:], np.asarray(x).dtype)])


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("case_id,class_name,kwargs,kind",
                         [(i, *case) for i, case in zip(IDS, CASES)], ids=IDS)
def test_metric_matches_keras(case_id, class_name, kwargs, kind, weighted):
    """Stateful API and the pure path under jit (on zero-padded batches with the engine's
    0 weights for padding rows, 1 for real rows when unweighted) both equal Keras."""
    if weighted and "ignore_class" in kwargs:
        pytest.skip("deliberate difference: test_sparse_crossentropy_ignore_class_weighting")
    ours = getattr(metrics, class_name)(**kwargs)
    theirs = getattr(keras.metrics, class_name)(**kwargs)
    # both uniquify unnamed AUC / Precision / ... per session (auc_1, ...), counters apart
    assert re.sub(r"_\d+$", "", ours.name) == re.sub(r"_\d+$", "", theirs.name)
    pure, update, result = jitted(case_id, class_name, kwargs)
    state = pure.init()
    for y_true, y_pred, sw in batches(kind, weighted, count=2):
        ours.update_state(y_true, y_pred, sample_weight=sw)
        theirs.update_state(y_true, y_pred, sample_weight=sw)
        assert_close(ours.result(), theirs.result())
        engine_weights = padded(np.ones(N, "float32") if sw is None else sw)
        state = update(state, padded(y_true), padded(y_pred), engine_weights)
    assert_close(result(state), theirs.result())
    ours.reset_state()
    theirs.reset_state()
    assert_close(ours.result(), theirs.result())
    y_true, y_pred, sw = batches(kind, weighted, count=3)[-1]
    assert_close(ours(y_true, y_pred, sample_weight=sw), theirs(y_true, y_pred, sample_weight=sw))


def test_sparse_crossentropy_ignore_class_weighting():
    """Keras's metric keeps ignored entries (as 0) in the denominator without sample weights
    but drops them with weights. lamina always keeps them, so that all-ones weights (what the
    engine passes) give Keras's unweighted number."""
    ours = metrics.SparseCategoricalCrossentropy(ignore_class=1)
    reference = keras.metrics.Mean()
    for y_true, y_pred, sw in batches("sparse", weighted=True):
        values = keras.losses.sparse_categorical_crossentropy(y_true, y_pred, ignore_class=1)
        ours.update_state(y_true, y_pred, sample_weight=sw)
        reference.update_state(np.asarray(values), sample_weight=sw)  # drops Keras's mask
    assert_close(ours.result(), reference.result())


@pytest.mark.parametrize("class_name,kwargs,kind", CASES[::4], ids=IDS[::4])
def test_config_roundtrip(class_name, kwargs, kind):
    ours = getattr(metrics, class_name)(name="custom", **kwargs)
    theirs_config = getattr(keras.metrics, class_name)(name="custom", **kwargs).get_config()
    config = ours.get_config()
    assert {k: config[k] for k in theirs_config if k != "label_weights"} == {
        k: v for k, v in theirs_config.items() if k != "label_weights"}
    clone = metrics.deserialize(metrics.serialize(ours))
    assert type(clone) is type(ours) and clone.get_config() == config
    y_true, y_pred = make_batch(kind, seed=7)
    assert_close(clone(y_true, y_pred), ours(y_true, y_pred))


VALUE_SHAPES = [((N,), None), ((N,), (N,)), ((N, 3), (N,)), ((N, 3), (N, 1)), ((N, 3), (N, 3)),
                ((), None), ((N, 1), (N,))]


@pytest.mark.parametrize("values_shape,weight_shape", VALUE_SHAPES)
@pytest.mark.parametrize("class_name", ["Mean", "Sum"])
def test_mean_and_sum_match_keras(class_name, values_shape, weight_shape):
    rng = np.random.default_rng(0)
    ours, theirs = getattr(metrics, class_name)(), getattr(keras.metrics, class_name)()
    for _ in range(2):
        values = rng.normal(size=values_shape).astype("float32")
        sw = None if weight_shape is None else rng.uniform(0, 2, weight_shape).astype("float32")
        ours.update_state(values, sample_weight=sw)
        theirs.update_state(values, sample_weight=sw)
    assert_close(ours.result(), theirs.result())


def test_mean_metric_wrapper_on_custom_function():
    def doubled_error(y_true, y_pred):
        return 2 * jnp.abs(y_true - y_pred)

    y_true, y_pred = make_batch("regression", seed=1)
    ours = metrics.get(doubled_error)
    theirs = compile_utils.get_metric(doubled_error, y_true, y_pred)
    assert ours.name == theirs.name == "doubled_error"
    sw = weights_for(1)
    assert_close(ours(y_true, y_pred, sample_weight=sw), theirs(y_true, y_pred, sample_weight=sw))


SHAPE_COMBOS = [((N,), (N, 10)), ((N, 1), (N, 10)), ((N, 10), (N, 10)), ((N, 1), (N, 1)),
                ((N,), (N, 1))]


@pytest.mark.parametrize("identifier", ["accuracy", "acc", "Accuracy", "ACC"])
@pytest.mark.parametrize("true_shape,pred_shape", SHAPE_COMBOS)
def test_accuracy_resolves_like_keras_compile(identifier, true_shape, pred_shape):
    y_true = jax.ShapeDtypeStruct(true_shape, "float32")
    y_pred = jax.ShapeDtypeStruct(pred_shape, "float32")
    theirs = compile_utils.get_metric(identifier, y_true, y_pred)
    ours = metrics.get(identifier, y_true, y_pred)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.name == theirs.name == identifier


def test_accuracy_resolution_computes_like_keras():
    rng = np.random.default_rng(3)
    y_true, y_pred = rng.integers(0, 10, size=(N,)), rng.uniform(size=(N, 10))
    ours = metrics.get("acc", y_true, y_pred)
    theirs = compile_utils.get_metric("acc", y_true, y_pred)
    assert_close(ours(y_true, y_pred), theirs(y_true, y_pred))


NAMES = ["mse", "MSE", "mae", "mape", "msle", "bce", "precision", "recall", "auc", "AUC",
         "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
         "sparse_categorical_accuracy", "categorical_accuracy", "binary_accuracy",
         "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
         "mean_squared_error", "root_mean_squared_error", "RootMeanSquaredError", "log_cosh_error",
         "kl_divergence", "poisson", "hinge", "cosine_similarity", "true_positives", "mean", "sum"]


@pytest.mark.parametrize("identifier", NAMES)
def test_get_by_name_matches_keras_compile(identifier):
    y_true, y_pred = make_batch("binary", seed=0)
    theirs = compile_utils.get_metric(identifier, y_true, y_pred)
    ours = metrics.get(identifier, y_true, y_pred)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.name == theirs.name == identifier


def test_get_other_identifiers():
    instance = metrics.AUC(curve="PR")
    assert metrics.get(instance) is instance
    assert metrics.get(None) is None
    assert type(metrics.get(metrics.Precision)) is metrics.Precision
    config = {"class_name": "BinaryAccuracy", "config": {"threshold": 0.7, "name": "ba"}}
    assert metrics.get(config).threshold == 0.7
    wrapper = metrics.MeanMetricWrapper(metrics.binary_accuracy, name="w", threshold=0.2)
    clone = metrics.deserialize(metrics.serialize(wrapper))
    assert clone.fn is metrics.binary_accuracy and clone._fn_kwargs == {"threshold": 0.2}


def test_unknown_names_suggest_close_matches():
    with pytest.raises(errors.UnknownNameError, match="Did you mean 'accuracy'"):
        metrics.get("acuracy")
    with pytest.raises(errors.UnknownNameError, match="Did you mean 'precision'"):
        metrics.get("precison")
    with pytest.raises(errors.ConfigError, match=r"\[0, 1\]"):
        metrics.Precision(thresholds=[1.5])
