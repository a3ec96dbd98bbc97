"""Dropout family, noise layers and ActivityRegularization: statistics, Keras configs, parity."""

import numpy as np
import pytest

import lamina
from lamina import layers

keras = pytest.importorskip("keras")

RANDOM_LAYERS = [
    ("Dropout", dict(rate=0.3), (4, 5)),
    ("SpatialDropout1D", dict(rate=0.3), (2, 3, 4)),
    ("SpatialDropout2D", dict(rate=0.3), (2, 3, 3, 4)),
    ("SpatialDropout3D", dict(rate=0.3, data_format="channels_first"), (2, 3, 2, 2, 2)),
    ("GaussianNoise", dict(stddev=0.5), (4, 5)),
    ("GaussianDropout", dict(rate=0.4), (4, 5)),
    ("AlphaDropout", dict(rate=0.2, noise_shape=(None, 1)), (4, 5)),
    ("ActivityRegularization", dict(l1=0.1, l2=0.01), (4, 5)),
]


@pytest.mark.parametrize("name,kwargs,shape", RANDOM_LAYERS)
def test_identity_at_inference_and_configs_load_in_keras(name, kwargs, shape, rng):
    x = rng.normal(size=shape).astype("float32")
    ours = getattr(layers, name)(seed=3, **kwargs) if "l1" not in kwargs else \
        getattr(layers, name)(**kwargs)
    np.testing.assert_array_equal(ours(x), x)
    np.testing.assert_array_equal(ours(x, training=False), x)
    assert ours.compute_output_shape((None, *shape[1:])) == (None, *shape[1:])
    assert ours.supports_masking
    config = ours.get_config()
    theirs = getattr(keras.layers, name).from_config(config)
    assert set(config) >= set(theirs.get_config()) - {"trainable", "dtype"}
    clone = getattr(layers, name).from_config(config)
    assert clone.get_config() == config
    np.testing.assert_array_equal(theirs(x), x)


def test_spatial_dropout_drops_whole_feature_maps(rng):
    x = rng.uniform(1.0, 2.0, size=(64, 5, 6, 16)).astype("float32")
    for layer, channel_axis in [(layers.SpatialDropout2D(0.25, seed=1), -1),
                                (layers.SpatialDropout2D(0.25, "channels_first", seed=1), 1)]:
        y = np.asarray(layer(x, training=True))
        maps = np.moveaxis(y, channel_axis, 1).reshape(64, y.shape[channel_axis], -1)
        dropped = (maps == 0).all(-1)
        assert ((maps == 0).any(-1) == dropped).all()  # a map is dropped whole or not at all
        assert abs(dropped.mean() - 0.25) < 0.05
        kept = np.moveaxis(x, channel_axis, 1).reshape(maps.shape)[~dropped]
        np.testing.assert_allclose(maps[~dropped], kept / 0.75, rtol=1e-6)
    y1 = np.asarray(layers.SpatialDropout1D(0.5, seed=2)(x[:, 0], training=True))
    assert (((y1 == 0).all(1)) == ((y1 == 0).any(1))).all()
    y3 = np.asarray(layers.SpatialDropout3D(0.5, seed=2)(x[..., None], training=True))
    assert ((y3 == 0).all((1, 2, 3)) == (y3 == 0).any((1, 2, 3))).all()


def test_spatial_dropout_checks_rank():
    with pytest.raises(lamina.errors.ShapeError, match=r"'sd'.*4D"):
        layers.SpatialDropout2D(0.5, name="sd")(np.zeros((2, 3, 4), "float32"))


def test_gaussian_noise_and_dropout_statistics(rng):
    x = rng.uniform(1.0, 2.0, size=(400, 250)).astype("float32")
    noise = np.asarray(layers.GaussianNoise(0.3, seed=4)(x, training=True)) - x
    assert abs(noise.mean()) < 0.01 and abs(noise.std() - 0.3) < 0.01
    factor = np.asarray(layers.GaussianDropout(0.2, seed=4)(x, training=True)) / x
    assert abs(factor.mean() - 1) < 0.01 and abs(factor.std() - 0.5) < 0.01


def saturation(rate):
    """Where AlphaDropout sends dropped units: a * alpha' + b (Klambauer et al., 2017)."""
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5
    return a * alpha_p - a * alpha_p * rate


def test_alpha_dropout_keeps_mean_and_variance(rng):
    x = rng.normal(size=(400, 250)).astype("float32")
    y = np.asarray(layers.AlphaDropout(0.2, seed=5)(x, training=True))
    assert abs(y.mean()) < 0.02 and abs(y.var() - 1) < 0.03
    assert abs(np.isclose(y, saturation(0.2)).mean() - 0.2) < 0.01
    shared = np.asarray(layers.AlphaDropout(0.5, noise_shape=(None, 1), seed=5)(
        x[:50], training=True))
    saturated_rows = np.isclose(shared, saturation(0.5)).all(1)
    assert 0 < saturated_rows.sum() < 50  # whole rows share one draw


def test_seeded_layers_draw_a_new_mask_each_call(rng):
    x = np.ones((8, 32), "float32")
    layer = layers.GaussianDropout(0.3, seed=7)
    assert not np.allclose(layer(x, training=True), layer(x, training=True))
    again = layers.GaussianDropout(0.3, seed=7)
    np.testing.assert_array_equal(again(x, training=True),
                                  layers.GaussianDropout(0.3, seed=7)(x, training=True))


@pytest.mark.parametrize("name", ["Dropout", "SpatialDropout2D", "GaussianDropout",
                                  "AlphaDropout"])
@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5])
def test_rates_outside_unit_interval_are_refused(name, rate):
    with pytest.raises(lamina.errors.ConfigError, match=rf"'bad'.*\[0, 1\).*rate={rate}"):
        getattr(layers, name)(rate, name="bad")


def test_bad_stddev_and_data_format_are_refused():
    with pytest.raises(lamina.errors.ConfigError, match="stddev=-1"):
        layers.GaussianNoise(-1)
    with pytest.raises(lamina.errors.ConfigError, match="data_format='nhwc'"):
        layers.SpatialDropout2D(0.1, data_format="nhwc")


def regularized_model(lib):
    return lib.Sequential([lib.layers.Input((6,)), lib.layers.Dense(8, activation="tanh"),
                           lib.layers.ActivityRegularization(l1=0.05, l2=0.1),
                           lib.layers.Dense(1)])


def test_activity_regularization_fit_matches_keras_with_partial_batch(rng):
    x = rng.normal(size=(100, 6)).astype("float32")
    y = rng.normal(size=(100, 1)).astype("float32")
    theirs, ours = regularized_model(keras), regularized_model(lamina)
    ours.set_weights(theirs.get_weights())
    theirs.compile("sgd", "mse")
    ours.compile("sgd", "mse")
    h_theirs = theirs.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    h_ours = ours.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0),
                               rtol=1e-5)


def test_noise_layers_train_in_a_compiled_fit(rng):
    x = rng.normal(size=(64, 4, 3)).astype("float32")
    y = rng.normal(size=(64, 1)).astype("float32")

    def run():
        lamina.random.set_random_seed(0)
        model = lamina.Sequential([
            layers.Input((4, 3)), layers.SpatialDropout1D(0.2), layers.GaussianNoise(0.1),
            layers.Flatten(), layers.GaussianDropout(0.1), layers.AlphaDropout(0.1),
            layers.Dense(1)])
        model.compile("sgd", "mse")
        return model.fit(x, y, batch_size=16, epochs=1, verbose=0).history["loss"]

    first = run()
    assert np.isfinite(first).all() and first == run()
