"""utils, datasets helpers, config, registries and distribution settings."""

from __future__ import annotations

import numpy as np

from bad_inputs import case


def _utils(name, *args, **kwargs):
    return lambda w: getattr(w.K.utils, name)(*args, **kwargs)


UTILS = [
    case("to_categorical class >= num_classes", _utils("to_categorical", [0, 1, 5], 3),
         ValueError, "to_categorical.*to 5",
         keras_differs="Keras raises IndexError from NumPy indexing"),
    case("to_categorical negative class", _utils("to_categorical", [0, -1], 3), ValueError,
         "to_categorical.*from -1", keras_differs="Keras wraps -1 to the last class"),
    case("to_categorical float classes", _utils("to_categorical", [0.5, 1.0], 3), ValueError,
         r"0\.5", keras_differs="Keras truncates to 0"),
    case("to_categorical of strings", _utils("to_categorical", ["a", "b"], 3), ValueError,
         "'a'"),
    case("pad_sequences padding='middle'", _utils("pad_sequences", [[1], [1, 2]],
                                                  padding="middle"), ValueError, "middle"),
    case("pad_sequences truncating='x'", _utils("pad_sequences", [[1], [1, 2]], maxlen=1,
                                                truncating="x"), ValueError, "truncating.*x"),
    case("pad_sequences maxlen=-1", _utils("pad_sequences", [[1], [1, 2]], maxlen=-1),
         ValueError, "maxlen=-1"),
    case("pad_sequences not a list of sequences", _utils("pad_sequences", 5), ValueError,
         "sequences=5"),
    case("get_file without origin", _utils("get_file", "f.txt", origin=None), ValueError,
         "origin"),
    case("get_file without fname and origin", _utils("get_file"), ValueError, "fname|origin"),
    case("get_file bad hash_algorithm", lambda w: w.K.utils.get_file(
        "f.txt", origin="file:///nonexistent", file_hash="abc", hash_algorithm="crc",
        cache_dir=w.path("cache")), ValueError, "crc"),
    case("timeseries_dataset_from_array sequence_length=0", _utils(
        "timeseries_dataset_from_array", np.arange(10), None, sequence_length=0), ValueError,
         "sequence_length.*0"),
    case("split_dataset left_size=1.5", _utils("split_dataset", np.arange(10),
                                               left_size=1.5), ValueError, r"1\.5"),
]

REGISTRIES = [
    case("activations.get unknown", lambda w: w.K.activations.get("swishy"), ValueError,
         "swishy"),
    case("losses.get unknown", lambda w: w.K.losses.get("msee"), ValueError, "msee"),
    case("metrics.get unknown", lambda w: w.K.metrics.get("acuracy"), ValueError, "acuracy"),
    case("initializers.get unknown", lambda w: w.K.initializers.get("zeroz"), ValueError,
         "zeroz"),
    case("regularizers.get unknown", lambda w: w.K.regularizers.get("l3"), ValueError, "l3"),
    case("regularizers.L2 negative", lambda w: w.K.regularizers.L2(-0.1), ValueError,
         r"-0\.1"),
    case("regularizers.L1 nan", lambda w: w.K.regularizers.L1(float("nan")), ValueError,
         "nan"),
    case("constraints.get unknown", lambda w: w.K.constraints.get("nonneg_typo"), ValueError,
         "nonneg_typo"),
    case("config.set_floatx unknown", lambda w: w.K.config.set_floatx("float8"), ValueError,
         "float8", lambda w: w.K.config.floatx()),
    case("config.set_image_data_format unknown",
         lambda w: w.K.config.set_image_data_format("nchw"), ValueError, "nchw",
         lambda w: w.K.config.image_data_format()),
    case("Input dtype unknown", lambda w: w.K.Input((3,), dtype="float13"), ValueError,
         "float13", lambda w: w.K.Input((3,))),
]

DISTRIBUTION = [
    case("DeviceMesh shape and axis_names differ", lambda w: w.K.distribution.DeviceMesh(
        shape=(1,), axis_names=("batch", "model"), devices=w.K.distribution.list_devices()),
         ValueError, r"shape=\(1,\).*axis_names"),
    case("DeviceMesh shape does not fit the devices", lambda w: w.K.distribution.DeviceMesh(
        shape=(7,), axis_names=("batch",), devices=w.K.distribution.list_devices()),
         ValueError, r"\(7,\)"),
    case("list_devices unknown type", lambda w: w.K.distribution.list_devices("qpu"),
         ValueError, "qpu"),
    case("TensorLayout axes not in the mesh", lambda w: w.K.distribution.TensorLayout(
        ("nope", None), w.K.distribution.DeviceMesh(
            (1,), ("batch",), w.K.distribution.list_devices()[:1])), ValueError, "nope"),
]

CASES = [*UTILS, *REGISTRIES, *DISTRIBUTION]
