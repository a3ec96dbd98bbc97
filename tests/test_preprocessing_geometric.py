"""Geometric augmentation layers (RandomFlip, RandomRotation, RandomZoom, RandomTranslation,
RandomCrop, RandomShear) against Keras 3: fixed factors and shared transformations give Keras's
numbers; random draws are checked for their ranges, independence and seeding."""

import keras
import numpy as np
import pytest

import lamina

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 1, (2, 8, 8, 3)).astype("float32")
MASKS = RNG.integers(0, 3, (2, 8, 8, 1)).astype("float32")
BOXES = {"boxes": np.array([[[1.0, 2.0, 5.0, 6.0], [0.0, 0.0, 3.0, 7.0]],
                            [[2.0, 1.0, 7.0, 4.0], [4.0, 4.0, 8.0, 8.0]]], "float32"),
         "labels": np.array([[0, 1], [2, 1]], "int32")}


def images_for(data_format):
    return IMAGES if data_format == "channels_last" else np.transpose(IMAGES, (0, 3, 1, 2))


def both(name, /, *args, **kwargs):
    return getattr(keras.layers, name)(*args, **kwargs), getattr(lamina.layers, name)(
        *args, **kwargs)


def close(ours, theirs, atol=1e-4):
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), atol=atol)


def as_numpy(transformation):
    if isinstance(transformation, dict):
        return {k: np.asarray(v) if hasattr(v, "shape") and not isinstance(v, tuple) else v
                for k, v in transformation.items()}
    return transformation


# -- fixed factors: exactly Keras's warps ------------------------------------------------------
WARPS = [("RandomRotation", ((0.1, 0.1),)), ("RandomZoom", ((0.3, 0.3), (-0.2, -0.2))),
         ("RandomTranslation", ((0.25, 0.25), (-0.125, -0.125)))]
FILL_MODES = ["reflect", "wrap", "constant", "nearest"]
WARP_CASES = (  # every fill mode and interpolation, each layer, each data format
    [(WARPS[0], mode, interp, "channels_last") for mode in FILL_MODES
     for interp in ("bilinear", "nearest")]
    + [(warp, mode, "bilinear", "channels_last") for warp in WARPS[1:] for mode in FILL_MODES]
    + [(warp, "constant", "nearest", "channels_first") for warp in WARPS]
    + [(warp, "reflect", "bilinear", "channels_first") for warp in WARPS])


@pytest.mark.parametrize("warp,fill_mode,interpolation,data_format", WARP_CASES)
def test_fixed_factor_warps_match_keras(warp, fill_mode, interpolation, data_format):
    name, args = warp
    theirs, ours = both(name, *args, fill_mode=fill_mode, interpolation=interpolation,
                        fill_value=0.5, data_format=data_format)
    x = images_for(data_format)
    close(ours(x), theirs(x))


def test_rotation_by_a_quarter_turn_is_rot90_and_single_images_work():
    layer = lamina.layers.RandomRotation((0.25, 0.25), interpolation="nearest")
    close(layer(IMAGES), np.rot90(IMAGES, k=1, axes=(1, 2)))
    close(layer(IMAGES[0]), np.rot90(IMAGES[0], k=1, axes=(0, 1)))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("name,args", [("RandomShear", (0.4, 0.3)),
                                       ("RandomPerspective", (0.7, 0.6)),
                                       ("RandomFlip", ("horizontal_and_vertical",)),
                                       ("RandomFlip", ("vertical",))])
def test_keras_transformation_gives_keras_output(name, args, data_format):
    theirs, ours = both(name, *args, data_format=data_format)
    x = images_for(data_format)
    for _ in range(3):  # several draws, so that flips of both kinds occur
        transformation = theirs.get_random_transformation(x, training=True)
        close(ours.transform_images(x, as_numpy(transformation)),
              theirs.transform_images(x, transformation))


def test_random_crop_matches_keras_for_a_given_corner_and_center_crops_at_inference():
    theirs, ours = both("RandomCrop", 5, 6)
    for start in [(0, 0), (3, 2), (1, 1)]:
        close(ours.transform_images(IMAGES, start), theirs.transform_images(IMAGES, start))
    center = theirs.get_random_transformation(IMAGES, training=False)
    close(ours(IMAGES, training=False), theirs.transform_images(IMAGES, center))
    small = lamina.layers.RandomCrop(10, 6)  # taller than the image: crop to aspect, resize
    center = keras.layers.RandomCrop(10, 6).get_random_transformation(IMAGES, training=True)
    close(small(IMAGES), keras.layers.RandomCrop(10, 6).transform_images(IMAGES, center))


@pytest.mark.parametrize("fill_mode,interpolation,data_format", [
    ("reflect", "bilinear", "channels_last"), ("constant", "nearest", "channels_first")])
