"""Seed files for the loader fuzzer: three small models, each saved as `.keras`, legacy `.h5`
and `.weights.h5`, kept as bytes so every mutation starts from a pristine copy.

The models are written the way the keras.io guides write them: a Sequential MLP, a functional
model with two inputs, and a model using a registered custom layer and a `Lambda` around a
registered function (the "custom object" case, which loads only with `custom_objects`)."""

from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import lamina as keras

FORMATS = ("keras", "h5", "weights")  # .keras, legacy whole-model .h5, Keras 3 .weights.h5
SUFFIX = {"keras": ".keras", "h5": ".h5", "weights": ".weights.h5"}


@keras.saving.register_keras_serializable(package="fuzz")
class Scale(keras.layers.Layer):
    """A custom layer with one weight: y = x * scale."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

    def call(self, inputs):
        return inputs * self.scale


@keras.saving.register_keras_serializable(package="fuzz")
def double(x):
    """A registered function a `Lambda` layer can be saved with (by name, not bytecode)."""
    return x * 2.0


CUSTOM_OBJECTS = {"Scale": Scale, "double": double}


def sequential() -> keras.Model:
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                              keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 4)), np.ones((4, 2)), epochs=1, verbose=0)  # optimizer state too
    return model


def two_inputs() -> keras.Model:
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    x = keras.layers.Concatenate()([keras.layers.Dense(2)(a), b])
    x = keras.layers.BatchNormalization()(x)
    model = keras.Model([a, b], keras.layers.Dense(1)(x))
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model


def custom() -> keras.Model:
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2),
                             keras.layers.Lambda(double), Scale()])


BUILDERS = {"sequential": sequential, "two_inputs": two_inputs, "custom": custom}


@dataclass(frozen=True)
class Seed:
    """One seed file: its model's name and format, its bytes, and the weights it holds as
    (variable path, value) pairs in `get_weights()` order."""

    model: str
    format: str
    data: bytes
    weights: tuple[tuple[str, np.ndarray], ...]

    @property
    def suffix(self) -> str:
        return SUFFIX[self.format]

    @property
    def id(self) -> str:
        return f"{self.model}{self.suffix}"


def fresh_model(name: str) -> keras.Model:
    """A new instance of seed model `name` (its weights differ from the seed's)."""
    keras.utils.set_random_seed(1)
    return BUILDERS[name]()


def layer_path(model, variable) -> str:
    """A variable's path from its layer on: a Sequential built in place prefixes its name
    (`sequential/dense/kernel`, as Keras), one rebuilt from a file does not (as Keras)."""
    prefix = f"{model.name}/"
    return variable.path[len(prefix):] if variable.path.startswith(prefix) else variable.path


@functools.lru_cache(maxsize=None)
def all_seeds() -> tuple[Seed, ...]:
    """Every (model, format) seed, built once per process."""
    seeds = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in BUILDERS.items():
            keras.utils.set_random_seed(0)
            model = build()
            weights = tuple((layer_path(model, v), np.array(v)) for v in model.weights)
            for fmt, suffix in SUFFIX.items():
                path = Path(tmp) / f"{name}{suffix}"
                (model.save_weights if fmt == "weights" else model.save)(path)
                seeds.append(Seed(name, fmt, path.read_bytes(), weights))
    return tuple(seeds)


def seed(model: str, fmt: str) -> Seed:
    return next(s for s in all_seeds() if s.model == model and s.format == fmt)
