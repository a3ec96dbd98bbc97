"""BaseImagePreprocessingLayer: Keras's factor rules, data formats and input dispatch (a user
subclass written as Keras's own layers are)."""

import keras
import numpy as np
import pytest

import lamina
from lamina.layers.preprocessing.image_base import BaseImagePreprocessingLayer


class Shift(BaseImagePreprocessingLayer):
    """Adds a per-image random offset drawn from `factor` (training only)."""

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        return lamina.random.uniform((images.shape[0], 1, 1, 1), *self.factor,
                                     seed=self.generator)

    def transform_images(self, images, transformation, training=True):
        return images + transformation if training else images


@pytest.mark.parametrize("factor", [0.3, (0.1, 0.5), [-0.2, 0.4], 0, (0.5, 0.1)])
def test_factor_is_parsed_as_keras(factor):
    from keras.src.layers.preprocessing.image_preprocessing import base_image_preprocessing_layer

    theirs = base_image_preprocessing_layer.BaseImagePreprocessingLayer(factor=factor)
    assert tuple(Shift(factor=factor).factor) == pytest.approx(tuple(theirs.factor))


@pytest.mark.parametrize("factor", [1.5, (0.1, 0.2, 0.3), "big", (-3, -2)])
def test_bad_factor_is_refused_with_keras_message(factor):
    with pytest.raises(ValueError, match="The `factor` argument should be a number"):
        Shift(factor=factor)


def test_training_defaults_to_true_when_called_directly_as_in_keras():
    images = np.zeros((2, 4, 4, 3), "float32")
    model = lamina.Sequential([lamina.Input((4, 4, 3)), Shift(factor=(1.0, 1.0))])
    np.testing.assert_allclose(model(images), images + 1)  # Keras: the call default applies
    np.testing.assert_allclose(model.predict(images, verbose=0), images)
    np.testing.assert_allclose(model(images, training=False), images)


def test_batches_single_images_and_dicts_share_one_transformation():
    layer = Shift(factor=(1.0, 1.0))  # a fixed offset of 1
    images = np.zeros((2, 4, 4, 3), "float32")
    np.testing.assert_allclose(layer(images), images + 1)
    np.testing.assert_allclose(layer(images[0]), images[0] + 1)
    out = layer({"images": images, "labels": np.array([0, 1]),
                 "segmentation_masks": np.zeros((2, 4, 4, 1), "float32")})
    np.testing.assert_allclose(out["images"], images + 1)
    np.testing.assert_allclose(out["segmentation_masks"], 1.0)
    np.testing.assert_array_equal(out["labels"], [0, 1])
    np.testing.assert_allclose(layer(images, training=False), images)


def test_rank_and_bounding_box_format_errors():
    with pytest.raises(ValueError, match="rank 3 \\(single image\\) or 4"):
        Shift()(np.zeros((4, 4), "float32"))
    with pytest.raises(ValueError, match="bounding box format"):
        Shift()({"images": np.zeros((1, 4, 4, 3), "float32"),
                 "bounding_boxes": {"boxes": np.zeros((1, 1, 4)), "labels": np.zeros((1, 1))}})


def test_data_format_default_and_config():
    layer = Shift(data_format="channels_first", name="shift")
    assert layer.get_config()["data_format"] == "channels_first"
    assert Shift().data_format == "channels_last"
    with pytest.raises(ValueError, match="data_format"):
        Shift(data_format="nhwc")
