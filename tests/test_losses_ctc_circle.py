"""CTC, Circle and the categorical generalized crossentropy in lamina.losses against Keras 3
(JAX backend)."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from keras.src.losses import LossFunctionWrapper  # noqa: E402

import lamina  # noqa: E402

RTOL, ATOL = 1e-6, 1e-6
CASES = 200  # random examples per argument set (one batch row each)
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None]


def close(ours, theirs, rtol=RTOL, atol=ATOL):
    assert np.shape(ours) == np.shape(theirs)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=rtol, atol=atol)


def ctc_data(rng, batch=CASES, steps=10, max_length=5, classes=6, dtype="float32"):
    """Labels in 1..classes-1 padded with 0 (some with repeats, some empty, some longer than
    `steps` allows), and logits."""
    lengths = rng.integers(0, max_length + 1, size=batch)
    labels = rng.integers(1, classes, size=(batch, max_length))
    labels[::4, 1] = labels[::4, 0]  # repeated labels need a blank between them
    labels = np.where(np.arange(max_length) < lengths[:, None], labels, 0)
    return labels.astype("int32"), (3 * rng.normal(size=(batch, steps, classes))).astype(dtype)


def circle_data(rng, batch=32, dim=6, classes=20, dtype="float32"):
    """Integer labels (some classes seen once, so those rows have no positive) and unit-norm
    embeddings."""
    labels = rng.integers(0, classes, size=batch)
    embeddings = rng.normal(size=(batch, dim))
    return labels, (embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)).astype(dtype)


def gce_data(rng, batch=CASES, classes=5, dtype="float32"):
    """Integer labels and probability rows (some with a zero entry)."""
    probs = rng.dirichlet(np.ones(classes), size=batch)
    probs[::7, 0] = 0.0
    probs = (probs / probs.sum(-1, keepdims=True)).astype(dtype)
    return rng.integers(0, classes, size=batch), probs


CIRCLE = [dict(), dict(gamma=2.0), dict(gamma=10.0, margin=0.25),
          dict(gamma=4.0, margin=0.0, remove_diagonal=False)]
GCE = [dict(q=0.5), dict(q=0.1), dict(q=0.9), dict(q=0.01)]


KERAS_CTC = jax.jit(keras.losses.ctc)  # jitted as in Keras's fit: eagerly its scan is slow


def test_ctc_function_matches_keras():
    rng = np.random.default_rng(0)
    for steps, max_length, classes in [(10, 5, 6), (4, 6, 3), (1, 2, 2)]:
        y_true, y_pred = ctc_data(rng, steps=steps, max_length=max_length, classes=classes)
        close(lamina.losses.ctc(y_true, y_pred), KERAS_CTC(y_true, y_pred))


def test_ctc_labels_need_not_be_right_padded():
    """Zeros inside a label sequence only shorten its counted length, as in Keras."""
    rng = np.random.default_rng(1)
    y_pred = ctc_data(rng)[1]
    y_true = rng.integers(0, 6, size=(CASES, 5)).astype("int32")
    close(lamina.losses.ctc(y_true, y_pred), KERAS_CTC(y_true, y_pred))


@pytest.mark.parametrize("kwargs", CIRCLE)
def test_circle_function_matches_keras(kwargs):
    rng = np.random.default_rng(2)
    for classes in (3, 20, 64):  # from every row having positives to most having none
        y_true, y_pred = circle_data(rng, classes=classes)
        close(lamina.losses.circle(y_true, y_pred, **kwargs),
              keras.losses.circle(y_true, y_pred, **kwargs))
        close(lamina.losses.circle(y_true[:, None], y_pred, **kwargs),
              keras.losses.circle(y_true[:, None], y_pred, **kwargs))


def test_circle_with_reference_set_matches_keras():
    rng = np.random.default_rng(3)
    y_true, y_pred = circle_data(rng, batch=24, classes=5)
    ref_labels, ref_embeddings = circle_data(rng, batch=40, classes=5)
    for kwargs in CIRCLE[:2]:
        kwargs = dict(kwargs, ref_labels=ref_labels, ref_embeddings=ref_embeddings,
                      remove_diagonal=False)
        close(lamina.losses.circle(y_true, y_pred, **kwargs),
              keras.losses.circle(y_true, y_pred, **kwargs))


@pytest.mark.parametrize("kwargs", GCE)
def test_gce_function_matches_keras(kwargs):
    rng = np.random.default_rng(4)
    y_true, y_pred = gce_data(rng)
    close(lamina.losses.categorical_generalized_cross_entropy(y_true, y_pred, **kwargs),
          keras.losses.categorical_generalized_cross_entropy(y_true, y_pred, **kwargs))
    float_labels = y_true[:, None].astype("float32")  # Keras casts; (batch, 1) broadcasts
    close(lamina.losses.categorical_generalized_cross_entropy(float_labels, y_pred, **kwargs),
          keras.losses.categorical_generalized_cross_entropy(float_labels, y_pred, **kwargs))


CLASS_CASES = ([("CTC", {}, ctc_data)]
               + [("Circle", k, circle_data) for k in CIRCLE[1:3]]
               + [("CategoricalGeneralizedCrossEntropy", k, gce_data) for k in GCE[:2]])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("cls,kwargs,make", CLASS_CASES,
                         ids=[f"{c}-{k}" for c, k, _ in CLASS_CASES])
def test_class_matches_keras_with_sample_weight(cls, kwargs, make, reduction):
    rng = np.random.default_rng(5)
    y_true, y_pred = make(rng)
    weight = rng.uniform(0.0, 2.0, size=len(y_true)).astype("float32")
    ours = getattr(lamina.losses, cls)(reduction=reduction, **kwargs)
    theirs = getattr(keras.losses, cls)(reduction=reduction, **kwargs)
    if cls == "CTC":
        theirs = jax.jit(theirs)
    close(ours(y_true, y_pred), theirs(y_true, y_pred))
    close(ours(y_true, y_pred, sample_weight=weight), theirs(y_true, y_pred, sample_weight=weight))


def test_circle_leaves_rows_without_positives_out_of_the_mean():
    """All labels distinct: every row's loss is 0 and masked, so the mean is 0, not 0/n."""
    y_pred = circle_data(np.random.default_rng(6), batch=8)[1]
    y_true = np.arange(8)
    for reduction in REDUCTIONS:
        close(lamina.losses.Circle(reduction=reduction)(y_true, y_pred),
              keras.losses.Circle(reduction=reduction)(y_true, y_pred))
    y_true = np.array([0, 0, 1, 2, 3, 4, 5, 6])  # two rows count: the mean is over those two
    values = lamina.losses.circle(y_true, y_pred)
    close(lamina.losses.Circle()(y_true, y_pred), np.sum(values) / 2)
    close(lamina.losses.get("circle")(y_true, y_pred), keras.losses.Circle()(y_true, y_pred))


