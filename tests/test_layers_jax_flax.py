"""JaxLayer and FlaxLayer against Keras 3's (the oracle), written the way the Keras docs use them:
a hand-written JAX MLP with `init_fn`, a stateful function, and Flax Linen modules (a CNN with
BatchNorm, a Dropout model behind a wrapper method)."""

import subprocess
import sys

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina

try:
    import flax.linen as nn
except ImportError:  # FlaxLayer is optional: its tests skip without flax
    nn = None

needs_flax = pytest.mark.skipif(nn is None, reason="flax is not installed")


# -- the JAX models of the Keras JaxLayer docstring: stateless and stateful ----------------------
def mlp_init(rng, inputs):
    k1, k2 = jax.random.split(rng)
    return {"w1": jax.random.normal(k1, (inputs.shape[-1], 8)) * 0.5, "b1": jnp.zeros(8),
            "w2": jax.random.normal(k2, (8, 2)) * 0.5, "b2": jnp.zeros(2)}


def mlp_call(params, inputs):
    h = jnp.tanh(inputs @ params["w1"] + params["b1"])
    return h @ params["w2"] + params["b2"]


def counting_init(rng, inputs):
    return mlp_init(rng, inputs), {"steps": jnp.zeros((), jnp.int32)}


def counting_call(params, state, inputs, training):
    """Counts the training calls in its non-trainable state (Keras's stateful test model)."""
    new_state = {"steps": state["steps"] + 1} if training else state
    return mlp_call(params, inputs), new_state


def dropout_call(params, rng, inputs, training):
    h = jnp.tanh(inputs @ params["w1"] + params["b1"])
    if training:
        keep = jax.random.bernoulli(rng, 0.5, h.shape)
        h = jnp.where(keep, h / 0.5, 0.0)
    return h @ params["w2"] + params["b2"]


if nn is not None:

    class FlaxCNN(nn.Module):
        """The Keras docstring's CNN, small, with BatchNorm (a "batch_stats" collection)."""

        @nn.compact
        def __call__(self, inputs, training=False):
            x = nn.Conv(features=4, kernel_size=(3, 3))(inputs)
            x = nn.BatchNorm(use_running_average=not training, momentum=0.9)(x)
            x = nn.relu(x)
            x = nn.avg_pool(x, window_shape=(2, 2), strides=(2, 2))
            x = x.reshape((x.shape[0], -1))
            x = nn.Dense(features=3)(x)
            return nn.softmax(x)

        def get_config(self):
            return {}

    class FlaxDropout(nn.Module):
        @nn.compact
        def forward(self, inputs, deterministic):
            x = nn.Dense(features=16)(inputs)
            x = nn.Dropout(rate=0.5, deterministic=deterministic)(x)
            return nn.Dense(features=2)(x)

    class FlaxMLP(nn.Module):
        features: int = 3

        @nn.compact
        def forward(self, inputs):
            return nn.Dense(features=self.features)(nn.tanh(nn.Dense(features=8)(inputs)))

        def get_config(self):
            return {"features": self.features}

    def flax_dropout_wrapper(module, inputs, training):
        return module.forward(inputs, not training)


def data(n=32, shape=(4,), classes=2, seed=0):
    rs = np.random.RandomState(seed)
    x = rs.rand(n, *shape).astype("float32")
    return x, np.eye(classes, dtype="float32")[rs.randint(0, classes, n)]


def functional(lib, layer, shape):
    inputs = lib.Input(shape)
    return lib.Model(inputs, layer(inputs))


def numpy_tree(tree):
    return jax.tree_util.tree_map(np.asarray, tree)


def lamina_mlp(call_fn=mlp_call, init_fn=mlp_init, **kwargs):
    lamina.utils.set_random_seed(0)  # init_fn's key comes from the global seed stream
    layer = lamina.layers.JaxLayer(call_fn, init_fn=init_fn, **kwargs)
    return functional(lamina, layer, (4,)), layer


# -- JaxLayer --------------------------------------------------------------------------------
@pytest.mark.parametrize("call_fn, init_fn", [(mlp_call, mlp_init),
                                              (counting_call, counting_init)])
def test_jax_layer_builds_with_init_fn_and_matches_keras(call_fn, init_fn):
    model, layer = lamina_mlp(call_fn, init_fn)
    has_state = init_fn is counting_init
    assert len(layer.trainable_weights) == 4
    assert model.count_params() == 4 * 8 + 8 + 8 * 2 + 2 + has_state
    assert len(layer.non_trainable_weights) == int(has_state)
    x, _ = data()
    params, state = numpy_tree(layer.params), numpy_tree(layer.state)
    oracle = functional(keras, keras.layers.JaxLayer(call_fn, params=params, state=state), (4,))
    np.testing.assert_allclose(model.predict(x, verbose=0), oracle.predict(x, verbose=0),
                               atol=1e-6)
    np.testing.assert_allclose(model(x), mlp_call(params, x), atol=1e-6)


