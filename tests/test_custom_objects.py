"""Custom objects and customized saving, written as the Keras guides write them; Keras 3 (JAX)
is the oracle: the same serialized dicts, and files that load in the other library."""

import json
import zipfile

import keras
import numpy as np
import pytest

import lamina

PKG = "custom_objects_test"
TOL = dict(rtol=1e-5, atol=1e-5)


def _objects(K):
    """One set of custom functions and classes written against library `K`."""
    register = K.saving.register_keras_serializable

    @register(package=PKG)
    def scaled_tanh(x):
        return K.ops.tanh(x) * 2.0

    @register(package=PKG)
    def triple_mse(y_true, y_pred):
        return K.ops.mean(K.ops.square(y_true - y_pred), axis=-1) * 3.0

    @register(package=PKG)
    def abs_error(y_true, y_pred):
        return K.ops.mean(K.ops.abs(y_true - y_pred), axis=-1)

    def plain_act(x):  # not registered: found through custom_objects / custom_object_scope
        return K.ops.relu(x) + 0.5

    def plain_loss(y_true, y_pred):
        return K.ops.mean(K.ops.abs(y_true - y_pred), axis=-1) * 2.0

    @register(package=PKG)
    class Scale(K.layers.Layer):
        def __init__(self, factor=1.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def build(self, input_shape):
            self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")

        def call(self, inputs):
            return inputs * self.w * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    class PlainScale(Scale):  # not registered either
        pass

    @register(package=PKG)
    class ScaledMSE(K.losses.Loss):
        def __init__(self, scale=2.0, **kwargs):
            super().__init__(**kwargs)
            self.scale = scale

        def call(self, y_true, y_pred):
            return K.ops.mean(K.ops.square(y_true - y_pred), axis=-1) * self.scale

        def get_config(self):
            return {**super().get_config(), "scale": self.scale}

    @register(package=PKG)
    class HalfL2(K.regularizers.Regularizer):
        def __init__(self, strength=0.1):
            self.strength = strength

        def __call__(self, x):
            return self.strength * K.ops.sum(K.ops.square(x)) / 2

        def get_config(self):
            return {"strength": self.strength}

    @register(package=PKG)
    class ShiftedDense(K.layers.Dense):
        """Keeps an array that is not a weight, saved next to the weights (Keras guide)."""

        def __init__(self, units, **kwargs):
            super().__init__(units, **kwargs)
            self.offset = np.zeros((units,), "float32")

        def call(self, inputs):
            return super().call(inputs) + self.offset

        def save_own_variables(self, store):
            super().save_own_variables(store)
            store["offset"] = self.offset

        def load_own_variables(self, store):
            self.offset = np.asarray(store["offset"])
            for i, v in enumerate(self.weights):
                v.assign(store[f"{i}"])

    @register(package=PKG)
    class NamedDense(K.layers.Dense):
        """Stores its weights under names instead of "0", "1"."""

        def save_own_variables(self, store):
            store["kernel"] = self.kernel.numpy()
            store["bias"] = self.bias.numpy()

        def load_own_variables(self, store):
            self.kernel.assign(store["kernel"])
            self.bias.assign(store["bias"])

    @register(package=PKG)
    class LayerWithCustomBuild(K.layers.Layer):
        """`build()` takes an extra argument, so loading needs the build config (guide)."""

        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def call(self, inputs):
            return K.ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            return dict(units=self.units, **super().get_config())

        def build(self, input_shape, layer_init):
            self._saved_shape = input_shape
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer=layer_init, trainable=True)
            self.b = self.add_weight(shape=(self.units,), initializer=layer_init,
                                     trainable=True)
            self.layer_init = layer_init

        def get_build_config(self):
            return {"layer_init": self.layer_init, "input_shape": self._saved_shape}

        def build_from_config(self, config):
            self.build(config["input_shape"], config["layer_init"])

    @register(package=PKG)
    class CustomModel(K.Model):
        """The subclassed model of the "Customizing Saving and Serialization" guide."""

        def __init__(self, hidden_units, **kwargs):
            super().__init__(**kwargs)
            self.hidden_units = hidden_units
            self.dense_layers = [K.layers.Dense(u) for u in hidden_units]

        def call(self, inputs):
            x = inputs
            for layer in self.dense_layers:
                x = layer(x)
            return x

        def get_config(self):
            base_config = super().get_config()
            return {"hidden_units": self.hidden_units, **base_config}

    return {fn.__name__: fn for fn in (
        scaled_tanh, triple_mse, abs_error, plain_act, plain_loss, Scale, PlainScale, ScaledMSE,
        HalfL2, ShiftedDense, NamedDense, LayerWithCustomBuild, CustomModel)}


