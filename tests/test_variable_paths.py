"""Variable paths equal Keras 3's: a Sequential's and a subclassed model's variables carry the
model's name (`sequential/dense/kernel`, `my_model/dense/kernel`), a functional model's layers
start at the layer (`dense/kernel`). TensorBoard tags, LayoutMap / DTypePolicyMap keys, Orbax
checkpoints and optimizer slot names are built on these paths."""

import numpy as np
import pytest

import lamina

keras = pytest.importorskip("keras")


def _models(lib):
    class MyModel(lib.Model):
        def __init__(self):
            super().__init__()
            self.dense = lib.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    def with_input():
        return lib.Sequential([lib.Input((3,)), lib.layers.Dense(2), lib.layers.Dense(1)])

    def deferred():
        model = lib.Sequential([lib.layers.Dense(2)])
        model.build((None, 3))
        return model

    def called():
        model = lib.Sequential([lib.layers.Dense(2)])
        model(np.zeros((1, 3), "float32"))
        return model

    def functional():
        inputs = lib.Input((3,))
        return lib.Model(inputs, lib.layers.Dense(2)(inputs))

    def subclassed():
        model = MyModel()
        model(np.zeros((1, 3), "float32"))
        return model

    def subclassed_fit():
        model = MyModel()
        model.compile("sgd", "mse")
        model.fit(np.zeros((4, 3)), np.zeros((4, 2)), verbose=0)
        return model

    def recurrent():
        return lib.Sequential([lib.Input((4, 3)), lib.layers.LSTM(2)])

    def subclassed_in_functional():
        inputs = lib.Input((3,))
        return lib.Model(inputs, MyModel()(inputs))

    return [with_input, deferred, called, functional, subclassed, subclassed_fit, recurrent,
            subclassed_in_functional]


@pytest.mark.parametrize("index", range(8))
def test_variable_paths_equal_keras(index):
    for lib in (keras, lamina):
        lib.backend.clear_session()
    ours, theirs = _models(lamina)[index](), _models(keras)[index]()
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]