def test_bad_arguments_raise_keras_errors():
    with pytest.raises(ValueError, match=r"q must be in the interval \(0, 1\). Received: q=1"):
        lamina.losses.CategoricalGeneralizedCrossEntropy(q=1.0)
    with pytest.raises(ValueError, match=r"Received: y_true.shape=\(2, 3, 1\)"):
        lamina.losses.ctc(np.ones((2, 3, 1)), np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match=r"Received: y_pred.shape=\(2, 4\)"):
        lamina.losses.CTC()(np.ones((2, 3)), np.zeros((2, 4)))


CONFIG_CASES = [("CTC", {}), ("CTC", dict(reduction="sum", name="my_ctc")),
                ("Circle", {}),
                ("Circle", dict(gamma=3.0, margin=0.2, remove_diagonal=False, reduction=None)),
                ("CategoricalGeneralizedCrossEntropy", {}),
                ("CategoricalGeneralizedCrossEntropy", dict(q=0.2, reduction="mean", name="g"))]


@pytest.mark.parametrize("cls,kwargs", CONFIG_CASES)
def test_get_config_and_round_trip(cls, kwargs):
    ours = getattr(lamina.losses, cls)(**kwargs)
    theirs = getattr(keras.losses, cls)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert ours.name == theirs.name
    for config in (lamina.losses.serialize(ours), keras.losses.serialize(theirs)):
        restored = lamina.losses.deserialize(config)
        assert type(restored) is type(ours)
        assert restored.get_config() == ours.get_config()
    assert lamina.losses.serialize(ours) == keras.losses.serialize(theirs)
    restored = type(ours).from_config(ours.get_config())
    y_true, y_pred = dict(CTC=ctc_data, Circle=circle_data).get(cls, gce_data)(
        np.random.default_rng(7))
    close(restored(y_true, y_pred), theirs(y_true, y_pred))


@pytest.mark.parametrize("name", ["ctc", "circle", "categorical_generalized_cross_entropy"])
def test_function_serialization(name):
    config = keras.losses.serialize(getattr(keras.losses, name))
    assert lamina.losses.serialize(getattr(lamina.losses, name)) == config
    assert lamina.losses.deserialize(config).fn is getattr(lamina.losses, name)


@pytest.mark.parametrize("name", ["ctc", "CTC", "circle", "Circle"])
def test_get_by_name_like_compile(name):
    """The names Keras's `losses.get` knows give the same values."""
    theirs = keras.losses.get(name)
    if not isinstance(theirs, keras.losses.Loss):  # compile() wraps a function
        theirs = LossFunctionWrapper(theirs)
    make = ctc_data if name.lower() == "ctc" else circle_data
    y_true, y_pred = make(np.random.default_rng(8))
    close(lamina.losses.get(name)(y_true, y_pred), theirs(y_true, y_pred))


def _grad_check(loss, y_pred, h=1e-6, directions=4, seed=0):
    """Directional derivatives of `sum(weights * loss(y_pred))`: jax.grad against central
    differences, in float64."""
    rng = np.random.default_rng(seed)
    weights = rng.uniform(0.5, 1.5, size=np.shape(loss(y_pred)))
    total = jax.jit(lambda z: jnp.sum(weights * loss(z)))
    grad = np.asarray(jax.grad(total)(y_pred))
    for _ in range(directions):
        v = rng.normal(size=y_pred.shape)
        numeric = (float(total(y_pred + h * v)) - float(total(y_pred - h * v))) / (2 * h)
        np.testing.assert_allclose(np.sum(grad * v), numeric, rtol=1e-6, atol=1e-7)


