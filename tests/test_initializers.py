"""lamina.initializers against Keras 3 (JAX backend) and against the variance-scaling theory."""

import math
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lamina import errors, initializers  # noqa: E402
from lamina import random as lrandom  # noqa: E402

TRUNC = 0.87962566103423978  # stddev of a unit normal truncated to [-2, 2]

DETERMINISTIC = [
    ("Zeros", {}, (3, 4)),
    ("Zeros", {}, (2, 3, 5)),
    ("Ones", {}, (7,)),
    ("Ones", {}, (3, 3, 2, 4)),
    ("Constant", {"value": 3.5}, (4, 5)),
    ("Constant", {"value": -2}, (6,)),
    ("Identity", {}, (4, 4)),
    ("Identity", {"gain": 2.5}, (3, 5)),
    ("Identity", {"gain": 0.5}, (5, 2)),
]


@pytest.mark.parametrize("name,kwargs,shape", DETERMINISTIC)
@pytest.mark.parametrize("dtype", [None, "float16", "float32"])
def test_deterministic_equal_keras(name, kwargs, shape, dtype):
    ours = np.asarray(getattr(initializers, name)(**kwargs)(shape, dtype=dtype))
    theirs = np.asarray(getattr(keras.initializers, name)(**kwargs)(shape, dtype=dtype))
    assert ours.dtype == theirs.dtype == np.dtype(dtype or "float32")
    np.testing.assert_array_equal(ours, theirs)


# (initializer, shape, distribution, expected variance written out from Keras's formula)
# Fans: dense (in, out); conv (*k, in, out) -> in * prod(k), out * prod(k); 1-D (n,) -> n, n.
RANDOM = [
    (initializers.GlorotUniform(seed=1), (200, 800), "uniform", 2 / (200 + 800)),
    (initializers.GlorotNormal(seed=2), (3, 3, 64, 128), "truncated", 2 / (576 + 1152)),
    (initializers.HeUniform(seed=3), (3, 3, 64, 128), "uniform", 2 / 576),
    (initializers.HeNormal(seed=4), (200, 800), "truncated", 2 / 200),
    (initializers.HeNormal(seed=5), (5, 64, 256), "truncated", 2 / 320),
    (initializers.LecunUniform(seed=6), (3, 3, 64, 128), "uniform", 1 / 576),
    (initializers.LecunNormal(seed=7), (800, 200), "truncated", 1 / 800),
    (initializers.VarianceScaling(3.0, "fan_out", "uniform", seed=8), (3, 3, 64, 128),
     "uniform", 3 / 1152),
    (initializers.VarianceScaling(0.5, "fan_avg", "untruncated_normal", seed=9), (200, 800),
     "normal", 0.5 / 500),
    (initializers.VarianceScaling(2.0, "fan_out", "normal", seed=10), (800, 200),
     "truncated", 2 / 200),
    (initializers.VarianceScaling(seed=11), (100_000,), "truncated", 1 / 100_000),
    (initializers.VarianceScaling(0.1, "fan_in", seed=12), (2, 2, 2, 4, 8, 256),
     "truncated", 0.1 / 256),
]


def _check_moments(x: np.ndarray, mean: float, std: float, low=None, high=None):
    x = np.asarray(x, np.float64).ravel()
    assert abs(x.mean() - mean) < 5 * std / math.sqrt(x.size) + 1e-7
    assert x.std() == pytest.approx(std, rel=0.02)
    if low is not None:  # bounds hold and are (nearly) reached
        assert x.min() >= low and x.max() <= high
        assert x.min() < low + 0.02 * (high - low) and x.max() > high - 0.02 * (high - low)


def _check_variance_scaling(values, distribution: str, variance: float):
    std = math.sqrt(variance)
    if distribution == "uniform":
        limit = math.sqrt(3 * variance)
        _check_moments(values, 0.0, std, -limit, limit)
    elif distribution == "truncated":
        bound = 2 * std / TRUNC
        _check_moments(values, 0.0, std, -bound * (1 + 1e-6), bound * (1 + 1e-6))
    else:
        _check_moments(values, 0.0, std)


@pytest.mark.parametrize("init,shape,distribution,variance", RANDOM)
def test_variance_scaling_moments(init, shape, distribution, variance):
    values = init(shape)
    assert values.shape == shape and values.dtype == jnp.float32
    _check_variance_scaling(values, distribution, variance)


