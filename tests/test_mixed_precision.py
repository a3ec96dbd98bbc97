"""Mixed precision training against Keras 3 (JAX backend): dtypes, weights after 10 steps,
dynamic loss scaling, and `.keras` files with policies read both ways."""

import os

import jax
import numpy as np
import pytest

import lamina

keras = pytest.importorskip("keras")

#: bf16 keeps 8 mantissa bits, fp16 11: after 10 steps the weights agree to a few ulps of those
#: Plain SGD at a small rate: bf16 rounding differences (a conv's gradient summed in another
#: order) stay at rounding level; momentum and BatchNormalization amplify them chaotically
#: (Keras's own bf16 and f32 CNN runs then part by ~0.1 after 10 steps).
LR = 0.01
TOLERANCE = {"mixed_bfloat16": dict(atol=2e-2, rtol=2e-2), "mixed_float16": dict(atol=3e-3,
                                                                                 rtol=3e-3)}


@pytest.fixture(autouse=True)
def _reset_policies():
    yield
    for lib in (keras, lamina):
        lib.backend.clear_session(free_memory=False)  # the global policy follows floatx()


def _mlp(lib):
    return lib.Sequential([lib.Input((4, 4)), lib.layers.Flatten(),
                           lib.layers.Dense(16, activation="relu"), lib.layers.Dense(3)])


def _cnn(lib):
    return lib.Sequential([lib.Input((6, 6, 1)), lib.layers.Conv2D(4, 3, activation="relu"),
                           lib.layers.BatchNormalization(), lib.layers.MaxPooling2D(),
                           lib.layers.Flatten(), lib.layers.Dense(3)])


def _lstm(lib):
    return lib.Sequential([lib.Input((4, 4)), lib.layers.LSTM(6), lib.layers.Dense(3)])


def _data(kind):
    rng = np.random.default_rng(0)
    shape = (80, 6, 6, 1) if kind is _cnn else (80, 4, 4)
    return rng.normal(size=shape).astype("float32"), rng.integers(0, 3, 80)


def _train(lib, build, policy, weights, x, y):
    lib.config.set_dtype_policy(policy)
    lib.utils.set_random_seed(0)
    model = build(lib)
    if weights is not None:
        model.set_weights(weights)
    model.compile(lib.optimizers.SGD(LR),
                  lib.losses.SparseCategoricalCrossentropy(from_logits=True))
    initial = [np.array(w) for w in model.get_weights()]
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)  # 10 steps
    return model, initial


#: The full model x policy grid takes ~1-2 CPU-minutes: it runs under LAMINA_MIXED_PRECISION_FULL=1
#: (make test-mixed-precision); the default suite trains the MLP under mixed_float16 only.
FULL = bool(os.environ.get("LAMINA_MIXED_PRECISION_FULL"))
GRID = [pytest.param(build, policy, id=f"{build.__name__[1:]}-{policy}",
                     marks=[] if (build is _mlp and policy == "mixed_float16") or FULL else [
                         pytest.mark.skip(reason="LAMINA_MIXED_PRECISION_FULL=1 runs it")])
        for policy in ("mixed_bfloat16", "mixed_float16") for build in (_mlp, _cnn, _lstm)]


@pytest.mark.parametrize("build,policy", GRID)
def test_training_matches_keras(build, policy):
    x, y = _data(build)
    k_model, initial = _train(keras, build, policy, None, x, y)
    l_model, _ = _train(lamina, build, policy, initial, x, y)
    for k_layer, l_layer in zip(k_model.layers, l_model.layers):
        assert (l_layer.compute_dtype, l_layer.variable_dtype) == (k_layer.compute_dtype,
                                                                   k_layer.variable_dtype)
        assert [str(w.dtype) for w in l_layer.weights] == [str(w.dtype) for w in k_layer.weights]
    assert str(l_model(x[:2]).dtype) == str(k_model(x[:2]).dtype)
    assert type(l_model.optimizer).__name__ == type(k_model.optimizer).__name__
    # 10 steps; a float16 step whose scaled gradients overflow is skipped in both
    assert l_model.optimizer.iterations == int(k_model.optimizer.iterations) >= 9
    assert all(not np.allclose(k, w0) for k, w0 in zip(k_model.get_weights(), initial)
               if w0.any())  # training moved them (zero-initialised ones aside)
    for k, m in zip(k_model.get_weights(), l_model.get_weights()):
        np.testing.assert_allclose(m, k, **TOLERANCE[policy])


