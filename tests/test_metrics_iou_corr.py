"""The IoU family (`IoU`, `MeanIoU`, `BinaryIoU`, `OneHotIoU`, `OneHotMeanIoU`) and the
correlation metrics (`PearsonCorrelation`, `ConcordanceCorrelation` and their functions)
against Keras: values over random batches (with and without sample weights, several updates,
resets), variables, configs and names."""

import warnings
import zlib

import keras
import numpy as np
import pytest

import lamina

RTOL, ATOL = 1e-6, 1e-6
CASES = 12
BATCHES = (4, 6)  # a few batch sizes: eager ops compile once per shape


def _labels(rng, n, kind, classes):
    """Random (y_true, y_pred) of one kind of IoU input."""
    if kind == "sparse":  # integer labels, some out of range (-1, classes)
        return (rng.integers(-1, classes + 1, n), rng.integers(0, classes, n))
    if kind == "maps":  # segmentation maps
        return rng.integers(0, classes, (n, 3, 2)), rng.integers(0, classes, (n, 3, 2))
    if kind == "scores":  # sparse labels, per-class scores
        return rng.integers(0, classes, (n, 1)), rng.random((n, classes)).astype("float32")
    if kind == "onehot":
        return np.eye(classes)[rng.integers(0, classes, n)], rng.random((n, classes))
    if kind == "onehot_sparse_pred":
        return np.eye(classes)[rng.integers(0, classes, n)], rng.integers(0, classes, n)
    return rng.integers(0, 2, (n, 1)), rng.random((n, 1)).astype("float32")  # binary


def _weights(rng, y_true, kind, dtype):
    shape = y_true.shape[:1] if kind.startswith("onehot") or kind == "scores" else y_true.shape
    if dtype == "float32":
        return rng.random(shape).astype("float32")
    return rng.integers(0, 4, shape).astype("int32")


def _compare(ours, theirs, make_batch, seed, cases=CASES, check_variables=True):
    """Random cases of 1 to 3 batches through both metrics, resetting between cases."""
    rng = np.random.default_rng(seed)
    for case in range(cases):
        for _ in range(rng.integers(1, 4)):
            y_true, y_pred, weight = make_batch(rng, int(rng.choice(BATCHES)), case % 2 == 1)
            ours.update_state(y_true, y_pred, sample_weight=weight)
            theirs.update_state(y_true, y_pred, sample_weight=weight)
        np.testing.assert_allclose(np.asarray(ours.result()), np.asarray(theirs.result()),
                                   rtol=RTOL, atol=ATOL, err_msg=f"case {case}")
        if check_variables:  # the state, variable by variable
            for our_var, their_var in zip(ours.variables, theirs.variables, strict=True):
                assert our_var.name == their_var.name
                np.testing.assert_allclose(np.asarray(our_var), np.asarray(their_var),
                                           rtol=RTOL, atol=ATOL, err_msg=our_var.name)
        ours.reset_state()
        theirs.reset_state()


IOU_CASES = [
    ("IoU", dict(num_classes=4, target_class_ids=[0, 2]), "sparse"),
    ("IoU", dict(num_classes=4, target_class_ids=[1], ignore_class=2), "sparse"),
    ("IoU", dict(num_classes=3, target_class_ids=[0, 1, 2], sparse_y_pred=False), "scores"),
    ("MeanIoU", dict(num_classes=3), "sparse"),
    ("MeanIoU", dict(num_classes=3, ignore_class=0, dtype="float32"), "maps"),
    ("MeanIoU", dict(num_classes=4, sparse_y_pred=False, dtype="float32"), "scores"),
    ("BinaryIoU", dict(), "binary"),
    ("BinaryIoU", dict(target_class_ids=[1], threshold=0.3, dtype="float32"), "binary"),
    ("OneHotIoU", dict(num_classes=3, target_class_ids=[0, 2]), "onehot"),
    ("OneHotIoU", dict(num_classes=4, target_class_ids=[3], dtype="float32"), "onehot"),
    ("OneHotMeanIoU", dict(num_classes=3), "onehot"),
    ("OneHotMeanIoU", dict(num_classes=3, sparse_y_pred=True, ignore_class=1),
     "onehot_sparse_pred"),
]