L, KO = _objects(lamina), _objects(keras)
LIBS = {"lamina": (lamina, L), "keras": (keras, KO)}


def _x(shape=(5, 3), seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _randomize(model, seed=3):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])


def _predict(model, x):
    return np.asarray(model(x))


# -- serialized dicts ----------------------------------------------------------------------


def _pairs(K, o):
    """(family, object) pairs whose serialized dicts must be the same in both libraries."""
    return [
        ("activations", K.activations.relu), ("activations", K.activations.swish),
        ("activations", o["scaled_tanh"]), ("activations", o["plain_act"]),
        ("initializers", K.initializers.GlorotUniform(seed=1)),
        ("initializers", K.initializers.Constant(0.5)),
        ("regularizers", K.regularizers.L2(0.1)), ("regularizers", o["HalfL2"](0.2)),
        ("constraints", K.constraints.MaxNorm(2)),
        ("losses", K.losses.MeanSquaredError()), ("losses", K.losses.mean_squared_error),
        ("losses", o["triple_mse"]), ("losses", o["ScaledMSE"](3.0, name="scaled")),
        ("metrics", K.metrics.AUC(name="auc")),
        ("metrics", K.metrics.binary_accuracy), ("metrics", o["abs_error"]),
        ("optimizers", K.optimizers.Adam(0.01, name="adam")),
        ("layers", K.layers.Activation(o["scaled_tanh"], name="act")),
        ("layers", o["Scale"](3.0, name="scale")),
    ]


@pytest.mark.parametrize("index", range(len(_pairs(keras, KO))))
def test_serialize_gives_keras_dicts_and_finds_objects_back(index):
    family, theirs = _pairs(keras, KO)[index]
    _, ours = _pairs(lamina, L)[index]
    module = getattr(lamina, family)
    config = module.serialize(ours)
    assert config == getattr(keras, family).serialize(theirs)
    assert lamina.saving.serialize_keras_object(ours) == \
        keras.saving.serialize_keras_object(theirs)
    revived = module.deserialize(json.loads(json.dumps(config)),
                                 custom_objects={"plain_act": L["plain_act"]})
    if family in ("losses", "metrics") and callable(ours) and not hasattr(ours, "get_config"):
        revived = revived.fn  # a function's dict comes back wrapped as a Loss / Metric
    if callable(ours) and not hasattr(ours, "get_config"):
        assert revived is ours
    else:
        assert type(revived) is type(ours)
        assert module.serialize(revived) == config


def test_get_finds_registered_and_scoped_names():
    name = f"{PKG}>scaled_tanh"
    assert lamina.activations.get(name) is L["scaled_tanh"]
    assert keras.activations.get({"class_name": "function", "config": name}) is \
        KO["scaled_tanh"]
    assert lamina.activations.get({"class_name": "function", "config": name}) is \
        L["scaled_tanh"]
    with pytest.raises(lamina.errors.UnknownNameError, match="plain_act"):
        lamina.activations.get("plain_act")
    with lamina.saving.custom_object_scope({"plain_act": L["plain_act"]}):
        assert lamina.activations.get("plain_act") is L["plain_act"]
        assert lamina.layers.Dense(2, activation="plain_act").activation is L["plain_act"]
    assert lamina.losses.get(f"{PKG}>triple_mse").fn is L["triple_mse"]
    assert lamina.metrics.get(f"{PKG}>abs_error").fn is L["abs_error"]
    assert isinstance(lamina.regularizers.get(f"{PKG}>HalfL2"), L["HalfL2"])


def test_registry_api_matches_keras():
    for K, o in LIBS.values():
        assert K.saving.get_registered_name(o["Scale"]) == f"{PKG}>Scale"
        assert K.saving.get_registered_name(o["plain_act"]) == "plain_act"
        assert K.saving.get_registered_object(f"{PKG}>Scale") is o["Scale"]
        assert K.saving.get_custom_objects()[f"{PKG}>scaled_tanh"] is o["scaled_tanh"]
        assert K.saving.get_registered_object("plain_act") is None
        assert K.saving.get_registered_object(
            "plain_act", custom_objects={"plain_act": o["plain_act"]}) is o["plain_act"]
        with K.saving.CustomObjectScope({"plain_act": o["plain_act"]}) as scope:
            assert isinstance(scope, K.saving.CustomObjectScope)
            assert K.saving.get_registered_object("plain_act") is o["plain_act"]
            assert "plain_act" not in K.saving.get_custom_objects()
        assert K.saving.get_registered_object("plain_act") is None
    with pytest.raises(TypeError, match="parentheses"):
        lamina.saving.register_keras_serializable(L["Scale"])
    with pytest.raises(ValueError, match="get_config"):
        lamina.saving.register_keras_serializable()(type("NoConfig", (), {}))


