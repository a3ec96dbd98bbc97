"""MixUp, CutMix and Pipeline: the mixing arithmetic against Keras (both libraries' transform_*
methods given the same transformation), configs against Keras, and the random behaviour
(weight ranges, seeds, identity at inference)."""

import keras
import numpy as np
import pytest

import lamina
from lamina import layers

IMAGES = np.random.RandomState(0).rand(4, 8, 6, 3).astype("float32")
LABELS = np.eye(3, dtype="float32")[[0, 1, 2, 0]]


def _keras_transformation(layer, images):
    data = {"images": images, "labels": LABELS}
    return {k: np.asarray(v) for k, v in
            layer.get_random_transformation(data, training=True).items()}


@pytest.mark.parametrize("name, kwargs", [
    ("MixUp", dict(alpha=0.3, seed=1)),
    ("MixUp", dict(alpha=1.0, data_format="channels_first")),
    ("CutMix", dict(factor=0.7, seed=2)),
    ("CutMix", dict(factor=(0.2, 0.9), data_format="channels_first")),
])
def test_mixing_arithmetic_matches_keras(name, kwargs):
    theirs, ours = getattr(keras.layers, name)(**kwargs), getattr(layers, name)(**kwargs)
    images = IMAGES.transpose(0, 3, 1, 2) if "data_format" in kwargs else IMAGES
    transformation = _keras_transformation(theirs, images)
    for method, data in (("transform_images", images), ("transform_labels", LABELS)):
        expected = np.asarray(getattr(theirs, method)(data, transformation, training=True))
        got = np.asarray(getattr(ours, method)(data, transformation, training=True))
        np.testing.assert_allclose(got, expected, atol=1e-6)
    assert ours.get_config() == theirs.get_config()


def test_cutmix_boxes_and_weights_match_keras_for_the_same_corners():
    theirs, ours = keras.layers.CutMix(), layers.CutMix()
    corners = tuple(np.array(c, "float32") for c in
                    ([0, 1.5, 2, 0], [3, 4.5, 6, 0], [1, 0, 2.5, 0], [5, 8, 7, 0]))
    masks, weight = theirs._generate_batch_mask(IMAGES.shape, corners)
    our_masks, our_weight = ours._batch_masks(IMAGES.shape, corners)
    np.testing.assert_array_equal(np.asarray(our_masks), np.asarray(masks))
    np.testing.assert_allclose(np.asarray(our_weight), np.asarray(weight), atol=1e-6)


def test_configs_round_trip_between_libraries():
    for name, kwargs in (("MixUp", dict(alpha=0.4, seed=3)), ("CutMix", dict(factor=0.5))):
        config = getattr(keras.layers, name)(**kwargs).get_config()
        assert getattr(layers, name).from_config(config).get_config() == config


def test_mixup_weights_follow_beta_and_labels_stay_distributions():
    layer = layers.MixUp(alpha=0.5, seed=0)
    weights = np.concatenate([np.asarray(layer.get_random_transformation(
        np.zeros((64, 2, 2, 1), "float32"))["mix_weight"]) for _ in range(4)])
    assert weights.min() >= 0 and weights.max() <= 1
    assert abs(weights.mean() - 0.5) < 0.06  # Beta(a, a) has mean 1/2
    assert abs(weights.var() - 0.125) < 0.03  # ... and variance 1 / (4 (2a + 1))
    out = layer({"images": IMAGES, "labels": LABELS})
    np.testing.assert_allclose(np.asarray(out["labels"]).sum(-1), 1.0, atol=1e-6)
    mixed = np.asarray(out["images"])
    assert mixed.min() >= IMAGES.min() - 1e-6 and mixed.max() <= IMAGES.max() + 1e-6


def test_cutmix_replaces_a_box_and_weights_labels_by_its_area():
    layer = layers.CutMix(seed=4)
    transformation = layer.get_random_transformation(IMAGES)
    masks = np.asarray(transformation["batch_masks"])
    out = np.asarray(layer.transform_images(IMAGES, transformation))
    other = IMAGES[np.asarray(transformation["permutation_order"])]
    np.testing.assert_array_equal(out, np.where(masks, other, IMAGES))
    kept_area = 1.0 - masks[..., 0].mean(axis=(1, 2))
    weight = np.asarray(transformation["mix_weight"]).reshape(-1)
    # The box's real-valued area, against the pixels it covers: close on an 8 x 6 image.
    assert np.all(np.abs(weight - kept_area) < 0.35) and np.all((weight >= 0) & (weight <= 1))


