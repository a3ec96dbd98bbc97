"""float8 training (`model.quantize("float8")`) against Keras 3 (JAX backend) on the same
weights: the variables it adds, forward outputs, the scales and amax histories `fit`, a
from-scratch JAX loop and `optimizer.apply` write, and .keras files both ways."""

import warnings

import jax
import keras
import numpy as np
import pytest

import lamina


def _quantized_twins(build):
    """The same model in Keras and lamina (Keras's weights in both), quantized to float8."""
    keras_model, lamina_model = build(keras), build(lamina)
    lamina_model.set_weights(keras_model.get_weights())
    with warnings.catch_warnings():  # Keras warns about its InputLayer
        warnings.simplefilter("ignore")
        keras_model.quantize("float8")
    lamina_model.quantize("float8")
    return keras_model, lamina_model


def _layout(layer):
    return [(w.path.split("/")[-1], str(np.dtype(w.dtype)), tuple(w.shape), w.trainable,
             w.overwrite_with_gradient) for w in layer.weights]


def _assert_same_weights(ours, theirs, rtol=1e-6):
    assert [w.path.split("/")[-1] for w in ours] == [w.path.split("/")[-1] for w in theirs]
    for mine, want in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(mine.numpy()), np.asarray(want.numpy()),
                                   rtol=rtol, atol=1e-7, err_msg=mine.path)


def _mlp(k):
    return k.Sequential([k.Input((6,)), k.layers.Dense(8, activation="relu"),
                         k.layers.Dense(3)])


def _einsum_mlp(k):
    return k.Sequential([k.Input((4, 6)),
                         k.layers.EinsumDense("abc,cd->abd", (4, 5), bias_axes="d",
                                              activation="relu"),
                         k.layers.Dense(2)])


@pytest.mark.parametrize("build,shape", [(_mlp, (5, 6)), (_einsum_mlp, (3, 4, 6))])
def test_float8_variables_and_outputs_match_keras(rng, build, shape):
    keras_model, lamina_model = _quantized_twins(build)
    for ours, theirs in zip(lamina_model.layers, keras_model.layers):
        assert _layout(ours) == _layout(theirs)
        assert ours.dtype_policy.name == theirs.dtype_policy.name == "float8_from_float32"
        assert ours.dtype_policy.amax_history_length == 1024
    x = rng.normal(size=shape).astype("float32")
    np.testing.assert_allclose(lamina_model.predict(x, verbose=0), keras_model(x), atol=1e-6)
    # the float kernel stays, rounded through float8 at call: near the float model's output
    lamina_model.layers[0].kernel.assign(lamina_model.layers[0].kernel * 3.0)
    keras_model.layers[0].kernel.assign(keras_model.layers[0].kernel * 3.0)
    np.testing.assert_allclose(lamina_model(x, training=True), keras_model(x, training=True),
                               atol=1e-6)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_float8_fit_updates_weights_scales_and_histories_as_keras(rng, tmp_path, optimizer):
    keras_model, lamina_model = _quantized_twins(_einsum_mlp)
    x = rng.normal(size=(16, 4, 6)).astype("float32")
    y = rng.normal(size=(16, 4, 2)).astype("float32")
    for lib, model in ((keras, keras_model), (lamina, lamina_model)):
        model.compile(optimizer=lib.optimizers.get({"class_name": optimizer,
                                                    "config": {"learning_rate": 0.05}}),
                      loss="mse")
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    _assert_same_weights(lamina_model.weights, keras_model.weights, rtol=1e-5)
    history = lamina_model.layers[0].inputs_amax_history.numpy()
    # one entry per step, rolled left: the newest at 0, the one before it at the end
    np.testing.assert_allclose(history[[0, -1]], [np.abs(x[8:]).max(), np.abs(x[:8]).max()])
    assert np.count_nonzero(history) == 4
    want = np.asarray(keras_model(x[:3]))
    lamina_model.save(tmp_path / "lamina.keras")
    keras_model.save(tmp_path / "keras.keras")
    in_keras = keras.saving.load_model(tmp_path / "lamina.keras")
    in_lamina = lamina.saving.load_model(tmp_path / "keras.keras")
    np.testing.assert_allclose(in_keras(x[:3]), want, atol=1e-6)
    np.testing.assert_allclose(in_lamina.predict(x[:3], verbose=0), want, atol=1e-6)
    _assert_same_weights(in_lamina.weights, in_keras.weights, rtol=1e-5)  # float8 ones first
    # lamina's optimizer state, read back by Keras: Keras's variables (no slots for scales)
    ours, theirs = in_keras.optimizer.variables, keras_model.optimizer.variables
    assert [tuple(v.shape) for v in ours] == [tuple(v.shape) for v in theirs]
    for mine, want in zip(ours, theirs):
        np.testing.assert_allclose(mine.numpy(), want.numpy(), rtol=1e-5, atol=1e-7)
    assert in_lamina.optimizer.iterations == 4
    assert [layer.dtype_policy.name for layer in in_lamina.layers] == ["float8_from_float32"] * 2


