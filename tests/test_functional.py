"""Functional API: graph recording, Model(inputs, outputs), parity with Keras, summaries."""

import io
import json

import numpy as np
import pytest

import lamina
from lamina import errors

keras = pytest.importorskip("keras")


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


def _summary(model, **kwargs) -> list[str]:
    out = io.StringIO()
    model.summary(print_fn=lambda line, *a, **k: out.write(line + "\n"), line_length=100,
                  **kwargs)
    return [line.rstrip() for line in out.getvalue().splitlines() if line.strip()]


def mlp(lib):
    a = lib.Input((6,), name="x")
    h = lib.layers.Dense(8, activation="relu", name="hidden")(a)
    return lib.Model(a, lib.layers.Dense(3, activation="softmax", name="out")(h), name="mlp")


def branchy(lib):
    """Two inputs, a shared layer, two outputs."""
    a, b = lib.Input((4,), name="a"), lib.Input((3,), name="b")
    shared = lib.layers.Dense(5, name="shared")
    x1 = shared(lib.layers.Dense(5, name="d0")(a))
    x2 = shared(lib.layers.Dense(5, name="d1")(b))
    return lib.Model([a, b], [lib.layers.Dense(2, activation="softmax", name="cls")(x1),
                              lib.layers.Dense(1, name="reg")(x2)], name="branchy")


def copy_weights(ours, theirs):
    ours.set_weights(theirs.get_weights())


