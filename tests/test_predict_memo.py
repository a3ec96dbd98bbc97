"""The latency path of predict: repeat calls on one small shape skip re-validation, yet follow
every change of weights, layers, trainability, compile settings and input values."""

import warnings

import numpy as np
import pytest

import lamina
from lamina import errors, layers


def small_model():
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([layers.Input((12,)), layers.Dense(16, activation="relu"),
                               layers.Dense(4)])
    model.compile("sgd", "mse")
    return model


def reference(model, x):
    """NumPy forward pass of the Dense stack, from the current weights."""
    h = x.astype(np.float64)
    weights = model.get_weights()
    for i in range(0, len(weights), 2):
        h = h @ weights[i] + weights[i + 1]
        if i + 2 < len(weights):
            h = np.maximum(h, 0.0)
    return h


def sample(rows=1, seed=0):
    return np.random.default_rng(seed).normal(size=(rows, 12)).astype("float32")


def test_a_repeat_call_takes_the_remembered_path_and_follows_new_weights():
    model, x = small_model(), sample()
    first = model.predict(x, verbose=0)
    assert model._predict_memo is not None
    np.testing.assert_allclose(model.predict(sample(seed=1), verbose=0),
                               reference(model, sample(seed=1)), atol=1e-5)
    model.set_weights([w * 2 for w in model.get_weights()])
    np.testing.assert_allclose(model.predict(x, verbose=0), reference(model, x), atol=1e-5)
    assert not np.allclose(model.predict(x, verbose=0), first)
    model.fit(sample(64, 2), np.ones((64, 4), "float32"), epochs=1, verbose=0)
    np.testing.assert_allclose(model.predict(x, verbose=0), reference(model, x), atol=1e-5)


def test_layer_and_compile_changes_invalidate_what_was_remembered():
    model, x = small_model(), sample()
    model.predict(x, verbose=0)
    model.pop()
    model.add(layers.Dense(3))
    out = model.predict(x, verbose=0)
    assert out.shape == (1, 3)
    np.testing.assert_allclose(out, reference(model, x), atol=1e-5)
    model.layers[0].trainable = False
    model.compile("adam", "mse")
    np.testing.assert_allclose(model.predict(x, verbose=0), reference(model, x), atol=1e-5)


def test_a_variable_trainable_flag_changes_the_weight_lists():
    model = small_model()
    before = model._variable_lists()
    assert model._variable_lists() is before  # nothing changed: the same lists
    model.layers[0].kernel.trainable = False
    trainable, frozen = model._variable_lists()
    kernel = model.layers[0].kernel  # `in` would compare elementwise, as Keras's Variables do
    assert any(v is kernel for v in frozen) and not any(v is kernel for v in trainable)


def test_repeat_calls_still_refuse_nan_and_reject_bad_shapes():
    model, x = small_model(), sample()
    model.predict(x, verbose=0)
    bad = x.copy()
    bad[0, 3] = np.nan
    with pytest.raises(ValueError, match="x contains 1 non-finite"):
        model.predict(bad, verbose=0)
    with pytest.raises(errors.ShapeError):
        model.predict(np.zeros((1, 11), "float32"), verbose=0)
    np.testing.assert_allclose(model.predict(x, verbose=0), reference(model, x), atol=1e-5)


@pytest.mark.parametrize("rows", [1, 3, 32])
def test_other_row_counts_dtypes_and_batch_sizes_give_the_reference(rows):
    model = small_model()
    for x in (sample(rows), sample(rows).astype("float64"), sample(rows)):
        for batch_size in (None, 32, 64):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                out = model.predict(x, batch_size=batch_size, verbose=0)
            assert out.shape == (rows, 4)
            np.testing.assert_allclose(out, reference(model, x), atol=1e-5)


def test_the_remembered_weights_are_reused_until_any_variable_changes():
    model, x = small_model(), sample()
    model.predict(x, verbose=0)
    model.predict(x, verbose=0)
    state = model._predict_memo.state
    model.predict(sample(seed=3), verbose=0)
    assert model._predict_memo.state is state  # nothing changed: not rebuilt
    kernel = model.layers[0].kernel
    kernel.assign(np.asarray(kernel) * -1.0)  # one variable, directly
    np.testing.assert_allclose(model.predict(x, verbose=0), reference(model, x), atol=1e-5)
    assert model._predict_memo.state is not state
    model.layers[1].bias.assign_add(np.ones(4, "float32"))
    np.testing.assert_allclose(model.predict(x, verbose=0), reference(model, x), atol=1e-5)


def test_a_callback_predicting_during_fit_sees_the_weights_of_that_moment():
    model, x = small_model(), sample()
    model.predict(x, verbose=0)
    seen = []

    class Probe(lamina.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((self.model.predict(x, verbose=0), reference(self.model, x)))

    model.fit(sample(64, 2), np.ones((64, 4), "float32"), epochs=3, verbose=0,
              callbacks=[Probe()])
    for predicted, expected in seen:
        np.testing.assert_allclose(predicted, expected, atol=1e-5)
    assert not np.allclose(seen[0][0], seen[-1][0])


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_has_nan_agrees_with_isnan_including_infinities_and_overflow(dtype):
    from lamina.training.predict_memo import has_nan

    rng = np.random.default_rng(0)
    big = np.finfo(dtype).max
    cases = [rng.normal(size=(1, 12)), np.full((2, 5), big), np.array([[np.inf, -np.inf, 1.0]]),
             np.array([[-big, big, -np.inf]]), np.zeros((0, 3))]
    for case in cases:
        clean = case.astype(dtype)
        assert not has_nan(clean), case
        if clean.size:
            for index in (0, clean.size - 1):
                dirty = clean.copy().reshape(-1)
                dirty[index] = np.nan
                assert has_nan(dirty.reshape(clean.shape))


def test_a_predict_inside_a_bind_uses_the_bound_values_and_leaves_no_trace():
    from lamina.variables import bind

    model, x = small_model(), sample()
    model.predict(x, verbose=0)
    variables = model.trainable_weights
    with bind(variables, [np.asarray(v) * 3.0 for v in variables]):
        bound = model.predict(x, verbose=0)
    np.testing.assert_allclose(model.predict(x, verbose=0), reference(model, x), atol=1e-5)
    assert not np.allclose(bound, reference(model, x), atol=1e-3)