def test_elastic_transform_matches_keras_for_a_given_seed(data_format, fill_mode,
                                                           interpolation):
    theirs, ours = both("RandomElasticTransform", value_range=(0, 1), fill_mode=fill_mode,
                        interpolation=interpolation, data_format=data_format)
    x = images_for(data_format)
    transformation = {"apply_transform": np.array([True, False]), "distortion_factor": 0.8,
                      "seed": 42}
    out = ours.transform_images(x, transformation)
    close(out, theirs.transform_images(x, dict(transformation)))
    assert not np.allclose(out[0], x[0]) and np.array_equal(out[1], x[1])


# -- masks and boxes ---------------------------------------------------------------------------
def test_segmentation_masks_move_with_nearest_interpolation():
    theirs, ours = both("RandomRotation", (0.07, 0.07))
    out = ours({"images": IMAGES, "segmentation_masks": MASKS})
    expected = theirs({"images": IMAGES, "segmentation_masks": MASKS})
    close(out["images"], expected["images"])
    close(out["segmentation_masks"], expected["segmentation_masks"])
    assert set(np.unique(np.asarray(out["segmentation_masks"]))) <= {0.0, 1.0, 2.0}


BOX_LAYERS = [("RandomFlip", ()), ("RandomTranslation", (0.3, 0.3)),
              ("RandomPerspective", (1.0, 0.5)), ("RandomRotation", (0.15,)),
              ("RandomZoom", (0.3, 0.2)), ("RandomShear", (0.3, 0.2))]
BOX_CASES = ([(BOX_LAYERS[0], fmt) for fmt in ("rel_xyxy", "yxyx")]
             + [(layer, fmt) for layer in BOX_LAYERS for fmt in ("xyxy", "center_xywh")])


@pytest.mark.parametrize("layer,fmt", BOX_CASES)
def test_bounding_boxes_follow_keras(layer, fmt):
    name, args = layer
    theirs, ours = both(name, *args, bounding_box_format=fmt)
    boxes = dict(BOXES, boxes=BOXES["boxes"] / 8.0 if fmt.startswith("rel") else BOXES["boxes"])
    for _ in range(2):
        transformation = theirs.get_random_transformation(IMAGES, training=True)
        expected = theirs.transform_bounding_boxes(
            {k: np.copy(v) for k, v in boxes.items()}, transformation)
        got = ours.transform_bounding_boxes(dict(boxes), as_numpy(transformation))
        close(got["boxes"], expected["boxes"])
        np.testing.assert_array_equal(got["labels"], expected["labels"])


def test_random_crop_boxes_and_dict_inputs():
    theirs, ours = both("RandomCrop", 5, 6, bounding_box_format="xyxy")
    expected = theirs.transform_bounding_boxes(
        {k: np.copy(v) for k, v in BOXES.items()}, (2, 1))
    got = ours.transform_bounding_boxes(dict(BOXES), (2, 1))
    close(got["boxes"], expected["boxes"])
    out = ours({"images": IMAGES, "bounding_boxes": BOXES, "labels": np.array([0, 1])})
    assert out["images"].shape == (2, 5, 6, 3) and out["bounding_boxes"]["boxes"].shape == (
        2, 2, 4)


# -- random draws ------------------------------------------------------------------------------
def test_drawn_parameters_stay_in_range_and_differ_across_the_batch():
    batch = np.zeros((256, 8, 8, 1), "float32")
    angles = np.asarray(lamina.layers.RandomRotation((-0.1, 0.2)).get_random_transformation(
        batch)["angle"])
    assert angles.min() >= -36.0 and angles.max() <= 72.0 and angles.std() > 20.0
    zoom = lamina.layers.RandomZoom(0.2, (-0.5, -0.4)).get_random_transformation(batch)
    assert 0.8 <= np.min(zoom["height_zoom"]) and np.max(zoom["height_zoom"]) <= 1.2
    assert 0.5 <= np.min(zoom["width_zoom"]) and np.max(zoom["width_zoom"]) <= 0.6
    flips = np.asarray(lamina.layers.RandomFlip().get_random_transformation(batch)["flips"])
    assert 0.35 < flips.mean() < 0.65
    shear = np.asarray(lamina.layers.RandomShear(0.3, 0.0).get_random_transformation(
        batch)["shear_factor"])
    assert np.abs(shear[:, 0]).max() <= 0.3 and (shear[:, 0] < 0).any() and (
        shear[:, 0] > 0).any() and not shear[:, 1].any()
    h, w = lamina.layers.RandomCrop(3, 4).get_random_transformation(batch)
    assert 0 <= int(h) <= 5 and 0 <= int(w) <= 4


def test_same_seed_same_output_and_identity_at_inference():
    make = lambda: lamina.layers.RandomRotation(0.2, seed=7)  # noqa: E731
    first, second = make(), make()
    close(first(IMAGES), second(IMAGES))
    assert not np.allclose(first(IMAGES), IMAGES)
    for layer in [lamina.layers.RandomFlip(), lamina.layers.RandomZoom(0.3),
                  lamina.layers.RandomShear(0.3), lamina.layers.RandomTranslation(0.2, 0.2)]:
        close(layer(IMAGES, training=False), IMAGES, atol=0)


