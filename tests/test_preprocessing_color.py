"""Colour augmentation layers (RandomContrast ... Equalization) against Keras 3.

Deterministic arithmetic: both libraries' `transform_images(images, transformation)` with the
same explicit transformation, or fixed factors. Random behaviour: ranges, independence across
the batch, seeds, inference. Configs, a short `fit` and `.keras` files both ways.
"""

import jax
import keras
import numpy as np
import pytest

import lamina

RNG = np.random.default_rng(0)
B = 3
SHAPE = (B, 6, 5, 3)  # RandomErasing's masks take the images' own shape


def _images(high, data_format, batch=B):
    shape = (batch, 6, 5, 3) if data_format == "channels_last" else (batch, 3, 6, 5)
    return (RNG.uniform(0, 1, shape) * high).astype("float32")


def _u(low, high, shape, dtype="float32"):
    return RNG.uniform(low, high, shape).astype(dtype)


# name -> (constructor kwargs, transformation builder(high) -> dict | array | None)
TRANSFORMS = {
    "RandomContrast": ({"factor": 0.5}, lambda h: {"contrast_factor": _u(0.3, 1.7, (B, 1, 1, 1))}),
    "RandomBrightness": ({"factor": 0.5}, lambda h: {"rgb_delta": _u(-0.4, 0.4, (B, 1, 1, 1)) * h}),
    "RandomGrayscale": ({"factor": 0.5}, lambda h: np.array([True, False, True])[:, None, None,
                                                                                  None]),
    "RandomHue": ({"factor": 0.5}, lambda h: {"factor": _u(-0.5, 0.5, (B,))}),
    "RandomSaturation": ({"factor": 0.5}, lambda h: {"factor": _u(0.0, 3.0, (B,))}),
    "RandomColorDegeneration": ({"factor": 0.5}, lambda h: {"factor": _u(0, 1, (B, 1, 1, 1))}),
    "RandomInvert": ({}, lambda h: {"apply_inversion": np.array([True, False, True])}),
    "RandomPosterization": ({"factor": 4}, lambda h: {"shift_factor": np.array([1, 4, 7],
                                                                               "uint8")}),
    "RandomSharpness": ({"factor": 0.5}, lambda h: {"factor": _u(0, 1, (B,))}),
    "Solarization": ({"addition_factor": 0.3, "threshold_factor": 0.5},
                     lambda h: {"additions": _u(0, 80, (B, 1, 1, 1)),
                                "thresholds": _u(50, 255, (B, 1, 1, 1))}),
    "AutoContrast": ({}, lambda h: None),
    "Equalization": ({"bins": 64}, lambda h: None),  # Keras loops over bins: keep it short
    "RandomGaussianBlur": ({"kernel_size": (3, 5)},
                           lambda h: {"should_apply_blur": np.array([True, False, True]),
                                      "blur_factor": np.array([0.7, 1.6], "float32")}),
    "RandomErasing": ({}, lambda h: {"apply_erasing": np.array([True, True, False]),
                                     "batch_masks": RNG.uniform(size=SHAPE) < 0.3,
                                     "fill_value": _u(0, h, SHAPE)}),
}


def _pair(name, **kwargs):
    return getattr(lamina.layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)


def _with_format(name, kwargs, high, data_format):
    if name != "RandomGrayscale":  # the one colour layer without a value range
        kwargs = {**kwargs, "value_range": (0, high)}
    return {**kwargs, "data_format": data_format} if data_format == "channels_first" else kwargs


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("high", [255.0, 1.0])
@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_transform_images_matches_keras(name, high, data_format):
    kwargs, make = TRANSFORMS[name]
    ours, theirs = _pair(name, **_with_format(name, kwargs, high, data_format))
    images, transformation = _images(high, data_format), make(high)
    if name == "RandomErasing" and data_format == "channels_first":
        transformation = {key: np.moveaxis(value, -1, 1) if np.ndim(value) == 4 else value
                          for key, value in transformation.items()}
    if name == "AutoContrast":  # constant channels take Keras's NaN fallback
        images[0, :, :, :] = images[0, :1, :1, :1]
    expected = np.asarray(theirs.transform_images(images, transformation))
    got = np.asarray(ours.transform_images(images, transformation))
    np.testing.assert_allclose(got, expected, atol=1e-4 * high, rtol=1e-5)


