"""The activation layers (ReLU, LeakyReLU, PReLU, ELU, Softmax, Identity) against Keras 3:
outputs, configs, PReLU's gradients and training, Softmax masking, and .keras files both ways."""

import jax
import keras
import numpy as np
import pytest

import lamina

CASES = [
    ("ReLU", {}),
    ("ReLU", {"max_value": 1.5}),
    ("ReLU", {"negative_slope": 0.2}),
    ("ReLU", {"threshold": 0.5}),
    ("ReLU", {"max_value": 1.0, "negative_slope": 0.1, "threshold": 0.3}),
    ("ReLU", {"max_value": 0.0}),
    ("LeakyReLU", {}),
    ("LeakyReLU", {"negative_slope": 0.05}),
    ("ELU", {}),
    ("ELU", {"alpha": 0.4}),
    ("Softmax", {}),
    ("Softmax", {"axis": 1}),
    ("Softmax", {"axis": [1]}),
    ("Softmax", {"axis": [1, 2]}),
    ("Softmax", {"axis": (-1, 0)}),
    ("Identity", {}),
    ("PReLU", {}),
    ("PReLU", {"alpha_initializer": "ones"}),
    ("PReLU", {"alpha_initializer": keras.initializers.Constant(0.25), "shared_axes": [1]}),
    ("PReLU", {"shared_axes": 2, "alpha_regularizer": "l2", "alpha_constraint": "non_neg"}),
]


def _ids(case):
    name, kwargs = case
    shown = {k: type(v).__name__ if isinstance(v, keras.initializers.Initializer) else v
             for k, v in kwargs.items()}
    return f"{name}-{shown}"


def _inputs(seed=0, shape=(4, 3, 5)):
    return (3 * np.random.default_rng(seed).normal(size=shape)).astype("float32")


def _lamina_kwargs(kwargs):
    """The same arguments for lamina (a Keras initializer object becomes its config)."""
    return {k: (keras.initializers.serialize(v) if isinstance(v, keras.initializers.Initializer)
                else v) for k, v in kwargs.items()}


def _pair(name, kwargs):
    return (getattr(keras.layers, name)(**kwargs),
            getattr(lamina.layers, name)(**_lamina_kwargs(kwargs)))


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_outputs_match_keras(case):
    theirs, ours = _pair(*case)
    x = _inputs()
    if case[0] == "PReLU":  # a random alpha, so the negative branch is exercised
        theirs.build(x.shape), ours.build(x.shape)
        alpha = np.random.default_rng(1).normal(size=theirs.weights[0].shape).astype("float32")
        theirs.set_weights([alpha]), ours.set_weights([alpha])
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_get_config_matches_keras(case):
    theirs, ours = _pair(*case)
    ours_config, theirs_config = ours.get_config(), theirs.get_config()
    # auto names count per library ('re_lu_3'): they differ once other tests made layers
    assert ours_config.pop("name").rstrip("_0123456789") == \
        theirs_config.pop("name").rstrip("_0123456789")
    assert ours_config == theirs_config
    rebuilt = type(ours).from_config(ours.get_config())
    assert rebuilt.get_config() == ours.get_config()


def test_prelu_weight_name_and_shape_match_keras():
    theirs, ours = _pair("PReLU", {"shared_axes": [1, 2], "name": "act"})
    theirs.build((None, 4, 3, 5)), ours.build((None, 4, 3, 5))
    assert [(w.path, tuple(w.shape)) for w in ours.weights] == [
        (w.path, tuple(w.shape)) for w in theirs.weights] == [("act/alpha", (1, 1, 5))]


def test_leaky_relu_accepts_the_legacy_alpha_with_a_warning():
    with pytest.warns(UserWarning, match="negative_slope"):
        layer = lamina.layers.LeakyReLU(alpha=0.1)
    assert layer.get_config()["negative_slope"] == 0.1
    np.testing.assert_allclose(np.asarray(layer(np.array([-10.0, 5.0]))), [-1.0, 5.0])