def test_float32_policy_compiles_to_the_same_program():
    """The default policy adds no cast: the traced forward holds no convert_element_type."""
    model = _mlp(lamina)
    values = [v.value for v in model.trainable_variables]
    jaxpr = jax.make_jaxpr(lambda w, x: model.stateless_call(w, [], x)[0])(
        values, np.ones((2, 4, 4), "float32"))
    assert "convert_element_type" not in str(jaxpr)
    lamina.config.set_dtype_policy("mixed_bfloat16")
    mixed = _mlp(lamina)
    jaxpr = jax.make_jaxpr(lambda w, x: mixed.stateless_call(w, [], x)[0])(
        [v.value for v in mixed.trainable_variables], np.ones((2, 4, 4), "float32"))
    assert "bf16" in str(jaxpr)


def _overflow_run(lib, steps, weights=None):
    """A float16 model whose scaled loss gradients overflow float16 at first."""
    lib.config.set_dtype_policy("mixed_float16")
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2)])
    if weights is not None:
        model.set_weights(weights)
    optimizer = lib.optimizers.LossScaleOptimizer(lib.optimizers.SGD(0.01),
                                                  initial_scale=2.0 ** 20,
                                                  dynamic_growth_steps=2)
    model.compile(optimizer, "mse")
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(4 * steps, 3)).astype("float32"), np.ones((4 * steps, 2))
    initial = [np.array(w) for w in model.get_weights()]
    model.fit(x, y, batch_size=4, shuffle=False, verbose=0)
    return model, initial


def test_overflowing_step_is_skipped_and_halves_the_scale():
    model, initial = _overflow_run(lamina, 1)
    for before, after in zip(initial, model.get_weights()):
        np.testing.assert_array_equal(before, after)
    assert model.optimizer.dynamic_scale == 2.0 ** 19
    assert model.optimizer.iterations == 0


def test_loss_scale_sequence_matches_keras():
    """Skips while the scale is too high, then grows after `dynamic_growth_steps` good steps:
    the same scale, step counter, inner iterations and weights as Keras's."""
    k_model, initial = _overflow_run(keras, 12)
    l_model, _ = _overflow_run(lamina, 12, initial)
    k_opt, l_opt = k_model.optimizer, l_model.optimizer
    assert l_opt.dynamic_scale == float(k_opt.dynamic_scale) < 2.0 ** 20
    assert l_opt.iterations == int(k_opt.iterations) > 0
    for k, m in zip(k_model.get_weights(), l_model.get_weights()):
        np.testing.assert_allclose(m, k, rtol=1e-3, atol=1e-3)


def test_loss_scale_optimizer_config_and_errors_match_keras():
    configs = [lib.optimizers.serialize(lib.optimizers.LossScaleOptimizer(
        lib.optimizers.Adam(0.01, name="adam"), initial_scale=64.0, dynamic_growth_steps=5,
        name="lso"))
        for lib in (keras, lamina)]
    assert configs[1] == configs[0]
    again = lamina.optimizers.deserialize(configs[0])
    assert isinstance(again.inner_optimizer, lamina.optimizers.Adam)
    assert again.learning_rate == pytest.approx(0.01)
    with pytest.raises(ValueError, match="does not support `clipnorm`"):
        lamina.mixed_precision.LossScaleOptimizer(lamina.optimizers.SGD(), clipnorm=1.0)
    with pytest.raises(ValueError, match="dynamic=False"):
        lamina.mixed_precision.LossScaleOptimizer(lamina.optimizers.SGD(), dynamic=False)


def _mixed_model(lib):
    lib.config.set_dtype_policy("mixed_bfloat16")
    inputs = lib.Input((5,))
    hidden = lib.layers.Dense(4, activation="relu", name="hidden")(inputs)
    outputs = lib.layers.Dense(2, dtype="float32", name="head")(hidden)
    return lib.Model(inputs, outputs)


def _policies(model):
    return [(layer.name, layer.dtype_policy.name) for layer in model.layers
            if layer.weights]  # an InputLayer's policy is whatever was global when made


