"""Adafactor, Lamb, Muon, ScheduleFreeAdamW, EMA and gradient accumulation, SwapEMAWeights:
lamina against Keras 3 (JAX backend) as the oracle."""

import contextlib
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import lamina  # noqa: E402
from lamina import optimizers as lo  # noqa: E402

# (name, shape): matrices (Adafactor's factored case, Muon's Newton-Schulz path, a tall one
# that Muon transposes, an embedding that Muon leaves to AdamW) and a vector. Few distinct
# shapes: each one costs every eager op a compile, in both libraries.
VARIABLES = [("kernel", (3, 4)), ("tall_kernel", (4, 3)), ("bias", (4,)),
             ("embeddings", (3, 4))]
STEPS = 10
TOL = dict(rtol=1e-5, atol=1e-5)


def _schedule(module):
    return module.schedules.ExponentialDecay(0.05, decay_steps=3, decay_rate=0.5)


def _data(seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=s).astype(np.float32) for _, s in VARIABLES]
    grads = [[rng.normal(size=s).astype(np.float32) for _, s in VARIABLES]
             for _ in range(STEPS)]
    return params, grads


def _run(lib, name, kwargs, params, grads):
    """Variables after each step, the optimizer's variables and `iterations`, for `lib`."""
    kwargs = {k: v(lib.optimizers) if callable(v) else v for k, v in kwargs.items()}
    opt = getattr(lib.optimizers, name)(**kwargs)
    variables = [lib.Variable(p, name=n) for p, (n, _) in zip(params, VARIABLES)]
    history = []
    for g in grads:
        opt.apply_gradients(zip(g, variables))
        history.append([np.asarray(v) for v in variables])
    return history, [np.asarray(v) for v in opt.variables], int(opt.iterations)


CASES = [
    ("Adafactor", {}),
    ("Adafactor", dict(learning_rate=0.05, relative_step=False, clip_threshold=0.5,
                       beta_2_decay=-0.5, epsilon_2=0.01)),
    ("Adafactor", dict(learning_rate=_schedule, weight_decay=0.1)),
    ("Lamb", {}),
    ("Lamb", dict(learning_rate=0.01, beta_1=0.5, epsilon=1e-3, weight_decay=0.1,
                  clipnorm=1.0)),
    ("Muon", {}),
    ("Muon", dict(learning_rate=0.02, nesterov=False, rms_rate=None, momentum=0.8,
                  exclude_layers=["tall"], exclude_embeddings=False, adam_lr_ratio=0.5,
                  weight_decay=0.1, adam_weight_decay=None, ns_steps=3)),
    ("ScheduleFreeAdamW", {}),
    ("ScheduleFreeAdamW", dict(learning_rate=0.01, warmup_steps=4, beta_1=0.8,
                               weight_decay=0.05)),
    # EMA and gradient accumulation on old and new optimizers
    ("SGD", dict(momentum=0.9, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=3)),
    ("Adam", dict(gradient_accumulation_steps=2, use_ema=True, ema_overwrite_frequency=2,
                  learning_rate=_schedule, weight_decay=0.1, global_clipnorm=1.0)),
    ("Lamb", dict(gradient_accumulation_steps=3, use_ema=True, ema_momentum=0.9)),
    ("ScheduleFreeAdamW", dict(gradient_accumulation_steps=2, use_ema=True,
                               ema_overwrite_frequency=3, loss_scale_factor=2.0)),
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in
                                                    enumerate(CASES)])
def test_matches_keras_step_by_step(name, kwargs):
    params, grads = _data()
    # Keras's eager `lax.cond`s (gradient accumulation) would compile anew every step
    eager = "gradient_accumulation_steps" in kwargs
    with jax.disable_jit() if eager else contextlib.nullcontext():
        k_hist, k_vars, k_iterations = _run(keras, name, kwargs, params, grads)
    l_hist, l_vars, l_iterations = _run(lamina, name, kwargs, params, grads)
    for step, (k_step, l_step) in enumerate(zip(k_hist, l_hist)):
        for (var_name, _), k, v in zip(VARIABLES, k_step, l_step):
            np.testing.assert_allclose(v, k, **TOL, err_msg=f"{var_name} after step {step}")
    # the optimizer's variables, in Keras's order, shapes and dtypes (so Keras's state loads)
    assert [(v.shape, v.dtype) for v in l_vars] == [(k.shape, k.dtype) for k in k_vars]
    for i, (k, v) in enumerate(zip(k_vars, l_vars)):
        np.testing.assert_allclose(v, k, **TOL, err_msg=f"optimizer variable {i}")
    assert l_iterations == k_iterations


