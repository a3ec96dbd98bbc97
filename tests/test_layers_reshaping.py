"""Reshaping layers against Keras 3 (oracle): outputs, shapes, configs, gradients, errors."""

import numpy as np
import pytest
from test_layers_conv import check_against_keras

import lamina
from lamina import layers

keras = pytest.importorskip("keras")

CASES = [
    ("UpSampling1D", dict(), (2, 4, 3)),
    ("UpSampling1D", dict(size=3), (2, 4, 3)),
    ("UpSampling2D", dict(), (2, 3, 4, 2)),
    ("UpSampling2D", dict(size=(2, 3), data_format="channels_first"), (2, 2, 3, 4)),
    ("UpSampling2D", dict(size=2, interpolation="bilinear"), (2, 3, 4, 2)),
    ("ZeroPadding1D", dict(), (2, 4, 3)),
    ("ZeroPadding1D", dict(padding=(2, 0), data_format="channels_first"), (2, 4, 3)),
    ("ZeroPadding2D", dict(), (2, 3, 4, 2)),
    ("ZeroPadding2D", dict(padding=((1, 0), (2, 3))), (2, 3, 4, 2)),
    ("ZeroPadding2D", dict(padding=(2, 1), data_format="channels_first"), (2, 2, 3, 4)),
    ("Cropping1D", dict(), (2, 5, 3)),
    ("Cropping1D", dict(cropping=(0, 2)), (2, 5, 3)),
    ("Cropping2D", dict(cropping=1), (2, 5, 6, 2)),
    ("Cropping2D", dict(cropping=((1, 0), (2, 1)), data_format="channels_first"), (2, 2, 5, 6)),
    ("Permute", dict(dims=(2, 1)), (2, 3, 4)),
    ("Permute", dict(dims=(3, 1, 2)), (2, 3, 4, 5)),
    ("RepeatVector", dict(n=3), (2, 4)),
]


@pytest.mark.parametrize("name,kwargs,shape", CASES)
def test_reshaping_matches_keras(name, kwargs, shape):
    check_against_keras(name, kwargs, shape)


def test_reshaping_errors_name_the_layer():
    with pytest.raises(lamina.errors.ShapeError, match=r"'crop' \(Cropping2D\)"):
        layers.Cropping2D(3, name="crop")(np.zeros((1, 5, 5, 1), "float32"))
    with pytest.raises(lamina.errors.ConfigError, match="permutation"):
        layers.Permute((1, 3))
    with pytest.raises(lamina.errors.ConfigError, match="interpolation"):
        layers.UpSampling2D(interpolation="area")
    with pytest.raises(lamina.errors.ShapeError, match="channel axis"):
        layers.ZeroPadding2D()(np.zeros((2, 8, 8), "float32"))
    with pytest.raises(lamina.errors.ConfigError, match="n"):
        layers.RepeatVector(0)


def test_reshaping_in_a_model_summary_shapes():
    model = lamina.Sequential([layers.Input((6, 6, 1)), layers.ZeroPadding2D(1),
                               layers.Cropping2D(((0, 2), (1, 1))), layers.UpSampling2D(),
                               layers.Flatten(), layers.RepeatVector(2), layers.Permute((2, 1))])
    assert model.compute_output_shape((None, 6, 6, 1)) == (None, 144, 2)
    assert model(np.ones((1, 6, 6, 1), "float32")).shape == (1, 144, 2)