@pytest.mark.parametrize("name,kwargs,kind", IOU_CASES)
def test_iou_metrics_match_keras(name, kwargs, kind):
    classes = kwargs.get("num_classes", 2)
    dtype = kwargs.get("dtype", "int32")

    def make_batch(rng, n, weighted):
        y_true, y_pred = _labels(rng, n, kind, classes)
        return y_true, y_pred, _weights(rng, y_true, kind, dtype) if weighted else None

    _compare(getattr(lamina.metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs),
             make_batch, seed=zlib.crc32(f"{name}{kwargs}".encode()))


def test_iou_truncates_fractional_weights_like_keras_and_warns():
    y_true, y_pred = [0, 0, 1, 1, 2], [0, 1, 0, 1, 2]
    weight = np.array([0.3, 1.5, 2.0, 1.0, 2.7], "float32")
    ours, theirs = lamina.metrics.MeanIoU(num_classes=3), keras.metrics.MeanIoU(num_classes=3)
    with pytest.warns(UserWarning, match="Consider using integer weights"):
        ours.update_state(y_true, y_pred, sample_weight=weight)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.update_state(y_true, y_pred, sample_weight=weight)
    np.testing.assert_array_equal(ours.total_cm.numpy(), theirs.total_cm.numpy())
    np.testing.assert_allclose(ours.result(), theirs.result(), rtol=RTOL)


def test_iou_spreads_one_weight_per_row_over_a_segmentation_map():
    rng = np.random.default_rng(3)
    y_true, y_pred = rng.integers(0, 3, (4, 3, 2)), rng.integers(0, 3, (4, 3, 2))
    rows = np.array([1, 0, 2, 1], "int32")
    ours, theirs = lamina.metrics.MeanIoU(num_classes=3), keras.metrics.MeanIoU(num_classes=3)
    ours.update_state(y_true, y_pred, sample_weight=rows)
    theirs.update_state(y_true, y_pred, sample_weight=np.broadcast_to(rows[:, None, None],
                                                                      y_true.shape))
    np.testing.assert_array_equal(ours.total_cm.numpy(), theirs.total_cm.numpy())


def test_iou_state_is_keras_total_cm_and_resets():
    ours, theirs = lamina.metrics.IoU(3, [0, 1]), keras.metrics.IoU(3, [0, 1])
    for metric in (ours, theirs):
        metric.update_state([0, 1, 2, 2], [0, 2, 2, 1])
    assert [(v.name, tuple(v.shape), v.dtype) for v in ours.variables] == [
        (v.name, tuple(v.shape), v.dtype) for v in theirs.variables]
    assert ours.total_cm.path == f"{ours.name}/total_confusion_matrix"  # io_u, io_u_1, ...
    assert ours.name.startswith("io_u")
    np.testing.assert_array_equal(ours.total_cm.numpy(), theirs.total_cm.numpy())
    ours.reset_state()
    assert not ours.total_cm.numpy().any() and float(ours.result()) == 0.0


def test_iou_target_class_out_of_range_raises_keras_error():
    for module in (lamina, keras):
        with pytest.raises(ValueError, match=r"Target class id 3 is out of range, which is "
                                             r"\[0, 3\)"):
            module.metrics.IoU(num_classes=3, target_class_ids=[0, 3])


def _correlation_batch(rng, n, weighted, features=3):
    y_true = rng.normal(size=(n, features)).astype("float32")
    y_pred = (y_true + rng.normal(scale=0.8, size=(n, features))).astype("float32")
    return y_true, y_pred, rng.random(n).astype("float32") if weighted else None


@pytest.mark.parametrize("name", ["PearsonCorrelation", "ConcordanceCorrelation"])
@pytest.mark.parametrize("axis", [-1, 0])
def test_correlation_metrics_match_keras(name, axis):
    def make_batch(rng, n, weighted):
        y_true, y_pred, weight = _correlation_batch(rng, n, weighted)
        return y_true, y_pred, None if axis == 0 else weight

    _compare(getattr(lamina.metrics, name)(axis=axis), getattr(keras.metrics, name)(axis=axis),
             make_batch, seed=zlib.crc32(f"{name}{axis}".encode()), check_variables=False)


