"""`keras.models.clone_model` semantics, with Keras 3 (JAX) as the oracle: the same layers,
names, structure and compile state, new weights; the clone computes the same function once
it gets the original's weights."""

import keras
import numpy as np
import pytest

import lamina

TOL = dict(rtol=1e-5, atol=1e-6)


def _sequential(K):
    return K.Sequential([K.Input((3,), name="inp"), K.layers.Dense(4, activation="relu",
                                                                     name="d1"),
                         K.layers.Dropout(0.5, seed=1, name="drop"), K.layers.Dense(2, name="d2")],
                        name="seq")


def _functional(K):
    a, b = K.Input((4,), name="a"), K.Input((3,), name="b")
    shared = K.layers.Dense(5, name="shared")
    merged = K.layers.Concatenate(name="merge")([shared(a), K.layers.Dense(5, name="side")(b)])
    skip = K.layers.Add(name="skip")([shared(a), K.layers.Dense(5, name="proj")(merged)])
    return K.Model([a, b], [K.layers.Dense(2, name="o1")(merged), skip * 2.0], name="fm")


def _inputs(model):
    rng = np.random.default_rng(0)
    return [rng.normal(size=(3, *t.shape[1:])).astype("float32") for t in model.inputs]


def _outputs(model, x):
    out = model(x if len(x) > 1 else x[0])
    return [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]


def _structure(model):
    return [(type(layer).__name__, layer.name, [tuple(w.shape) for w in layer.weights])
            for layer in model.layers]


@pytest.mark.parametrize("build", [_sequential, _functional])
def test_clone_has_same_structure_and_fresh_weights(build):
    theirs, ours = build(keras), build(lamina)
    their_clone, clone = keras.models.clone_model(theirs), lamina.models.clone_model(ours)
    assert _structure(clone) == _structure(their_clone) == _structure(ours)
    assert (type(clone).__name__, clone.name) == (type(their_clone).__name__, their_clone.name)
    assert all(a is not b for a, b in zip(clone.weights, ours.weights))
    kernels = [(a, b) for a, b in zip(clone.get_weights(), ours.get_weights()) if a.ndim == 2]
    assert all(not np.allclose(a, b) for a, b in kernels)  # re-initialised
    x = _inputs(ours)
    clone.set_weights(ours.get_weights())
    for a, b in zip(_outputs(clone, x), _outputs(ours, x), strict=True):
        np.testing.assert_allclose(a, b, **TOL)


def test_shared_layers_stay_shared():
    original = _functional(lamina)
    clone = lamina.models.clone_model(original)
    their_clone = keras.models.clone_model(_functional(keras))
    assert len(clone.weights) == len(original.weights) == len(their_clone.weights)


def _call_function(K):
    def call_function(layer, *args, **kwargs):
        out = layer(*args, **kwargs)
        if isinstance(layer, K.layers.Dense):
            out = K.layers.Dropout(0.5)(out)
        return out

    return call_function


def _seed_clone_function(layer):
    config = layer.get_config()
    if "seed" in config:
        config["seed"] = 1337
    return layer.__class__.from_config(config)


def test_clone_function_and_call_function_as_in_the_keras_docs():
    for K in (keras, lamina):
        reseeded = K.models.clone_model(_sequential(K), clone_function=_seed_clone_function)
        assert reseeded.get_layer("drop").get_config()["seed"] == 1337
    original = _functional(lamina)
    same_layers = lamina.models.clone_model(original, clone_function=lambda layer: layer,
                                            call_function=_call_function(lamina))
    theirs = keras.models.clone_model(_functional(keras), clone_function=lambda layer: layer,
                                      call_function=_call_function(keras))
    assert [type(layer).__name__ for layer in same_layers.layers] == \
        [type(layer).__name__ for layer in theirs.layers]
    assert same_layers.get_layer("o1") is original.get_layer("o1")  # weights shared
    x = _inputs(original)
    for a, b in zip(_outputs(same_layers, x), _outputs(original, x)):  # Dropout: inference
        np.testing.assert_allclose(a, b, **TOL)


def test_input_tensors():
    for K in (keras, lamina):
        new_input = K.Input((3,), name="new_in")
        clone = K.models.clone_model(_sequential(K), input_tensors=new_input)
        assert clone.inputs[0] is new_input
        a, b = K.Input((4,), name="x1"), K.Input((3,), name="x2")
        functional = K.models.clone_model(_functional(K), input_tensors=[a, b])
        assert functional.inputs[0] is a and functional.inputs[1] is b
    with pytest.raises(ValueError, match="input_tensors"):
        lamina.models.clone_model(_functional(lamina), input_tensors=[lamina.Input((4,))])


def test_compiled_model_clone_is_compiled_with_a_fresh_optimizer():
    for K in (keras, lamina):
        model = _sequential(K)
        model.compile(optimizer=K.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
        clone = K.models.clone_model(model)
        assert clone.compiled and clone.optimizer is not model.optimizer
        assert clone.optimizer.get_config()["learning_rate"] == pytest.approx(0.01)
        x = _inputs(model)[0]
        y = np.zeros((3, 2), "float32")
        clone.set_weights(model.get_weights())
        np.testing.assert_allclose(clone.evaluate(x, y, verbose=0),
                                   model.evaluate(x, y, verbose=0), **TOL)


def test_recursive_clones_nested_models():
    for K in (keras, lamina):
        inner = _sequential(K)
        outer = K.Sequential([K.Input((3,)), inner, K.layers.Dense(1, name="head")])
        shallow = K.models.clone_model(outer)
        deep = K.models.clone_model(outer, recursive=True,
                                    clone_function=_seed_clone_function)
        assert [layer.name for layer in deep.layers] == [layer.name for layer in outer.layers]
        assert deep.layers[0] is not inner and shallow.layers[0] is not inner
        assert deep.layers[0].get_layer("drop").get_config()["seed"] == 1337


def test_subclassed_model_is_rebuilt_from_its_config():
    class Mlp(lamina.Model):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden = lamina.layers.Dense(units, activation="relu")
            self.out = lamina.layers.Dense(1)

        def call(self, inputs):
            return self.out(self.hidden(inputs))

        def get_config(self):
            return {"units": self.units, **super().get_config()}

    model = Mlp(6)
    x = _inputs(_sequential(lamina))[0]
    model(x)
    clone = lamina.models.clone_model(model)
    assert isinstance(clone, Mlp) and clone.units == 6 and clone.built
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(np.asarray(clone(x)), np.asarray(model(x)), **TOL)
    with pytest.raises(ValueError, match="clone_function"):
        lamina.models.clone_model(model, clone_function=lambda layer: layer)


def test_call_function_on_sequential_is_refused():
    with pytest.raises(ValueError, match="call_function"):
        lamina.models.clone_model(_sequential(lamina), call_function=_call_function(lamina))
    with pytest.raises(ValueError, match="Unexpected keyword"):
        lamina.models.clone_model(_sequential(lamina), bogus=1)