@pytest.mark.parametrize("high, data_format", [(255.0, "channels_last"),
                                               (1.0, "channels_first")])
@pytest.mark.parametrize("name, kwargs", [
    ("RandomBrightness", {"factor": (0.2, 0.2)}),
    ("RandomBrightness", {"factor": (-0.3, -0.3)}),
    ("RandomSaturation", {"factor": (0.8, 0.8)}),
    ("RandomColorDegeneration", {"factor": (0.6, 0.6)}),
    ("RandomSharpness", {"factor": (0.9, 0.9)}),
    ("RandomPosterization", {"factor": (3, 3)}),
    ("RandomInvert", {"factor": (1.0, 1.0)}),
    ("RandomGrayscale", {"factor": 1.0}),
    ("AutoContrast", {}),
    ("Equalization", {"bins": 16}),
    ("RandomColorJitter", {"brightness_factor": (0.1, 0.1), "contrast_factor": 0.0,
                           "saturation_factor": (0.7, 0.7), "hue_factor": 0.0}),
])
def test_fixed_factor_calls_match_keras(name, kwargs, high, data_format):
    ours, theirs = _pair(name, **_with_format(name, kwargs, high, data_format))
    images = _images(high, data_format)
    if name == "RandomColorJitter" and data_format == "channels_first":
        # Keras's jitter ignores data_format in its parts; lamina's matches channels_last.
        theirs = keras.layers.RandomColorJitter(**_with_format(name, kwargs, high, "x"))
        ours_last = np.moveaxis(np.asarray(ours(images)), 1, -1)
        np.testing.assert_allclose(ours_last, theirs(np.moveaxis(images, 1, -1)),
                                   atol=2e-4 * high, rtol=1e-5)
        return
    np.testing.assert_allclose(ours(images), theirs(images), atol=2e-4 * high, rtol=1e-5)
    np.testing.assert_allclose(ours(images[0]), theirs(images[0]), atol=2e-4 * high, rtol=1e-5)


RANDOM_LAYERS = [
    ("RandomContrast", {"factor": 0.5}), ("RandomBrightness", {"factor": 0.5}),
    ("RandomGrayscale", {"factor": 0.5}), ("RandomHue", {"factor": 0.5}),
    ("RandomSaturation", {"factor": (0.1, 0.9)}), ("RandomColorDegeneration", {"factor": 0.9}),
    ("RandomInvert", {"factor": 1.0}), ("RandomPosterization", {"factor": (1, 8)}),
    ("RandomSharpness", {"factor": 1.0}),
    ("Solarization", {"addition_factor": 0.5, "threshold_factor": 0.5}),
    ("RandomColorJitter", {"brightness_factor": 0.3, "contrast_factor": 0.3,
                           "saturation_factor": (0.2, 0.8), "hue_factor": 0.3}),
    ("RandomGaussianBlur", {"factor": (0.5, 1.0), "kernel_size": 5, "sigma": (0.5, 1.0)}),
    ("RandomErasing", {"factor": 0.9, "scale": (0.1, 0.4)}),
]


@pytest.mark.parametrize("name, kwargs", RANDOM_LAYERS + [("Equalization", {})])
def test_seed_repeats_training_changes_and_inference_is_identity(name, kwargs):
    images = _images(255.0, "channels_last", batch=8)
    make = getattr(lamina.layers, name)
    first, second = make(seed=11, **kwargs), make(seed=11, **kwargs)
    out = np.asarray(first(images))
    np.testing.assert_allclose(out, second(images), atol=1e-6)
    assert out.shape == images.shape and np.all(np.isfinite(out))
    assert not np.allclose(out, images, atol=1e-3)  # Keras's call default: training=True
    np.testing.assert_array_equal(first(images, training=False), images)
    jitted = jax.jit(lambda x: first(x))(images)  # traceable: no host round trip
    assert jitted.shape == images.shape


