"""keras.config and keras.backend names in lamina, checked against Keras 3 (JAX backend)."""

from __future__ import annotations

import ast
import itertools
import logging
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina

keras = pytest.importorskip("keras")

# Keras's config names lamina lacks (none since dtype policies arrived)
NOT_YET: set = set()


@pytest.fixture(autouse=True)
def restore_settings():
    """Every setting back to its default after each test, in lamina and in Keras."""
    yield
    for lib in (lamina, keras):
        lib.config.set_floatx("float32")
        lib.config.set_epsilon(1e-7)
        lib.config.set_image_data_format("channels_last")
        lib.config.enable_interactive_logging()
        lib.config.enable_traceback_filtering()
        lib.config.enable_flash_attention()
        lib.config.set_max_epochs(None)
        lib.config.set_max_steps_per_epoch(None)
        lib.backend.clear_session()


def public(module) -> set[str]:
    return {n for n in dir(module) if not n.startswith("_")}


def test_every_keras_config_and_backend_name_exists():
    assert public(keras.config) - public(lamina.config) == NOT_YET
    assert public(keras.backend) <= public(lamina.backend)


def test_defaults_match_keras():
    for name in ("floatx", "epsilon", "image_data_format", "backend", "max_epochs",
                 "max_steps_per_epoch", "is_interactive_logging_enabled",
                 "is_traceback_filtering_enabled", "is_flash_attention_enabled",
                 "is_nnx_enabled"):
        assert getattr(lamina.config, name)() == getattr(keras.config, name)(), name


@pytest.mark.parametrize("pair", [("interactive_logging", "is_interactive_logging_enabled"),
                                  ("traceback_filtering", "is_traceback_filtering_enabled"),
                                  ("flash_attention", "is_flash_attention_enabled")])
def test_switches_match_keras(pair):
    name, query = pair
    for action in ("disable", "enable", "disable"):
        for lib in (lamina, keras):
            getattr(lib.config, f"{action}_{name}")()
        assert getattr(lamina.config, query)() == getattr(keras.config, query)()


def test_setters_round_trip_and_reject_like_keras():
    for lib in (lamina, keras):
        lib.config.set_floatx("float16")
        lib.config.set_epsilon(1e-5)
        lib.config.set_image_data_format("CHANNELS_FIRST")
        lib.config.set_max_epochs(3)
        lib.config.set_max_steps_per_epoch(4)
    for name in ("floatx", "epsilon", "image_data_format", "max_epochs", "max_steps_per_epoch"):
        assert getattr(lamina.config, name)() == getattr(keras.config, name)(), name
    for setter, value in (("set_floatx", "int32"), ("set_image_data_format", "nhwc")):
        with pytest.raises(ValueError) as theirs:
            getattr(keras.config, setter)(value)
        with pytest.raises(ValueError) as ours:
            getattr(lamina.config, setter)(value)
        assert same_message(str(ours.value), str(theirs.value))


def same_message(ours: str, theirs: str) -> bool:
    """Equal texts, up to the order in which a set of choices at the end is printed."""
    if "Expected one of {" in theirs:
        head, _, choices = theirs.partition("Expected one of ")
        our_head, _, our_choices = ours.partition("Expected one of ")
        return head == our_head and ast.literal_eval(choices) == ast.literal_eval(our_choices)
    return ours == theirs


def test_backend_is_jax_and_cannot_be_switched():
    assert lamina.config.backend() == lamina.backend.backend() == "jax"
    lamina.config.set_backend("jax")
    with pytest.raises(ValueError, match="runs on JAX only.*Received: backend='torch'"):
        lamina.config.set_backend("torch")


@pytest.mark.parametrize("floatx", ["float16", "bfloat16"])
def test_set_floatx_gives_new_layers_that_dtype(floatx):
    results = []
    for lib in (keras, lamina):
        lib.backend.clear_session()  # Keras caches its default dtype policy until then
        lib.config.set_floatx(floatx)
        layer = lib.layers.Dense(2)
        outputs = layer(np.ones((1, 3), "float32"))
        results.append((layer.dtype, layer.kernel.dtype, str(np.asarray(layer.kernel).dtype),
                        str(outputs.dtype), lib.Input((3,)).dtype))
    assert results[0] == results[1] == (floatx,) * 5


def test_epsilon_and_image_data_format_reach_losses_and_layers():
    for lib in (keras, lamina):
        lib.config.set_epsilon(1e-3)
        lib.config.set_image_data_format("channels_first")
    y_true, y_pred = np.array([[1.0, 0.0]]), np.array([[0.0, 0.5]])
    np.testing.assert_allclose(lamina.losses.binary_crossentropy(y_true, y_pred),
                               keras.losses.binary_crossentropy(y_true, y_pred), rtol=1e-6)
    assert lamina.layers.Conv2D(4, 3)(lamina.Input((3, 8, 8))).shape == \
        keras.layers.Conv2D(4, 3)(keras.Input((3, 8, 8))).shape == (None, 4, 6, 6)


DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
          "bfloat16", "float16", "float32", "float64", "complex64", "complex128", int, float,
          bool, complex, None]


