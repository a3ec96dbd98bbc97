"""Normalisation layers against Keras (oracle), with finite-difference gradient checks."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.variables import bind

keras = pytest.importorskip("keras")


def finite_difference_check(fn, x, eps=1e-2, tol=2e-2):
    """Compare jax.grad of a random projection of fn(x) with central differences."""
    x = np.asarray(x, np.float64).astype(np.float32)
    probe = np.random.default_rng(2).normal(size=np.shape(fn(jnp.asarray(x)))).astype("float32")

    @jax.jit
    def scalar(v):
        return jnp.sum(fn(v) * probe)

    grad = np.asarray(jax.grad(scalar)(jnp.asarray(x))).reshape(-1)
    flat = x.reshape(-1)
    for i in np.random.default_rng(1).choice(flat.size, size=min(8, flat.size), replace=False):
        plus, minus = flat.copy(), flat.copy()
        plus[i] += eps
        minus[i] -= eps
        numeric = (float(scalar(jnp.asarray(plus.reshape(x.shape))))
                   - float(scalar(jnp.asarray(minus.reshape(x.shape))))) / (2 * eps)
        assert abs(numeric - grad[i]) < tol * max(1.0, abs(numeric)), (i, numeric, grad[i])


def pure(layer, training):
    """The layer as a pure function of its input (variables bound, so assignments stay local)."""

    def fn(x):
        with bind(layer.weights, [v.value for v in layer.weights]):
            return layer(x, training=training)

    return fn


def randomized_pair(name, kwargs, shape, rng):
    """Our layer and Keras's, built for `shape`, sharing Keras's (randomised) weights."""
    theirs = getattr(keras.layers, name)(**kwargs)
    theirs.build(shape)
    weights = [w + rng.normal(size=w.shape).astype("float32") * 0.3 for w in theirs.get_weights()]
    weights = [np.abs(w) + 0.5 if "variance" in v.path or "stddev" in v.path else w
               for w, v in zip(weights, theirs.weights)]
    theirs.set_weights(weights)
    ours = getattr(layers, name)(**kwargs)
    ours.build(shape)
    ours.built = True
    ours.set_weights(theirs.get_weights())
    return ours, theirs


BN_CONFIGS = [
    ((6, 5), {}),
    ((4, 3, 5), dict(momentum=0.9, epsilon=1e-2)),
    ((3, 4, 2, 6), dict(axis=1)),
    ((3, 4, 2, 6), dict(axis=-1, center=False)),
    ((5, 4), dict(scale=False)),
    ((5, 3, 4), dict(axis=1, center=False, scale=False)),
    ((6, 5), dict(renorm=True, momentum=0.9)),
    ((4, 3, 5), dict(renorm=True, renorm_momentum=0.8,
                     renorm_clipping=dict(rmin=0.9, rmax=1.1, dmax=0.1))),
    ((5, 3, 4), dict(axis=1, renorm=True, center=False, renorm_clipping=dict(rmax=1.2))),
]


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("shape,kwargs", BN_CONFIGS)
def test_batch_normalization_matches_keras(shape, kwargs, training, rng):
    ours, theirs = randomized_pair("BatchNormalization", kwargs, shape, rng)
    x = (rng.normal(size=shape) * 2 + 1).astype("float32")
    np.testing.assert_allclose(ours(x, training=training), theirs(x, training=training),
                               atol=1e-5, rtol=1e-5)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.weights]
    assert [v.path.split("/")[-1] for v in ours.weights] == [v.name for v in theirs.weights]
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_batch_normalization_with_sequence_mask_matches_keras(rng):
    ours, theirs = randomized_pair("BatchNormalization", {}, (4, 6, 3), rng)
    x = rng.normal(size=(4, 6, 3)).astype("float32")
    mask = rng.random((4, 6)) > 0.3
    np.testing.assert_allclose(ours(x, training=True, mask=jnp.asarray(mask)),
                               theirs(x, training=True, mask=mask), atol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_batch_normalization_gradients_in_training_mode(rng):
    layer = layers.BatchNormalization(axis=1)
    x = rng.normal(size=(5, 3, 4)).astype("float32")
    layer.build(x.shape)
    layer.built = True
    layer.set_weights([rng.normal(size=(3,)).astype("float32") for _ in range(2)]
                      + [np.zeros(3, "float32"), np.ones(3, "float32")])
    finite_difference_check(pure(layer, True), x)
    finite_difference_check(pure(layer, False), x)
    np.testing.assert_allclose(layer.moving_variance.value, np.ones(3))  # nothing leaked


@pytest.mark.parametrize("shape,axis", [((6, 3), -1), ((6, 3, 4), 1)])
def test_batch_normalization_row_mask_ignores_padding_rows(shape, axis, rng):
    from lamina.layers.base import row_mask_scope

    x = rng.normal(size=shape).astype("float32")
    padded = np.concatenate([x, np.repeat(x[:1] * 50, 4, axis=0)])
    mask = jnp.concatenate([jnp.ones(6), jnp.zeros(4)])
    plain, masked = layers.BatchNormalization(axis), layers.BatchNormalization(axis)
    expected = plain(x, training=True)
    with row_mask_scope(mask):
        got = masked(padded, training=True)
    np.testing.assert_allclose(got[:6], expected, atol=1e-5)
    for a, b in zip(masked.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_batch_normalization_frozen_runs_in_inference_mode(rng):
    layer = layers.BatchNormalization()
    x = (rng.normal(size=(8, 3)) + 4).astype("float32")
    layer.trainable = False
    np.testing.assert_allclose(layer(x, training=True), layer(x, training=False))
    np.testing.assert_allclose(layer.moving_mean.value, np.zeros(3))
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4


def bn_model(lib, axis=-1):
    return lib.Sequential([lib.layers.Input((6,)), lib.layers.Dense(8),
                           lib.layers.BatchNormalization(momentum=0.8, axis=axis),
                           lib.layers.Dense(3, activation="softmax")])


def test_batch_normalization_fit_matches_keras_with_partial_batch(rng):
    """100 samples in batches of 32: Keras's last batch has 4 rows, ours 32 with 28 padded."""
    x = rng.normal(size=(100, 6)).astype("float32")
    y = rng.integers(0, 3, size=(100,))
    theirs = bn_model(keras)
    initial = theirs.get_weights()
    theirs.compile("adam", "sparse_categorical_crossentropy")
    h_theirs = theirs.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    for steps_per_execution in (1, 4):
        ours = bn_model(lamina)
        ours.set_weights(initial)
        ours.compile("adam", "sparse_categorical_crossentropy",
                     steps_per_execution=steps_per_execution)
        h_ours = ours.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(a, b, atol=1e-4, rtol=1e-4)
        np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-4)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               atol=1e-4)
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0),
                               rtol=1e-4)


