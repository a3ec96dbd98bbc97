"""`SensitivityAtSpecificity`, `SpecificityAtSensitivity`, `PrecisionAtRecall` and
`RecallAtPrecision` against Keras (values over random batches with and without sample
weights, class_id, variables, resets, configs, argument errors), and metrics of these
families in `compile` / `fit` / `evaluate` and in a `.keras` file written by Keras."""

import itertools
import zlib

import keras
import numpy as np
import pytest

import lamina

RTOL, ATOL = 1e-6, 1e-6
CASES = 12
BATCHES = (4, 6)
RATE_METRICS = {"SensitivityAtSpecificity": "specificity",
                "SpecificityAtSensitivity": "sensitivity",
                "PrecisionAtRecall": "recall", "RecallAtPrecision": "precision"}


def _batch(rng, n, class_id, weighted):
    """Random labels and scores: one column, or 3 classes when a class_id is asked for."""
    shape = (n, 1) if class_id is None else (n, 3)
    y_true = (rng.random(shape) < 0.5).astype("float32")
    y_pred = np.clip(0.4 * y_true + 0.8 * rng.random(shape), 0, 1).astype("float32")
    if rng.random() < 0.3:  # exact threshold values hit the bucket edges
        y_pred = np.round(y_pred * 4) / 4
    return y_true, y_pred, rng.random(n).astype("float32") if weighted else None


@pytest.mark.parametrize("name,num_thresholds,class_id", list(itertools.product(
    RATE_METRICS, [1, 7, 200], [None, 1])))
def test_rate_metrics_match_keras(name, num_thresholds, class_id):
    rng = np.random.default_rng(zlib.crc32(f"{name}{num_thresholds}{class_id}".encode()))
    value = float(rng.choice([0.0, 0.3, 0.5, 0.8, 1.0]))
    kwargs = {RATE_METRICS[name]: value, "num_thresholds": num_thresholds,
              "class_id": class_id}
    ours, theirs = getattr(lamina.metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
    for case in range(CASES):
        for _ in range(rng.integers(1, 4)):
            y_true, y_pred, weight = _batch(rng, int(rng.choice(BATCHES)), class_id,
                                            case % 2 == 1)
            ours.update_state(y_true, y_pred, sample_weight=weight)
            theirs.update_state(y_true, y_pred, sample_weight=weight)
        np.testing.assert_allclose(np.asarray(ours.result()), np.asarray(theirs.result()),
                                   rtol=RTOL, atol=ATOL, err_msg=f"case {case}")
        for our_var, their_var in zip(ours.variables, theirs.variables, strict=True):
            assert our_var.name == their_var.name
            np.testing.assert_allclose(np.asarray(our_var), np.asarray(their_var), rtol=RTOL,
                                       atol=ATOL, err_msg=our_var.name)
        ours.reset_state()
        theirs.reset_state()
    assert not any(np.asarray(v).any() for v in ours.variables)


def test_rate_metrics_keep_keras_count_variables():
    metric = lamina.metrics.PrecisionAtRecall(0.5, num_thresholds=5)
    assert [v.name for v in metric.variables] == [
        "true_positives", "false_positives", "true_negatives", "false_negatives"]
    metric.update_state([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    np.testing.assert_array_equal(metric.true_positives.numpy(), [2, 2, 1, 1, 0])
    assert metric.thresholds == keras.metrics.PrecisionAtRecall(0.5, num_thresholds=5).thresholds


@pytest.mark.parametrize("name,kwargs", [
    ("SensitivityAtSpecificity", dict(specificity=0.4)),
    ("SpecificityAtSensitivity", dict(sensitivity=0.7, num_thresholds=10, class_id=2)),
    ("PrecisionAtRecall", dict(recall=0.9, name="p_at_r", dtype="float32")),
    ("RecallAtPrecision", dict(precision=0.2, num_thresholds=1)),
])
def test_rate_metric_configs_round_trip_like_keras(name, kwargs):
    ours, theirs = getattr(lamina.metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
    assert {**ours.get_config(), "name": theirs.name} == theirs.get_config()
    restored = lamina.metrics.deserialize(lamina.metrics.serialize(ours))
    assert type(restored) is type(ours) and restored.get_config() == ours.get_config()
    from_keras = lamina.metrics.deserialize(keras.metrics.serialize(theirs))
    assert from_keras.get_config() == theirs.get_config()


@pytest.mark.parametrize("name", RATE_METRICS)
def test_rate_metric_argument_errors_match_keras(name):
    argument = RATE_METRICS[name]
    for module in (lamina, keras):
        cls = getattr(module.metrics, name)
        with pytest.raises(ValueError, match=rf"`{argument}` must be in the range \[0, 1\]"):
            cls(**{argument: 1.5})
        with pytest.raises(ValueError, match="`num_thresholds` must be an integer > 0"):
            cls(**{argument: 0.5}, num_thresholds=0)


def _metrics(module):
    m = module.metrics
    return [m.OneHotMeanIoU(num_classes=3, name="miou"),
            m.RecallAtPrecision(0.4, num_thresholds=20, class_id=0, name="r_at_p"),
            "pearson_correlation"]


def _model(module, weights):
    model = module.Sequential([module.Input((4,)), module.layers.Dense(3, activation="softmax")])
    model.set_weights(weights)
    model.compile(optimizer=module.optimizers.SGD(0.1), loss="categorical_crossentropy",
                  metrics=_metrics(module))
    return model


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 4)).astype("float32")  # 30 rows: the last batch of 8 is short
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 30)]
    weights = [rng.normal(size=(4, 3)).astype("float32"), np.zeros(3, "float32")]
    return x, y, weights


def _assert_logs_close(ours, theirs):
    assert set(ours) == set(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-4, atol=1e-5, err_msg=key)


def test_compile_fit_evaluate_and_keras_file_match_keras(tmp_path):
    x, y, weights = _data()
    logs = {}
    for module in (lamina, keras):
        model = _model(module, weights)
        history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        logs[module] = ({k: v[-1] for k, v in history.history.items()},
                        model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True))
    for ours, theirs in zip(logs[lamina], logs[keras]):
        _assert_logs_close(ours, theirs)
    model.save(tmp_path / "m.keras")  # the trained Keras model, its metrics in the file
    loaded = lamina.models.load_model(tmp_path / "m.keras")
    _assert_logs_close(loaded.evaluate(x, y, batch_size=8, verbose=0, return_dict=True),
                       logs[keras][1])
