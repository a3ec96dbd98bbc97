"""lamina.activations against Keras 3 (JAX backend) and against finite differences."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lamina import activations, errors  # noqa: E402

# (name, extra kwargs, points where the function is not differentiable)
CASES = [
    ("relu", {}, (0.0,)),
    ("relu", {"negative_slope": 0.1}, (0.0,)),
    ("relu", {"max_value": 6.0}, (0.0, 6.0)),
    ("relu", {"max_value": 2.5}, (0.0, 2.5)),
    ("relu", {"threshold": 1.5}, (1.5,)),
    ("relu", {"negative_slope": 0.3, "max_value": 4.0, "threshold": -1.0}, (-1.0, 0.0, 4.0)),
    ("relu", {"negative_slope": 0.2, "threshold": 2.0}, (2.0,)),
    ("leaky_relu", {}, (0.0,)),
    ("leaky_relu", {"negative_slope": 0.01}, (0.0,)),
    ("relu6", {}, (0.0, 6.0)),
    ("sigmoid", {}, ()),
    ("softmax", {}, ()),
    ("softmax", {"axis": 1}, ()),
    ("softmax", {"axis": (1, 2)}, ()),
    ("log_softmax", {}, ()),
    ("log_softmax", {"axis": 0}, ()),
    ("tanh", {}, ()),
    ("elu", {}, (0.0,)),
    ("elu", {"alpha": 0.5}, (0.0,)),
    ("selu", {}, (0.0,)),
    ("celu", {"alpha": 2.0}, (0.0,)),
    ("softplus", {}, ()),
    ("softsign", {}, (0.0,)),
    ("silu", {}, ()),
    ("swish", {}, ()),
    ("gelu", {}, ()),
    ("gelu", {"approximate": True}, ()),
    ("hard_sigmoid", {}, (-3.0, 3.0)),
    ("hard_silu", {}, (-3.0, 3.0)),
    ("hard_swish", {}, (-3.0, 3.0)),
    ("hard_tanh", {}, (-1.0, 1.0)),
    ("mish", {}, ()),
    ("log_sigmoid", {}, ()),
    ("tanh_shrink", {}, ()),
    ("squareplus", {"b": 2.0}, ()),
    ("glu", {}, ()),
    ("exponential", {}, ()),
    ("linear", {}, ()),
]
IDS = [f"{name}-{kwargs}" for name, kwargs, _ in CASES]
# Gradients: every function once plus the argument variants that change its code path.
GRAD_CASES = [case for case in CASES if case[0] not in ("swish", "hard_swish")
              and case[1] not in ({"negative_slope": 0.01}, {"alpha": 0.5}, {"axis": 0},
                                  {"axis": 1}, {"max_value": 2.5})]
GRAD_IDS = [f"{name}-{kwargs}" for name, kwargs, _ in GRAD_CASES]
EXTREMES = np.array([-1e4, -300.0, -88.0, -20.0, -1e-6, 0.0, 1e-6, 20.0, 88.0, 300.0, 1e4])


def _inputs(seed: int, dtype=np.float32) -> np.ndarray:
    """A (3, 4, 10) array: normal values spread over [-12, 12] with extremes in one row."""
    x = np.random.default_rng(seed).normal(scale=4.0, size=(3, 4, 10))
    x[0, 0, : EXTREMES.size - 1] = EXTREMES[:-1]
    x[1, 1, : EXTREMES.size - 1] = EXTREMES[1:]
    return x.astype(dtype)


@pytest.mark.parametrize("name,kwargs,kinks", CASES, ids=IDS)
def test_matches_keras(name, kwargs, kinks):
    x = _inputs(0)
    ours = np.asarray(getattr(activations, name)(x, **kwargs))
    theirs = np.asarray(getattr(keras.activations, name)(x, **kwargs))
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name,kwargs,kinks", GRAD_CASES, ids=GRAD_IDS)
def test_gradient_matches_finite_differences(name, kwargs, kinks):
    fn = getattr(activations, name)
    rng = np.random.default_rng(1)
    with jax.enable_x64(True):
        x = np.clip(_inputs(2, np.float64), -12.0, 12.0)
        for kink in kinks:  # move points off the kinks
            x = np.where(np.abs(x - kink) < 1e-2, x + 0.05, x)
        weights = rng.normal(size=np.shape(fn(x, **kwargs)))
        directions = rng.normal(size=(4, *x.shape))

        @jax.jit
        def analytic_and_numeric(x, weights, directions, h=1e-6):
            def loss(z):
                return jnp.sum(weights * fn(z, **kwargs))

            def central_difference(d):
                return (loss(x + h * d) - loss(x - h * d)) / (2 * h)

            grad = jax.grad(loss)(x)
            analytic = jnp.tensordot(directions, grad, axes=grad.ndim)
            return analytic, jax.vmap(central_difference)(directions)

        analytic, numeric = analytic_and_numeric(x, weights, directions)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6)


def test_float64_inputs_stay_float64():
    with jax.enable_x64(True):
        x = _inputs(3, np.float64)
        for name, kwargs, _ in CASES:
            assert np.asarray(getattr(activations, name)(x, **kwargs)).dtype == np.float64, name


def test_keras_defaults():
    x = np.array([-2.0, -0.5, 0.5, 2.0], np.float32)
    np.testing.assert_allclose(activations.leaky_relu(x), [-0.4, -0.1, 0.5, 2.0], rtol=1e-6)
    exact = 0.5 * x * (1 + np.array([float(jax.scipy.special.erf(v / np.sqrt(2))) for v in x]))
    np.testing.assert_allclose(activations.gelu(x), exact, rtol=1e-6)
    assert activations.linear(x) is x


@pytest.mark.parametrize("name", sorted({name for name, _, _ in CASES}))
def test_get_and_serialize_match_keras(name):
    fn = activations.get(name)
    assert fn is getattr(activations, name)
    assert activations.serialize(fn) == keras.activations.serialize(keras.activations.get(name))
    assert activations.deserialize(activations.serialize(fn)) is activations.get(
        activations.serialize(fn))


def test_aliases():
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu
    assert activations.serialize(activations.swish) == "silu"


def test_get_none_callable_and_dicts():
    assert activations.get(None) is activations.linear

    def custom(x):
        return x * 2

    assert activations.get(custom) is custom
    keras_dict = keras.saving.serialize_keras_object(keras.activations.relu)
    assert activations.get(keras_dict) is activations.relu
    assert activations.get({"class_name": "function", "config": "tanh"}) is activations.tanh
    assert activations.deserialize("custom", custom_objects={"custom": custom}) is custom
    config = activations.serialize(custom)
    assert config == keras.activations.serialize(custom)
    assert activations.deserialize(config, custom_objects={"custom": custom}) is custom


def test_unknown_name_suggests_close_matches():
    with pytest.raises(errors.UnknownNameError, match="'relu'") as info:
        activations.get("rleu")
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)
    with pytest.raises(errors.UnknownNameError, match="'softmax'"):
        activations.deserialize("sofmax")


def test_uninterpretable_identifiers_raise():
    with pytest.raises(errors.ConfigError):
        activations.get(42)
    with pytest.raises(errors.ConfigError):
        activations.serialize(lambda x: x)
    with pytest.raises(errors.ConfigError):
        activations.deserialize({"config": {}})