def test_random_draws_stay_in_range_and_differ_across_the_batch():
    images = np.full((8, 6, 5, 3), 100.0, "float32")
    out = np.asarray(lamina.layers.RandomBrightness(factor=(-0.2, 0.3), seed=3)(images))
    deltas = out[:, 0, 0, 0] - 100.0
    assert np.all(deltas >= -0.2 * 255 - 1e-3) and np.all(deltas <= 0.3 * 255 + 1e-3)
    assert np.allclose(out, out[:, :1, :1, :1])  # one delta per image
    assert len(np.unique(np.round(deltas, 3))) == 8  # independent draws per image
    grayscale = lamina.layers.RandomGrayscale(factor=0.5, seed=1)
    batches = [np.asarray(grayscale(_images(255.0, "channels_last", 8))) for _ in range(4)]
    turned = sum(np.all(np.isclose(g, g[..., :1]), axis=(1, 2, 3)).sum() for g in batches)
    assert 6 < turned < 26  # about half of 32
    contrast = lamina.layers.RandomContrast(factor=(0.2, 0.4), seed=2)
    factors = np.asarray(contrast.get_random_transformation(images)["contrast_factor"])
    assert factors.min() >= 0.8 and factors.max() <= 1.4 and factors.std() > 0.05


def test_erasing_fills_one_box_per_image_within_the_scale():
    images = np.full((8, 16, 16, 3), 100.0, "float32")
    layer = lamina.layers.RandomErasing(factor=(1.0, 1.0), fill_value=0.0, seed=4)
    out = np.concatenate([layer(images), layer(images)])
    erased = out[..., 0] == 0.0
    fractions = erased.mean(axis=(1, 2))
    assert np.all(fractions > 0) and np.all(fractions <= 0.4)
    rows, cols = erased.any(axis=2), erased.any(axis=1)  # a box: its rows x its columns
    np.testing.assert_array_equal(erased.sum(axis=(1, 2)), rows.sum(1) * cols.sum(1))
    assert len(np.unique(fractions)) > 4 and np.all(out[..., 1:] == out[..., :1])


def test_auto_contrast_applies_at_inference_as_keras():
    images = _images(255.0, "channels_last")
    ours, theirs = _pair("AutoContrast")
    np.testing.assert_allclose(ours(images, training=False), theirs(images, training=False),
                               atol=1e-3)


def test_dict_inputs_change_only_images():
    images = _images(255.0, "channels_last")
    masks = np.ones((B, 6, 5, 1), "float32")
    out = lamina.layers.RandomInvert(factor=(1.0, 1.0))(
        {"images": images, "labels": np.arange(B), "segmentation_masks": masks})
    np.testing.assert_allclose(out["images"], 255.0 - images, atol=1e-4)
    np.testing.assert_array_equal(out["segmentation_masks"], masks)
    np.testing.assert_array_equal(out["labels"], np.arange(B))


CONFIG_LAYERS = RANDOM_LAYERS + [("AutoContrast", {"value_range": (0, 1)}),
                                 ("Equalization", {"bins": 32})]


@pytest.mark.parametrize("name, kwargs", CONFIG_LAYERS)
def test_config_matches_keras_and_round_trips(name, kwargs):
    ours, theirs = _pair(name, seed=5, **kwargs) if name not in (
        "AutoContrast", "Equalization") else _pair(name, **kwargs)
    ours_config, theirs_config = ours.get_config(), theirs.get_config()
    for key in set(theirs_config) - {"name", "dtype", "trainable"}:
        assert _plain(ours_config[key]) == _plain(theirs_config[key]), key
    clone = type(ours).from_config(ours_config)
    assert _plain(clone.get_config()) == _plain(ours_config)
    keras_clone = type(theirs).from_config({**ours_config, "dtype": "float32"})
    keras_config = keras_clone.get_config()
    for key in set(theirs_config) - {"name", "dtype", "trainable"}:
        assert _plain(keras_config[key]) == _plain(ours_config[key]), key


