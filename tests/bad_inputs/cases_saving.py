"""Saving and loading: paths, names and files."""

from __future__ import annotations

import os

from bad_inputs import case


def _load(name):
    return lambda w: w.K.models.load_model(w.path(name))


def _corrupt(w):
    with open(w.saved, "rb") as f:
        data = f.read()
    w.file("corrupt.keras", data[: len(data) // 2])


def _garbage(name, data=b"not a model at all"):
    return lambda w: w.file(name, data)


def _folder(w):
    os.makedirs(w.path("a_folder.keras"), exist_ok=True)


def _then_load(w):
    return w.K.models.load_model(w.saved)


CASES = [
    case("load_model missing file", _load("missing.keras"), ValueError, r"missing\.keras",
         _then_load),
    case("load_model wrong extension", _load("model.txt"), ValueError, r"model\.txt",
         _then_load, setup=_garbage("model.txt")),
    case("load_model truncated zip", _load("corrupt.keras"), ValueError, r"corrupt\.keras",
         _then_load, setup=_corrupt),
    case("load_model text file named .keras", _load("text.keras"), ValueError, r"text\.keras",
         _then_load, setup=_garbage("text.keras")),
    case("load_model garbage named .h5", _load("junk.h5"), OSError, r"junk\.h5", _then_load,
         setup=_garbage("junk.h5")),
    case("load_model a directory", _load("a_folder.keras"), ValueError, r"a_folder\.keras",
         _then_load, setup=_folder),
    case("load_model path is a number", lambda w: w.K.models.load_model(42), ValueError,
         "filepath=42", _then_load),
    case("save with a .txt extension", lambda w: w.model.save(w.path("m.txt")), ValueError,
         r"m\.txt"),
    case("save without an extension", lambda w: w.model.save(w.path("model")), ValueError,
         "model"),
    case("save_weights as .h5", lambda w: w.model.save_weights(w.path("w.h5")), ValueError,
         r"w\.h5"),
    case("save_weights as .keras", lambda w: w.model.save_weights(w.path("w.keras")),
         ValueError, r"w\.keras"),
    case("load_weights missing file",
         lambda w: w.model.load_weights(w.path("missing.weights.h5")), FileNotFoundError,
         r"missing\.weights\.h5"),
    case("load_weights wrong extension", lambda w: w.model.load_weights(w.path("w.txt")),
         ValueError, r"w\.txt", setup=_garbage("w.txt")),
    case("load_weights garbage .weights.h5",
         lambda w: w.model.load_weights(w.path("bad.weights.h5")), OSError,
         r"bad\.weights\.h5", setup=_garbage("bad.weights.h5")),
    case("load_weights of another architecture",
         lambda w: w.emb_model.load_weights(w.saved_weights), ValueError, "embedding|dense"),
    case("model_from_json not JSON", lambda w: w.K.models.model_from_json("{not json"),
         ValueError, "line 1 column 2"),
    case("model_from_json unknown class",
         lambda w: w.K.models.model_from_json('{"class_name": "NoSuchModel", "config": {}}'),
         TypeError, "NoSuchModel"),
    case("deserialize an unknown layer",
         lambda w: w.K.layers.deserialize({"class_name": "NoSuchLayer", "config": {}}),
         TypeError, "NoSuchLayer"),
]