def test_keras_files_with_policies_load_both_ways(tmp_path):
    x = np.random.default_rng(2).normal(size=(3, 5)).astype("float32")
    for saver, loader in ((lamina, keras), (keras, lamina)):
        model = _mixed_model(saver)
        path = str(tmp_path / f"{saver.__name__}.keras")
        model.save(path)
        expected, policies = np.asarray(model.predict(x, verbose=0)), _policies(model)
        for lib in (keras, lamina):
            lib.config.set_dtype_policy("float32")  # the file, not the global, says mixed
        loaded = loader.saving.load_model(path)
        assert _policies(loaded) == policies
        assert loaded.layers[1].compute_dtype == "bfloat16"
        np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)), expected,
                                   rtol=1e-2, atol=1e-2)


def test_compiled_float16_model_round_trips_its_loss_scale_optimizer(tmp_path):
    model, _ = _overflow_run(lamina, 6)  # 3 skipped steps, then 3 taken
    path = str(tmp_path / "scaled.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded.optimizer).__name__ == "LossScaleOptimizer"
    assert model.get_config()["dtype"] == keras.dtype_policies.serialize(
        keras.DTypePolicy("mixed_float16"))
    assert loaded.layers[0].dtype_policy.name == "mixed_float16"
    assert float(loaded.optimizer.dynamic_scale) == model.optimizer.dynamic_scale
    assert int(loaded.optimizer.iterations) == model.optimizer.iterations > 0
    back = lamina.saving.load_model(path)
    assert back.optimizer.dynamic_scale == model.optimizer.dynamic_scale
    assert back.optimizer.iterations == model.optimizer.iterations


def test_loss_scale_factor_scales_the_loss_in_fit_as_keras():
    """Keras's fit multiplies the loss by `loss_scale_factor` and the optimizer divides the
    gradients by it: the weights end where unscaled training puts them."""
    x, y = _data(_mlp)
    found = []
    for lib in (keras, lamina):
        lib.utils.set_random_seed(0)
        model = _mlp(lib)
        if found:
            model.set_weights(found[0][0])
        initial = [np.array(w) for w in model.get_weights()]
        model.compile(lib.optimizers.SGD(0.1, loss_scale_factor=256.0),
                      lib.losses.SparseCategoricalCrossentropy(from_logits=True))
        history = model.fit(x[:16], y[:16], batch_size=8, shuffle=False, verbose=0)
        found.append((initial, model.get_weights(), history.history["loss"]))
    (_, k_weights, k_loss), (_, l_weights, l_loss) = found
    np.testing.assert_allclose(l_loss, k_loss, rtol=1e-5)  # logged unscaled
    for k, m in zip(k_weights, l_weights):
        np.testing.assert_allclose(m, k, rtol=1e-5, atol=1e-6)


def test_custom_jax_train_step_calling_super_scales_the_loss_like_the_builtin_step():
    """A model overriding `train_step` (Keras 3 JAX signature) and calling the default one
    trains under mixed_float16 exactly as the built-in step: the loss is scaled by the
    LossScaleOptimizer's dynamic scale in `compute_loss_and_updates`, the gradients unscaled."""

    class Custom(lamina.Model):
        def train_step(self, state, data):
            return super().train_step(state, data)

    x, y = _data(_mlp)
    results = []
    def functional_mlp(cls):  # the guide's idiom: CustomModel(inputs, outputs)
        inputs = lamina.Input((4, 4))
        hidden = lamina.layers.Dense(16, activation="relu")(lamina.layers.Flatten()(inputs))
        return cls(inputs, lamina.layers.Dense(3)(hidden))

    for cls in (lamina.Model, Custom):
        lamina.config.set_dtype_policy("mixed_float16")
        lamina.utils.set_random_seed(0)
        model = functional_mlp(cls)
        if results:
            model.set_weights(results[0][0])
        model.compile(lamina.optimizers.SGD(LR),
                      lamina.losses.SparseCategoricalCrossentropy(from_logits=True))
        initial = [np.array(w) for w in model.get_weights()]
        history = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        results.append((initial, model.get_weights(), history.history["loss"]))
        lamina.backend.clear_session(free_memory=False)
    (_, builtin, builtin_loss), (_, custom, custom_loss) = results
    assert type(model).__name__ == "Custom"
    for a, b in zip(builtin, custom):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(builtin_loss, custom_loss, rtol=1e-5)
    assert any(np.abs(a - b).max() > 1e-3 for a, b in zip(results[0][0], builtin))