def _plain(value):
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


@pytest.mark.parametrize("make, message", [
    (lambda: lamina.layers.RandomBrightness(0.2, value_range=5), "`value_range` argument"),
    (lambda: lamina.layers.RandomContrast(1.5), "The `factor` argument should be a number"),
    (lambda: lamina.layers.RandomGrayscale(factor=2.0), "`factor` should be between 0 and 1"),
    (lambda: lamina.layers.RandomPosterization(factor=9), "in the range \\[1, 8\\]"),
    (lambda: lamina.layers.Solarization(addition_factor=1.5), "Received: input_number=1.5"),
    (lambda: lamina.layers.Solarization(threshold_factor="x"), "threshold_factor=x"),
    (lambda: lamina.layers.AutoContrast(value_range=(0, 1, 2)), "Received: value_range"),
    (lambda: lamina.layers.RandomGaussianBlur(kernel_size=4), "must be an odd number"),
    (lambda: lamina.layers.RandomGaussianBlur(sigma=3.0), "The `sigma` argument"),
    (lambda: lamina.layers.RandomErasing(scale=(2, 3)), "The `scale` argument"),
    (lambda: lamina.layers.RandomErasing(fill_value=(1, 2)), "`fill_value` argument"),
])
def test_bad_arguments_raise_keras_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def _model(lib):
    return lib.Sequential([
        lib.Input((8, 8, 3)),
        lib.layers.RandomBrightness(factor=0.2, value_range=(0, 1), seed=1),
        lib.layers.RandomContrast(factor=0.3, value_range=(0, 1), seed=2),
        lib.layers.Flatten(), lib.layers.Dense(2)])


def test_fit_predict_and_keras_files_both_ways(tmp_path):
    x = RNG.uniform(0, 1, (16, 8, 8, 3)).astype("float32")
    y = RNG.normal(size=(16, 2)).astype("float32")
    model = _model(lamina)
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    kernel, bias = model.layers[-1].get_weights()
    plain = x.reshape(16, -1) @ kernel + bias  # augmentation is off in predict
    np.testing.assert_allclose(model.predict(x, verbose=0), plain, atol=1e-4)
    model.save(tmp_path / "ours.keras")
    theirs = keras.saving.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(theirs.predict(x, verbose=0), plain, atol=1e-4)
    theirs.save(tmp_path / "theirs.keras")
    back = lamina.saving.load_model(tmp_path / "theirs.keras")
    np.testing.assert_allclose(back.predict(x, verbose=0), plain, atol=1e-4)
    assert type(back.layers[0]).__name__ == "RandomBrightness"


def test_augmentation_is_active_in_fit_and_off_in_evaluate():
    x = RNG.uniform(0, 1, (4, 2, 2, 1)).astype("float32")
    y = np.zeros((4, 1), "float32")
    model = lamina.Sequential([
        lamina.Input((2, 2, 1)),
        lamina.layers.RandomBrightness(factor=(0.5, 0.5), value_range=(0, 10)),  # adds 5
        lamina.layers.Flatten(), lamina.layers.Dense(1, kernel_initializer="ones")])
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.0), loss="mse")
    sums = x.reshape(4, -1).sum(axis=1)
    loss = model.fit(x, y, batch_size=4, epochs=1, verbose=0).history["loss"][0]
    assert loss == pytest.approx(np.mean((sums + 4 * 5.0) ** 2), rel=1e-5)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(np.mean(sums ** 2), rel=1e-5)
