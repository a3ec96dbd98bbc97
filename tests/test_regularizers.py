"""lamina.regularizers and lamina.constraints against Keras 3 (JAX backend)."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lamina import constraints, errors, regularizers  # noqa: E402


def _weights(shape, seed=0, scale=1.5) -> np.ndarray:
    return (np.random.default_rng(seed).normal(size=shape) * scale).astype(np.float32)


REGULARIZERS = [
    ("L1", {}), ("L1", {"l1": 0.3}), ("L2", {}), ("L2", {"l2": 0.05}), ("L1L2", {}),
    ("L1L2", {"l1": 0.01, "l2": 0.02}), ("L1L2", {"l2": 1e-4}), ("OrthogonalRegularizer", {}),
    ("OrthogonalRegularizer", {"factor": 0.1, "mode": "columns"}),
]
VALUE_CASES = [(name, kwargs, shape) for name, kwargs in REGULARIZERS
               for shape in ([(5, 7), (9, 4)] if name == "OrthogonalRegularizer"  # 2-D only
                             else [(5, 7), (4, 3, 6)])]


@pytest.mark.parametrize("name,kwargs,shape", VALUE_CASES)
def test_regularizer_values_equal_keras(name, kwargs, shape):
    w = _weights(shape, seed=len(shape))
    ours = getattr(regularizers, name)(**kwargs)(w)
    theirs = getattr(keras.regularizers, name)(**kwargs)(jnp.asarray(w))  # weights as tensors
    assert np.shape(ours) == () and np.asarray(ours).dtype == np.float32
    np.testing.assert_allclose(float(ours), float(theirs), rtol=1e-6, atol=1e-7)


def test_regularizer_values_by_hand():
    w = np.array([[1.0, -2.0], [3.0, 0.5]], np.float32)
    assert float(regularizers.L1(0.1)(w)) == pytest.approx(0.65)
    assert float(regularizers.L2(0.1)(w)) == pytest.approx(1.425)
    assert float(regularizers.L1L2(0.1, 0.1)(w)) == pytest.approx(2.075)
    assert float(regularizers.L1L2()(w)) == 0.0
    assert float(regularizers.OrthogonalRegularizer(1.0)(np.eye(3, dtype=np.float32))) == 0.0


def test_regularizers_are_differentiable_and_jittable():
    w = _weights((4, 5))
    grad = jax.grad(regularizers.L1L2(0.1, 0.2))(w)
    np.testing.assert_allclose(grad, 0.1 * np.sign(w) + 0.4 * w, rtol=1e-6)
    jitted = jax.jit(regularizers.OrthogonalRegularizer(0.2))
    assert float(jitted(w)) == pytest.approx(float(regularizers.OrthogonalRegularizer(0.2)(w)))


@pytest.mark.parametrize("name,kwargs", REGULARIZERS)
def test_regularizer_config_equals_keras(name, kwargs):
    ours = getattr(regularizers, name)(**kwargs)
    theirs = getattr(keras.regularizers, name)(**kwargs)
    ours_config, theirs_config = ours.get_config(), theirs.get_config()
    assert set(ours_config) == set(theirs_config)
    for key, value in theirs_config.items():
        # Keras stores some factors as float32 tensors, so its configs round them to float32.
        expected = pytest.approx(value, rel=1e-7) if isinstance(value, float) else value
        assert ours_config[key] == expected
    back = regularizers.deserialize(keras.regularizers.serialize(theirs))
    assert type(back) is type(ours)
    assert regularizers.serialize(ours)["class_name"] == name


@pytest.mark.parametrize("alias,cls", [
    ("l1", "L1"), ("l2", "L2"), ("l1_l2", "L1L2"), ("l1l2", "L1L2"), ("L1L2", "L1L2"),
    ("orthogonal_regularizer", "OrthogonalRegularizer"),
])
def test_regularizer_names(alias, cls):
    assert type(regularizers.get(alias)).__name__ == cls


def test_regularizer_defaults_and_bad_arguments():
    assert regularizers.get("l2").get_config() == {"l2": 0.01}
    assert regularizers.L1(None).l1 == 0.01 and regularizers.L1L2(None, None).l2 == 0.0
    assert float(regularizers.Regularizer()(np.ones(3))) == 0.0
    with pytest.raises(NotImplementedError):
        regularizers.Regularizer().get_config()
    for bad in (-0.1, float("nan"), float("inf"), "0.1"):
        with pytest.raises(ValueError, match="non-negative"):
            regularizers.L2(bad)
    with pytest.raises(ValueError, match="mode"):
        regularizers.OrthogonalRegularizer(mode="diagonal")
    with pytest.raises(ValueError, match="rank 2"):
        regularizers.OrthogonalRegularizer()(np.ones((2, 2, 2), np.float32))


CONSTRAINTS = [
    ("MaxNorm", {}), ("MaxNorm", {"max_value": 1.5, "axis": 1}),
    ("MaxNorm", {"max_value": 3.0, "axis": [0, 1]}), ("NonNeg", {}), ("UnitNorm", {}),
    ("UnitNorm", {"axis": 1}), ("UnitNorm", {"axis": [0, 1]}), ("MinMaxNorm", {}),
    ("MinMaxNorm", {"min_value": 0.5, "max_value": 1.5, "rate": 0.7, "axis": 1}),
    ("MinMaxNorm", {"min_value": 2.0, "max_value": 4.0, "axis": -1}),
]


@pytest.mark.parametrize("name,kwargs", CONSTRAINTS)
@pytest.mark.parametrize("shape", [(6, 4), (3, 3, 5)])
def test_constraint_values_equal_keras(name, kwargs, shape):
    w = _weights(shape, seed=len(shape))
    ours = np.asarray(getattr(constraints, name)(**kwargs)(w))
    theirs = np.asarray(getattr(keras.constraints, name)(**kwargs)(w))
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


def test_constraint_projections():
    w = _weights((8, 5), seed=3)
    norms = lambda v: np.linalg.norm(v, axis=0)  # noqa: E731
    assert np.all(norms(constraints.MaxNorm(1.0)(w)) <= 1.0 + 1e-6)
    small = w * 0.01
    np.testing.assert_allclose(constraints.MaxNorm(1.0)(small), small, rtol=1e-5)
    np.testing.assert_allclose(norms(constraints.UnitNorm()(w)), 1.0, rtol=1e-5)
    bounded = norms(constraints.MinMaxNorm(2.0, 3.0)(w))
    assert np.all((bounded > 2.0 - 1e-5) & (bounded < 3.0 + 1e-5))
    assert np.all(np.asarray(constraints.NonNeg()(w)) >= 0)
    assert constraints.Constraint()(w) is w


@pytest.mark.parametrize("name,kwargs", CONSTRAINTS)
def test_constraint_config_equals_keras(name, kwargs):
    ours = getattr(constraints, name)(**kwargs)
    theirs = getattr(keras.constraints, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert constraints.serialize(ours) == keras.constraints.serialize(theirs)
    back = constraints.deserialize(keras.constraints.serialize(theirs))
    assert type(back) is type(ours) and back.get_config() == ours.get_config()


@pytest.mark.parametrize("alias,cls", [
    ("max_norm", "MaxNorm"), ("non_neg", "NonNeg"), ("unit_norm", "UnitNorm"),
    ("min_max_norm", "MinMaxNorm"), ("MaxNorm", "MaxNorm"),
])
def test_constraint_names(alias, cls):
    assert type(constraints.get(alias)).__name__ == cls
    assert type(keras.constraints.get(alias)).__name__ == cls


@pytest.mark.parametrize("module", [regularizers, constraints])
def test_get_none_callables_classes_and_dicts(module):
    assert module.get(None) is None

    def custom(x):
        return x

    assert module.get(custom) is custom
    config = module.serialize(custom)
    assert config == keras.regularizers.serialize(custom)  # Keras's format for plain functions
    assert module.deserialize(config, custom_objects={"custom": custom}) is custom
    with pytest.raises(errors.UnknownNameError, match="custom"):
        module.deserialize(config)
    base = module.Regularizer if module is regularizers else module.Constraint
    classes = [c for c in vars(module).values() if isinstance(c, type) and issubclass(c, base)]
    for cls in classes:
        if cls is not base:
            assert type(module.get(cls)) is cls
            instance = cls()
            assert module.get(instance) is instance
            assert type(module.get(module.serialize(instance))) is cls
    assert module.serialize(None) is None


def test_unknown_names_suggest_close_matches():
    with pytest.raises(errors.UnknownNameError, match="'l1_l2'"):
        regularizers.get("l1_l3")
    with pytest.raises(errors.UnknownNameError, match="'max_norm'"):
        constraints.get("max_nrom")
    with pytest.raises(errors.UnknownNameError, match="'UnitNorm'"):
        constraints.deserialize({"class_name": "UnitNrm", "config": {}})
    with pytest.raises(errors.ConfigError):
        regularizers.get(0.01)
    with pytest.raises(errors.ConfigError):
        constraints.deserialize({"config": {}})
