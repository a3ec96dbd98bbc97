"""Keras 3 (JAX backend) is the oracle: files written by each library load in the other with
the same predictions, for every layer family lamina has."""

import json
import zipfile

import keras
import numpy as np
import pytest

import lamina

TOL = dict(rtol=1e-5, atol=1e-6)


def _mlp(K):
    return K.Sequential([K.Input((4,)), K.layers.Dense(8, activation="relu"),
                         K.layers.Dense(3, activation="softmax")])


def _cnn(K):
    return K.Sequential([K.Input((8, 8, 2)), K.layers.Conv2D(4, 3, activation="relu"),
                         K.layers.MaxPooling2D(), K.layers.Flatten(), K.layers.Dense(3)])


def _lstm(K):
    return K.Sequential([K.Input((5, 3)), K.layers.LSTM(4), K.layers.Dense(2)])


def _gru(reset_after):
    return lambda K: K.Sequential([K.Input((5, 3)), K.layers.GRU(4, reset_after=reset_after),
                                   K.layers.Dense(2)])


def _bn(K):
    return K.Sequential([K.Input((4,)), K.layers.Dense(6), K.layers.BatchNormalization(),
                         K.layers.Dense(2)])


def _embedding(K):
    return K.Sequential([K.Input((5,), dtype="int32"), K.layers.Embedding(10, 4),
                         K.layers.GlobalAveragePooling1D(), K.layers.Dense(2)])


CASES = {"mlp": (_mlp, (6, 4)), "cnn": (_cnn, (3, 8, 8, 2)), "lstm": (_lstm, (3, 5, 3)),
         "gru_reset_after": (_gru(True), (3, 5, 3)), "gru_reset_before": (_gru(False), (3, 5, 3)),
         "batchnorm": (_bn, (6, 4)), "embedding": (_embedding, (4, 5))}


def _inputs(name, shape):
    rng = np.random.default_rng(1)
    if name == "embedding":
        return rng.integers(0, 10, shape).astype("int32")
    return rng.normal(size=shape).astype("float32")


def _randomize(model):
    rng = np.random.default_rng(2)
    values = []
    for w in model.weights:
        v = rng.normal(scale=0.5, size=tuple(w.shape)).astype("float32")
        values.append(np.abs(v) + 0.5 if "variance" in w.path else v)
    model.set_weights(values)


def _predict(model, x):
    return np.asarray(model(x))


FORMATS = ("keras", "h5", "weights.h5")


def _load_lamina(path, fmt, build):
    if fmt != "weights.h5":
        return lamina.models.load_model(path)
    model = build(lamina)
    model.load_weights(path)
    return model


def _load_keras(path, fmt, build):
    if fmt != "weights.h5":
        return keras.models.load_model(path, compile=False)
    model = build(keras)
    model.load_weights(path)
    return model


@pytest.mark.parametrize("case", sorted(CASES))
def test_files_load_both_ways(tmp_path, case):
    """Keras writes .keras/.h5/.weights.h5 -> lamina loads; lamina writes them -> Keras loads."""
    build, shape = CASES[case]
    x = _inputs(case, shape)
    kmodel = build(keras)
    _randomize(kmodel)
    expected = _predict(kmodel, x)
    for fmt in FORMATS:
        path = str(tmp_path / f"k.{fmt}")
        kmodel.save_weights(path) if fmt == "weights.h5" else kmodel.save(path)
        model = _load_lamina(path, fmt, build)
        if fmt != "weights.h5":
            assert [l.name for l in model.layers] == [l.name for l in kmodel.layers]
        np.testing.assert_allclose(_predict(model, x), expected, **TOL, err_msg=fmt)
    for fmt in FORMATS:
        path = str(tmp_path / f"l.{fmt}")
        model.save_weights(path) if fmt == "weights.h5" else model.save(path)
        loaded = _load_keras(path, fmt, build)
        assert loaded.count_params() == kmodel.count_params()
        np.testing.assert_allclose(_predict(loaded, x), expected, **TOL, err_msg=fmt)


def test_keras_compiled_file_restores_optimizer_state(tmp_path):
    x, y = _inputs("mlp", (16, 4)), np.random.default_rng(3).integers(0, 3, 16)
    kmodel = _mlp(keras)
    kmodel.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                   metrics=["accuracy"])
    kmodel.fit(x, y, epochs=2, batch_size=8, verbose=0)
    kmodel.save(tmp_path / "k.keras")
    model = lamina.models.load_model(tmp_path / "k.keras")
    assert type(model.optimizer).__name__ == "Adam"
    assert model.optimizer.learning_rate == pytest.approx(0.01)
    assert model.optimizer.iterations == 4
    ours = model.optimizer.keras_variables(model._optimizer_state)
    for a, b in zip(ours, kmodel.optimizer.variables, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), **TOL)
    # one more identical step in both gives the same weights
    kmodel.train_on_batch(x[:8], y[:8])
    model.train_on_batch(x[:8], y[:8])
    for a, b in zip(model.get_weights(), kmodel.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_lamina_file_config_matches_keras_layout(tmp_path):
    kmodel, model = _mlp(keras), _mlp(lamina)
    kmodel.compile(optimizer="adam", loss="mse")
    model.compile(optimizer="adam", loss="mse")
    kmodel.save(tmp_path / "k.keras")
    model.save(tmp_path / "l.keras")

    def layout(path):
        with zipfile.ZipFile(path) as z:
            cfg = json.loads(z.read("config.json"))
            meta = json.loads(z.read("metadata.json"))
        return sorted(cfg), sorted(cfg["compile_config"]), [
            e["class_name"] for e in cfg["config"]["layers"]], sorted(meta)[:2]

    assert layout(tmp_path / "l.keras")[:3] == layout(tmp_path / "k.keras")[:3]
    loaded = keras.models.load_model(tmp_path / "l.keras")
    assert type(loaded.optimizer).__name__ == "Adam"
    assert loaded.loss == "mse"


def _two_in_two_out(K):
    a, b = K.Input((4,), name="a"), K.Input((3,), name="b")
    shared = K.layers.Dense(5, activation="relu", name="shared")
    merged = K.layers.Concatenate(name="merge")([shared(a), K.layers.Dense(5, name="side")(b)])
    return K.Model([a, b], [K.layers.Dense(2, name="cls", activation="softmax")(merged),
                            K.layers.Dense(1, name="reg")(K.layers.Add(name="skip")(
                                [shared(a), K.layers.Dense(5, name="proj")(merged)]))])


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_input_two_output_functional_loads_both_ways(tmp_path, fmt):
    rng = np.random.default_rng(4)
    x = [rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=(3, 3)).astype("float32")]
    kmodel = _two_in_two_out(keras)
    _randomize(kmodel)
    expected = [np.asarray(t) for t in kmodel(x)]
    path = str(tmp_path / f"k.{fmt}")
    kmodel.save_weights(path) if fmt == "weights.h5" else kmodel.save(path)
    ours = _load_lamina(path, fmt, _two_in_two_out)
    for got, want in zip(ours.predict(x, verbose=0), expected):
        np.testing.assert_allclose(got, want, **TOL)
    path = str(tmp_path / f"l.{fmt}")
    ours.save_weights(path) if fmt == "weights.h5" else ours.save(path)
    theirs = _load_keras(path, fmt, _two_in_two_out)
    for got, want in zip(theirs(x), expected):
        np.testing.assert_allclose(np.asarray(got), want, **TOL)