def test_jitted_update_matches_eager_and_loads_keras_state():
    """The engine's pure `update` under jit continues from Keras's saved optimizer state."""
    params, grads = _data(1)
    kwargs = dict(gradient_accumulation_steps=2, use_ema=True, ema_overwrite_frequency=2)
    with jax.disable_jit():
        k_hist, k_vars, _ = _run(keras, "Adafactor", kwargs, params, grads[:5])
    opt = lo.Adafactor(**kwargs)
    state = opt.load_keras_variables(opt.init(params), k_vars)
    step = jax.jit(opt.update)
    current = k_hist[-1]
    for g in grads[5:]:
        current, state = step(g, state, current)
    with jax.disable_jit():
        k_all, k_vars_all, _ = _run(keras, "Adafactor", kwargs, params, grads)
    for k, v in zip(k_all[-1], current):
        np.testing.assert_allclose(v, k, **TOL)
    for k, v in zip(k_vars_all, opt.keras_variables(state)):
        np.testing.assert_allclose(v, k, **TOL)


# ------------------------------------------------------------------------- configs
NEW = ["Adafactor", "Lamb", "Muon", "ScheduleFreeAdamW"]


@pytest.mark.parametrize("name", NEW)
def test_default_config_matches_keras(name):
    expected = getattr(keras.optimizers, name)(name="opt").get_config()
    assert getattr(lo, name)(name="opt").get_config() == expected


def test_config_round_trip_and_keras_interop():
    kopt = keras.optimizers.Muon(learning_rate=0.01, use_ema=True, ema_overwrite_frequency=5,
                                 gradient_accumulation_steps=4, exclude_layers=["head"],
                                 name="muon_x")
    opt = lo.deserialize(keras.optimizers.serialize(kopt))
    assert isinstance(opt, lo.Muon)
    assert opt.get_config() == kopt.get_config()
    assert lo.serialize(opt) == keras.optimizers.serialize(kopt)
    again = lo.Adafactor.from_config(lo.Adafactor(use_ema=True, relative_step=False,
                                                  ema_momentum=0.9).get_config())
    assert again.use_ema and again.ema_momentum == 0.9 and again.relative_step is False
    assert isinstance(lo.get("lamb"), lo.Lamb)
    assert isinstance(lo.get("ScheduleFreeAdamW"), lo.ScheduleFreeAdamW)


def test_ema_and_accumulation_argument_errors():
    with pytest.raises(ValueError, match="gradient_accumulation_steps=1"):
        lo.Adam(gradient_accumulation_steps=1)
    with pytest.raises(ValueError, match="ema_momentum=1.5"):
        lo.SGD(use_ema=True, ema_momentum=1.5)
    with pytest.raises(ValueError, match="ema_overwrite_frequency=0.5"):
        lo.Lamb(use_ema=True, ema_overwrite_frequency=0.5)
    with pytest.raises(ValueError, match="needs `inner_optimizer`"):  # it wraps another
        lo.get("LossScaleOptimizer")


# ------------------------------------------------------------------------- fit
def _twin_models(seed=0):
    """The same small model in Keras and lamina, with the same initial weights."""
    models = [lib.Sequential([lib.Input((4,)), lib.layers.Dense(3, activation="tanh"),
                              lib.layers.Dense(1)]) for lib in (keras, lamina)]
    models[1].set_weights(models[0].get_weights())
    return models


def _xy(seed=0, n=32):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    return x, (x @ rng.normal(size=(4, 1)) + 0.1).astype(np.float32)


def _assert_same_weights(kmodel, lmodel):
    for k, v in zip(kmodel.get_weights(), lmodel.get_weights()):
        np.testing.assert_allclose(v, k, rtol=1e-4, atol=1e-4)


def test_fit_with_ema_and_accumulation_matches_keras():
    """1 epoch of 6 steps: updates every 2 steps, EMA overwritten at the end of fit."""
    x, y = _xy()
    kmodel, lmodel = _twin_models()
    for lib, model in ((keras, kmodel), (lamina, lmodel)):
        model.compile(optimizer=lib.optimizers.Adam(0.05, use_ema=True, ema_momentum=0.6,
                                                    gradient_accumulation_steps=2), loss="mse")
        model.fit(x[:24], y[:24], batch_size=4, epochs=1, shuffle=False, verbose=0)
    _assert_same_weights(kmodel, lmodel)
    assert int(lmodel.optimizer.iterations) == int(kmodel.optimizer.iterations) == 3


