"""lamina.optimizers against Keras 3 (JAX backend) as the oracle."""

import os
import re

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lamina import errors  # noqa: E402
from lamina import optimizers as lo  # noqa: E402
from lamina.optimizers import schedules as ls  # noqa: E402

SHAPES = [(3, 4), (5,), (2, 3, 2), ()]
STEPS = 20
TOL = dict(rtol=1e-6, atol=1e-6)


class Sched:
    """A schedule spelled once, built for either library."""

    def __init__(self, name, **config):
        self.name, self.config = name, config

    def build(self, module):
        return getattr(module, self.name)(**self.config)


def _build(lib, name, kwargs):
    """Optimizer `name` from `lib` (keras.optimizers or lamina.optimizers)."""
    schedule_module = keras.optimizers.schedules if lib is keras.optimizers else ls
    kwargs = {k: v.build(schedule_module) if isinstance(v, Sched) else v
              for k, v in kwargs.items()}
    return getattr(lib, name)(**kwargs)


def _data(seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=s).astype(np.float32) for s in SHAPES]
    grads = [[rng.normal(size=s).astype(np.float32) for s in SHAPES] for _ in range(STEPS)]
    return params, grads


@jax.disable_jit()  # Keras's eager `ops.cond` (warmup schedules) would recompile every call
def _run_keras(name, kwargs, params, grads, lr_changes=None):
    """Per-step variables and the final optimizer variables of the Keras oracle."""
    opt = _build(keras.optimizers, name, kwargs)
    variables = [keras.Variable(p) for p in params]
    history = []
    for i, g in enumerate(grads):
        if lr_changes and i in lr_changes:
            opt.learning_rate = lr_changes[i]
        opt.apply_gradients(zip(g, variables))
        history.append([np.asarray(v) for v in variables])
    return history, [np.asarray(v) for v in opt.variables]


def _run_lamina(name, kwargs, params, grads, lr_changes=None, eager=False):
    """Same with lamina (under jax.jit unless `eager`); also how often the step was traced."""
    opt = _build(lo, name, kwargs)
    traces = []

    def step(g, state, p):
        traces.append(1)
        return opt.update(g, state, p)

    if not eager:
        step = jax.jit(step)
    params = [jnp.asarray(p) for p in params]
    state = opt.init(params)
    history = []
    with jax.disable_jit(eager):
        for i, g in enumerate(grads):
            if lr_changes and i in lr_changes:
                opt.learning_rate = lr_changes[i]
                state = opt.with_current_hyperparams(state)
            params, state = step(g, state, params)
            history.append([np.asarray(p) for p in params])
    return history, [np.asarray(v) for v in opt.keras_variables(state)], len(traces)


def _assert_same_run(name, kwargs, lr_changes=None, seed=0):
    params, grads = _data(seed)
    k_hist, k_vars = _run_keras(name, kwargs, params, grads, lr_changes)
    l_hist, l_vars, traces = _run_lamina(name, kwargs, params, grads, lr_changes)
    for step, (k_step, l_step) in enumerate(zip(k_hist, l_hist)):
        for k, v in zip(k_step, l_step):
            np.testing.assert_allclose(v, k, **TOL, err_msg=f"{name} {kwargs} step {step}")
    assert len(k_vars) == len(l_vars)
    for k, v in zip(k_vars, l_vars):
        assert k.shape == v.shape
        np.testing.assert_allclose(v, k, **TOL, err_msg=f"{name} {kwargs} optimizer state")
    assert traces == 1


EXP = Sched("ExponentialDecay", initial_learning_rate=0.1, decay_steps=5, decay_rate=0.5)
WARM = Sched("CosineDecay", initial_learning_rate=0.001, decay_steps=10, warmup_target=0.05,
             warmup_steps=5)
PIECES = Sched("PiecewiseConstantDecay", boundaries=[4, 12], values=[0.05, 0.01, 0.002])

