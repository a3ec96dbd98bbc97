"""Start-up work: building and first fit compile only the fused training program; initial
optimizer and metric states, constant initializers and keys are made on the host."""

import logging

import jax
import numpy as np
import pytest

import lamina
from lamina import layers, random
from lamina.host_constants import init_on_host


def compiled_names(caplog, action) -> list[str]:
    """The names of the XLA programs `action()` compiles."""
    caplog.clear()
    with caplog.at_level(logging.WARNING), jax.log_compiles(True):
        action()
    return [r.getMessage().split("jit(")[1].split(")")[0] for r in caplog.records
            if r.getMessage().startswith("Compiling jit(")]


def test_building_compiles_nothing_and_a_first_fit_compiles_one_program(caplog):
    lamina.utils.set_random_seed(3)
    # shapes no other test uses, so nothing comes from a cache another test filled
    model = {}
    assert compiled_names(caplog, lambda: model.setdefault("m", lamina.Sequential([
        layers.Input((13, 3)), layers.Flatten(), layers.Dense(37, activation="relu"),
        layers.Dropout(0.2), layers.Dense(11, activation="softmax")]))) == []
    model = model["m"]
    model.compile(lamina.optimizers.Adam(1e-3), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(96, 13, 3)).astype("float32")
    y = np.arange(96) % 11
    assert compiled_names(caplog, lambda: model.fit(x, y, batch_size=32, verbose=0)) == ["run"]
    # the logs come out of the same program: their values are the epoch's
    history = model.fit(x, y, batch_size=32, epochs=1, verbose=0).history
    assert np.isfinite(history["loss"][0]) and 0.0 <= history["accuracy"][0] <= 1.0


@pytest.mark.parametrize("recurrent", [
    lambda: layers.LSTM(19), lambda: layers.LSTM(19, unit_forget_bias=False),
    lambda: layers.GRU(19), lambda: layers.SimpleRNN(19),
    lambda: layers.Bidirectional(layers.LSTM(7, return_sequences=True))])
def test_building_a_recurrent_model_compiles_nothing(recurrent, caplog):
    """Orthogonal recurrent kernels (QR) and LSTM's forget-gate bias are made with NumPy."""
    assert compiled_names(caplog, lambda: lamina.Sequential([
        layers.Input((6, 5)), recurrent(), layers.Dense(3)])) == []


OPTIMIZERS = [
    lambda: lamina.optimizers.SGD(0.1, momentum=0.9),
    lambda: lamina.optimizers.Adam(amsgrad=True),
    lambda: lamina.optimizers.AdamW(),
    lambda: lamina.optimizers.RMSprop(momentum=0.5, centered=True),
    lambda: lamina.optimizers.Adagrad(initial_accumulator_value=0.3),
    lambda: lamina.optimizers.Adadelta(),
    lambda: lamina.optimizers.Adamax(),
    lambda: lamina.optimizers.Nadam(),
    lambda: lamina.optimizers.Lion(),
    lambda: lamina.optimizers.Ftrl(initial_accumulator_value=0.2),
]


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_optimizer_slots_made_on_the_host_equal_the_eager_init(make, caplog):
    params = [jax.numpy.ones((5, 3)), jax.numpy.ones((3,))]
    rule = make()._rule()
    eager = rule.init(params)
    names = compiled_names(caplog, lambda: init_on_host(rule.init, params))
    hosted = init_on_host(rule.init, params)
    assert jax.tree_util.tree_structure(hosted) == jax.tree_util.tree_structure(eager)
    for a, b in zip(jax.tree_util.tree_leaves(hosted), jax.tree_util.tree_leaves(eager)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    assert names == []


def test_an_init_that_is_not_a_constant_fill_runs_as_written():
    params = [jax.numpy.arange(6.0).reshape(2, 3)]
    out = init_on_host(lambda p: {"double": [2 * a for a in p], "zero": jax.numpy.zeros(2)},
                       params)
    np.testing.assert_array_equal(out["double"][0], 2 * np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(out["zero"], np.zeros(2))


def test_host_keys_are_reproducible_and_keep_their_streams_apart():
    random.set_random_seed(5)
    first = [np.asarray(random.global_key()) for _ in range(3)]
    random.set_random_seed(5)
    assert all((a == np.asarray(random.global_key())).all() for a in first)
    assert len({a.tobytes() for a in first}) == 3
    seeded = np.asarray(random.SeedGenerator(5).next())
    assert not any((seeded == a).all() for a in first)  # same seed, another stream
    key = random.draw_key(5)
    assert key.dtype == np.uint32 and key.shape == (2,)
    np.testing.assert_array_equal(key, random.draw_key(5))
    assert jax.random.uniform(key, (3,)).shape == (3,)  # usable by jax.random
