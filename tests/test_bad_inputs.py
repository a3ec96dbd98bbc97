"""The adversarial corpus (issue 23): every bad input raises the built-in exception type Keras
raises, with a short first line naming the argument / layer and the received value, and changes
nothing (weights, optimizer state, files); the next valid call works.

The case tables live in tests/bad_inputs/; `python tests/bad_inputs/keras_oracle.py` runs the
same tables against Keras 3 to confirm the expected types.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from bad_inputs import Snapshot, World, all_cases

import lamina as keras
from lamina import config

CASES = all_cases()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(keras, str(tmp_path_factory.mktemp("bad_inputs")))
    w.model, w.raw_model, w.emb_model, w.saved, w.saved_weights  # built before any snapshot
    return w


def test_the_corpus_is_large_and_named_uniquely():
    assert len(CASES) >= 150
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input_follows_the_rule(case, world):
    if case.setup is not None:
        case.setup(world)
    before = Snapshot.take(world)
    with pytest.raises(Exception) as caught:
        case.call(world)
    error = caught.value
    assert isinstance(error, case.error), f"{type(error).__mro__} is not a {case.error}"
    first_line = (str(error).splitlines() or [""])[0]
    assert len(first_line) <= 200, first_line
    assert re.search(case.match, first_line, re.IGNORECASE), first_line
    before.assert_unchanged(world)
    (case.then or World.train_step)(world)


# --- the switches and behaviours the corpus forced ----------------------------------------

@pytest.fixture
def finite_check_off():
    config.set_check_finite(False)
    yield
    config.set_check_finite(True)


def test_check_finite_is_on_by_default_and_can_be_switched_off(world, finite_check_off):
    assert config.check_finite() is False
    x = world.x.copy()
    x[0, 0] = np.nan
    out = world.model.predict(x, verbose=0)  # no error: the user asked for no check
    assert np.isnan(out[0]).all() and np.isfinite(out[1:]).all()


def test_check_finite_default_and_bad_switch_value():
    assert config.check_finite() is True
    with pytest.raises(ValueError, match="value='no'"):
        config.set_check_finite("no")
    assert config.check_finite() is True


def test_embedding_predictions_for_valid_ids_match_keras(world):
    """The range check does not change valid predictions (Keras with the same weights)."""
    import keras as real

    model = real.Sequential([real.Input((5,), dtype="int32"), real.layers.Embedding(10, 4),
                             real.layers.GlobalAveragePooling1D(), real.layers.Dense(1)])
    model.set_weights(world.emb_model.get_weights())
    np.testing.assert_allclose(world.emb_model.predict(world.ids, verbose=0),
                               model.predict(world.ids, verbose=0), atol=1e-6)


def test_not_compiled_error_is_caught_by_keras_style_code(world):
    try:
        world.raw_model.fit(world.x, world.y, verbose=0)
    except ValueError as exc:  # Keras raises ValueError here
        assert isinstance(exc, RuntimeError)  # and lamina's older RuntimeError still works
    else:
        pytest.fail("fit before compile did not raise")


def test_every_lamina_error_class_is_a_builtin_error_keras_code_catches():
    """`except ValueError:` (or TypeError / OSError) written for Keras catches lamina's errors."""
    from lamina import errors
    from lamina.datasets import archives, download
    from lamina.saving import sniff

    classes = [errors.ShapeError, errors.DataError, errors.ConfigError, errors.NotCompiledError,
               errors.UnknownNameError, errors.UnknownObjectError, errors.ArgumentTypeError,
               sniff.SavedFileError, sniff.MissingFileError, archives.UnsafeArchiveError,
               download.DownloadError, download.HashMismatchError]
    for cls in classes:
        assert issubclass(cls, (ValueError, TypeError, OSError)), cls
    assert issubclass(errors.NotCompiledError, ValueError)  # Keras: ValueError before compile
    assert issubclass(errors.UnknownObjectError, TypeError)  # Keras: "Could not locate class"
    assert issubclass(errors.ArgumentTypeError, (TypeError, ValueError))
    assert issubclass(sniff.SavedFileError, (ValueError, OSError))