CASES = [
    ("SGD", {}),
    ("SGD", dict(momentum=0.9)),
    ("SGD", dict(momentum=0.9, nesterov=True, learning_rate=0.05)),
    ("SGD", dict(momentum=0.5, clipnorm=0.5)),
    ("SGD", dict(clipvalue=0.3, learning_rate=0.1)),
    ("SGD", dict(global_clipnorm=1.0, learning_rate=0.1)),
    ("SGD", dict(weight_decay=0.1, learning_rate=0.5, loss_scale_factor=4.0)),
    ("SGD", dict(learning_rate=EXP, momentum=0.9, weight_decay=0.05)),
    ("Adam", {}),
    ("Adam", dict(amsgrad=True, learning_rate=0.05)),
    ("Adam", dict(epsilon=0.1, beta_1=0.5, learning_rate=0.1)),
    ("Adam", dict(clipnorm=1.0, learning_rate=0.05)),
    ("Adam", dict(global_clipnorm=0.5, learning_rate=0.05)),
    ("Adam", dict(clipvalue=0.2, learning_rate=0.05)),
    ("Adam", dict(weight_decay=0.2, learning_rate=0.05)),
    ("Adam", dict(learning_rate=WARM)),
    ("AdamW", {}),
    ("AdamW", dict(weight_decay=0.3, amsgrad=True, learning_rate=PIECES)),
    ("RMSprop", {}),
    ("RMSprop", dict(centered=True, epsilon=0.1, learning_rate=0.01)),
    ("RMSprop", dict(momentum=0.9, learning_rate=0.01)),
    ("RMSprop", dict(centered=True, momentum=0.5, rho=0.8, learning_rate=EXP)),
    ("Adagrad", {}),
    ("Adagrad", dict(initial_accumulator_value=0.5, epsilon=0.1, learning_rate=0.1,
                     clipnorm=2.0)),
    ("Adadelta", {}),
    ("Adadelta", dict(learning_rate=1.0, rho=0.8, epsilon=1e-3, weight_decay=0.01)),
    ("Adamax", {}),
    ("Adamax", dict(epsilon=0.1, beta_2=0.9, learning_rate=0.1, global_clipnorm=2.0)),
    ("Nadam", {}),
    ("Nadam", dict(epsilon=0.1, beta_1=0.8, learning_rate=WARM)),
    ("Lion", {}),
    ("Lion", dict(beta_1=0.5, beta_2=0.9, weight_decay=0.1, learning_rate=0.01)),
    ("Ftrl", {}),
    ("Ftrl", dict(learning_rate=0.1, learning_rate_power=-0.3, l1_regularization_strength=0.01,
                  l2_regularization_strength=0.02, l2_shrinkage_regularization_strength=0.05,
                  beta=0.1)),
]


@pytest.mark.parametrize("name,kwargs", CASES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_matches_keras_step_by_step(name, kwargs):
    _assert_same_run(name, kwargs)


# optax's rsqrt-based scalings round differently; the other rules follow Keras op for op.
OPTAX_ROUNDED = ("RMSprop", "Adagrad", "Adadelta")
EXACT = [(n, kw) for n, kw in CASES if n not in OPTAX_ROUNDED]


@pytest.mark.parametrize("name,kwargs", EXACT,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(EXACT)])
def test_eager_run_is_bitwise_keras(name, kwargs):
    """Run eagerly (no XLA fusion), the Keras-exact rules give Keras's bits."""
    params, grads = _data(seed=1)
    k_hist, k_vars = _run_keras(name, kwargs, params, grads[:8])
    l_hist, l_vars, _ = _run_lamina(name, kwargs, params, grads[:8], eager=True)
    for k, v in zip(k_hist[-1] + k_vars, l_hist[-1] + l_vars):
        np.testing.assert_array_equal(v, k, err_msg=f"{name} {kwargs}")


def test_global_clipnorm_overflow_gives_nan_like_keras():
    """Keras scales by `clip * min(1/norm, 1/clip) + (norm - norm)`: an inf norm is NaN."""
    params = [np.ones(3, np.float32)]
    grads = [[np.full(3, 1e30, np.float32)]]
    k_hist, _ = _run_keras("SGD", dict(global_clipnorm=1.0), params, grads)
    l_hist, _, _ = _run_lamina("SGD", dict(global_clipnorm=1.0), params, grads)
    assert np.isnan(k_hist[0][0]).all() and np.isnan(l_hist[0][0]).all()


@pytest.mark.parametrize("name", ["SGD", "Adam", "Nadam", "Lion", "Ftrl"])
def test_comparison_detects_a_small_deviation(name):
    """The tolerance is not vacuous: 1% off in the learning rate fails the comparison."""
    params, grads = _data()
    k_hist, _ = _run_keras(name, dict(learning_rate=0.01), params, grads)
    l_hist, _, _ = _run_lamina(name, dict(learning_rate=0.0101), params, grads)
    with pytest.raises(AssertionError):
        for k, v in zip(k_hist[-1], l_hist[-1]):
            np.testing.assert_allclose(v, k, **TOL)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_learning_rate_set_between_steps_takes_effect_without_retrace(name):
    _assert_same_run(name, dict(learning_rate=0.01, weight_decay=0.1) if name == "Adam"
                     else dict(learning_rate=0.01), lr_changes={5: 0.1, 12: 0.002})