@pytest.mark.parametrize("name", ["pearson_correlation", "concordance_correlation"])
@pytest.mark.parametrize("axis,shape", [(-1, (5, 4)), (0, (6, 3)), (1, (2, 5, 3)), (-1, (7,))])
def test_correlation_functions_match_keras(name, axis, shape):
    rng = np.random.default_rng(len(shape) + axis)
    y_true = rng.normal(size=shape).astype("float32")
    y_pred = (0.5 * y_true + rng.normal(size=shape)).astype("float32")
    ours = getattr(lamina.metrics, name)(y_true, y_pred, axis=axis)
    theirs = getattr(keras.metrics, name)(y_true, y_pred, axis=axis)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name,kwargs", [
    ("IoU", dict(num_classes=3, target_class_ids=[1, 2], ignore_class=0, axis=-1)),
    ("MeanIoU", dict(num_classes=4, name="miou", sparse_y_pred=False)),
    ("MeanIoU", dict(num_classes=2, dtype="float32")),
    ("BinaryIoU", dict(target_class_ids=[1], threshold=0.25)),
    ("OneHotIoU", dict(num_classes=3, target_class_ids=[2], sparse_y_pred=True)),
    ("OneHotMeanIoU", dict(num_classes=5, ignore_class=4)),
    ("PearsonCorrelation", dict(axis=0)),
    ("ConcordanceCorrelation", dict(name="ccc", dtype="float32")),
])
def test_get_config_and_round_trip_match_keras(name, kwargs):
    ours, theirs = getattr(lamina.metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
    # Keras numbers unnamed metrics of the same class (io_u, io_u_1, ...); lamina does not
    assert theirs.name in (ours.name, *(f"{ours.name}_{i}" for i in range(1, 100)))
    assert {**ours.get_config(), "name": theirs.name} == theirs.get_config()
    again = type(ours).from_config(ours.get_config())
    assert again.get_config() == ours.get_config()
    restored = lamina.metrics.deserialize(lamina.metrics.serialize(ours))
    assert type(restored) is type(ours) and restored.get_config() == ours.get_config()
    from_keras = lamina.metrics.deserialize(keras.metrics.serialize(theirs))
    assert type(from_keras) is type(ours) and from_keras.get_config() == theirs.get_config()
    assert type(keras.metrics.deserialize(lamina.metrics.serialize(ours))) is type(theirs)


@pytest.mark.parametrize("string", ["pearson_correlation", "PearsonCorrelation",
                                    "concordance_correlation", "ConcordanceCorrelation"])
def test_string_names_resolve_like_keras(string):
    ours, theirs = lamina.metrics.get(string), keras.metrics.get(string)
    assert type(ours).__name__ == type(theirs).__name__


LOSS_FUNCTIONS = ["binary_crossentropy", "binary_focal_crossentropy",
                  "categorical_crossentropy", "categorical_focal_crossentropy",
                  "categorical_hinge", "hinge", "huber", "kl_divergence", "log_cosh",
                  "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
                  "mean_squared_logarithmic_error", "poisson", "sparse_categorical_crossentropy",
                  "squared_hinge"]


@pytest.mark.parametrize("name", LOSS_FUNCTIONS)
def test_loss_functions_are_metric_functions_as_in_keras(name):
    assert getattr(keras.metrics, name) is getattr(keras.losses, name)
    assert getattr(lamina.metrics, name) is getattr(lamina.losses, name)
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    y_pred = rng.uniform(0.05, 0.95, (4, 3)).astype("float32")
    y_pred /= y_pred.sum(-1, keepdims=True)
    y_true = (rng.integers(0, 3, (4,)) if name.startswith("sparse")
              else np.eye(3, dtype="float32")[rng.integers(0, 3, 4)])
    ours = getattr(lamina.metrics, name)(y_true, y_pred)
    theirs = getattr(keras.metrics, name)(y_true, y_pred)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-5, atol=1e-6)
