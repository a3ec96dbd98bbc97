"""RMSNormalization, UpSampling3D, ZeroPadding3D and Cropping3D against Keras 3 (the oracle):
outputs with copied weights, configs, one epoch of fit, and .keras files both ways."""

import numpy as np
import pytest
from test_layers_conv import check_against_keras

import lamina

keras = pytest.importorskip("keras")

CASES = [
    ("RMSNormalization", dict(), (2, 3, 5)),
    ("RMSNormalization", dict(axis=[-2, -1], epsilon=1e-3), (2, 3, 5)),
    ("RMSNormalization", dict(axis=1), (3, 4)),
    ("UpSampling3D", dict(), (2, 2, 3, 2, 2)),
    ("UpSampling3D", dict(size=(1, 2, 3), data_format="channels_first"), (2, 2, 2, 3, 2)),
    ("UpSampling3D", dict(size=2, data_format="channels_last"), (1, 2, 2, 2, 3)),
    ("ZeroPadding3D", dict(), (2, 2, 3, 2, 2)),
    ("ZeroPadding3D", dict(padding=(2, 0, 1)), (2, 2, 3, 2, 2)),
    ("ZeroPadding3D", dict(padding=((1, 0), (0, 2), (2, 1)), data_format="channels_first"),
     (2, 2, 2, 3, 2)),
    ("Cropping3D", dict(), (2, 4, 5, 4, 2)),
    ("Cropping3D", dict(cropping=(1, 0, 2)), (2, 4, 5, 6, 2)),
    ("Cropping3D", dict(cropping=((1, 0), (0, 2), (1, 1)), data_format="channels_first"),
     (2, 2, 4, 5, 6)),
]


@pytest.mark.parametrize("name,kwargs,shape", CASES)
def test_layer_matches_keras(name, kwargs, shape):
    ours, theirs = check_against_keras(name, kwargs, shape, atol=1e-6)
    x = np.random.default_rng(3).normal(size=shape).astype("float32")
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), atol=1e-6, rtol=1e-6)
    assert ours.get_config() == theirs.get_config() | {"name": ours.name}
    assert [w.path.split("/")[-1] for w in ours.weights] == [
        w.path.split("/")[-1] for w in theirs.weights]


def test_configs_equal_keras_before_build():
    for name, kwargs, _ in CASES:
        ours = getattr(lamina.layers, name)(name="layer", **kwargs)
        theirs = getattr(keras.layers, name)(name="layer", **kwargs)
        assert ours.get_config() == theirs.get_config(), name


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="padding"):
        lamina.layers.ZeroPadding3D(padding=(1, 2))
    with pytest.raises(ValueError, match="cropping"):
        lamina.layers.Cropping3D(cropping=((1, 1), (1, 1)))
    with pytest.raises(ValueError, match="Cropping3D"):
        lamina.layers.Cropping3D(2)(np.zeros((1, 4, 4, 4, 1), "float32"))
    with pytest.raises(ValueError, match="axis"):
        lamina.layers.RMSNormalization(axis=3)(np.zeros((2, 3), "float32"))


def _model(K):
    return K.Sequential([
        K.layers.Input((3, 4, 3, 2)), K.layers.ZeroPadding3D(((1, 0), (0, 1), (1, 1))),
        K.layers.Cropping3D(((0, 1), (1, 0), (0, 2))), K.layers.UpSampling3D((1, 2, 1)),
        K.layers.RMSNormalization(), K.layers.Flatten(), K.layers.Dense(2)])


def _randomized(model):
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.weights])
    return model


X = np.random.default_rng(1).normal(size=(16, 3, 4, 3, 2)).astype("float32")
Y = np.random.default_rng(2).normal(size=(16, 2)).astype("float32")


def test_one_epoch_of_fit_matches_keras():
    theirs, ours = _randomized(_model(keras)), _model(lamina)
    ours.set_weights(theirs.get_weights())
    for model, K in ((theirs, keras), (ours, lamina)):
        model.compile(optimizer=K.optimizers.Adam(0.01), loss="mse")
    h_theirs = theirs.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0).history
    h_ours = ours.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0).history
    np.testing.assert_allclose(h_ours["loss"], h_theirs["loss"], atol=1e-4, rtol=1e-4)
    for got, want in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(got, want, atol=1e-4)


@pytest.mark.parametrize("direction", ["keras_to_lamina", "lamina_to_keras"])
def test_keras_files_load_both_ways(tmp_path, direction):
    writer, reader = (keras, lamina) if direction == "keras_to_lamina" else (lamina, keras)
    model = _randomized(_model(writer))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = reader.models.load_model(path)
    assert [type(layer).__name__ for layer in loaded.layers] == [
        type(layer).__name__ for layer in model.layers]
    np.testing.assert_allclose(np.asarray(loaded.predict(X, verbose=0)),
                               np.asarray(model.predict(X, verbose=0)), atol=1e-6, rtol=1e-6)
    for got, want in zip(loaded.layers, model.layers):
        assert got.get_config() == want.get_config()