@pytest.mark.parametrize("cls", [layers.MixUp, layers.CutMix])
def test_same_seed_same_output_and_identity_at_inference(cls):
    data = {"images": IMAGES, "labels": LABELS}
    first, second = cls(seed=5)(data), cls(seed=5)(data)
    np.testing.assert_array_equal(np.asarray(first["images"]), np.asarray(second["images"]))
    np.testing.assert_array_equal(np.asarray(first["labels"]), np.asarray(second["labels"]))
    assert not np.allclose(np.asarray(first["images"]), IMAGES)
    inference = cls(seed=5)(data, training=False)
    np.testing.assert_array_equal(np.asarray(inference["images"]), IMAGES)
    np.testing.assert_array_equal(np.asarray(inference["labels"]), LABELS)


def test_cutmix_factor_is_checked_like_keras():
    assert layers.CutMix(factor=0.3).factor == keras.layers.CutMix(factor=0.3).factor
    with pytest.raises(ValueError, match="The `factor` argument should be a number"):
        layers.CutMix(factor=1.5)


def test_pipeline_applies_layers_in_order_like_keras():
    def build(lib):
        return lib.layers.Pipeline([lib.layers.Rescaling(0.5, offset=0.1, name="rescale"),
                                    lib.layers.CenterCrop(4, 4, name="crop")], name="pipe")

    theirs, ours = build(keras), build(lamina)
    assert ours.get_config() == theirs.get_config()
    np.testing.assert_allclose(np.asarray(ours(IMAGES)), np.asarray(theirs(IMAGES)), atol=1e-6)
    assert [type(layer).__name__ for layer in ours.layers] == ["Rescaling", "CenterCrop"]
    clone = layers.Pipeline.from_config(theirs.get_config())
    np.testing.assert_allclose(np.asarray(clone(IMAGES)), np.asarray(theirs(IMAGES)))
    assert ours.compute_output_shape((None, 8, 6, 3)) == (None, 4, 4, 3)


def test_pipeline_passes_dicts_and_training_through_augmentations():
    pipeline = layers.Pipeline([layers.CutMix(seed=6), layers.MixUp(seed=7)])
    data = {"images": IMAGES, "labels": LABELS}
    out = pipeline(data, training=False)
    np.testing.assert_array_equal(np.asarray(out["images"]), IMAGES)
    np.testing.assert_array_equal(np.asarray(out["labels"]), LABELS)
    mixed = pipeline(data)  # training defaults to True, as in Keras
    assert not np.allclose(np.asarray(mixed["images"]), IMAGES)
    np.testing.assert_allclose(np.asarray(mixed["labels"]).sum(-1), 1.0, atol=1e-6)


def test_a_model_with_a_pipeline_saves_and_loads_in_keras(tmp_path):
    model = lamina.Sequential([lamina.Input((8, 6, 3)),
                               layers.Pipeline([layers.Rescaling(0.5), layers.CenterCrop(4, 4)]),
                               layers.Flatten(), layers.Dense(2)])
    model.save(tmp_path / "pipe.keras")
    expected = np.asarray(model.predict(IMAGES, verbose=0))
    for load in (lamina.models.load_model, keras.models.load_model):
        loaded = load(tmp_path / "pipe.keras")
        np.testing.assert_allclose(np.asarray(loaded.predict(IMAGES, verbose=0)), expected,
                                   atol=1e-5)


def test_pipeline_weights_are_tracked_and_bad_config_is_refused():
    norm = layers.Normalization(mean=0.5, variance=0.25)
    pipeline = layers.Pipeline([norm, layers.Rescaling(2.0)])
    np.testing.assert_allclose(np.asarray(pipeline(IMAGES)), 2 * (IMAGES - 0.5) / 0.5,
                               rtol=1e-5, atol=1e-5)
    assert len(pipeline.weights) == len(norm.weights)
    with pytest.raises(ValueError, match="must contain a `layers` key"):
        layers.Pipeline.from_config({"name": "p"})