def test_swap_ema_weights_matches_keras():
    """Validation with the EMA weights; with swap_on_epoch the model ends with them."""
    x, y = _xy()
    x_val, y_val = _xy(1, 8)
    kmodel, lmodel = _twin_models()
    results = []
    for lib, model in ((keras, kmodel), (lamina, lmodel)):
        model.compile(optimizer=lib.optimizers.SGD(0.1, momentum=0.5, use_ema=True,
                                                   ema_momentum=0.7, ema_overwrite_frequency=5),
                      loss="mse")
        history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0,
                            validation_data=(x_val, y_val),
                            callbacks=[lib.callbacks.SwapEMAWeights(swap_on_epoch=True)])
        results.append(history.history)
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(results[1][key], results[0][key], rtol=1e-4, atol=1e-5)
    _assert_same_weights(kmodel, lmodel)


def test_swap_ema_weights_in_predict_and_evaluate():
    """Trained outside fit (which ends by copying the averages into the model), weights and
    averages differ: predicting with the callback uses the averages (as Keras) and then
    restores the weights (Keras 3.15 does not)."""
    x, y = _xy()
    outputs = []
    for lib, model in zip((keras, lamina), _twin_models()):
        model.compile(optimizer=lib.optimizers.Adam(0.1, use_ema=True, ema_momentum=0.5),
                      loss="mse")
        for start in (0, 8, 16):
            model.train_on_batch(x[start:start + 8], y[start:start + 8])
        before = model.get_weights()
        outputs.append(model.predict(x, verbose=0,
                                     callbacks=[lib.callbacks.SwapEMAWeights()]))
    np.testing.assert_allclose(outputs[1], outputs[0], rtol=1e-4, atol=1e-5)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    plain = model.evaluate(x, y, verbose=0)
    swapped = model.evaluate(x, y, verbose=0, callbacks=[lamina.callbacks.SwapEMAWeights()])
    assert swapped != plain and model.evaluate(x, y, verbose=0) == plain
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="use_ema=False"):
        model.evaluate(x, y, verbose=0, callbacks=[lamina.callbacks.SwapEMAWeights()])


# ------------------------------------------------------------------------- MultiOptimizer
def _multi(lib):
    opts = lib.optimizers
    return opts.MultiOptimizer(opts.OptimizerMap(
        opts.SGD(0.1, momentum=0.9), {"kernel": opts.Adam(0.05, use_ema=True),
                                      ".*_kernel": opts.Muon(0.02)}), name="multi")


def _run_multi(lib, params, grads):
    opt = _multi(lib)
    variables = [lib.Variable(p, name=n) for p, (n, _) in zip(params, VARIABLES)]
    history = []
    for g in grads:
        opt.apply_gradients(zip(g, variables))
        history.append([np.asarray(v) for v in variables])
    return history, [np.asarray(v) for v in opt.variables], opt


def test_multi_optimizer_matches_keras_step_by_step():
    params, grads = _data(2)
    k_hist, k_vars, kopt = _run_multi(keras, params, grads)
    l_hist, l_vars, lopt = _run_multi(lamina, params, grads)
    for k_step, l_step in zip(k_hist, l_hist):
        for k, v in zip(k_step, l_step):
            np.testing.assert_allclose(v, k, **TOL)
    assert [v.shape for v in l_vars] == [k.shape for k in k_vars]
    for k, v in zip(k_vars, l_vars):
        np.testing.assert_allclose(v, k, **TOL)
    assert [type(o).__name__ for o in lopt.optimizers] == [type(o).__name__
                                                           for o in kopt.optimizers]
    assert [int(o.iterations) for o in lopt.optimizers] == [int(o.iterations)
                                                            for o in kopt.optimizers]
    with pytest.raises(AttributeError, match="sub-optimizers"):
        lopt.learning_rate


def test_multi_optimizer_fit_and_config_match_keras():
    x, y = _xy()
    kmodel, lmodel = _twin_models()
    for lib, model in ((keras, kmodel), (lamina, lmodel)):
        opts = lib.optimizers
        optimizer = opts.MultiOptimizer(opts.OptimizerMap(
            # Keras's paths start with the model's name ("sequential/dense/kernel")
            opts.SGD(0.1), {".*" + model.layers[0].name + "/.*": opts.Adam(0.05)}))
        model.compile(optimizer=optimizer, loss="mse")
        model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    _assert_same_weights(kmodel, lmodel)
    kconfig = keras.optimizers.serialize(_multi(keras))
    again = lo.deserialize(kconfig)
    assert isinstance(again, lo.MultiOptimizer)
    assert lo.serialize(again) == kconfig