def test_single_io_predict_and_fit_match_keras():
    theirs, ours = mlp(keras), mlp(lamina)
    copy_weights(ours, theirs)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(96, 6)).astype("float32"), rng.integers(0, 3, 96)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               atol=1e-5)
    for m, lib in ((theirs, keras), (ours, lamina)):
        m.compile(lib.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    h1 = theirs.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    h2 = ours.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert list(h2.history) == list(h1.history)
    np.testing.assert_allclose(h2.history["loss"], h1.history["loss"], rtol=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_structure_names_and_layer_order_match_keras():
    theirs, ours = branchy(keras), branchy(lamina)
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
    assert ours.output_names == theirs.output_names
    assert ours.count_params() == theirs.count_params()
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert ours.get_layer("shared").count_params() == 30
    assert len(ours.get_layer("shared")._inbound_nodes) == 2


def test_summary_has_keras_connected_to_column():
    theirs, ours = branchy(keras), branchy(lamina)
    assert _summary(ours) == _summary(theirs)
    assert "Connected to" in _summary(ours)[2] and "shared[1][0]" in "".join(_summary(ours))
    assert "Connected to" not in _summary(mlp(lamina))[2]


def test_feature_extraction_returns_intermediate_activations():
    model = mlp(lamina)
    features = lamina.Model(model.inputs, model.get_layer("hidden").output)
    x = np.random.default_rng(1).normal(size=(5, 6)).astype("float32")
    hidden = model.get_layer("hidden")
    expected = np.maximum(x @ np.asarray(hidden.kernel.value) + np.asarray(hidden.bias.value), 0)
    np.testing.assert_allclose(features.predict(x, verbose=0), expected, atol=1e-5)
    assert features.count_params() == 56
    assert hidden.input is model.inputs[0]


def test_symbolic_tensor_shapes_and_layer_io():
    x = lamina.Input((4,), batch_size=2, dtype="float32", name="inp")
    assert x.shape == (2, 4) and x.dtype == "float32"
    dense = lamina.layers.Dense(3)
    y = dense(x)
    assert y.shape == (2, 3) and dense.output is y and dense.input is x


def test_model_nested_in_model_matches_keras():
    def build(lib):
        inner = mlp(lib)
        x = lib.Input((6,), name="outer_in")
        y = lib.layers.Dense(2, name="head")(inner(x))
        return lib.Model(x, y, name="outer")

    theirs, ours = build(keras), build(lamina)
    copy_weights(ours, theirs)
    x = np.random.default_rng(2).normal(size=(7, 6)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               atol=1e-5)
    assert ours.count_params() == theirs.count_params()
    assert _summary(ours) == _summary(theirs)
    assert "hidden (Dense)" in "".join(_summary(ours, expand_nested=True))


def test_wrong_wiring_errors_name_the_layer():
    x = lamina.Input((4,))
    dense = lamina.layers.Dense(3, name="d")
    dense(x)
    with pytest.raises(errors.ShapeError, match="'d'"):
        dense(lamina.Input((5,)))
    other = lamina.Input((4,))
    y = lamina.layers.Dense(2, name="orphan_out")(other)
    with pytest.raises(errors.ConfigError, match="(?s)disconnected.*orphan_out|orphan_out.*Input"):
        lamina.Model(x, y)
    a = lamina.layers.Dense(2, name="twin")(x)
    b = lamina.layers.Dense(2, name="twin")(a)
    with pytest.raises(errors.ConfigError, match='"twin" is used 2 times'):
        lamina.Model(x, b)
    with pytest.raises(errors.ConfigError, match="symbolic tensors"):
        lamina.Model(x, np.zeros((1, 2)))


def two_in_two_out(lib):
    a, b = lib.Input((4,), name="a"), lib.Input((3,), name="b")
    x = lib.layers.Concatenate()([lib.layers.Dense(5, activation="relu")(a),
                                  lib.layers.Dense(5)(b)])
    return lib.Model([a, b], [lib.layers.Dense(3, activation="softmax", name="cls")(x),
                              lib.layers.Dense(1, name="reg")(x)])


def siamese(lib):
    a, b = lib.Input((5,)), lib.Input((5,))
    encoder = lib.layers.Dense(4, activation="tanh", name="encoder")
    distance = lib.layers.Subtract()([encoder(a), encoder(b)])
    return lib.Model([a, b], lib.layers.Dense(1, activation="sigmoid")(distance))


def _fit_both(build, compile_kwargs, x, y, **fit_kwargs):
    theirs, ours = build(keras), build(lamina)
    copy_weights(ours, theirs)
    histories = []
    for model, lib in ((theirs, keras), (ours, lamina)):
        model.compile(lib.optimizers.Adam(0.01), **compile_kwargs(lib))
        histories.append(model.fit(x, y, batch_size=16, shuffle=False, verbose=0,
                                   **fit_kwargs).history)
    return theirs, ours, histories


def _assert_same(theirs, ours, h_theirs, h_ours):
    assert list(h_ours) == list(h_theirs)
    for key in h_theirs:
        np.testing.assert_allclose(h_ours[key], h_theirs[key], rtol=1e-4, atol=1e-6)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)


MULTI_DATA = np.random.default_rng(3)
XA = MULTI_DATA.normal(size=(72, 4)).astype("float32")
XB = MULTI_DATA.normal(size=(72, 3)).astype("float32")
Y_CLS = MULTI_DATA.integers(0, 3, 72)
Y_REG = MULTI_DATA.normal(size=(72, 1)).astype("float32")


@pytest.mark.parametrize("form", ["dict", "list"])
def test_two_inputs_two_outputs_match_keras(form):
    def compile_kwargs(lib):
        if form == "dict":
            return dict(loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"},
                        loss_weights={"cls": 1.0, "reg": 0.5},
                        metrics={"cls": ["accuracy"], "reg": ["mae"]})
        return dict(loss=["sparse_categorical_crossentropy", lib.losses.MeanSquaredError()],
                    loss_weights=[0.3, 2.0], metrics=[["accuracy"], ["mae", "mse"]])

    y = {"cls": Y_CLS, "reg": Y_REG} if form == "dict" else [Y_CLS, Y_REG]
    theirs, ours, (h1, h2) = _fit_both(two_in_two_out, compile_kwargs, [XA, XB], y,
                                       validation_split=0.25)
    _assert_same(theirs, ours, h1, h2)
    assert "cls_loss" in h2 and "val_reg_mae" in h2
    np.testing.assert_allclose(ours.evaluate({"a": XA, "b": XB}, y, verbose=0),
                               theirs.evaluate([XA, XB], y, verbose=0), rtol=1e-5)
    preds = ours.predict([XA, XB], verbose=0)
    assert [p.shape for p in preds] == [(72, 3), (72, 1)]


W_CLS = MULTI_DATA.uniform(0.1, 2.0, 72).astype("float32")
W_REG = MULTI_DATA.uniform(0.1, 2.0, 72).astype("float32")


def _weighted_compile(form):
    def by_output(cls, reg):
        return {"cls": cls, "reg": reg} if form == "dict" else [cls, reg]

    return by_output, lambda lib: dict(
        loss=by_output("sparse_categorical_crossentropy", "mse"),
        loss_weights=by_output(1.0, 0.5), metrics=by_output(["accuracy"], []),
        weighted_metrics=by_output(["accuracy"], ["mae"]))


@pytest.mark.parametrize("form", ["list", "one array"])
def test_per_output_sample_weights_match_keras(form):
    by_output, compile_kwargs = _weighted_compile(form)
    weights = [W_CLS, W_REG] if form == "list" else W_CLS
    theirs, ours, (h1, h2) = _fit_both(two_in_two_out, compile_kwargs, [XA, XB],
                                       by_output(Y_CLS, Y_REG), sample_weight=weights, epochs=2)
    _assert_same(theirs, ours, h1, h2)


def test_per_output_sample_weights_by_output_name():
    """Keras 3.15 fails on dict sample weights itself; a dict must train like the list."""
    runs, initial = [], two_in_two_out(lamina).get_weights()
    for form, weights in (("list", [W_CLS, W_REG]), ("dict", {"reg": W_REG, "cls": W_CLS})):
        by_output, compile_kwargs = _weighted_compile(form)
        model = two_in_two_out(lamina)
        model.set_weights(initial)
        model.compile(lamina.optimizers.Adam(0.01), **compile_kwargs(lamina))
        history = model.fit([XA, XB], by_output(Y_CLS, Y_REG), sample_weight=weights,
                            batch_size=16, shuffle=False, verbose=0).history
        runs.append((model, history))
    (m1, h1), (m2, h2) = runs
    assert h1 == h2
    for a, b in zip(m1.get_weights(), m2.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_class_weight_and_sample_weight_structure_errors():
    model = two_in_two_out(lamina)
    model.compile("adam", loss=["sparse_categorical_crossentropy", "mse"])
    before = model.get_weights()
    with pytest.raises(errors.ConfigError, match="single output.*sample_weight"):
        model.fit([XA, XB], [Y_CLS, Y_REG], class_weight={0: 1.0, 1: 2.0, 2: 1.0}, verbose=0)
    with pytest.raises(errors.DataError, match=r"\['reg'\]"):
        model.fit([XA, XB], {"cls": Y_CLS, "reg": Y_REG},
                  sample_weight={"cls": np.ones(72)}, verbose=0)
    single = mlp(lamina)
    single.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(errors.DataError, match="one array"):
        single.fit(XA[:, :1].repeat(6, 1), Y_CLS, sample_weight=[np.ones(72), np.ones(72)],
                   verbose=0)
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_shared_layer_siamese_matches_keras():
    y = (XA[:, :1] > 0).astype("float32")
    x1 = MULTI_DATA.normal(size=(72, 5)).astype("float32")
    x2 = MULTI_DATA.normal(size=(72, 5)).astype("float32")
    theirs, ours, (h1, h2) = _fit_both(siamese, lambda lib: dict(
        loss="binary_crossentropy", metrics=["accuracy"]), [x1, x2], y)
    _assert_same(theirs, ours, h1, h2)
    assert ours.count_params() == theirs.count_params() == 4 * 5 + 4 + 5
    assert len(ours.get_layer("encoder").weights) == 2


def test_multi_output_errors_name_the_output_and_fix():
    model = two_in_two_out(lamina)
    with pytest.raises(errors.ConfigError, match="'clss'.*output names|output names.*cls"):
        model.compile("adam", loss={"clss": "mse", "reg": "mse"})
    with pytest.raises(errors.ConfigError, match="2 outputs"):
        model.compile("adam", loss=["mse", "mse", "mse"])
    model.compile("adam", loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"})
    with pytest.raises(errors.DataError, match=r"\['reg'\]"):
        model.fit([XA, XB], {"cls": Y_CLS}, verbose=0)
    with pytest.raises(errors.DataError, match="out of range"):
        model.fit([XA, XB], [Y_CLS + 5, Y_REG], verbose=0)
    with pytest.raises(errors.DataError, match="wrong number of inputs"):
        model.predict([XA], verbose=0)


def test_config_round_trips_and_matches_keras_format():
    def build(lib):
        inner = mlp(lib)
        x = lib.Input((6,), name="x_outer")
        shared = lib.layers.Dense(6, name="sh")
        h = lib.layers.Add(name="add")([shared(x), shared(shared(x))])
        return lib.Model(x, [inner(h), h], name="outer")

    theirs, ours = build(keras), build(lamina)
    cfg = json.loads(json.dumps(ours.get_config()))
    ref = json.loads(json.dumps(theirs.get_config()))
    assert cfg["input_layers"] == ref["input_layers"]
    assert cfg["output_layers"] == ref["output_layers"]
    assert [e["name"] for e in cfg["layers"]] == [e["name"] for e in ref["layers"]]
    for mine, keras_entry in zip(cfg["layers"], ref["layers"]):
        assert mine["inbound_nodes"] == keras_entry["inbound_nodes"], mine["name"]
    clone = lamina.Model.from_config(cfg)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in ours.layers]
    clone.set_weights(ours.get_weights())
    x = np.random.default_rng(4).normal(size=(3, 6)).astype("float32")
    for a, b in zip(clone.predict(x, verbose=0), ours.predict(x, verbose=0)):
        np.testing.assert_allclose(a, b, atol=1e-6)
    from_keras = lamina.Model.from_config(ref)
    from_keras.set_weights(theirs.get_weights())
    for a, b in zip(from_keras.predict(x, verbose=0), theirs.predict(x, verbose=0)):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_lambda_layer_matches_keras_and_guards_bytecode():
    def build(lib):
        x = lib.Input((6,), name="lx")
        h = lib.layers.Dense(4, name="ld")(x)
        y = lib.layers.Lambda(lambda t: t * 2.0 + 1.0, name="affine")(h)
        z = lib.layers.Lambda(lambda t, k: t[:, :k], output_shape=(2,), name="cut",
                              arguments={"k": 2})(y)
        return lib.Model(x, [y, z])

    theirs, ours = build(keras), build(lamina)
    copy_weights(ours, theirs)
    assert ours.get_layer("cut").output.shape == (None, 2)
    assert ours.get_layer("affine").output.shape == (None, 4)
    x = np.random.default_rng(5).normal(size=(3, 6)).astype("float32")
    for a, b in zip(ours.predict(x, verbose=0), theirs.predict(x, verbose=0)):
        np.testing.assert_allclose(a, b, atol=1e-6)
    config = ours.get_layer("affine").get_config()
    assert config["function"]["class_name"] == "__lambda__"
    with pytest.raises(errors.ConfigError, match="safe_mode=False"):
        lamina.layers.Lambda.from_config(config)
    revived = lamina.layers.Lambda.from_config(config, safe_mode=False)
    np.testing.assert_allclose(revived(np.ones((1, 4), "float32")), 3.0 * np.ones((1, 4)))


def test_loads_a_keras_saved_functional_model(tmp_path):
    theirs = two_in_two_out(keras)
    path = str(tmp_path / "two.keras")
    theirs.save(path)
    ours = lamina.models.load_model(path)
    assert isinstance(ours, lamina.models.Functional)
    for a, b in zip(ours.predict([XA, XB], verbose=0), theirs.predict([XA, XB], verbose=0)):
        np.testing.assert_allclose(a, b, atol=1e-5)


def tensor_arithmetic(lib):
    """A residual block written with operators and slicing instead of merge layers."""
    a, b = lib.Input((3, 4), name="a"), lib.Input((3, 4), name="b")
    h = lib.layers.Dense(4, activation="tanh", name="proj")(a)
    mixed = -(h + b * 2.0) / 3.0 - 1.0
    head = 2.0 - mixed[:, 0:2, 1] @ np.ones((2, 2), "float32")
    out = lib.layers.Dense(2, name="out")(head)
    return lib.Model([a, b], [out, abs(a[..., 0]) ** 2, a[:, None, 1] > 0.5], name="arith")


def test_arithmetic_on_symbolic_tensors_matches_keras(tmp_path):
    theirs, ours = tensor_arithmetic(keras), tensor_arithmetic(lamina)
    copy_weights(ours, theirs)
    assert [l.name for l in ours.layers] == [l.name for l in theirs.layers]  # no operations
    assert ours.count_params() == theirs.count_params()
    rng = np.random.default_rng(4)
    x = [rng.normal(size=(6, 3, 4)).astype("float32") for _ in range(2)]
    expected = theirs.predict(x, verbose=0)
    for got, want in zip(ours.predict(x, verbose=0), expected):
        np.testing.assert_allclose(np.asarray(got, "float32"), np.asarray(want, "float32"),
                                   atol=1e-5)
    rows = _summary(ours)  # operations are rows of the summary, as in Keras
    assert any(r.startswith("│ get_item_1 (GetItem)") or "(GetItem)" in r for r in rows)
    # saved graphs with operations load both ways (slices, `...`, None and arrays included)
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    for path, lib in ((tmp_path / "ours.keras", keras), (tmp_path / "theirs.keras", lamina)):
        loaded = lib.models.load_model(path)
        for got, want in zip(loaded.predict(x, verbose=0), expected):
            np.testing.assert_allclose(np.asarray(got, "float32"),
                                       np.asarray(want, "float32"), atol=1e-5)


def test_arithmetic_graph_trains_like_keras():
    def build(lib):
        a = lib.Input((5,))
        h = lib.layers.Dense(6, activation="relu", name="h")(a)
        skip = h * 0.5 + lib.layers.Dense(6, name="g")(a)[:, :]
        return lib.Model(a, lib.layers.Dense(1, name="y")(skip - 1.0))

    theirs, ours = build(keras), build(lamina)
    copy_weights(ours, theirs)
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(64, 5)).astype("float32"), rng.normal(size=(64, 1)).astype("float32")
    for m, lib in ((theirs, keras), (ours, lamina)):
        m.compile(lib.optimizers.SGD(0.05), "mse")
        m.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for got, want in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_one_element_lists_of_inputs_and_outputs_act_as_keras():
    """Model([i], [x]) returns the bare array (Keras unpacks single outputs), and compile takes
    per-output lists for it: loss=["mse"], metrics=[["mae"]]."""
    import keras

    def build(lib):
        i = lib.Input((3,))
        return lib.Model([i], [lib.layers.Dense(2, kernel_initializer="ones")(i)])

    ours, theirs = build(lamina), build(keras)
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 2), "float32")
    assert not isinstance(ours(x), (list, tuple))
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))
    for model in (ours, theirs):
        model.compile("sgd", ["mse"], metrics=[["mae"]])
    got, want = ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(got, want, rtol=1e-6)
