"""RandAugment, AugMix and MaxNumBoundingBoxes against Keras 3 (the oracle)."""

import keras
import numpy as np
import pytest

import lamina

IMAGES = np.random.RandomState(0).uniform(0, 255, (2, 16, 16, 3)).astype("float32")


def test_max_num_bounding_boxes_pads_and_truncates_like_keras():
    boxes = {"boxes": np.arange(24, dtype="float32").reshape(2, 3, 4),
             "labels": np.array([[1, 2, 3], [4, 5, 6]])}
    for max_number, single in [(5, False), (2, False), (4, True)]:
        data = {"images": IMAGES, "bounding_boxes": boxes}
        if single:
            data = {"images": IMAGES[0], "bounding_boxes": {k: v[0] for k, v in boxes.items()}}
        kwargs = {"max_number": max_number, "fill_value": -7, "bounding_box_format": "xyxy"}
        ours = lamina.layers.MaxNumBoundingBoxes(**kwargs)(data)
        theirs = keras.layers.MaxNumBoundingBoxes(**kwargs)(data)
        for key in ("boxes", "labels"):
            np.testing.assert_array_equal(ours["bounding_boxes"][key],
                                          theirs["bounding_boxes"][key])
        np.testing.assert_array_equal(ours["images"], data["images"])


@pytest.mark.parametrize("name, kwargs", [
    ("RandAugment", {"value_range": (0, 1), "num_ops": 3, "factor": 0.7, "seed": 3}),
    ("AugMix", {"num_chains": 2, "chain_depth": 4, "factor": (0.1, 0.4), "alpha": 0.5,
                "all_ops": False, "interpolation": "nearest", "seed": 5}),
])
def test_config_matches_keras_and_round_trips(name, kwargs):
    layer = getattr(lamina.layers, name)(**kwargs)
    assert layer.get_config() == getattr(keras.layers, name)(**kwargs).get_config()
    restored = getattr(lamina.layers, name).from_config(layer.get_config())
    assert restored.get_config() == layer.get_config()


@pytest.mark.parametrize("name", ["RandAugment", "AugMix"])
def test_seeded_training_output_is_reproducible_in_range_and_inference_is_identity(name):
    images = IMAGES / 255.0
    make = lambda: getattr(lamina.layers, name)(value_range=(0, 1), factor=0.9, seed=7)
    first, second = make()(images, training=True), make()(images, training=True)
    np.testing.assert_array_equal(first, second)
    assert first.shape == images.shape and first.dtype == np.float32
    assert not np.allclose(first, images)
    assert float(np.min(first)) >= 0.0 and float(np.max(first)) <= 1.0
    np.testing.assert_array_equal(make()(images, training=False), images)
    single = make()(images[0], training=True)
    assert single.shape == images[0].shape


def test_augmix_mixing_matches_keras_for_a_given_transformation():
    chains = [[{"layer_name": "equalization", "transformation": None}],
              [{"layer_name": "auto_contrast", "transformation": None},
               {"layer_name": "equalization", "transformation": None}],
              []]
    transformation = {"chain_mixing_weights": np.array([0.2, 0.5, 0.3], "float32"),
                      "weight_sample": np.float32(0.35), "chain_transforms": chains}
    ours = lamina.layers.AugMix(seed=1).transform_images(IMAGES, transformation)
    theirs = keras.layers.AugMix(seed=1).transform_images(IMAGES, transformation)
    np.testing.assert_allclose(ours, theirs, atol=1e-4)


def test_rand_augment_applies_the_picked_ops_in_order_like_keras():
    transformation = {"transforms": {"auto_contrast": None, "equalization": None},
                      "layer_idxes": np.array([1, 0, 1])}
    kwargs = {"num_ops": 3, "value_range": (0, 255)}
    ours = lamina.layers.RandAugment(**kwargs).transform_images(IMAGES * 0.5, transformation)
    theirs = keras.layers.RandAugment(**kwargs).transform_images(IMAGES * 0.5, transformation)
    np.testing.assert_allclose(ours, theirs, atol=1e-4)