def test_gradients_match_finite_differences_in_float64():
    rng = np.random.default_rng(9)
    with jax.enable_x64(True):
        y_true, logits = ctc_data(rng, batch=16, dtype="float64")
        assert lamina.losses.ctc(y_true, logits).dtype == np.float64
        _grad_check(lambda z: lamina.losses.ctc(y_true, z), logits)
        labels, probs = gce_data(rng, batch=16, dtype="float64")
        probs = np.clip(probs, 0.01, 1.0)  # away from p = 0, where p ** q has no derivative
        for q in (0.1, 0.8):
            _grad_check(lambda z: lamina.losses.categorical_generalized_cross_entropy(
                labels, z, q=q), probs)
        labels, embeddings = circle_data(rng, batch=12, classes=4, dtype="float64")
        _grad_check(lambda z: lamina.losses.circle(labels, z, gamma=4.0), embeddings)


def _fit_both(make_model, loss, x, y, batch_size, evaluate=True):
    """One epoch of fit(shuffle=False) in Keras and in lamina from the same weights: the
    losses, the trained weights and (if `evaluate`) an evaluate must agree."""
    theirs, ours = make_model(keras), make_model(lamina)
    ours.set_weights(theirs.get_weights())
    theirs.compile("adam", loss=loss(keras))
    ours.compile("adam", loss=loss(lamina))
    h_theirs = theirs.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    h_ours = ours.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    if not evaluate:
        return
    np.testing.assert_allclose(ours.evaluate(x, y, batch_size=batch_size, verbose=0),
                               theirs.evaluate(x, y, batch_size=batch_size, verbose=0),
                               rtol=1e-4)


def test_fit_with_ctc_matches_keras():
    rng = np.random.default_rng(10)
    labels, _ = ctc_data(rng, batch=40, steps=8, max_length=3, classes=5)
    x = rng.normal(size=(40, 8, 3)).astype("float32")
    keras.utils.set_random_seed(0)
    _fit_both(lambda lib: lib.Sequential([lib.layers.Input((8, 3)), lib.layers.Dense(5)]),
              lambda lib: "ctc", x, labels, batch_size=16, evaluate=False)


def test_fit_with_circle_matches_keras():
    """44 rows in batches of 12: the last, partial batch is Keras's too (lamina pads it, and
    its padding rows are no one's positives or negatives)."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=(44, 6)).astype("float32")
    y = (x[:, 0] > 0).astype("int32") + 2 * (x[:, 1] > 0)
    keras.utils.set_random_seed(0)
    _fit_both(lambda lib: lib.Sequential([lib.layers.Input((6,)), lib.layers.Dense(4),
                                          lib.layers.UnitNormalization()]),
              lambda lib: lib.losses.Circle(gamma=8.0), x, y, batch_size=12)


def test_fit_with_generalized_crossentropy_matches_keras():
    rng = np.random.default_rng(12)
    x = rng.normal(size=(40, 6)).astype("float32")
    y = np.argmax(x[:, :3], axis=1)
    keras.utils.set_random_seed(0)
    _fit_both(lambda lib: lib.Sequential([lib.layers.Input((6,)),
                                          lib.layers.Dense(3, activation="softmax")]),
              lambda lib: lib.losses.CategoricalGeneralizedCrossEntropy(q=0.7), x, y,
              batch_size=16)


@pytest.mark.parametrize("loss", [lambda lib: "ctc", lambda lib: lib.losses.CTC(name="c"),
                                  lambda lib: lib.losses.Circle(gamma=4.0, margin=0.3)],
                         ids=["ctc", "CTC", "Circle"])
def test_keras_files_load_both_ways(tmp_path, loss):
    """Each library reads the other's file to the loss it would have compiled itself."""
    for writer, reader in ((keras, lamina), (lamina, keras)):
        model = writer.Sequential([writer.layers.Input((4,)), writer.layers.Dense(3)])
        model.compile("adam", loss=loss(writer))
        model.save(tmp_path / "m.keras")
        loaded = reader.models.load_model(tmp_path / "m.keras")
        expected = loss(reader)
        if reader is lamina:
            expected = lamina.losses.get(expected)
        assert reader.losses.serialize(loaded.loss) == reader.losses.serialize(expected)


def test_generalized_crossentropy_survives_a_keras_file(tmp_path):
    """Keras's `losses.get` does not know this loss, but its class config loads."""
    model = lamina.Sequential([lamina.layers.Input((4,)), lamina.layers.Dense(3)])
    model.compile("adam", loss=lamina.losses.CategoricalGeneralizedCrossEntropy(q=0.3))
    model.save(tmp_path / "m.keras")
    loaded = lamina.models.load_model(tmp_path / "m.keras")
    assert type(loaded.loss) is lamina.losses.CategoricalGeneralizedCrossEntropy
    assert loaded.loss.get_config() == model.loss.get_config()