# -- whole models with custom objects ------------------------------------------------------


def _model(K, o, activation=None):
    model = K.Sequential([K.Input((3,)),
                          K.layers.Dense(4, activation=activation or o["scaled_tanh"]),
                          o["Scale"](2.0), K.layers.Dense(2)])
    model.compile(optimizer="adam", loss=o["triple_mse"], metrics=[o["abs_error"]])
    return model


@pytest.mark.parametrize("ext", ["keras", "h5"])
def test_loaded_model_finds_registered_activation_loss_and_metric(tmp_path, ext):
    model = _model(lamina, L)
    x, y = _x(), _x((5, 2), 1)
    model.train_on_batch(x, y)
    model.save(tmp_path / f"m.{ext}")
    loaded = lamina.models.load_model(tmp_path / f"m.{ext}")
    np.testing.assert_allclose(_predict(loaded, x), _predict(model, x), **TOL)
    assert loaded.layers[0].activation is L["scaled_tanh"]
    assert loaded.loss.fn is L["triple_mse"]
    np.testing.assert_allclose(list(loaded.evaluate(x, y, verbose=0, return_dict=True).values()),
                               list(model.evaluate(x, y, verbose=0, return_dict=True).values()),
                               **TOL)


@pytest.mark.parametrize("how", ["custom_objects", "scope"])
def test_unregistered_objects_found_through_custom_objects_or_scope(tmp_path, how):
    model = lamina.Sequential([lamina.Input((3,)),
                               lamina.layers.Dense(4, activation=L["plain_act"]),
                               L["PlainScale"](2.0), lamina.layers.Dense(2)])
    model.compile(optimizer="sgd", loss=L["plain_loss"])
    model.save(tmp_path / "m.keras")
    with pytest.raises(lamina.errors.UnknownNameError, match="custom_objects"):
        lamina.models.load_model(tmp_path / "m.keras")
    names = ("plain_act", "PlainScale", "plain_loss")
    objects = {name: L[name] for name in names}
    if how == "scope":
        with lamina.saving.custom_object_scope(objects):
            loaded = lamina.models.load_model(tmp_path / "m.keras")
    else:
        loaded = lamina.models.load_model(tmp_path / "m.keras", custom_objects=objects)
    assert loaded.layers[0].activation is L["plain_act"]
    assert type(loaded.layers[1]) is L["PlainScale"] and loaded.loss.fn is L["plain_loss"]
    x = _x()
    np.testing.assert_allclose(_predict(loaded, x), _predict(model, x), **TOL)
    # Keras reads the same file with its own objects under the same names
    theirs = keras.models.load_model(tmp_path / "m.keras",
                                     custom_objects={name: KO[name] for name in names})
    assert theirs.loss is KO["plain_loss"]
    np.testing.assert_allclose(_predict(theirs, x), _predict(model, x), **TOL)


@pytest.mark.parametrize("writer", ["lamina", "keras"])
def test_files_with_custom_objects_load_in_the_other_library(tmp_path, writer):
    reader = "keras" if writer == "lamina" else "lamina"
    (W, wo), (R, ro) = LIBS[writer], LIBS[reader]
    model = _model(W, wo)
    x, y = _x(), _x((5, 2), 1)
    model.train_on_batch(x, y)
    model.save(tmp_path / "m.keras")
    loaded = R.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(_predict(loaded, x), _predict(model, x), **TOL)
    assert isinstance(loaded.layers[1], ro["Scale"]) and loaded.layers[1].factor == 2.0
    theirs = model.evaluate(x, y, verbose=0, return_dict=True)
    ours = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(ours) == sorted(theirs)
    np.testing.assert_allclose([ours[k] for k in theirs], list(theirs.values()), **TOL)


@pytest.mark.parametrize("writer", ["lamina", "keras"])
def test_subclassed_model_with_get_config_round_trips(tmp_path, writer):
    W, wo = LIBS[writer]
    model = wo["CustomModel"]([16, 16, 10])
    x = _x((4, 5))
    expected = _predict(model, x)
    W.models.save_model(model, tmp_path / "custom.keras")
    for R, ro in LIBS.values():
        loaded = R.models.load_model(tmp_path / "custom.keras")
        assert isinstance(loaded, ro["CustomModel"]) and loaded.hidden_units == [16, 16, 10]
        np.testing.assert_allclose(_predict(loaded, x), expected, **TOL)
    clone = wo["CustomModel"].from_config(model.get_config())
    assert clone.hidden_units == [16, 16, 10]


