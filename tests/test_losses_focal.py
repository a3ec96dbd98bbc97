"""Focal crossentropies, Dice and Tversky in lamina.losses against Keras 3 (JAX backend)."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from keras.src.trainers import compile_utils  # noqa: E402

import lamina  # noqa: E402

RTOL, ATOL = 1e-6, 1e-7
CASES = 100  # random examples per argument combination (one batch row each)


def binary_data(rng, logits=False, shape=(CASES, 5)):
    """0/1 labels and probabilities (some saturated at 0 or 1) or logits."""
    y_true = rng.integers(0, 2, size=shape).astype("float32")
    if logits:
        return y_true, (4 * rng.normal(size=shape)).astype("float32")
    probs = rng.uniform(0.0, 1.0, size=shape)
    return y_true, np.where(rng.random(shape) < 0.1, np.round(probs), probs).astype("float32")


def categorical_data(rng, logits=False, shape=(CASES, 4)):
    """One-hot labels and unnormalised probabilities or logits."""
    y_true = np.eye(shape[-1], dtype="float32")[rng.integers(0, shape[-1], size=shape[:-1])]
    if logits:
        return y_true, (3 * rng.normal(size=shape)).astype("float32")
    return y_true, rng.uniform(0.0, 1.0, size=shape).astype("float32")


def mask_data(rng, logits=False, shape=(CASES, 4, 3)):
    """Soft segmentation masks: targets in {0, 1}, predictions in [0, 1]."""
    y_true = rng.integers(0, 2, size=shape).astype("float32")
    return y_true, rng.uniform(0.0, 1.0, size=shape).astype("float32")


BFCE = [dict(), dict(gamma=0.0), dict(gamma=3.5), dict(apply_class_balancing=True),
        dict(apply_class_balancing=True, alpha=0.6, gamma=1.0), dict(from_logits=True),
        dict(from_logits=True, apply_class_balancing=True, label_smoothing=0.2),
        dict(label_smoothing=0.1), dict(axis=0)]
CFCE = [dict(), dict(gamma=0.0, alpha=1.0), dict(gamma=4.0, alpha=0.5), dict(from_logits=True),
        dict(from_logits=True, label_smoothing=0.3), dict(label_smoothing=0.1),
        dict(alpha=[0.1, 0.2, 0.3, 0.4]), dict(axis=0)]
DICE = [dict(axis=(1, 2)), dict(axis=(1,)), dict(axis=(2,))]
TVERSKY = [dict(axis=(1, 2)), dict(axis=(1, 2), alpha=0.3, beta=0.7),
           dict(axis=(2,), alpha=0.9, beta=0.1), dict(axis=(1,), alpha=0.0, beta=1.0)]

COMBOS = ([("BinaryFocalCrossentropy", "binary_focal_crossentropy", binary_data, k)
           for k in BFCE]
          + [("CategoricalFocalCrossentropy", "categorical_focal_crossentropy",
              categorical_data, k) for k in CFCE]
          + [("Dice", "dice", mask_data, k) for k in DICE]
          + [("Tversky", "tversky", mask_data, k) for k in TVERSKY])
IDS = [f"{fn}-{kwargs}" for _, fn, _, kwargs in COMBOS]


def close(ours, theirs):
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("cls,fn,make,kwargs", COMBOS, ids=IDS)
def test_function_matches_keras(cls, fn, make, kwargs):
    rng = np.random.default_rng(len(str(kwargs)))
    y_true, y_pred = make(rng, logits=kwargs.get("from_logits", False))
    ours = getattr(lamina.losses, fn)(y_true, y_pred, **kwargs)
    theirs = getattr(keras.losses, fn)(y_true, y_pred, **kwargs)
    assert ours.shape == theirs.shape
    close(ours, theirs)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean",
                                       "mean_with_sample_weight", None])
@pytest.mark.parametrize("cls,fn,make,kwargs", COMBOS, ids=IDS)
def test_class_matches_keras_with_sample_weight(cls, fn, make, kwargs, reduction):
    rng = np.random.default_rng(7)
    y_true, y_pred = make(rng, logits=kwargs.get("from_logits", False))
    values = getattr(keras.losses, fn)(y_true, y_pred, **kwargs)  # one weight per value
    weight = rng.uniform(0.0, 2.0, size=values.shape).astype("float32")
    ours = getattr(lamina.losses, cls)(reduction=reduction, **kwargs)
    theirs = getattr(keras.losses, cls)(reduction=reduction, **kwargs)
    close(ours(y_true, y_pred), theirs(y_true, y_pred))
    close(ours(y_true, y_pred, sample_weight=weight),
          theirs(y_true, y_pred, sample_weight=weight))


@pytest.mark.parametrize("cls", ["Dice", "Tversky"])
def test_overlap_over_all_axes_by_default(cls):
    """With axis=None, Dice and Tversky reduce the whole batch to one value."""
    for seed in range(5):
        y_true, y_pred = mask_data(np.random.default_rng(seed))
        close(getattr(lamina.losses, cls)()(y_true, y_pred),
              getattr(keras.losses, cls)()(y_true, y_pred))


def test_keras_docstring_examples():
    y_true, y_pred = np.array([0, 1, 0, 0]), np.array([-18.6, 0.51, 2.94, -12.8])
    loss = lamina.losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=2,
                                                 from_logits=True)
    np.testing.assert_allclose(loss(y_true, y_pred), 0.51, atol=5e-3)
    cce = lamina.losses.CategoricalFocalCrossentropy(reduction=None)
    np.testing.assert_allclose(cce([[0., 1., 0.], [0., 0., 1.]],
                                   [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]),
                               [3.2058331e-05, 4.6627346e-01], rtol=1e-5)
    masks = ([[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]],
             [[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]])
    close(lamina.losses.dice(*masks, axis=(1, 2, 3)), [0.5, 0.75757575])


CONFIG_CASES = [
    ("BinaryFocalCrossentropy", {}),
    ("BinaryFocalCrossentropy", dict(apply_class_balancing=True, alpha=0.4, gamma=1.5,
                                     from_logits=True, label_smoothing=0.1, axis=-2,
                                     reduction="sum", name="bfce")),
    ("CategoricalFocalCrossentropy", {}),
    ("CategoricalFocalCrossentropy", dict(alpha=0.5, gamma=3.0, from_logits=True,
                                          label_smoothing=0.2, reduction=None)),
    ("Dice", {}), ("Dice", dict(axis=(1, 2), reduction="mean", name="my_dice")),
    ("Tversky", {}), ("Tversky", dict(alpha=0.3, beta=0.7, axis=(1, 2), name="tv")),
]


@pytest.mark.parametrize("cls,kwargs", CONFIG_CASES)
def test_get_config_and_round_trip(cls, kwargs):
    ours = getattr(lamina.losses, cls)(**kwargs)
    theirs = getattr(keras.losses, cls)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert ours.name == theirs.name
    restored = lamina.losses.deserialize(lamina.losses.serialize(ours))
    assert type(restored) is type(ours)
    assert restored.get_config() == ours.get_config()
    from_keras = lamina.losses.deserialize(keras.losses.serialize(theirs))
    assert from_keras.get_config() == ours.get_config()
    y_true, y_pred = mask_data(np.random.default_rng(3))
    if cls == "BinaryFocalCrossentropy" and kwargs.get("from_logits"):
        y_pred = 4 * y_pred - 2
    close(restored(y_true, y_pred), theirs(y_true, y_pred))


@pytest.mark.parametrize("name", ["binary_focal_crossentropy", "categorical_focal_crossentropy",
                                  "dice", "tversky"])
def test_get_by_name(name):
    loss = lamina.losses.get(name)
    y_true, y_pred = categorical_data(np.random.default_rng(1))
    theirs = compile_utils.get_loss(name, y_true, y_pred)  # what keras's compile() uses
    close(loss(y_true, y_pred), np.mean(theirs(y_true, y_pred)))


def test_compile_fit_with_focal_loss_matches_keras():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 6)).astype("float32")
    y = (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype("float32")

    def model(lib):
        return lib.Sequential([lib.layers.Input((6,)), lib.layers.Dense(8, activation="relu"),
                               lib.layers.Dense(1, activation="sigmoid")])

    theirs, ours = model(keras), model(lamina)
    ours.set_weights(theirs.get_weights())
    theirs.compile("adam", loss="binary_focal_crossentropy")
    ours.compile("adam", loss="binary_focal_crossentropy")
    h_theirs = theirs.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    h_ours = ours.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0),
                               rtol=1e-4)


def test_bad_axis_is_rejected_like_keras():
    y_true, y_pred = categorical_data(np.random.default_rng(0))
    with pytest.raises(ValueError, match="`axis` must be of type `int`"):
        lamina.losses.categorical_focal_crossentropy(y_true, y_pred, axis=True)