def test_learning_rate_property_and_sync_state():
    opt = lo.SGD(learning_rate=ls.ExponentialDecay(0.1, 5, 0.5))
    params = [jnp.ones(3)]
    state = opt.init(params)
    for _ in range(10):
        params, state = opt.update([jnp.ones(3)], state, params)
    assert opt.iterations == 0
    opt.sync_state(state)
    assert opt.iterations == 10
    assert opt.learning_rate == pytest.approx(0.1 * 0.5 ** 2)
    assert float(state["learning_rate"]) == pytest.approx(0.1 * 0.5 ** 2)
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.01
    plain = lo.Adam(learning_rate=0.01)
    plain.learning_rate = 0.5
    assert plain.learning_rate == 0.5
    plain.init(params)
    with pytest.raises(errors.ConfigError, match="new optimizer"):
        plain.learning_rate = ls.ExponentialDecay(0.1, 5, 0.5)


def test_update_runs_inside_lax_scan():
    opt = lo.Nadam(learning_rate=0.01, weight_decay=0.01, clipnorm=1.0)
    params, grads = _data()
    params = [jnp.asarray(p) for p in params]
    stacked = [jnp.stack([g[i] for g in grads]) for i in range(len(SHAPES))]

    def body(carry, g):
        return opt.update(g, carry[1], carry[0]), None

    (scanned, state), _ = jax.lax.scan(body, (params, opt.init(params)), stacked)
    looped, loop_state, step = params, opt.init(params), jax.jit(opt.update)
    for g in grads:
        looped, loop_state = step(g, loop_state, looped)
    assert int(state["iterations"]) == STEPS
    for a, b in zip(scanned, looped):
        np.testing.assert_allclose(a, b, **TOL)


def test_init_can_be_traced():
    """The engine checks state structure with `jax.eval_shape(optimizer.init, params)`."""
    for opt in (lo.SGD(learning_rate=ls.ExponentialDecay(0.1, 5, 0.5)), lo.Nadam()):
        shapes = jax.eval_shape(opt.init, [jnp.ones((2, 3))])
        assert shapes["learning_rate"].dtype == jnp.float32
        assert shapes["iterations"].dtype == jnp.int32


def test_load_keras_variables_round_trips():
    opt = lo.Adam(amsgrad=True)
    params, grads = _data()
    state = opt.init(params)
    for g in grads[:3]:
        params, state = opt.update(g, state, params)
    fresh = opt.load_keras_variables(opt.init(params), opt.keras_variables(state))
    assert jax.tree.structure(fresh) == jax.tree.structure(state)
    for a, b in zip(jax.tree.leaves(fresh), jax.tree.leaves(state)):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(errors.ConfigError, match="variables"):
        opt.load_keras_variables(state, [0])


# ------------------------------------------------------------------------------ schedules
SCHEDULES = [
    Sched("ExponentialDecay", initial_learning_rate=0.1, decay_steps=7, decay_rate=0.9),
    Sched("ExponentialDecay", initial_learning_rate=0.1, decay_steps=7, decay_rate=0.5,
          staircase=True),
    Sched("InverseTimeDecay", initial_learning_rate=0.5, decay_steps=3, decay_rate=0.7),
    Sched("InverseTimeDecay", initial_learning_rate=0.5, decay_steps=3, decay_rate=0.7,
          staircase=True),
    Sched("PiecewiseConstantDecay", boundaries=[10, 40, 70], values=[1.0, 0.5, 0.1, 0.01]),
    Sched("PolynomialDecay", initial_learning_rate=0.1, decay_steps=60),
    Sched("PolynomialDecay", initial_learning_rate=0.1, decay_steps=30,
          end_learning_rate=0.01, power=2.0, cycle=True),
    Sched("CosineDecay", initial_learning_rate=0.1, decay_steps=80, alpha=0.1),
    Sched("CosineDecay", initial_learning_rate=0.0, decay_steps=50, warmup_target=0.2,
          warmup_steps=20),
    Sched("CosineDecayRestarts", initial_learning_rate=0.1, first_decay_steps=10),
    Sched("CosineDecayRestarts", initial_learning_rate=0.1, first_decay_steps=15, t_mul=1.0,
          m_mul=0.5, alpha=0.05),
]


@pytest.mark.parametrize("spec", SCHEDULES,
                         ids=[f"{s.name}-{i}" for i, s in enumerate(SCHEDULES)])
