"""Embedding ids from generator batches and into nested / subclassed models (checked on the
host per batch; compiled, JAX would clamp or NaN-fill the gather)."""

from __future__ import annotations

import numpy as np

from bad_inputs import case, generator


def _emb_then(w):
    return w.emb_model.train_on_batch(w.ids, w.ids_y)


def _bad_batches(w):
    """A generator of (ids, y) batches whose first batch holds the id 10 (input_dim)."""
    bad = np.full((4, 5), 10, "int32")
    return generator([(bad, np.zeros((4, 1), "float32"))])


def _nested_emb(w):
    """Setup: the Embedding model inside a functional model, and a subclassed one."""
    K = w.K

    class Subclassed(K.Model):
        def __init__(self):
            super().__init__()
            self.emb = K.layers.Embedding(10, 4)
            self.pool = K.layers.GlobalAveragePooling1D()
            self.out = K.layers.Dense(1)

        def call(self, ids):
            return self.out(self.pool(self.emb(ids)))

    inputs = K.Input((5,), dtype="int32")
    inner = K.Sequential([K.layers.Embedding(10, 4), K.layers.GlobalAveragePooling1D(),
                          K.layers.Dense(1)])
    w.nested_emb = K.Model(inputs, inner(inputs))
    w.subclassed_emb = Subclassed()
    for model in (w.nested_emb, w.subclassed_emb):
        model.compile(optimizer="sgd", loss="mse")
        model.train_on_batch(w.ids, w.ids_y)
        w.models.append(model)


CASES = [  # generator batches and nested Embeddings (checked per batch)
    case("Embedding fit generator batch id = input_dim",
         lambda w: w.emb_model.fit(_bad_batches(w), verbose=0), ValueError,
         r"embedding.*\[10, 10\]", _emb_then, keras_differs="Keras trains on NaN"),
    case("Embedding evaluate generator batch id = input_dim",
         lambda w: w.emb_model.evaluate(_bad_batches(w), verbose=0), ValueError,
         r"embedding.*\[10, 10\]", _emb_then, keras_differs="Keras gives NaN"),
    case("Embedding predict generator batch id = input_dim",
         lambda w: w.emb_model.predict(_bad_batches(w), verbose=0), ValueError,
         r"embedding.*\[10, 10\]", _emb_then, keras_differs="Keras predicts NaN"),
    case("Embedding in a nested Sequential, fit id = input_dim",
         lambda w: w.nested_emb.fit(np.full((4, 5), 10, "int32"), np.zeros((4, 1)), verbose=0),
         ValueError, r"embedding.*\[10, 10\]", lambda w: w.nested_emb.train_on_batch(
             w.ids, w.ids_y), keras_differs="Keras trains on NaN", setup=_nested_emb),
    case("Embedding in a nested Sequential, fit generator id < 0",
         lambda w: w.nested_emb.fit(generator([(np.full((4, 5), -1, "int32"),
                                                np.zeros((4, 1), "float32"))]), verbose=0),
         ValueError, r"embedding.*\[-1, -1\]", lambda w: w.nested_emb.train_on_batch(
             w.ids, w.ids_y), keras_differs="Keras trains on garbage", setup=_nested_emb),
    case("Embedding attribute of a subclassed model, fit id = input_dim",
         lambda w: w.subclassed_emb.fit(np.full((4, 5), 10, "int32"), np.zeros((4, 1)),
                                        verbose=0),
         ValueError, r"embedding.*\[10, 10\]", lambda w: w.subclassed_emb.train_on_batch(
             w.ids, w.ids_y), keras_differs="Keras trains on NaN", setup=_nested_emb),
    case("Embedding attribute of a subclassed model, predict generator id = input_dim",
         lambda w: w.subclassed_emb.predict(_bad_batches(w), verbose=0), ValueError,
         r"embedding.*\[10, 10\]", lambda w: w.subclassed_emb.predict(w.ids, verbose=0),
         keras_differs="Keras predicts NaN", setup=_nested_emb),
]