def test_batch_normalization_summary_counts_and_config(capsys):
    model = lamina.Sequential([layers.Input((4, 5)), layers.BatchNormalization(name="bn")])
    model.summary()
    text = capsys.readouterr().out
    assert "Total params: 20" in text and "Trainable params: 10" in text
    assert "Non-trainable params: 10" in text
    ours = layers.BatchNormalization(axis=1, momentum=0.9, gamma_regularizer="l2", name="b")
    theirs = keras.layers.BatchNormalization(axis=1, momentum=0.9, gamma_regularizer="l2",
                                             name="b")
    assert set(ours.get_config()) == set(theirs.get_config())
    clone = layers.BatchNormalization.from_config(ours.get_config())
    assert clone.get_config() == ours.get_config()
    theirs_clone = keras.layers.BatchNormalization.from_config(ours.get_config())
    assert theirs_clone.momentum == 0.9 and theirs_clone.axis == 1


def test_batch_renormalization_gradients_and_bad_clipping(rng):
    kwargs = dict(renorm=True, renorm_clipping={"rmax": 1.5, "dmax": 0.5})
    ours, theirs = randomized_pair("BatchNormalization", kwargs, (6, 4), rng)
    x = rng.normal(size=(6, 4)).astype("float32")
    probe = rng.normal(size=(6, 4)).astype("float32")

    def keras_fn(v):  # r and d are constants to the gradient: compare with Keras's jax.grad
        out, _ = theirs.stateless_call([w.value for w in theirs.trainable_weights],
                                       [w.value for w in theirs.non_trainable_weights], v,
                                       training=True)
        return jnp.sum(out * probe)

    ours_grad = jax.grad(lambda v: jnp.sum(pure(ours, True)(v) * probe))(jnp.asarray(x))
    np.testing.assert_allclose(ours_grad, jax.grad(keras_fn)(jnp.asarray(x)), atol=1e-5)
    layer = layers.BatchNormalization(renorm=True, renorm_clipping=dict(rmin=1, rmax=1, dmax=0))
    layer(x)
    finite_difference_check(pure(layer, True), x)  # r = 1, d = 0: plain batch norm
    layer = ours
    assert [v.path.split("/")[-1] for v in layer.non_trainable_weights] == [
        "moving_mean", "moving_variance", "moving_stddev", "renorm_mean", "renorm_stddev"]
    with pytest.raises(lamina.errors.ConfigError, match=r"renorm_clipping=\{'rmin': 2"):
        layers.BatchNormalization(renorm=True, renorm_clipping={"rmin": 2, "rmax": 1})


