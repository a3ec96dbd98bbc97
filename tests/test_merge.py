"""Merge layers and their function forms against Keras, in functional models."""

import numpy as np
import pytest

import lamina
from lamina import errors

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)

CASES = [  # (class name, kwargs, input shapes)
    ("Add", {}, [(3, 4), (3, 4), (3, 4)]),
    ("Subtract", {}, [(3, 4), (3, 4)]),
    ("Multiply", {}, [(3, 4), (3, 1)]),
    ("Average", {}, [(2, 5), (2, 5)]),
    ("Maximum", {}, [(2, 3, 4), (2, 3, 4)]),
    ("Minimum", {}, [(2, 3, 4), (2, 4)]),
    ("Concatenate", {}, [(2, 3), (2, 5)]),
    ("Concatenate", {"axis": 1}, [(2, 3, 4), (2, 2, 4)]),
    ("Dot", {"axes": 1}, [(4, 5), (4, 5)]),
    ("Dot", {"axes": (2, 1)}, [(2, 3, 4), (2, 4, 5)]),
    ("Dot", {"axes": -1, "normalize": True}, [(3, 6), (3, 6)]),
    ("Dot", {"axes": (1, 2)}, [(2, 4, 3), (2, 5, 4)]),
]


def _model(lib, name, kwargs, shapes):
    inputs = [lib.Input(s[1:]) for s in shapes]
    return lib.Model(inputs, getattr(lib.layers, name)(**kwargs)(inputs))


@pytest.mark.parametrize("name,kwargs,shapes", CASES)
def test_merge_layer_matches_keras(name, kwargs, shapes):
    xs = [RNG.normal(size=s).astype("float32") for s in shapes]
    theirs, ours = _model(keras, name, kwargs, shapes), _model(lamina, name, kwargs, shapes)
    assert ours.output_shape == theirs.output_shape
    np.testing.assert_allclose(ours.predict(xs, verbose=0), theirs.predict(xs, verbose=0),
                               rtol=1e-5, atol=1e-6)
    layer = ours.layers[-1]
    assert getattr(lamina.layers, name).from_config(layer.get_config()).get_config() == \
        layer.get_config()
    eager = getattr(lamina.layers, name)(**kwargs)(xs)
    np.testing.assert_allclose(eager, theirs.predict(xs, verbose=0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", ["add", "subtract", "multiply", "average", "maximum", "minimum",
                                "concatenate", "dot"])
def test_function_forms(fn):
    a, b = lamina.Input((4,)), lamina.Input((4,))
    kwargs = {"axes": 1} if fn == "dot" else {}
    out = getattr(lamina.layers, fn)([a, b], **kwargs)
    ref = getattr(keras.layers, fn)([keras.Input((4,)), keras.Input((4,))], **kwargs)
    assert out.shape == tuple(ref.shape)


def test_residual_block_matches_keras_in_training():
    def build(lib):
        x = lib.Input((6,))
        h = lib.layers.Dense(6, activation="relu")(x)
        h = lib.layers.Dense(6)(h)
        y = lib.layers.Add()([x, h])
        return lib.Model(x, lib.layers.Dense(1)(lib.layers.Activation("relu")(y)))

    theirs, ours = build(keras), build(lamina)
    ours.set_weights(theirs.get_weights())
    x = RNG.normal(size=(64, 6)).astype("float32")
    y = x.sum(1, keepdims=True)
    theirs.compile(keras.optimizers.SGD(0.01), "mse")
    ours.compile(lamina.optimizers.SGD(0.01), "mse")
    h1 = theirs.fit(x, y, batch_size=16, shuffle=False, verbose=0)
    h2 = ours.fit(x, y, batch_size=16, shuffle=False, verbose=0)
    np.testing.assert_allclose(h2.history["loss"], h1.history["loss"], rtol=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_merge_errors_name_the_layer_and_the_fix():
    a, b = lamina.Input((4,)), lamina.Input((5,))
    with pytest.raises(errors.ShapeError, match="'add_me'.*incompatible"):
        lamina.layers.Add(name="add_me")([a, b])
    with pytest.raises(errors.ShapeError, match="'cat'.*matching shapes"):
        lamina.layers.Concatenate(axis=1, name="cat")([lamina.Input((2, 3)),
                                                         lamina.Input((3, 3))][::-1] +
                                                        [lamina.Input((4, 4))])
    with pytest.raises(errors.ShapeError, match="exactly 2"):
        lamina.layers.Subtract()([a, a, a])
    with pytest.raises(errors.ShapeError, match="list of tensors"):
        lamina.layers.Add()(a)
