"""`keras.preprocessing` (Keras's older home of the data utilities) as code written for it uses
it: `keras.preprocessing.image.smart_resize` against Keras's, and the same functions as utils."""

import numpy as np
import pytest

import lamina

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("shape,size,interpolation,data_format", [
    ((34, 50, 3), (20, 20), "bilinear", "channels_last"),
    ((2, 40, 24, 3), (16, 32), "nearest", "channels_last"),
    ((3, 30, 45), (10, 12), "bicubic", "channels_first"),
    ((1, 3, 9, 9), (4, 4), "bilinear", "channels_first"),
])
def test_smart_resize_matches_keras(shape, size, interpolation, data_format):
    image = np.random.default_rng(0).random(shape).astype("float32") * 255
    expected = keras.preprocessing.image.smart_resize(image, size, interpolation=interpolation,
                                                      data_format=data_format)
    got = lamina.preprocessing.image.smart_resize(image, size, interpolation=interpolation,
                                                  data_format=data_format)
    assert isinstance(got, np.ndarray)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-3)


def test_smart_resize_refuses_what_keras_refuses():
    with pytest.raises(ValueError, match="tuple of 2 integers"):
        lamina.preprocessing.image.smart_resize(np.zeros((4, 4, 3)), (2, 2, 2))
    with pytest.raises(ValueError, match="incorrect rank"):
        lamina.preprocessing.image.smart_resize(np.zeros((4, 4)), (2, 2))


def test_the_namespace_holds_the_utils_functions():
    pre = lamina.preprocessing
    assert pre.image_dataset_from_directory is lamina.utils.image_dataset_from_directory
    assert pre.text_dataset_from_directory is lamina.utils.text_dataset_from_directory
    assert pre.timeseries_dataset_from_array is lamina.utils.timeseries_dataset_from_array
    assert pre.sequence.pad_sequences is lamina.utils.pad_sequences
    assert pre.image.load_img is lamina.utils.load_img
    padded = pre.sequence.pad_sequences([[1, 2], [3]], maxlen=3)
    np.testing.assert_array_equal(padded, keras.preprocessing.sequence.pad_sequences(
        [[1, 2], [3]], maxlen=3))