def test_batch_normalization_rejects_bad_axis():
    with pytest.raises(lamina.errors.ShapeError, match=r"batch_normalization.*axis=3"):
        layers.BatchNormalization(axis=3, name="batch_normalization")(np.zeros((2, 3), "f4"))


LN_CONFIGS = [
    ((4, 6), {}),
    ((3, 4, 5), dict(axis=1, epsilon=1e-5)),
    ((3, 4, 5), dict(axis=[1, 2])),
    ((3, 4, 5), dict(axis=[-1, 1], center=False)),
    ((3, 5), dict(scale=False)),
    ((3, 4, 5), dict(rms_scaling=True)),
]


@pytest.mark.filterwarnings("ignore:You passed `rms_scaling=True`")
@pytest.mark.parametrize("shape,kwargs", LN_CONFIGS)
def test_layer_normalization_matches_keras(shape, kwargs, rng):
    ours, theirs = randomized_pair("LayerNormalization", kwargs, shape, rng)
    x = (rng.normal(size=shape) * 3 - 1).astype("float32")
    np.testing.assert_allclose(ours(x, training=True), theirs(x, training=True), atol=1e-5)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.weights]
    finite_difference_check(pure(ours, True), x)
    assert set(ours.get_config()) == set(theirs.get_config())
    clone = layers.LayerNormalization.from_config(ours.get_config())
    np.testing.assert_allclose(clone(x).shape, x.shape)


GN_CONFIGS = [
    ((2, 5, 8), dict(groups=4)),
    ((2, 3, 3, 6), dict(groups=3, epsilon=1e-5)),
    ((2, 6, 3, 3), dict(groups=2, axis=1)),
    ((2, 4, 6), dict(groups=-1, center=False)),
    ((2, 4, 6), dict(groups=1, scale=False)),
    ((2, 6, 4), dict(groups=3, axis=-2)),
]


@pytest.mark.parametrize("shape,kwargs", GN_CONFIGS)
def test_group_normalization_matches_keras(shape, kwargs, rng):
    ours, theirs = randomized_pair("GroupNormalization", kwargs, shape, rng)
    x = (rng.normal(size=shape) * 2 + 0.5).astype("float32")
    np.testing.assert_allclose(ours(x, training=True), theirs(x, training=True), atol=1e-5)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.weights]
    finite_difference_check(pure(ours, True), x)
    assert ours.get_config() == {**theirs.get_config(), "groups": theirs.get_config()["groups"]}


def test_group_normalization_rejects_groups_not_dividing_channels():
    with pytest.raises(lamina.errors.ConfigError, match=r"'gn'.*1, 2, 3, 6.*groups=4"):
        layers.GroupNormalization(groups=4, name="gn")(np.zeros((2, 6), "float32"))
    with pytest.raises(lamina.errors.ConfigError, match="groups=0"):
        layers.GroupNormalization(groups=0)


@pytest.mark.parametrize("axis", [-1, 1, [1, 2]])
def test_unit_normalization_matches_keras(axis, rng):
    x = rng.normal(size=(3, 4, 5)).astype("float32")
    x[0] = 0.0  # the zero vector stays zero, as in Keras
    ours, theirs = layers.UnitNormalization(axis=axis), keras.layers.UnitNormalization(axis=axis)
    np.testing.assert_allclose(ours(x), theirs(x), atol=1e-6)
    finite_difference_check(ours, x[1:])
    assert ours.get_config() == theirs.get_config()
    assert ours.compute_output_shape((None, 4, 5)) == (None, 4, 5)


def test_layer_normalization_summary_and_bad_axis(capsys):
    model = lamina.Sequential([layers.Input((4, 5)), layers.LayerNormalization(axis=[1, 2]),
                               layers.GroupNormalization(groups=5)])
    model.summary()
    assert "Trainable params: 50" in capsys.readouterr().out
    with pytest.raises(lamina.errors.ShapeError, match=r"'ln'.*axis=2"):
        layers.LayerNormalization(axis=2, name="ln")(np.zeros((2, 3), "float32"))
    with pytest.raises(lamina.errors.ShapeError, match=r"'un'.*axis=-3"):
        layers.UnitNormalization(axis=-3, name="un")(np.zeros((2, 3), "float32"))


@pytest.mark.parametrize("name,kwargs", [
    ("BatchNormalization", dict(axis=1)), ("BatchNormalization", dict(renorm=True)),
    ("LayerNormalization", dict(axis=[1, 2])), ("GroupNormalization", dict(groups=2)),
    ("UnitNormalization", {}),
])
def test_param_counts_match_keras(name, kwargs):
    def build(lib):
        model = lib.Sequential([lib.layers.Input((3, 4)), getattr(lib.layers, name)(**kwargs)])
        return (model.count_params(), len(model.trainable_weights),
                len(model.non_trainable_weights))

    assert build(lamina) == build(keras)