def test_subclassed_model_without_get_config_uses_its_constructor_arguments(tmp_path):
    class NoConfigModel(lamina.Model):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.dense = lamina.layers.Dense(units)

        def call(self, inputs):
            return self.dense(inputs)

    model = NoConfigModel(3)
    model(_x())
    model.save(tmp_path / "m.keras")
    loaded = lamina.models.load_model(tmp_path / "m.keras",
                                      custom_objects={"NoConfigModel": NoConfigModel})
    np.testing.assert_allclose(_predict(loaded, _x()), _predict(model, _x()), **TOL)


def test_model_built_from_objects_without_get_config_says_how_to_fix(tmp_path):
    class Holder(lamina.Model):
        def __init__(self, inner, **kwargs):
            super().__init__(**kwargs)
            self.inner = inner

        def call(self, inputs):
            return self.inner(inputs)

    model = Holder(lamina.layers.Dense(3))
    model(_x())
    with pytest.raises(NotImplementedError, match="get_config"):
        model.save(tmp_path / "m.keras")
    assert not (tmp_path / "m.keras").exists()


# -- customized state saving: save/load_own_variables and build configs ----------------------


def _state_model(K, o, kind):
    if kind == "build":
        layer = o["LayerWithCustomBuild"](units=4)
        layer.build(input_shape=(3,), layer_init="random_normal")
        return K.Sequential([K.Input((3,)), layer])
    return K.Sequential([K.Input((3,)), o[kind](4), K.layers.Dense(2)])


@pytest.mark.parametrize("kind", ["ShiftedDense", "NamedDense", "build"])
@pytest.mark.parametrize("writer", ["lamina", "keras"])
def test_custom_state_saving_round_trips_both_ways(tmp_path, writer, kind):
    W, wo = LIBS[writer]
    model = _state_model(W, wo, kind)
    _randomize(model)
    if kind == "ShiftedDense":
        model.layers[0].offset = np.arange(4, dtype="float32")
    x = _x()
    expected = _predict(model, x)
    model.save(tmp_path / "m.keras")
    if kind == "build":
        with zipfile.ZipFile(tmp_path / "m.keras") as z:
            entry = json.loads(z.read("config.json"))["config"]["layers"][-1]
        assert entry["build_config"] == {"layer_init": "random_normal", "input_shape": [3]}
    for R, ro in LIBS.values():
        loaded = R.models.load_model(tmp_path / "m.keras")
        np.testing.assert_allclose(_predict(loaded, x), expected, **TOL)
        if kind == "ShiftedDense":
            np.testing.assert_array_equal(loaded.layers[0].offset, np.arange(4))


def test_default_hooks_match_keras():
    ours, theirs = lamina.layers.Dense(3), keras.layers.Dense(3)
    assert ours.get_build_config() is None and theirs.get_build_config() is None
    ours.build((None, 5))
    theirs.build((None, 5))
    assert ours.get_build_config() == theirs.get_build_config() == {"input_shape": (None, 5)}
    store, their_store = {}, {}
    ours.save_own_variables(store)
    theirs.save_own_variables(their_store)
    assert sorted(store) == sorted(their_store) == ["0", "1"]
    fresh = lamina.layers.Dense(3)
    fresh.build_from_config(ours.get_build_config())
    fresh.load_own_variables(store)
    for a, b in zip(fresh.get_weights(), ours.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="expected 2 variables"):
        fresh.load_own_variables({"0": store["0"]})
    with pytest.raises(ValueError, match="never built"):
        lamina.layers.Dense(3).load_own_variables(store)


def test_failing_custom_loader_leaves_model_unchanged(tmp_path):
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(4), L["NamedDense"](2)])
    model.save_weights(tmp_path / "w.weights.h5")
    other = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(4), L["NamedDense"](5)])
    before = other.get_weights()
    with pytest.raises(ValueError, match="shape"):  # raised by NamedDense's own loader
        other.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)


# -- JSON ----------------------------------------------------------------------------------


@pytest.mark.parametrize("writer", ["lamina", "keras"])
def test_to_json_and_model_from_json_both_ways(writer):
    W, wo = LIBS[writer]
    model = W.Sequential([W.Input((3,)), W.layers.Dense(4, activation=wo["scaled_tanh"]),
                          wo["Scale"](2.0)])
    text = model.to_json()
    assert json.loads(text)["class_name"] == "Sequential"
    x = _x()
    for R, ro in LIBS.values():
        rebuilt = R.models.model_from_json(text)
        assert rebuilt.layers[0].activation is ro["scaled_tanh"]
        rebuilt.set_weights(model.get_weights())
        np.testing.assert_allclose(_predict(rebuilt, x), _predict(model, x), **TOL)
    assert model.to_json(indent=2).startswith("{\n")
    with pytest.raises(ValueError, match="to_json"):
        lamina.models.model_from_json("not json")
