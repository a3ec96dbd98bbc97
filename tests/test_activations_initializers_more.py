"""Keras 3's sparse/shrink activations and its extra initializer export names, against Keras."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import lamina  # noqa: E402

RNG = np.random.default_rng(0)
X = (RNG.standard_normal((4, 7)) * 2).astype("float32")

ACTIVATION_CASES = [
    ("hard_shrink", {}),
    ("hard_shrink", {"threshold": 1.2}),
    ("soft_shrink", {}),
    ("soft_shrink", {"threshold": 0.1}),
    ("sparse_plus", {}),
    ("sparse_sigmoid", {}),
    ("sparsemax", {}),
    ("sparsemax", {"axis": 0}),
    ("threshold", {"threshold": 0.3, "default_value": -2.0}),
    ("threshold", {"threshold": -1.0, "default_value": 0.0}),
]


@pytest.mark.parametrize("name, kwargs", ACTIVATION_CASES)
def test_activation_matches_keras(name, kwargs):
    got = getattr(lamina.activations, name)(X, **kwargs)
    want = getattr(keras.activations, name)(X, **kwargs)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=1e-6)


def test_sparsemax_of_one_dominant_logit_is_one_hot():
    logits = np.array([[0.1, 3.0, -1.0], [2.5, 0.0, 0.3]], "float32")
    np.testing.assert_allclose(np.asarray(lamina.activations.sparsemax(logits)),
                               [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], atol=1e-6)


NAMES = ["hard_shrink", "soft_shrink", "sparse_plus", "sparse_sigmoid", "sparsemax", "threshold"]


@pytest.mark.parametrize("name", NAMES)
def test_activation_serializes_by_name(name):
    fn = lamina.activations.get(name)
    assert fn is getattr(lamina.activations, name)
    assert lamina.activations.serialize(fn) == keras.activations.serialize(
        keras.activations.get(name)) == name
    assert lamina.activations.deserialize(name) is fn


@pytest.mark.parametrize("name", ["sparse_plus", "sparse_sigmoid", "hard_shrink", "sparsemax"])
def test_activation_in_dense_layer_matches_keras(name):
    kernel = RNG.standard_normal((7, 3)).astype("float32")
    outs = []
    for lib in (lamina, keras):
        layer = lib.layers.Dense(3, activation=name)
        layer.build((None, 7))
        layer.set_weights([kernel, np.zeros(3, "float32")])
        outs.append(np.asarray(layer(X)))
        assert layer.get_config()["activation"] == name
    np.testing.assert_allclose(outs[0], outs[1], atol=1e-6)


def test_activation_on_symbolic_input_builds_model():
    inputs = lamina.Input((7,))
    model = lamina.Model(inputs, lamina.activations.soft_shrink(inputs, threshold=0.2))
    np.testing.assert_allclose(np.asarray(model(X)),
                               np.asarray(keras.activations.soft_shrink(X, threshold=0.2)),
                               atol=1e-6)


ALIASES = ["constant", "zeros", "ones", "identity", "orthogonal", "random_normal",
           "random_uniform", "truncated_normal", "variance_scaling", "glorot_normal",
           "glorot_uniform", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform",
           "IdentityInitializer", "OrthogonalInitializer", "STFT", "STFTInitializer", "stft"]


@pytest.mark.parametrize("name", ALIASES)
def test_initializer_export_names_are_the_keras_classes(name):
    ours, theirs = getattr(lamina.initializers, name), getattr(keras.initializers, name)
    assert ours.__name__ == theirs.__name__
    assert type(lamina.initializers.get(name)).__name__ == ours.__name__
    if name not in ("identity", "IdentityInitializer"):  # Keras's Identity config drops `gain`
        assert lamina.initializers.serialize(ours()) == keras.initializers.serialize(theirs())


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
                                  "lecun_uniform", "lecun_normal", "random_normal",
                                  "random_uniform", "truncated_normal", "variance_scaling"])
def test_random_initializer_names_match_keras_statistics(name):
    shape = (64, 48)
    ours = np.asarray(getattr(lamina.initializers, name)(seed=1)(shape))
    theirs = np.asarray(getattr(keras.initializers, name)(seed=1)(shape))
    assert ours.shape == theirs.shape == shape
    np.testing.assert_allclose(ours.std(), theirs.std(), rtol=0.06)
    np.testing.assert_allclose(ours.mean(), theirs.mean(), atol=0.1 * theirs.std())
    np.testing.assert_allclose(np.abs(ours).max(), np.abs(theirs).max(), rtol=0.35)


def test_deterministic_initializer_names_match_keras_values():
    for name, kwargs, shape in [("identity", {"gain": 2.0}, (3, 5)),
                                ("IdentityInitializer", {}, (4, 4)),
                                ("constant", {"value": 1.5}, (2, 3)),
                                ("ones", {}, (2, 2)), ("zeros", {}, (3,))]:
        np.testing.assert_array_equal(
            np.asarray(getattr(lamina.initializers, name)(**kwargs)(shape)),
            np.asarray(getattr(keras.initializers, name)(**kwargs)(shape)))


@pytest.mark.parametrize("name, shape", [("orthogonal", (5, 3)),
                                         ("OrthogonalInitializer", (3, 6))])
def test_orthogonal_names_give_orthonormal_matrices_like_keras(name, shape):
    for lib in (lamina, keras):
        w = np.asarray(getattr(lib.initializers, name)(gain=2.0, seed=4)(shape))
        small = w.T @ w if shape[0] >= shape[1] else w @ w.T
        np.testing.assert_allclose(small, 4.0 * np.eye(min(shape)), atol=1e-5)


@pytest.mark.parametrize("kwargs", [
    {},
    {"side": "imag", "window": "hamming", "scaling": "spectrum", "periodic": True},
    {"side": "real", "window": "hann", "scaling": None, "periodic": True},
    {"window": None},
    {"side": "imag", "window": np.linspace(0.1, 1.0, 8), "scaling": "density"},
])
def test_stft_initializer_matches_keras(kwargs):
    ours = np.asarray(lamina.initializers.STFT(**kwargs)((8, 1, 5)))
    theirs = np.asarray(keras.initializers.STFT(**kwargs)((8, 1, 5)))
    np.testing.assert_allclose(ours, theirs, atol=1e-6)


def test_stft_initializer_config_round_trips_through_keras_format():
    init = lamina.initializers.STFT(side="imag", window="hamming", periodic=True)
    config = lamina.initializers.serialize(init)
    assert config == keras.initializers.serialize(
        keras.initializers.STFT(side="imag", window="hamming", periodic=True))
    back = lamina.initializers.deserialize(config)
    np.testing.assert_array_equal(np.asarray(back((6, 1, 4))), np.asarray(init((6, 1, 4))))


@pytest.mark.parametrize("kwargs, match", [({"side": "complex"}, "side"),
                                           ({"scaling": "l2"}, "scaling"),
                                           ({"window": "kaiser"}, "window")])
def test_stft_initializer_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        lamina.initializers.STFT(**kwargs)


def test_stft_initializer_rejects_window_of_wrong_length():
    with pytest.raises(ValueError, match="window"):
        lamina.initializers.STFT(window=np.ones(4))((8, 1, 5))