# -- configs and errors ------------------------------------------------------------------------
CONFIG_CASES = [("RandomFlip", ("horizontal",), {"seed": 3}),
                ("RandomRotation", (0.2,), {"fill_mode": "wrap", "fill_value": 1.0}),
                ("RandomZoom", ((0.1, 0.3),), {"width_factor": 0.2, "interpolation": "nearest"}),
                ("RandomTranslation", (0.1, (-0.2, 0.3)), {"data_format": "channels_first"}),
                ("RandomShear", (0.2, 0.1), {"seed": 1}),
                ("RandomCrop", (4, 5), {"seed": 9}),
                ("RandomPerspective", (0.5, 0.3), {"fill_value": 1.0}),
                ("RandomElasticTransform", (0.4, (0.1, 0.6)), {"fill_mode": "mirror"})]


@pytest.mark.parametrize("name,args,kwargs", CONFIG_CASES)
def test_config_matches_keras_and_round_trips(name, args, kwargs):
    theirs, ours = both(name, *args, name="aug", **kwargs)
    config = ours.get_config()
    assert config == theirs.get_config()
    again = type(ours).from_config(config)
    assert again.get_config() == config


def test_errors_use_keras_texts():
    with pytest.raises(ValueError, match=r"in the range \(-1.0, 1.0\]. Received: input_number"):
        lamina.layers.RandomZoom(1.5)
    with pytest.raises(NotImplementedError, match="Unknown `fill_mode` mirror"):
        lamina.layers.RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(NotImplementedError, match="Unknown `interpolation` bicubic"):
        lamina.layers.RandomTranslation(0.1, 0.1, interpolation="bicubic")
    with pytest.raises(ValueError, match=r"range \[0, 1.0\]. Received: input_number=-0.5"):
        lamina.layers.RandomShear((-0.5, 0.5))
    with pytest.raises(ValueError, match=r"The `scale` argument should be a number in the range"):
        lamina.layers.RandomPerspective(scale=2.0)
    with pytest.raises(ValueError, match=r"The `scale` argument should be a number \(or a list"):
        lamina.layers.RandomElasticTransform(scale=3)
    with pytest.raises(ValueError, match="unknown mode"):
        lamina.layers.RandomFlip(mode="diagonal")


# -- in a model --------------------------------------------------------------------------------
def build(lib):
    return lib.Sequential([
        lib.Input((8, 8, 1)), lib.layers.RandomFlip(seed=1), lib.layers.RandomRotation(0.1),
        lib.layers.RandomElasticTransform(scale=0.5, value_range=(0, 1)),
        lib.layers.Conv2D(2, 3, activation="relu"), lib.layers.GlobalAveragePooling2D(),
        lib.layers.Dense(1)])


def test_model_trains_predicts_without_augmentation_and_saves(tmp_path):
    x = RNG.uniform(0, 1, (16, 8, 8, 1)).astype("float32")
    y = RNG.uniform(0, 1, (16, 1)).astype("float32")
    model = build(lamina)
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    predicted = model.predict(x, verbose=0)
    conv, pool, dense = model.layers[3:]
    close(predicted, dense(pool(conv(x))), atol=1e-5)  # augmentation is off in predict
    path = str(tmp_path / "aug.keras")
    model.save(path)
    close(lamina.saving.load_model(path).predict(x, verbose=0), predicted, atol=1e-5)
    close(keras.saving.load_model(path).predict(x, verbose=0), predicted, atol=1e-5)
    keras_path = str(tmp_path / "keras_aug.keras")
    keras_model = build(keras)
    keras_model.save(keras_path)
    close(lamina.saving.load_model(keras_path).predict(x, verbose=0),
          keras_model.predict(x, verbose=0), atol=1e-5)


def test_augmentation_is_drawn_afresh_in_each_compiled_training_step():
    layers = lamina.layers
    model = lamina.Sequential([
        lamina.Input((8, 8, 1)), layers.RandomCrop(7, 7), layers.RandomFlip(),
        layers.RandomZoom(0.2), layers.RandomTranslation(0.1, 0.1), layers.RandomShear(0.2),
        layers.RandomPerspective(scale=0.3), layers.RandomRotation(0.3), layers.Flatten(),
        layers.Dense(1, kernel_initializer="ones")])
    model.compile(optimizer=lamina.optimizers.SGD(0.0), loss="mse")  # weights never move
    x, y = IMAGES[:1, :, :, :1], np.zeros((1, 1), "float32")
    losses = [model.train_on_batch(x, y) for _ in range(3)]
    assert len(set(np.round(losses, 5))) == 3
    inference = float(np.sum(x[:, :7, :7])) ** 2  # the central crop, nothing else
    assert model.evaluate(x, y, verbose=0) == pytest.approx(inference, rel=1e-5)