@pytest.mark.parametrize("init,shape,distribution,variance",
                         [RANDOM[i] for i in (0, 1, 7, 8, 10, 11)])  # every mode and fan rule
def test_expected_variances_follow_keras(init, shape, distribution, variance):
    """The table above is right: Keras's own samples (from our config) have those moments."""
    theirs = keras.initializers.deserialize(initializers.serialize(init))
    _check_variance_scaling(theirs(shape), distribution, variance)


@pytest.mark.parametrize("init,mean,std,bounds", [
    (initializers.RandomNormal(seed=1), 0.0, 0.05, None),
    (initializers.RandomNormal(mean=1.0, stddev=0.3, seed=2), 1.0, 0.3, None),
    (initializers.RandomUniform(seed=3), 0.0, 0.1 / math.sqrt(12), (-0.05, 0.05)),
    (initializers.RandomUniform(-0.2, 0.6, seed=4), 0.2, 0.8 / math.sqrt(12), (-0.2, 0.6)),
    (initializers.TruncatedNormal(seed=5), 0.0, 0.05 * TRUNC, (-0.1, 0.1)),
    (initializers.TruncatedNormal(0.5, 0.2, seed=6), 0.5, 0.2 * TRUNC, (0.1, 0.9)),
])
def test_random_distributions(init, mean, std, bounds):
    values = init((400, 300))
    low, high = bounds if bounds else (None, None)
    if bounds:
        low, high = low - 1e-6, high + 1e-6
    _check_moments(values, mean, std, low, high)


@pytest.mark.parametrize("shape,gain", [
    ((64, 32), 1.0), ((32, 64), 2.5), ((48, 48), 1.0), ((3, 3, 16, 32), 1.5), ((2, 8, 40), 0.5),
])
def test_orthogonal(shape, gain):
    w = np.asarray(initializers.Orthogonal(gain=gain, seed=3)(shape), np.float64)
    assert w.shape == shape
    flat = w.reshape(-1, shape[-1])
    gram = flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
    np.testing.assert_allclose(gram, gain**2 * np.eye(len(gram)), atol=2e-5 * gain**2)


def test_orthogonal_and_identity_reject_bad_ranks():
    with pytest.raises(ValueError, match="two-dimensional"):
        initializers.Orthogonal()((5,))
    with pytest.raises(ValueError, match="2D"):
        initializers.Identity()((2, 2, 2))


SEEDED = [initializers.GlorotUniform, initializers.HeNormal, initializers.RandomNormal,
          initializers.RandomUniform, initializers.TruncatedNormal, initializers.Orthogonal,
          initializers.VarianceScaling]


@pytest.mark.parametrize("cls", SEEDED)
def test_seeds(cls):
    shape = (6, 5)
    first = np.asarray(cls(seed=42)(shape))
    np.testing.assert_array_equal(first, cls(seed=42)(shape))  # same seed, new instance
    fixed = cls(seed=42)
    np.testing.assert_array_equal(fixed(shape), fixed(shape))  # fixed seed: every call
    assert not np.allclose(first, cls(seed=43)(shape))
    generator = cls(seed=lrandom.SeedGenerator(7))
    assert not np.allclose(generator(shape), generator(shape))  # a generator advances


@pytest.mark.parametrize("cls", SEEDED)
def test_unseeded_follow_global_seed(cls):
    init = cls()
    lrandom.set_random_seed(1)
    first = [np.asarray(init((4, 3))) for _ in range(2)]
    lrandom.set_random_seed(1)
    second = [np.asarray(init((4, 3))) for _ in range(2)]
    assert not np.allclose(first[0], first[1])
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("shape,axes", [
    ((), None), ((7,), None), ((3, 9), None), ((5, 4, 6), None), ((3, 3, 8, 16), None),
    ((2, 3, 3, 8, 16), None), ((4, 5, 6), ((0,), (1, 2))), ((4, 5, 6), ((0, 2), (1,))),
])
def test_compute_fans_equal_keras(shape, axes):
    from keras.src.initializers.random_initializers import compute_fans

    kwargs = {} if axes is None else {"input_axes": axes[0], "output_axes": axes[1]}
    assert initializers.compute_fans(shape, **kwargs) == compute_fans(shape, **kwargs)


