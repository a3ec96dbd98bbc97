"""Keras 3's automatic config: custom layers and models without `get_config` save and load
through the arguments they were built with (compared with Keras's own `get_config`)."""

import keras
import numpy as np
import pytest

import lamina


def _layer_class(lib):
    class Scale(lib.layers.Layer):
        def __init__(self, units, factor=2.0, tags=("a", "b"), **kwargs):
            super().__init__(**kwargs)
            self.units, self.factor = units, factor
            self.dense = lib.layers.Dense(units)

        def call(self, x):
            return self.dense(x) * self.factor

    return Scale


def _strip(config):
    config = dict(config)
    config.pop("dtype")
    config["tags"] = list(config["tags"])
    return config


@pytest.mark.parametrize("args,kwargs", [((3,), {}), ((3, 0.5), {"name": "s"}),
                                         ((), {"units": 4, "trainable": False})])
def test_config_equals_keras(args, kwargs):
    ours = _layer_class(lamina)(*args, **kwargs).get_config()
    theirs = _layer_class(keras)(*args, **kwargs).get_config()
    if "name" not in kwargs:
        ours.pop("name"), theirs.pop("name")
    assert _strip(ours) == _strip(theirs)


def test_current_trainable_wins_over_the_recorded_argument():
    layer = _layer_class(lamina)(3, trainable=True)
    layer.trainable = False
    assert layer.get_config()["trainable"] is False


def test_model_with_auto_config_layer_round_trips_through_keras_file(tmp_path):
    scale = _layer_class(lamina)
    model = lamina.Sequential([lamina.Input((5,)), scale(3, factor=0.5)])
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = lamina.saving.load_model(path, custom_objects={"Scale": scale})
    assert loaded.layers[0].factor == 0.5 and loaded.layers[0].units == 3
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    keras_loaded = keras.saving.load_model(path, custom_objects={"Scale": _layer_class(keras)})
    np.testing.assert_allclose(keras_loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)


def test_subclassed_model_gets_an_auto_config():
    class Net(lamina.Model):
        def __init__(self, hidden, **kwargs):
            super().__init__(**kwargs)
            self.hidden = lamina.layers.Dense(hidden)

        def call(self, x):
            return self.hidden(x)

    config = Net(7, name="net").get_config()
    assert config["hidden"] == 7 and config["name"] == "net"
    assert Net.from_config(config).hidden.units == 7


@pytest.mark.parametrize("lib", [lamina, keras], ids=["lamina", "keras"])
def test_non_plain_arguments_need_a_get_config(lib):
    class Holder(lib.layers.Layer):
        def __init__(self, inner, **kwargs):
            super().__init__(**kwargs)
            self.inner = inner

    with pytest.raises(NotImplementedError, match="non-serializable argument values"):
        Holder(lib.layers.Dense(2)).get_config()


def test_own_get_config_is_left_alone():
    class Own(lamina.layers.Layer):
        def __init__(self, inner, **kwargs):
            super().__init__(**kwargs)
            self.inner = inner

        def get_config(self):
            return {**super().get_config(), "inner": 1}

    config = Own(lamina.layers.Dense(2)).get_config()
    assert config["inner"] == 1 and "name" in config