@pytest.mark.parametrize("name, kwargs, match", [
    ("ReLU", {"max_value": -1.0}, "Received: max_value=-1.0"),
    ("ReLU", {"negative_slope": -0.1}, "Received: negative_slope=-0.1"),
    ("ReLU", {"threshold": None}, "Received: threshold=None"),
    ("LeakyReLU", {"negative_slope": -1}, "Received: negative_slope=-1"),
])
def test_bad_arguments_raise_keras_errors(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(keras.layers, name)(**kwargs)
    with pytest.raises(ValueError, match=match):
        getattr(lamina.layers, name)(**kwargs)


def test_prelu_gradient_matches_finite_differences():
    layer = lamina.layers.PReLU(alpha_initializer="ones", shared_axes=[1])
    x = _inputs(shape=(2, 3, 4)).astype("float64")
    layer.build(x.shape)
    alpha0 = np.random.default_rng(2).normal(size=(1, 4))
    upstream = np.random.default_rng(3).normal(size=x.shape)

    def loss(alpha):
        layer.set_weights([np.asarray(alpha, "float32")])
        return float(np.sum(np.asarray(layer(x.astype("float32"))) * upstream))

    # The output is linear in alpha, so the central difference is exact up to rounding.
    eps = 1e-2
    numeric = np.zeros_like(alpha0)
    for i in np.ndindex(alpha0.shape):
        step = np.zeros_like(alpha0)
        step[i] = eps
        numeric[i] = (loss(alpha0 + step) - loss(alpha0 - step)) / (2 * eps)
    # d/d alpha of sum(alpha * min(x, 0) * upstream), summed over the batch and shared axis 1
    analytic = (np.minimum(x, 0) * upstream).sum(axis=(0, 1))[None]
    layer.set_weights([alpha0.astype("float32")])
    grads = _lamina_grad(layer, x.astype("float32"), upstream.astype("float32"))
    np.testing.assert_allclose(grads, numeric, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(grads, analytic, rtol=1e-5, atol=1e-5)


def _lamina_grad(layer, x, upstream):
    """d sum(layer(x) * upstream) / d alpha, by differentiating a stateless call."""
    def loss(alpha):
        outputs, _ = layer.stateless_call([alpha], [], x)
        return (outputs * upstream).sum()

    return np.asarray(jax.grad(loss)(layer.trainable_weights[0].value))


def _conv_model(lib):
    layers = lib.layers
    return lib.Sequential([
        layers.Input((6, 6, 2)),
        layers.Conv2D(3, 3, kernel_initializer="glorot_uniform"),
        layers.PReLU(alpha_initializer="ones", shared_axes=[1, 2]),
        layers.Flatten(),
        layers.Dense(4),
        layers.PReLU(alpha_regularizer=lib.regularizers.L2(0.01)),
        layers.Dense(1),
    ])


def test_prelu_trains_like_keras_for_one_epoch():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 6, 6, 2)).astype("float32")
    y = rng.normal(size=(40, 1)).astype("float32")
    keras.utils.set_random_seed(0)
    theirs, ours = _conv_model(keras), _conv_model(lamina)
    ours.set_weights(theirs.get_weights())
    for model, lib in ((theirs, keras), (ours, lamina)):
        model.compile(lib.optimizers.Adam(0.01), "mse")
    h1 = theirs.fit(x, y, batch_size=8, shuffle=False, verbose=0)
    h2 = ours.fit(x, y, batch_size=8, shuffle=False, verbose=0)
    np.testing.assert_allclose(h2.history["loss"], h1.history["loss"], rtol=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-4)


@pytest.mark.parametrize("mask_kind", ["bool", "float", "broadcast", "all_masked_row"])
def test_softmax_with_a_mask_matches_keras(mask_kind):
    x = _inputs(shape=(2, 3, 4))
    rng = np.random.default_rng(5)
    mask = {
        "bool": rng.random((2, 3, 4)) > 0.4,
        "float": rng.random((2, 3, 4)).astype("float32"),
        "broadcast": rng.random((2, 1, 4)) > 0.3,
        "all_masked_row": np.array([[True, True, False, False], [False] * 4, [True] * 4]),
    }[mask_kind]
    expected = keras.layers.Softmax()(x, mask=mask)
    got = lamina.layers.Softmax()(x, mask=mask)
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), atol=1e-6)


def test_softmax_rejects_a_mask_that_does_not_broadcast():
    x = _inputs(shape=(2, 3, 4))
    for mask in (np.ones((2, 3, 2), bool), np.ones((1, 2, 3, 4), bool)):
        with pytest.raises(ValueError, match="The `mask` must be broadcastable"):
            lamina.layers.Softmax()(x, mask=mask)


def test_masks_pass_through_like_keras():
    tokens = np.array([[3, 1, 0, 0], [2, 0, 0, 0]])
    for lib in (keras, lamina):
        inputs = lib.layers.Input((4,), dtype="int32")
        h = lib.layers.Embedding(5, 3, mask_zero=True)(inputs)
        for layer in (lib.layers.ReLU(), lib.layers.LeakyReLU(), lib.layers.PReLU(),
                      lib.layers.ELU(), lib.layers.Identity(), lib.layers.Softmax()):
            h = layer(h)
        model = lib.Model(inputs, h)
        assert model.layers[-1].supports_masking
        embedded = model.layers[1](tokens)
        mask = model.layers[-1].compute_mask(embedded, tokens != 0)
        np.testing.assert_array_equal(np.asarray(mask), tokens != 0)


def _all_layers_model(lib):
    layers = lib.layers
    inputs = layers.Input((3, 5))
    h = layers.ReLU(max_value=2.0, negative_slope=0.1, threshold=0.2)(inputs)
    h = layers.Dense(5)(h)
    h = layers.LeakyReLU(negative_slope=0.2)(h)
    h = layers.PReLU(alpha_initializer="ones", shared_axes=[1])(h)
    h = layers.ELU(alpha=0.7)(h)
    h = layers.Identity()(h)
    outputs = layers.Softmax(axis=[1, 2])(h)
    return lib.Model(inputs, outputs)


def _randomize(model):
    rng = np.random.default_rng(7)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])


def test_a_keras_file_loads_in_lamina(tmp_path):
    model = _all_layers_model(keras)
    _randomize(model)
    model.save(tmp_path / "k.keras")
    loaded = lamina.models.load_model(tmp_path / "k.keras")
    x = _inputs(shape=(4, 3, 5))
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)
    assert [layer.get_config() for layer in loaded.layers] == [
        layer.get_config() for layer in model.layers]


def test_a_lamina_file_loads_in_keras(tmp_path):
    model = _all_layers_model(lamina)
    _randomize(model)
    model.save(tmp_path / "l.keras")
    loaded = keras.models.load_model(tmp_path / "l.keras")
    x = _inputs(shape=(4, 3, 5))
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)
    assert [layer.get_config() for layer in loaded.layers] == [
        layer.get_config() for layer in model.layers]
