"""Subclassed models and custom layers written the Keras way, run by lamina and Keras."""

import numpy as np
import pytest

import lamina

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 5)).astype("float32")
Y = RNG.integers(0, 3, 64)


def make_scale_layer(lib):
    class Scale(lib.layers.Layer):
        """A custom layer: a trainable scale, a frozen offset, dropout-like training branch."""

        def __init__(self, factor=1.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def build(self, input_shape):
            self.scale = self.add_weight(name="scale", shape=(input_shape[-1],),
                                         initializer="ones", regularizer="l2",
                                         constraint="non_neg")
            self.offset = self.add_weight(name="offset", shape=(input_shape[-1],),
                                          initializer="zeros", trainable=False)

        def call(self, inputs, training=False):
            out = inputs * self.scale + self.offset
            return out * self.factor if training else out

        def compute_output_shape(self, input_shape):
            return input_shape

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    return Scale


def make_net(lib):
    Scale = make_scale_layer(lib)

    class Net(lib.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.blocks = [lib.layers.Dense(8, activation="relu"),
                           lib.layers.Dense(8, activation="relu")]
            self.scale = Scale(0.5)
            self.heads = {"out": lib.layers.Dense(3, activation="softmax")}

        def call(self, inputs, training=False):
            x = inputs
            for block in self.blocks:
                x = block(x)
            return self.heads["out"](self.scale(x, training=training))

    return Net()


def test_subclassed_model_matches_keras():
    theirs, ours = make_net(keras), make_net(lamina)
    theirs(X[:1]), ours(X[:1])
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours.predict(X, verbose=0), theirs.predict(X, verbose=0),
                               atol=1e-5)
    for model, lib in ((theirs, keras), (ours, lamina)):
        model.compile(lib.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    h1 = theirs.fit(X, Y, batch_size=16, shuffle=False, verbose=0).history
    h2 = ours.fit(X, Y, batch_size=16, shuffle=False, verbose=0).history
    assert list(h2) == list(h1)
    np.testing.assert_allclose(h2["loss"], h1["loss"], rtol=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert ours.count_params() == theirs.count_params()
    assert len(ours.layers) == len(theirs.layers) == 4


def test_subclassed_model_builds_on_fit_and_saves_weights(tmp_path):
    model = make_net(lamina)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(X, Y, epochs=1, verbose=0)  # never called before: fit builds it
    assert len(model.trainable_weights) == 7  # 3 Dense x 2 + scale
    path = str(tmp_path / "net.weights.h5")
    model.save_weights(path)
    other = make_net(lamina)
    other(X[:1])
    other.load_weights(path)
    np.testing.assert_allclose(other.predict(X, verbose=0), model.predict(X, verbose=0))
    lines = []
    model.summary(print_fn=lines.append)
    assert any("Trainable params: 155 " in line for line in lines)
    assert any("Non-trainable params: 8 " in line for line in lines)


def test_custom_layer_trains_and_tracks_weights():
    Scale = make_scale_layer(lamina)
    layer = Scale(2.0, name="scale")
    inputs = lamina.Input((5,))
    model = lamina.Model(inputs, lamina.layers.Dense(1)(layer(inputs)))
    assert [v.path for v in layer.trainable_weights] == ["scale/scale"]
    assert [v.path for v in layer.non_trainable_weights] == ["scale/offset"]
    assert layer.scale in model.trainable_weights
    model.compile(lamina.optimizers.SGD(0.1), "mse")
    before = np.array(layer.scale.value)
    model.fit(X, X[:, :1] * 3, epochs=2, verbose=0)
    assert not np.allclose(before, layer.scale.value)
    assert np.all(np.asarray(layer.scale.value) >= 0)  # the constraint ran
    np.testing.assert_array_equal(layer.offset.value, np.zeros(5))
    clone = Scale.from_config(layer.get_config())
    assert clone.factor == 2.0 and clone.name == "scale"
    eager = np.asarray(layer(X[:2], training=True))
    np.testing.assert_allclose(eager, X[:2] * np.asarray(layer.scale.value) * 2.0, rtol=1e-6)


def test_custom_layer_matches_keras_gradients_through_training_branch():
    def build(lib):
        inputs = lib.Input((5,))
        return lib.Model(inputs, make_scale_layer(lib)(0.5)(lib.layers.Dense(4)(inputs)))

    theirs, ours = build(keras), build(lamina)
    ours.set_weights(theirs.get_weights())
    for model, lib in ((theirs, keras), (ours, lamina)):
        model.compile(lib.optimizers.SGD(0.05), "mse")
    y = RNG.normal(size=(64, 4)).astype("float32")
    h1 = theirs.fit(X, y, batch_size=32, shuffle=False, verbose=0).history
    h2 = ours.fit(X, y, batch_size=32, shuffle=False, verbose=0).history
    np.testing.assert_allclose(h2["loss"], h1["loss"], rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
