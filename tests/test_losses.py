"""lamina.losses against Keras 3 (JAX backend) as the oracle."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from keras.src.trainers import compile_utils  # noqa: E402

from lamina import errors, losses  # noqa: E402

ATOL = 1e-6
N, C = 6, 4


def make_data(kind: str, seed: int = 0, shape: tuple = (N, C)):
    """(y_true, y_pred) in the domain a loss expects."""
    rng = np.random.default_rng(seed)
    normal = rng.normal(size=shape).astype("float32")
    probs = np.asarray(jax.nn.softmax(normal, axis=-1))
    labels = rng.integers(0, shape[-1], size=shape[:-1])
    onehot = np.eye(shape[-1], dtype="float32")[labels]
    bits = rng.integers(0, 2, size=shape).astype("float32")
    uniform = rng.uniform(0.01, 0.99, size=shape).astype("float32")
    positive = rng.uniform(0.1, 3.0, size=shape).astype("float32")
    saturated = np.where(rng.random(shape) < 0.3, np.round(uniform), uniform).astype("float32")
    return {
        "saturated": (onehot, np.eye(shape[-1], dtype="float32")[np.roll(labels, 1)]),
        "sparse_saturated": (labels, np.eye(shape[-1], dtype="float32")[np.roll(labels, 1)]),
        "binary_saturated": (bits, saturated),
        "regression": (rng.normal(size=shape).astype("float32"), normal),
        "positive": (rng.uniform(0.0, 3.0, size=shape).astype("float32"), positive),
        "dist": (np.asarray(jax.nn.softmax(rng.normal(size=shape), -1), "float32"), probs),
        "onehot": (onehot, probs),
        "onehot_logits": (onehot, 3 * normal),
        "sparse": (labels, probs),
        "sparse_col": (labels[..., None], probs),
        "sparse_logits": (labels, 3 * normal),
        "binary": (bits, uniform),
        "binary_logits": (bits, 3 * normal),
        "signed": (2 * bits - 1, normal),
    }[kind]


FUNCTION_CASES = [
    ("mean_squared_error", "regression", {}),
    ("mean_absolute_error", "regression", {}),
    ("mean_absolute_percentage_error", "regression", {}),
    ("mean_squared_logarithmic_error", "positive", {}),
    ("huber", "regression", {"delta": 0.7}),
    ("log_cosh", "regression", {}),
    ("kl_divergence", "dist", {}),
    ("poisson", "positive", {}),
    ("hinge", "binary", {}),
    ("hinge", "signed", {}),
    ("squared_hinge", "binary", {}),
    ("squared_hinge", "signed", {}),
    ("categorical_hinge", "onehot", {}),
    ("cosine_similarity", "regression", {}),
    ("cosine_similarity", "regression", {"axis": 0}),
    ("categorical_crossentropy", "onehot", {}),
    ("categorical_crossentropy", "saturated", {}),
    ("sparse_categorical_crossentropy", "sparse_saturated", {}),
    ("binary_crossentropy", "binary_saturated", {}),
    ("kl_divergence", "saturated", {}),
    ("poisson", "binary_saturated", {}),
    ("categorical_crossentropy", "onehot", {"label_smoothing": 0.1}),
    ("categorical_crossentropy", "onehot_logits", {"from_logits": True}),
    ("categorical_crossentropy", "onehot_logits", {"from_logits": True, "label_smoothing": 0.2}),
    ("sparse_categorical_crossentropy", "sparse", {}),
    ("sparse_categorical_crossentropy", "sparse_col", {}),
    ("sparse_categorical_crossentropy", "sparse_logits", {"from_logits": True}),
    ("sparse_categorical_crossentropy", "sparse", {"ignore_class": 1}),
    ("binary_crossentropy", "binary", {}),
    ("binary_crossentropy", "binary", {"label_smoothing": 0.1}),
    ("binary_crossentropy", "binary_logits", {"from_logits": True}),
    ("binary_crossentropy", "binary_logits", {"from_logits": True, "label_smoothing": 0.3}),
]


@pytest.mark.parametrize("fn_name,kind,kwargs,shape",
                         [(*case, (N, C)) for case in FUNCTION_CASES]
                         + [(*case, (3, 2, C)) for case in FUNCTION_CASES[::3]])
def test_function_matches_keras(fn_name, kind, kwargs, shape):
    y_true, y_pred = make_data(kind, seed=1, shape=shape)
    ours = getattr(losses, fn_name)(y_true, y_pred, **kwargs)
    theirs = getattr(keras.losses, fn_name)(y_true, y_pred, **kwargs)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=ATOL, rtol=1e-6)


CLASS_CASES = [
    ("MeanSquaredError", "regression", {}),
    ("MeanAbsoluteError", "regression", {}),
    ("MeanAbsolutePercentageError", "regression", {}),
    ("MeanSquaredLogarithmicError", "positive", {}),
    ("Huber", "regression", {"delta": 0.5}),
    ("LogCosh", "regression", {}),
    ("KLDivergence", "dist", {}),
    ("Poisson", "positive", {}),
    ("Hinge", "binary", {}),
    ("SquaredHinge", "signed", {}),
    ("CategoricalHinge", "onehot", {}),
    ("CosineSimilarity", "regression", {}),
    ("CategoricalCrossentropy", "onehot", {}),
    ("CategoricalCrossentropy", "onehot_logits", {"from_logits": True, "label_smoothing": 0.1}),
    ("SparseCategoricalCrossentropy", "sparse", {}),
    ("SparseCategoricalCrossentropy", "sparse_col", {}),
    ("SparseCategoricalCrossentropy", "sparse_logits", {"from_logits": True}),
    ("SparseCategoricalCrossentropy", "sparse", {"ignore_class": 2}),
    ("BinaryCrossentropy", "binary", {"label_smoothing": 0.2}),
    ("BinaryCrossentropy", "binary_logits", {"from_logits": True}),
]
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None, "none"]


def sample_weight(kind: str, n: int = N, seed: int = 3):
    weights = np.random.default_rng(seed).uniform(0, 2, size=n).astype("float32")
    return {"none": None, "vector": weights, "column": weights[:, None],
            "scalar": np.float32(0.5)}[kind]


def pair(class_name, kwargs, **extra):
    return (getattr(losses, class_name)(**kwargs, **extra),
            getattr(keras.losses, class_name)(**kwargs, **extra))


@pytest.mark.parametrize("weighting", ["none", "vector", "column", "scalar"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("class_name,kind,kwargs", CLASS_CASES)
def test_class_matches_keras(class_name, kind, kwargs, reduction, weighting):
    y_true, y_pred = make_data(kind, seed=2)
    ours, theirs = pair(class_name, kwargs, reduction=reduction)
    sw = sample_weight(weighting)
    expected = theirs(y_true, y_pred, sample_weight=sw)
    got = ours(y_true, y_pred, sample_weight=sw)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=ATOL, rtol=1e-6)


@pytest.mark.parametrize("class_name,kind,kwargs", CLASS_CASES)
def test_names_and_config_match_keras(class_name, kind, kwargs):
    ours, theirs = pair(class_name, kwargs)
    assert ours.name == theirs.name
    ours_config, theirs_config = ours.get_config(), theirs.get_config()
    assert set(theirs_config) <= set(ours_config)
    assert {k: ours_config[k] for k in theirs_config} == theirs_config
    clone = type(ours).from_config(ours_config)
    y_true, y_pred = make_data(kind, seed=4)
    np.testing.assert_allclose(clone(y_true, y_pred), ours(y_true, y_pred), atol=0)


def pad(x, rows: int = 2, fill: float = 0.0):
    x = np.asarray(x)
    padding = np.full((rows,) + x.shape[1:], fill, dtype=x.dtype)
    return np.concatenate([x, padding])


@pytest.mark.parametrize("weighting", ["none", "vector"])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
@pytest.mark.parametrize("class_name,kind,kwargs", CLASS_CASES)
def test_mask_on_padded_batch_equals_keras_on_unpadded(class_name, kind, kwargs, reduction,
                                                       weighting, fill=0.0):
    """Zero padding is the hard case: 0/0 probabilities must not leak NaN into the sum."""
    y_true, y_pred = make_data(kind, seed=5)
    ours, theirs = pair(class_name, kwargs, reduction=reduction)
    sw = sample_weight(weighting)
    expected = theirs(y_true, y_pred, sample_weight=sw)
    mask = pad(np.ones(N, "float32"))
    padded_sw = None if sw is None else pad(sw, fill=1.0)
    got = ours(pad(y_true, fill=fill), pad(y_pred, fill=fill), sample_weight=padded_sw,
               mask=mask)
    assert np.isfinite(got)
    np.testing.assert_allclose(got, expected, atol=ATOL, rtol=1e-6)


@pytest.mark.parametrize("class_name,kind,kwargs", CLASS_CASES[::3])
def test_mask_with_no_reduction_zeroes_padded_rows(class_name, kind, kwargs):
    y_true, y_pred = make_data(kind, seed=6)
    ours, theirs = pair(class_name, kwargs, reduction=None)
    got = ours(pad(y_true), pad(y_pred), mask=pad(np.ones(N)))
    np.testing.assert_allclose(got[:N], theirs(y_true, y_pred), atol=ATOL, rtol=1e-6)
    np.testing.assert_array_equal(got[N:], 0.0)


def test_mask_on_sequence_losses_counts_valid_elements():
    y_true, y_pred = make_data("sparse", seed=7, shape=(N, 5, C))
    ours, theirs = pair("SparseCategoricalCrossentropy", {"ignore_class": 0})
    expected = theirs(y_true, y_pred)
    got = ours(pad(y_true), pad(y_pred), mask=pad(np.ones(N)))
    np.testing.assert_allclose(got, expected, atol=ATOL, rtol=1e-6)


def test_mask_default_is_keras_and_all_ones_mask_changes_nothing():
    y_true, y_pred = make_data("onehot", seed=8)
    loss = losses.CategoricalCrossentropy()
    np.testing.assert_allclose(loss(y_true, y_pred, mask=np.ones(N)), loss(y_true, y_pred),
                               atol=ATOL)


@pytest.mark.parametrize("class_name,kind,kwargs", CLASS_CASES)
def test_losses_are_jittable(class_name, kind, kwargs):
    y_true, y_pred = make_data(kind, seed=9)
    loss = getattr(losses, class_name)(**kwargs)
    sw, mask = sample_weight("vector"), (np.arange(N) < N - 1).astype("float32")
    value_and_grad = jax.jit(jax.value_and_grad(
        lambda p, t, w, m: loss(t, p, sample_weight=w, mask=m)))
    value, grad = value_and_grad(jnp.asarray(y_pred), y_true, sw, mask)
    np.testing.assert_allclose(value, loss(y_true, y_pred, sample_weight=sw, mask=mask),
                               atol=ATOL)
    assert np.all(np.isfinite(grad)) and np.all(grad[N - 1] == 0)  # masked row: no gradient


STRING_IDS = ["mse", "MSE", "mae", "mape", "msle", "kld", "KLD", "bce", "mean_squared_error",
              "categorical_crossentropy", "sparse_categorical_crossentropy", "hinge", "huber",
              "log_cosh", "poisson", "cosine_similarity", "MeanSquaredError", "Huber",
              "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "BinaryCrossentropy"]


@pytest.mark.parametrize("identifier", STRING_IDS)
def test_get_from_string_matches_keras_compile(identifier):
    y_true, y_pred = make_data("sparse" if "parse" in identifier else "onehot", seed=10)
    theirs = compile_utils.get_loss(identifier, y_true, y_pred)
    ours = losses.get(identifier)
    assert isinstance(ours, losses.Loss)
    assert ours.name == theirs.name
    np.testing.assert_allclose(ours(y_true, y_pred), theirs(y_true, y_pred), atol=ATOL)


@pytest.mark.parametrize("identifier", ["crossentropy", "ce", "CE"])
@pytest.mark.parametrize("kind", ["onehot", "sparse", "sparse_col"])
def test_get_crossentropy_resolves_from_shapes_like_keras(identifier, kind):
    y_true, y_pred = make_data(kind, seed=11)
    theirs = compile_utils.get_loss(identifier, y_true, y_pred)
    ours = losses.get(identifier, y_true, y_pred)
    assert ours.fn.__name__ == theirs.fn.__name__ and ours.name == theirs.name == identifier
    np.testing.assert_allclose(ours(y_true, y_pred), theirs(y_true, y_pred), atol=ATOL)


def test_get_binary_crossentropy_from_shapes():
    y_true, y_pred = make_data("binary", seed=12, shape=(N, 1))
    ours = losses.get("ce", y_true[:, 0], jax.ShapeDtypeStruct(y_pred.shape, "float32"))
    assert ours.fn is losses.binary_crossentropy


def test_get_other_identifiers():
    def my_loss(y_true, y_pred):
        return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)

    instance = losses.Huber(delta=2.0)
    assert losses.get(instance) is instance
    assert losses.get(None) is None
    assert type(losses.get(losses.Poisson)) is losses.Poisson
    wrapped = losses.get(my_loss)
    assert isinstance(wrapped, losses.LossFunctionWrapper) and wrapped.name == "my_loss"
    config = {"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}}
    assert losses.get(config).from_logits is True


def test_unknown_name_suggests_close_match():
    with pytest.raises(errors.UnknownNameError, match="Did you mean 'mean_squared_error'"):
        losses.get("mean_squared_eror")
    with pytest.raises(errors.UnknownNameError, match="Did you mean"):
        losses.get("categorical_crosentropy")
    with pytest.raises(errors.ConfigError):
        losses.MeanSquaredError(reduction="avg")


@pytest.mark.parametrize("class_name,kind,kwargs", CLASS_CASES[::2])
def test_serialize_roundtrip_and_keras_configs_load(class_name, kind, kwargs):
    y_true, y_pred = make_data(kind, seed=13)
    ours, theirs = pair(class_name, kwargs, reduction="sum")
    clone = losses.deserialize(losses.serialize(ours))
    assert type(clone) is type(ours) and clone.get_config() == ours.get_config()
    np.testing.assert_allclose(clone(y_true, y_pred), theirs(y_true, y_pred), atol=ATOL)
    # A Keras config loads into the equivalent lamina loss (Keras's own configs omit some
    # arguments, e.g. Huber's delta, so compare with Keras's own round trip).
    keras_config = keras.losses.serialize(theirs)
    from_keras = losses.deserialize(keras_config)
    np.testing.assert_allclose(from_keras(y_true, y_pred),
                               keras.losses.deserialize(keras_config)(y_true, y_pred), atol=ATOL)


def test_function_wrapper_config_roundtrip():
    wrapper = losses.LossFunctionWrapper(losses.huber, name="h", delta=0.3)
    clone = losses.deserialize(losses.serialize(wrapper))
    assert clone.fn is losses.huber and clone.name == "h" and clone._fn_kwargs == {"delta": 0.3}
    keras_fn = keras.losses.serialize(keras.losses.mean_squared_error)
    assert losses.deserialize(keras_fn).fn is losses.mean_squared_error


def test_loss_subclass_uses_call():
    class Doubled(losses.Loss):
        def call(self, y_true, y_pred):
            return 2 * losses.mean_squared_error(y_true, y_pred)

    y_true, y_pred = make_data("regression", seed=14)
    loss = Doubled()
    assert loss.name == "doubled"
    np.testing.assert_allclose(loss(y_true, y_pred),
                               2 * keras.losses.MeanSquaredError()(y_true, y_pred), atol=ATOL)


def test_per_sample_weights_broadcast_over_sequence_losses():
    """(batch,) weights apply to every timestep of (batch, steps) losses; Keras needs an
    explicit (batch, 1) there, lamina accepts both."""
    y_true, y_pred = make_data("regression", seed=15, shape=(N, 3, C))
    sw = sample_weight("vector")
    expected = keras.losses.MeanSquaredError()(y_true, y_pred, sample_weight=sw[:, None])
    for weights in (sw, sw[:, None]):
        got = losses.MeanSquaredError()(y_true, y_pred, sample_weight=weights)
        np.testing.assert_allclose(got, expected, atol=ATOL, rtol=1e-6)
