"""Every single-input layer type lamina has round-trips through .keras, .h5 and .weights.h5:
identical predictions and identical config. (Multi-input merge layers are covered by the
functional interop test; cells and wrappers through LSTM/GRU/Bidirectional/TimeDistributed.)"""

import numpy as np
import pytest

import lamina
from lamina import layers as L

SEQ, IMG, VOL = (6, 3), (8, 8, 2), (4, 4, 4, 2)
CASES = {
    "Dense": (lambda: L.Dense(3, activation="relu"), (5,)),
    "Activation": (lambda: L.Activation("tanh"), (5,)),
    "Dropout": (lambda: L.Dropout(0.3), (5,)),
    "Reshape": (lambda: L.Reshape((5, 1)), (5,)),
    "Flatten": (lambda: L.Flatten(), IMG),
    "Conv1D": (lambda: L.Conv1D(4, 3, padding="causal"), SEQ),
    "Conv2D": (lambda: L.Conv2D(4, 3, strides=2, padding="same"), IMG),
    "Conv3D": (lambda: L.Conv3D(3, 2), VOL),
    "Conv1DTranspose": (lambda: L.Conv1DTranspose(3, 2, strides=2), SEQ),
    "Conv2DTranspose": (lambda: L.Conv2DTranspose(3, 3, strides=2, padding="same"), IMG),
    "Conv3DTranspose": (lambda: L.Conv3DTranspose(2, 2), VOL),
    "DepthwiseConv1D": (lambda: L.DepthwiseConv1D(3, depth_multiplier=2), SEQ),
    "DepthwiseConv2D": (lambda: L.DepthwiseConv2D(3), IMG),
    "SeparableConv1D": (lambda: L.SeparableConv1D(4, 3), SEQ),
    "SeparableConv2D": (lambda: L.SeparableConv2D(4, 3), IMG),
    "MaxPooling1D": (lambda: L.MaxPooling1D(2), SEQ),
    "MaxPooling2D": (lambda: L.MaxPooling2D(), IMG),
    "MaxPooling3D": (lambda: L.MaxPooling3D(), VOL),
    "AveragePooling1D": (lambda: L.AveragePooling1D(2), SEQ),
    "AveragePooling2D": (lambda: L.AveragePooling2D(3, strides=1, padding="same"), IMG),
    "AveragePooling3D": (lambda: L.AveragePooling3D(), VOL),
    "GlobalMaxPooling1D": (lambda: L.GlobalMaxPooling1D(), SEQ),
    "GlobalAveragePooling2D": (lambda: L.GlobalAveragePooling2D(keepdims=True), IMG),
    "GlobalMaxPooling3D": (lambda: L.GlobalMaxPooling3D(), VOL),
    "UpSampling1D": (lambda: L.UpSampling1D(2), SEQ),
    "UpSampling2D": (lambda: L.UpSampling2D(interpolation="bilinear"), IMG),
    "ZeroPadding1D": (lambda: L.ZeroPadding1D(1), SEQ),
    "ZeroPadding2D": (lambda: L.ZeroPadding2D(((1, 0), (0, 2))), IMG),
    "Cropping1D": (lambda: L.Cropping1D((1, 2)), SEQ),
    "Cropping2D": (lambda: L.Cropping2D(1), IMG),
    "Permute": (lambda: L.Permute((2, 1)), SEQ),
    "RepeatVector": (lambda: L.RepeatVector(3), (5,)),
    "SimpleRNN": (lambda: L.SimpleRNN(4, return_sequences=True), SEQ),
    "LSTM": (lambda: L.LSTM(4), SEQ),
    "GRU": (lambda: L.GRU(4, reset_after=False), SEQ),
    "Bidirectional": (lambda: L.Bidirectional(L.LSTM(3)), SEQ),
    "TimeDistributed": (lambda: L.TimeDistributed(L.Dense(2)), SEQ),
    "Masking": (lambda: L.Masking(0.0), SEQ),
    "BatchNormalization": (lambda: L.BatchNormalization(), IMG),
    "LayerNormalization": (lambda: L.LayerNormalization(), SEQ),
    "GroupNormalization": (lambda: L.GroupNormalization(groups=2), IMG),
    "UnitNormalization": (lambda: L.UnitNormalization(), (5,)),
    "SpatialDropout1D": (lambda: L.SpatialDropout1D(0.2), SEQ),
    "SpatialDropout2D": (lambda: L.SpatialDropout2D(0.2), IMG),
    "GaussianNoise": (lambda: L.GaussianNoise(0.1), (5,)),
    "GaussianDropout": (lambda: L.GaussianDropout(0.1), (5,)),
    "AlphaDropout": (lambda: L.AlphaDropout(0.1), (5,)),
    "ActivityRegularization": (lambda: L.ActivityRegularization(l1=0.01), (5,)),
    "Rescaling": (lambda: L.Rescaling(0.5, offset=-1.0), IMG),
    "Normalization": (lambda: L.Normalization(mean=0.5, variance=2.0), (5,)),
    "CenterCrop": (lambda: L.CenterCrop(4, 6), IMG),
    "Resizing": (lambda: L.Resizing(4, 5), IMG),
}


def _randomize(model):
    rng = np.random.default_rng(0)
    model.set_weights([np.abs(rng.normal(size=w.shape)).astype(w.dtype) + 0.1
                       if "variance" in w.path else rng.normal(size=w.shape).astype(w.dtype)
                       for w in model.weights])


@pytest.mark.parametrize("case", sorted(CASES))
def test_layer_round_trips_in_every_format(tmp_path, case):
    factory, shape = CASES[case]
    model = lamina.Sequential([L.Input(shape), factory(), L.Flatten(), L.Dense(2)])
    _randomize(model)
    x = np.random.default_rng(1).normal(size=(3, *shape)).astype("float32")
    expected = model.predict(x, verbose=0)
    for fmt in ("keras", "h5"):
        path = tmp_path / f"m.{fmt}"
        model.save(path)
        loaded = lamina.models.load_model(path)
        np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, atol=1e-6,
                                   err_msg=fmt)
        assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
        assert loaded.layers[0].get_config() == model.layers[0].get_config() | {
            "name": loaded.layers[0].name}
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    fresh = lamina.Sequential([L.Input(shape), factory(), L.Flatten(), L.Dense(2)])
    fresh.load_weights(path)
    np.testing.assert_allclose(fresh.predict(x, verbose=0), expected, atol=1e-6)