def _scratch_loop(lib, start, x, y):
    """"Writing a training loop from scratch in JAX" (stateless_apply in the user's jax.jit),
    then one eager `optimizer.apply`, on a float8 model."""
    model = _mlp(lib)
    model.set_weights(start)
    with warnings.catch_warnings():  # Keras warns about its InputLayer
        warnings.simplefilter("ignore")
        model.quantize("float8")
    loss_fn = lib.losses.MeanSquaredError()
    optimizer = lib.optimizers.SGD(learning_rate=0.1)
    optimizer.build(model.trainable_variables)

    def loss_and_updates(trainable, non_trainable, x, y):
        y_pred, non_trainable = model.stateless_call(trainable, non_trainable, x, training=True)
        return loss_fn(y, y_pred), non_trainable

    grad_fn = jax.value_and_grad(loss_and_updates, has_aux=True)

    @jax.jit
    def train_step(state, x, y):
        trainable, non_trainable, optimizer_variables = state
        (_, non_trainable), grads = grad_fn(trainable, non_trainable, x, y)
        trainable, optimizer_variables = optimizer.stateless_apply(optimizer_variables, grads,
                                                                   trainable)
        return trainable, non_trainable, optimizer_variables

    state = ([v.value for v in model.trainable_variables],
             [v.value for v in model.non_trainable_variables],
             [v.value for v in optimizer.variables])
    for step in range(2):
        state = train_step(state, x[step * 4:(step + 1) * 4], y[step * 4:(step + 1) * 4])
    for variable, value in zip(model.trainable_variables, state[0]):
        variable.assign(value)
    _, grads = grad_fn([v.value for v in model.trainable_variables], [], x, y)
    optimizer.apply(grads, model.trainable_variables)
    return model


def test_float8_stateless_apply_and_apply_overwrite_like_keras(rng):
    start = _mlp(keras).get_weights()
    x = rng.normal(size=(8, 6)).astype("float32")
    y = rng.normal(size=(8, 3)).astype("float32")
    ours, theirs = _scratch_loop(lamina, start, x, y), _scratch_loop(keras, start, x, y)
    _assert_same_weights(ours.weights, theirs.weights, rtol=1e-5)
    assert float(ours.layers[0].kernel_scale) != 1.0  # the scales did move


def test_layer_built_under_a_float8_policy_matches_keras():
    def build(lib):
        policy = lib.dtype_policies.QuantizedFloat8DTypePolicy("float8", "float32",
                                                               amax_history_length=16)
        layer = lib.layers.Dense(3, dtype=policy)
        layer.build((None, 5))
        return layer

    ours, theirs = build(lamina), build(keras)
    assert _layout(ours) == _layout(theirs)  # Keras's order: the float8 variables first
    assert ours.dtype_policy.get_config() == theirs.dtype_policy.get_config()
    config = ours.get_config()
    assert config["dtype"] == keras.layers.Dense.from_config(config).get_config()["dtype"]
    assert _layout(lamina.layers.Dense.from_config(config)) == _layout(
        keras.layers.Dense.from_config(theirs.get_config()))


def test_float8_errors_and_overwrite_flag_as_keras():
    def embedding(lib):
        layer = lib.layers.Embedding(5, 3)
        layer.build((None,))
        return layer

    with pytest.raises(NotImplementedError) as ours:
        embedding(lamina).quantize("float8")
    with pytest.raises(NotImplementedError) as theirs:
        embedding(keras).quantize("float8")
    assert str(ours.value) == str(theirs.value)
    variable = lamina.Variable(np.zeros(2))
    assert variable.overwrite_with_gradient is False
    with pytest.raises(TypeError, match="must be a boolean"):
        variable.overwrite_with_gradient = 1
    assert lamina.Quantizer is lamina.quantizers.Quantizer