def test_jax_layer_fit_matches_keras_and_updates_state():
    model, layer = lamina_mlp(counting_call, counting_init)
    oracle = functional(keras, keras.layers.JaxLayer(
        counting_call, params=numpy_tree(layer.params), state=numpy_tree(layer.state)), (4,))
    x, y = data()
    losses = {}
    for lib, m in (("lamina", model), ("keras", oracle)):
        m.compile(optimizer="adam", loss="mse")
        losses[lib] = m.fit(x, y, epochs=2, batch_size=8, shuffle=False,
                            verbose=0).history["loss"]
    assert losses["lamina"][1] < losses["lamina"][0]
    np.testing.assert_allclose(losses["lamina"], losses["keras"], rtol=1e-4)
    for ours, theirs in zip(model.get_weights(), oracle.get_weights()):
        np.testing.assert_allclose(ours, theirs, atol=1e-4)
    assert int(layer.state["steps"]) == 8  # 2 epochs x 4 steps, as Keras counts


def test_jax_layer_rng_drives_dropout_in_training_only():
    model, layer = lamina_mlp(dropout_call, mlp_init, seed=3)
    x, y = data()
    first, second = layer(x, training=True), layer(x, training=True)
    assert not np.allclose(first, second)  # a fresh key per call
    np.testing.assert_allclose(layer(x), layer(x, training=False))
    oracle = keras.layers.JaxLayer(dropout_call, params=numpy_tree(layer.params))
    np.testing.assert_allclose(layer(x), oracle(x), atol=1e-6)  # no rng in inference
    before = model.get_weights()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert all(not np.allclose(b, a) for b, a in zip(before, model.get_weights()))


def test_jax_layer_saves_to_keras_file_and_weights(tmp_path):
    model, layer = lamina_mlp(counting_call, counting_init)
    x, y = data()
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "m.keras")
    config = layer.get_config()
    assert config["call_fn"] == {"module": "builtins", "class_name": "function",
                                 "config": "counting_call", "registered_name": "function"}
    with pytest.raises(ValueError, match="counting_call"):  # a plain function: not found by name
        lamina.saving.load_model(tmp_path / "m.keras")
    custom = {"counting_call": counting_call, "counting_init": counting_init}
    loaded = lamina.saving.load_model(tmp_path / "m.keras", custom_objects=custom)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, atol=1e-6)
    assert int(loaded.layers[-1].state["steps"]) == 4

    model.save_weights(tmp_path / "m.weights.h5")
    fresh, _ = lamina_mlp(counting_call, counting_init)
    fresh.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_allclose(fresh.predict(x, verbose=0), expected, atol=1e-6)
    oracle = functional(keras, keras.layers.JaxLayer(
        counting_call, params=mlp_init(jax.random.PRNGKey(0), x), state={"steps": 0}), (4,))
    oracle.load_weights(tmp_path / "m.weights.h5")  # the file Keras reads, variable for variable
    np.testing.assert_allclose(oracle.predict(x, verbose=0), expected, atol=1e-6)


@pytest.mark.parametrize("call_fn, init_fn, params, match", [
    (lambda params, rng: rng, None, {}, "Missing required argument in `call_fn`: `inputs`"),
    (lambda params, inputs, mode: inputs, None, {}, "Unsupported argument in `call_fn`: `mode`"),
    (lambda params, inputs: inputs, lambda rng: {}, None,
     "Missing required argument in `init_fn`: `inputs`"),
    (lambda params, inputs: inputs, None, None, "`init_fn`, `params` and `state` cannot all"),
])
def test_jax_layer_bad_functions_raise_like_keras(call_fn, init_fn, params, match):
    for lib in (lamina, keras):
        with pytest.raises(ValueError, match=match):
            lib.layers.JaxLayer(call_fn, init_fn=init_fn, params=params)


def test_jax_layer_state_of_another_structure_is_a_clear_error():
    layer = lamina.layers.JaxLayer(lambda state, inputs: (inputs, {"other": 1}),
                                   state={"count": 0})
    with pytest.raises(ValueError, match="structure of the state returned by `call_fn`"):
        layer(np.ones((2, 3)))


def test_jax_layer_shape_inference_leaves_the_state_alone():
    def call_fn(state, inputs):  # counts every call, inference included
        return inputs * 2.0, state + 1

    for lib in (lamina, keras):
        layer = lib.layers.JaxLayer(call_fn, state=np.zeros((), "int32"))
        model = functional(lib, layer, (3,))
        assert int(layer.non_trainable_weights[0].numpy()) == 0  # building traced nothing in
        np.testing.assert_allclose(model(np.ones((2, 3))), 2.0)
        assert int(layer.non_trainable_weights[0].numpy()) == 1


