"""Rematerialization: `RematScope` and `remat` give the same numbers and really recompute
(jax.checkpoint's `remat` primitive is in the traced gradient)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina as keras

X = np.random.default_rng(0).normal(size=(4, 6)).astype("float32")


def _model():
    inputs = keras.Input((6,))
    hidden = keras.layers.Dense(5, activation="tanh", name="first")(inputs)
    outputs = keras.layers.Dense(2, name="second")(hidden)
    return keras.Model(inputs, outputs)


def _loss_and_jaxpr(model, scope=None):
    weights = [v.value for v in model.trainable_variables]

    def loss(weights):
        return jnp.sum(model.stateless_call(weights, [], X)[0] ** 2)

    with scope or keras.RematScope(mode=None):
        return jax.value_and_grad(loss)(weights), str(jax.make_jaxpr(jax.grad(loss))(weights))


@pytest.mark.parametrize("scope, rematerialized", [
    (lambda: keras.RematScope(mode="full"), 2),
    (lambda: keras.RematScope(mode="list_of_layers", layer_names=["second"]), 1),
])
def test_remat_scope_keeps_numbers_and_recomputes(scope, rematerialized):
    model = _model()
    (plain_loss, plain_grads), plain_jaxpr = _loss_and_jaxpr(model)
    (loss, grads), jaxpr = _loss_and_jaxpr(model, scope())
    assert "remat" not in plain_jaxpr
    assert jaxpr.count("remat") >= rematerialized
    np.testing.assert_allclose(loss, plain_loss, rtol=1e-6)
    for a, b in zip(grads, plain_grads):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_remat_function_matches_numpy_and_is_a_checkpoint():
    fn = keras.remat(lambda x: jnp.sin(x) * x)
    x = np.linspace(-1, 1, 5).astype("float32")
    np.testing.assert_allclose(fn(x), np.sin(x) * x, rtol=1e-6)
    grad = jax.grad(lambda x: jnp.sum(fn(x)))
    np.testing.assert_allclose(grad(x), np.cos(x) * x + np.sin(x), rtol=1e-5)
    assert "remat" in str(jax.make_jaxpr(grad)(x))


def test_remat_scope_checks_its_mode():
    with pytest.raises(ValueError, match="Invalid mode 'everything'"):
        keras.RematScope(mode="everything")