def test_rand_augment_trains_inside_fit_and_is_skipped_by_predict():
    model = lamina.Sequential([
        lamina.Input((16, 16, 3)),
        lamina.layers.RandAugment(value_range=(0, 1), num_ops=1, seed=2),
        lamina.layers.GlobalAveragePooling2D(),
        lamina.layers.Dense(1),
    ])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(IMAGES / 255.0, np.ones((2, 1)), epochs=1, batch_size=2, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    pooled = (IMAGES / 255.0).mean(axis=(1, 2))
    dense = model.layers[-1]
    expected = pooled @ np.asarray(dense.kernel) + np.asarray(dense.bias)
    np.testing.assert_allclose(model.predict(IMAGES / 255.0, verbose=0), expected, atol=1e-5)


@pytest.mark.parametrize("kwargs, scale, data_format", [
    ({"tile_grid_size": (3, 5), "clip_limit": 2.0}, 255.0, "channels_last"),
    ({"tile_grid_size": (2, 3), "clip_limit": 0.0, "value_range": (0, 1)}, 1.0,
     "channels_first"),
])
def test_clahe_matches_keras(kwargs, scale, data_format):
    images = np.random.RandomState(1).beta(2, 5, (2, 16, 16, 3)).astype("float32") * scale
    if data_format == "channels_first":
        images = images.transpose(0, 3, 1, 2)
    kwargs = {**kwargs, "data_format": data_format}
    ours = lamina.layers.ContrastLimitedAdaptiveHistogramEqualization(**kwargs)
    theirs = keras.layers.ContrastLimitedAdaptiveHistogramEqualization(**kwargs)
    assert ours.get_config() == theirs.get_config()
    np.testing.assert_allclose(ours(images), theirs(images), atol=1e-3 * scale)
    if data_format == "channels_first":  # a single image, at inference too
        np.testing.assert_allclose(ours(images[0], training=False), theirs(images[0]),
                                   atol=1e-3 * scale)


BOXES = {"boxes": np.array([[[1, 2, 9, 12], [3, 3, 6, 5]], [[0, 0, 15, 15], [4, 8, 12, 14]]],
                           "float32"),
         "labels": np.array([[0, 1], [1, 2]], "int32")}


def rand_augment_pair(picks, bounding_box_format="xyxy"):
    """Keras's and lamina's RandAugment, and a Keras transformation with the sub-layers
    `picks` (indices into Keras's eleven) forced."""
    kwargs = {"bounding_box_format": bounding_box_format, "num_ops": len(picks),
              "factor": 0.9, "seed": 1}
    theirs = keras.layers.RandAugment(**kwargs)
    transformation = theirs.get_random_transformation({"images": IMAGES})
    transformation["layer_idxes"] = np.array(picks)
    return theirs, lamina.layers.RandAugment(**kwargs), transformation


@pytest.mark.parametrize("picks,fmt", [([0], "xyxy"), ([1], "xyxy"), ([2], "xyxy"),
                                       ([5], "xyxy"), ([0, 2], "xyxy"), ([0, 1], "rel_xyxy")])
def test_rand_augment_moves_bounding_boxes_like_keras(picks, fmt):
    theirs, ours, transformation = rand_augment_pair(picks, fmt)
    boxes = dict(BOXES, boxes=BOXES["boxes"] / 16.0 if fmt == "rel_xyxy" else BOXES["boxes"])
    expected = theirs.transform_bounding_boxes(dict(boxes), transformation)
    got = ours.transform_bounding_boxes(dict(boxes), transformation)
    np.testing.assert_allclose(got["boxes"], expected["boxes"], atol=1e-5)
    np.testing.assert_array_equal(got["labels"], expected["labels"])


def test_rand_augment_boxes_take_the_images_order():
    # picks rotation (2) then shear (0): Keras's RandAugment would shear the boxes first;
    # lamina's follow the image, i.e. Keras's RandomRotation then Keras's RandomShear
    theirs, ours, transformation = rand_augment_pair([2, 0])
    transforms = transformation["transforms"]
    expected = theirs.random_rotation.transform_bounding_boxes(
        dict(BOXES), transforms["random_rotation"])
    expected = theirs.random_shear.transform_bounding_boxes(
        dict(expected), transforms["random_shear"])
    got = ours.transform_bounding_boxes(dict(BOXES), transformation)
    np.testing.assert_allclose(got["boxes"], expected["boxes"], atol=1e-5)
    np.testing.assert_array_equal(got["labels"], expected["labels"])


def test_rand_augment_on_a_dict_with_boxes_is_seeded_and_inactive_at_inference():
    data = {"images": IMAGES, "bounding_boxes": BOXES}
    make = lambda: lamina.layers.RandAugment(bounding_box_format="xyxy", factor=0.9, seed=4)
    first, second = make()(data, training=True), make()(data, training=True)
    np.testing.assert_array_equal(first["bounding_boxes"]["boxes"],
                                  second["bounding_boxes"]["boxes"])
    assert first["bounding_boxes"]["boxes"].shape == (2, 2, 4)
    assert first["bounding_boxes"]["labels"].dtype == np.int32
    boxes = np.asarray(first["bounding_boxes"]["boxes"])
    assert boxes.min() >= 0.0 and boxes.max() <= 16.0  # clipped to the image
    still = make()(data, training=False)
    np.testing.assert_array_equal(still["bounding_boxes"]["boxes"], BOXES["boxes"])