@pytest.mark.parametrize("floatx", ["float32", "float16", "float64"])
def test_result_type_matches_keras(floatx):
    with jax.enable_x64(floatx == "float64"):  # lamina's float64 needs JAX's 64-bit mode
        lamina.config.set_floatx(floatx)
    keras.config.set_floatx(floatx)
    combos = itertools.chain([()], ((d,) for d in DTYPES), itertools.product(DTYPES, DTYPES),
                             itertools.product([int, float, None], ["uint64"], DTYPES[:9]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns about its own zip(*...)
        mismatches = [(c, lamina.backend.result_type(*c), keras.backend.result_type(*c))
                      for c in combos
                      if lamina.backend.result_type(*c) != keras.backend.result_type(*c)]
    assert mismatches == []
    with pytest.raises(ValueError, match="no implicit conversions from float8"):
        lamina.backend.result_type("float8_e4m3fn", "float32")


@pytest.mark.parametrize("dtype", ["float32", np.float16, np.dtype("int8"), jnp.bfloat16,
                                   jnp.float32, int, float, bool, complex, str, "int", None,
                                   np.ones(2).dtype, "uint64"])
def test_standardize_and_dtype_kinds_match_keras(dtype):
    assert lamina.backend.standardize_dtype(dtype) == keras.backend.standardize_dtype(dtype)
    if dtype is not str:
        assert lamina.backend.is_float_dtype(dtype) == keras.backend.is_float_dtype(dtype)
        assert lamina.backend.is_int_dtype(dtype) == keras.backend.is_int_dtype(dtype)
    assert lamina.utils.standardize_dtype(dtype) == lamina.backend.standardize_dtype(dtype)


def test_standardize_dtype_rejects_unknown_names_like_keras():
    for bad in ("float", "int128", "nonsense"):
        with pytest.raises(ValueError) as theirs:
            keras.backend.standardize_dtype(bad)
        with pytest.raises(ValueError) as ours:
            lamina.backend.standardize_dtype(bad)
        assert str(ours.value) == str(theirs.value)


def test_get_uid_shares_the_layer_name_counter_and_clear_session_resets_it():
    results = []
    for lib in (keras, lamina):
        lib.backend.clear_session()
        first = lib.layers.Dense(1).name
        uid = lib.backend.get_uid("dense")
        second = lib.layers.Dense(1).name
        other = [lib.backend.get_uid("thing") for _ in range(2)]
        lib.utils.clear_session()
        results.append((first, uid, second, other, lib.layers.Dense(1).name,
                        lib.backend.get_uid("thing")))
    assert results[0] == results[1] == ("dense", 2, "dense_2", [1, 2], "dense", 1)


def test_is_keras_tensor_matches_keras():
    for lib in (keras, lamina):
        inputs = lib.Input((3,))
        outputs = lib.layers.Dense(2)(inputs)
        assert lib.backend.is_keras_tensor(inputs) and lib.utils.is_keras_tensor(outputs)
        assert not lib.backend.is_keras_tensor(np.ones(3))
        assert not lib.utils.is_keras_tensor(lib.ops.ones((2,)))


def test_max_epochs_and_steps_cap_fit_evaluate_and_predict():
    model = lamina.Sequential([lamina.Input((2,)), lamina.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((64, 2), "float32"), np.ones((64, 1), "float32")
    lamina.config.set_max_epochs(2)
    lamina.config.set_max_steps_per_epoch(3)
    seen = []
    batches = lamina.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, y, batch_size=8, epochs=5, verbose=0, callbacks=[batches])
    assert [str(w.message) for w in caught] == ["Limiting epochs to 2",
                                                "Limiting steps_per_epoch to 3"]
    assert caught[0].filename == __file__  # the warning points at the user's fit call
    assert len(history.history["loss"]) == 2 and seen == [0, 1, 2, 0, 1, 2]
    with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 3"):
        assert model.predict(x, batch_size=8, verbose=0).shape == (24, 1)


def test_disabled_interactive_logging_sends_progress_to_the_lamina_logger(capsys, caplog):
    caplog.set_level(logging.INFO, logger="lamina")
    for lib in (keras, lamina):
        lib.config.disable_interactive_logging()
        bar = lib.utils.Progbar(2, verbose=1)
        bar.update(1, [("loss", 0.5)])
        bar.update(2, [("loss", 0.25)])
    assert capsys.readouterr().out == ""  # neither writes to stdout (Keras logs to absl)
    records = [r.getMessage() for r in caplog.records if r.name == "lamina"]
    assert len(records) == 1
    assert records[0].startswith("2/2 " + "━" * 20) and records[0].endswith("- loss: 0.2500")
    lamina.config.enable_interactive_logging()
    lamina.utils.Progbar(1, verbose=2).update(1, [("loss", 0.5)])
    assert capsys.readouterr().out.endswith("- loss: 0.5000\n")


def test_disabled_interactive_logging_covers_fit_and_callback_messages(capsys, caplog):
    caplog.set_level(logging.INFO, logger="lamina")
    lamina.config.disable_interactive_logging()
    model = lamina.Sequential([lamina.Input((2,)), lamina.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    stop = lamina.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=1e9, verbose=1)
    model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=3, verbose=2, callbacks=[stop])
    assert capsys.readouterr().out == ""
    messages = [r.getMessage() for r in caplog.records if r.name == "lamina"]
    assert messages[0] == "Epoch 1/3" and messages[1].startswith("1/1 - ")
    assert any("early stopping" in m for m in messages)
    assert not any("\n" in m or "\x1b" in m for m in messages)