def test_schedule_values_and_config_match_keras(spec):
    keras_schedule = spec.build(keras.optimizers.schedules)
    schedule = spec.build(ls)
    with jax.disable_jit():
        expected = [float(keras_schedule(step)) for step in range(101)]
    at = jax.jit(schedule)  # a scalar step under jit, as inside the train step
    np.testing.assert_allclose([float(at(jnp.int32(step))) for step in range(101)], expected,
                               **TOL)
    assert schedule.get_config() == keras_schedule.get_config()
    assert ls.serialize(schedule) == keras.optimizers.schedules.serialize(keras_schedule)
    again = ls.deserialize(ls.serialize(schedule))
    assert type(again) is type(schedule) and again.get_config() == schedule.get_config()


def test_schedule_errors():
    with pytest.raises(errors.ConfigError, match="decay_steps"):
        ls.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(errors.ConfigError, match="boundaries"):
        ls.PiecewiseConstantDecay([1, 2], [0.1])
    with pytest.raises(errors.UnknownNameError, match="CosineDecay"):
        ls.deserialize({"class_name": "CosinDecay", "config": {}})


# ------------------------------------------------------------------------- configs & get
def _base_name(name):
    return re.sub(r"_\d+$", "", name)


@pytest.mark.parametrize("name", sorted(
    set(lo.ALL_OBJECTS.values()) - {lo.MultiOptimizer, lo.OptimizerMap,
                                     lo.LossScaleOptimizer},  # need arguments
    key=lambda c: c.__name__), ids=lambda c: c.__name__)
def test_default_config_matches_keras(name):
    expected = getattr(keras.optimizers, name.__name__)().get_config()
    config = name().get_config()
    assert _base_name(config.pop("name")) == _base_name(expected.pop("name"))
    assert config == expected
    assert list(config) == list(expected)


def test_config_round_trip_and_keras_interop():
    opt = lo.Adam(learning_rate=ls.CosineDecay(0.1, 10, warmup_target=0.2, warmup_steps=3),
                  clipnorm=1.0, amsgrad=True, name="my_adam")
    kopt = keras.optimizers.Adam(
        learning_rate=keras.optimizers.schedules.CosineDecay(0.1, 10, warmup_target=0.2,
                                                             warmup_steps=3),
        clipnorm=1.0, amsgrad=True, name="my_adam")
    assert lo.serialize(opt) == keras.optimizers.serialize(kopt)
    again = lo.deserialize(keras.optimizers.serialize(kopt))
    assert isinstance(again, lo.Adam) and again.get_config() == opt.get_config()
    assert lo.SGD.from_config(lo.SGD(momentum=0.5).get_config()).momentum == 0.5


def test_get_identifiers():
    assert isinstance(lo.get("adam"), lo.Adam)
    assert isinstance(lo.get("RMSprop"), lo.RMSprop)
    assert isinstance(lo.get("ADAMW"), lo.AdamW)
    assert isinstance(lo.get(lo.Nadam), lo.Nadam)
    opt = lo.Lion()
    assert lo.get(opt) is opt and lo.get(None) is None
    from_dict = lo.get({"class_name": "SGD", "config": {"learning_rate": 0.5}})
    assert isinstance(from_dict, lo.SGD) and from_dict.learning_rate == 0.5


def test_unknown_names_suggest_close_matches():
    with pytest.raises(errors.UnknownNameError, match="Did you mean .*'adam'"):
        lo.get("adma")
    with pytest.raises(errors.UnknownNameError, match="'rmsprop'"):
        lo.get("rmsprp")
    with pytest.raises(ValueError, match="needs `inner_optimizer`"):
        lo.get("lossscaleoptimizer")
    with pytest.raises(errors.ConfigError, match="Could not interpret"):
        lo.get(3)


def test_argument_validation():
    with pytest.raises(errors.ConfigError, match="Only one of"):
        lo.SGD(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(errors.ConfigError, match="not recognized"):
        lo.Adam(bogus=1)
    with pytest.raises(errors.ConfigError, match="weight_decay"):
        lo.AdamW(weight_decay=None)
    with pytest.raises(errors.ConfigError, match="momentum"):
        lo.SGD(momentum=1.5)
    with pytest.raises(errors.ConfigError, match="learning_rate"):
        lo.Adam(learning_rate="fast")
    with pytest.raises(errors.ConfigError, match="ema_momentum"):
        lo.Adam(use_ema=True, ema_momentum=2.0)
    with pytest.raises(errors.ConfigError, match="gradient_accumulation_steps"):
        lo.Adam(gradient_accumulation_steps=1)