CONFIGS = [
    ("Zeros", {}), ("Ones", {}), ("Constant", {"value": 1.5}),
    ("RandomNormal", {}), ("RandomNormal", {"mean": 1.0, "stddev": 2.0, "seed": 3}),
    ("RandomUniform", {"minval": -1.0, "maxval": 2.0}), ("TruncatedNormal", {"seed": 9}),
    ("VarianceScaling", {}),
    ("VarianceScaling", {"scale": 2.0, "mode": "fan_avg", "distribution": "normal", "seed": 1}),
    ("VarianceScaling", {"distribution": "uniform", "input_axes": [0], "output_axes": [1]}),
    ("GlorotUniform", {}), ("GlorotNormal", {"seed": 5}), ("HeUniform", {}), ("HeNormal", {}),
    ("LecunUniform", {}), ("LecunNormal", {"seed": 2}), ("Orthogonal", {"gain": 2.0}),
]


@pytest.mark.parametrize("name,kwargs", CONFIGS)
def test_config_equals_keras_and_round_trips(name, kwargs):
    ours = getattr(initializers, name)(**kwargs)
    theirs = getattr(keras.initializers, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert initializers.serialize(ours) == keras.initializers.serialize(theirs)
    assert type(ours).from_config(ours.get_config()).get_config() == ours.get_config()
    back = initializers.deserialize(keras.initializers.serialize(theirs))
    assert type(back) is type(ours) and back.get_config() == ours.get_config()


def test_identity_config_keeps_gain():  # Keras's Identity forgets its gain; lamina keeps it
    restored = initializers.deserialize(initializers.serialize(initializers.Identity(3.0)))
    np.testing.assert_array_equal(restored((2, 2)), 3.0 * np.eye(2))


ALIASES = ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
           "lecun_normal", "zeros", "zero", "ones", "one", "identity",
           "IdentityInitializer", "orthogonal", "OrthogonalInitializer", "variance_scaling",
           "random_normal", "normal", "random_uniform", "uniform", "truncated_normal",
           "GlorotUniform", "Zeros", "VarianceScaling"]


@pytest.mark.parametrize("name", ALIASES)
def test_names_resolve_like_keras(name):
    expected = type(keras.initializers.get(name)).__name__
    assert type(initializers.get(name)).__name__ == expected


def test_get_other_identifiers():
    assert initializers.get(None) is None
    assert initializers.get("constant").get_config() == {"value": 0.0}  # Keras's get fails here
    assert isinstance(initializers.get(initializers.HeNormal), initializers.HeNormal)
    instance = initializers.Ones()
    assert initializers.get(instance) is instance

    def custom(shape, dtype=None):
        return jnp.full(shape, 7.0, dtype)

    assert initializers.get(custom) is custom
    config = initializers.serialize(custom)
    assert config == keras.initializers.serialize(custom)
    assert initializers.deserialize(config, custom_objects={"custom": custom}) is custom
    config = {"class_name": "RandomUniform", "config": {"minval": 0.0, "maxval": 1.0}}
    assert initializers.get(config).get_config()["maxval"] == 1.0
    array = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(initializers.get(array)((2, 3)), array)
    with pytest.raises(ValueError, match="shape"):
        initializers.get(array)((3, 2))


def test_unknown_names_and_bad_arguments():
    with pytest.raises(errors.UnknownNameError, match="'glorot_uniform'"):
        initializers.get("glorot_unifrom")
    with pytest.raises(errors.UnknownNameError, match="'HeNormal'"):
        initializers.deserialize({"class_name": "HeNromal", "config": {}})
    with pytest.raises(errors.ConfigError):
        initializers.get(3.5)
    with pytest.raises(ValueError, match="scale"):
        initializers.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="mode"):
        initializers.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="distribution"):
        initializers.VarianceScaling(distribution="cauchy")
    with pytest.raises(ValueError, match="seed"):
        initializers.RandomNormal(seed="abc")


def test_orthogonal_inside_a_trace_draws_with_jax_and_stays_orthogonal():
    """Eagerly the QR runs in NumPy (nothing compiles); inside a compiled function, where the
    key is traced, the jax.random / jnp.linalg path gives an orthogonal matrix too."""
    def draw(key):
        with lrandom.key_scope(key):
            return initializers.Orthogonal(gain=2.0, seed=lrandom.SeedGenerator())((6, 4))

    w = np.asarray(jax.jit(draw)(lrandom.host_key(5)), np.float64)
    np.testing.assert_allclose(w.T @ w, 4.0 * np.eye(4), atol=1e-4)