def test_importing_lamina_does_not_import_flax():
    code = "import sys, lamina; lamina.layers.FlaxLayer; assert 'flax' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- FlaxLayer ----------------------------------------------------------------------------------
@needs_flax
def test_flax_cnn_with_batch_norm_trains_like_keras(tmp_path):
    x, y = data(16, (6, 6, 1), classes=3)
    variables = FlaxCNN().init(jax.random.PRNGKey(0), x[:1])
    model = functional(lamina, lamina.layers.FlaxLayer(FlaxCNN(), variables=variables), (6, 6, 1))
    oracle = functional(keras, keras.layers.FlaxLayer(FlaxCNN(), variables=variables), (6, 6, 1))
    assert [w.shape for w in model.weights] == [tuple(w.shape) for w in oracle.weights]
    assert len(model.non_trainable_weights) == 2  # batch_stats mean and var
    np.testing.assert_allclose(model.predict(x, verbose=0), oracle.predict(x, verbose=0),
                               atol=1e-6)
    losses = {}
    for lib, m in (("lamina", model), ("keras", oracle)):
        m.compile(optimizer="adam", loss="categorical_crossentropy")
        losses[lib] = m.fit(x, y, epochs=2, batch_size=8, shuffle=False,
                            verbose=0).history["loss"]
    assert losses["lamina"][1] < losses["lamina"][0]
    np.testing.assert_allclose(losses["lamina"], losses["keras"], rtol=1e-4)
    for ours, theirs in zip(model.get_weights(), oracle.get_weights()):  # batch_stats included
        np.testing.assert_allclose(ours, theirs, atol=1e-4)
    assert not np.allclose(model.non_trainable_weights[0], 0.0)

    model.save(tmp_path / "cnn.keras")
    oracle.save(tmp_path / "keras_cnn.keras")
    for path in ("cnn.keras", "keras_cnn.keras"):  # lamina's file, and the one Keras writes
        loaded = lamina.saving.load_model(tmp_path / path, custom_objects={"FlaxCNN": FlaxCNN})
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                                   atol=1e-4)


@needs_flax
def test_flax_layer_initializes_itself_and_uses_dropout_rng():
    lamina.utils.set_random_seed(0)
    layer = lamina.layers.FlaxLayer(FlaxDropout(), method=flax_dropout_wrapper)
    x, y = data(16)
    model = functional(lamina, layer, (4,))
    assert [w.shape for w in layer.trainable_weights] == [(16,), (4, 16), (2,), (16, 2)]
    assert not np.allclose(layer(x, training=True), layer(x, training=True))
    oracle = keras.layers.FlaxLayer(FlaxDropout(), method=flax_dropout_wrapper,
                                    variables=numpy_tree({**layer.params, **layer.state}))
    np.testing.assert_allclose(layer(x), oracle(x), atol=1e-6)
    for flax_layer in (layer, oracle):  # a module without get_config() cannot be saved
        with pytest.raises(TypeError, match="must implement the `get_config\\(\\)` method"):
            flax_layer.get_config()
    # with a zero learning rate only dropout moves the loss: a fresh key each step of `fit`
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.0), loss="mse")
    history = model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0).history
    inference_loss = model.evaluate(x, y, verbose=0)
    assert len({*history["loss"], inference_loss}) == 3
    np.testing.assert_allclose(inference_loss, np.mean((oracle(x) - y) ** 2), rtol=1e-5)


@needs_flax
def test_flax_layer_config_names_a_bound_method_like_keras():
    x, _ = data()
    module = FlaxMLP(features=2)
    variables = module.init(jax.random.PRNGKey(0), x, method=module.forward)
    ours = lamina.layers.FlaxLayer(module, method=module.forward, variables=variables, name="f")
    theirs = keras.layers.FlaxLayer(module, method=module.forward, variables=variables, name="f")
    config = ours.get_config()
    assert config["method"] == "forward" and config == theirs.get_config()
    custom = {"FlaxMLP": FlaxMLP}
    revived = lamina.layers.deserialize(lamina.layers.serialize(ours), custom_objects=custom)
    revived(x)  # built from the module's init (the config holds no weights), as in Keras
    revived.set_weights(ours.get_weights())
    np.testing.assert_allclose(revived(x), theirs(x), atol=1e-6)


@needs_flax
def test_flax_layer_refuses_nnx_modules():
    from flax import nnx

    with pytest.raises(TypeError, match="NNX"):
        lamina.layers.FlaxLayer(nnx.Linear(2, 3, rngs=nnx.Rngs(0)))
