"""Layers: constructor arguments and input ranks."""

from __future__ import annotations

import numpy as np

from bad_inputs import case


def _new(layer_name, *args, **kwargs):
    return lambda w: getattr(w.K.layers, layer_name)(*args, **kwargs)


def _on(layer_name, shape, *args, **kwargs):
    """Build and call the layer on zeros of `shape` (a batch of data of the wrong rank)."""
    return lambda w: getattr(w.K.layers, layer_name)(*args, **kwargs)(np.zeros(shape, "float32"))


def _ok(layer_name, *args, **kwargs):
    return lambda w: getattr(w.K.layers, layer_name)(*args, **kwargs)


CONSTRUCTORS = [
    case("Dense units=0", _new("Dense", 0), ValueError, "units.*0", _ok("Dense", 1)),
    case("Dense units=-4", _new("Dense", -4), ValueError, "units.*-4", _ok("Dense", 1)),
    case("Dense units=2.5", _new("Dense", 2.5), ValueError, "units.*2.5", _ok("Dense", 1)),
    case("Dense units='8'", _new("Dense", "8"), ValueError, "units.*8", _ok("Dense", 1)),
    case("Dense activation unknown", _new("Dense", 4, activation="relux"), ValueError,
         "relux", _ok("Dense", 4, activation="relu")),
    case("Dense kernel_initializer unknown", _new("Dense", 4, kernel_initializer="nope"),
         ValueError, "nope", _ok("Dense", 4)),
    case("Dense kernel_regularizer unknown", _new("Dense", 4, kernel_regularizer="l3"),
         ValueError, "l3", _ok("Dense", 4)),
    case("Dense kernel_constraint unknown", _new("Dense", 4, kernel_constraint="big"),
         ValueError, "big", _ok("Dense", 4)),
    case("Dense unknown keyword", _new("Dense", 4, unitz=3), TypeError, "unitz",
         _ok("Dense", 4)),
    case("Conv2D filters=0", _new("Conv2D", 0, 3), ValueError, "filters.*0",
         _ok("Conv2D", 1, 3)),
    case("Conv2D kernel_size=0", _new("Conv2D", 2, 0), ValueError, "kernel_size.*0",
         _ok("Conv2D", 1, 3)),
    case("Conv2D kernel_size of 3 dims", _new("Conv2D", 2, (3, 3, 3)), ValueError,
         r"kernel_size.*\(3, 3, 3\)", _ok("Conv2D", 1, 3)),
    case("Conv2D strides=0", _new("Conv2D", 2, 3, strides=0), ValueError, "strides.*0",
         _ok("Conv2D", 1, 3)),
    case("Conv2D padding='full'", _new("Conv2D", 2, 3, padding="full"), ValueError,
         "padding.*full", _ok("Conv2D", 1, 3)),
    case("Conv2D data_format='nchw'", _new("Conv2D", 2, 3, data_format="nchw"), ValueError,
         "data_format.*nchw", _ok("Conv2D", 1, 3)),
    case("Conv2D dilation_rate=0", _new("Conv2D", 2, 3, dilation_rate=0), ValueError,
         "dilation_rate.*0", _ok("Conv2D", 1, 3)),
    case("Conv2D groups not dividing filters", _new("Conv2D", 3, 3, groups=2), ValueError,
         "groups.*2", _ok("Conv2D", 1, 3)),
    case("Conv1D filters=-1", _new("Conv1D", -1, 3), ValueError, "filters.*-1",
         _ok("Conv1D", 1, 3)),
    case("LSTM units=0", _new("LSTM", 0), ValueError, "units.*0", _ok("LSTM", 2)),
    case("LSTM activation unknown", _new("LSTM", 2, activation="nope"), ValueError, "nope",
         _ok("LSTM", 2)),
    case("GRU units=-1", _new("GRU", -1), ValueError, "units.*-1", _ok("GRU", 2)),
    case("SimpleRNN units=0", _new("SimpleRNN", 0), ValueError, "units.*0",
         _ok("SimpleRNN", 2)),
    case("Embedding input_dim=0", _new("Embedding", 0, 4), ValueError, "input_dim.*0",
         _ok("Embedding", 3, 4)),
    case("Embedding output_dim=0", _new("Embedding", 10, 0), ValueError, "output_dim.*0",
         _ok("Embedding", 3, 4)),
    case("Embedding input_dim=10.5", _new("Embedding", 10.5, 4), ValueError,
         r"input_dim.*10\.5", _ok("Embedding", 3, 4)),
    case("Dropout rate=1.5", _new("Dropout", 1.5), ValueError, r"rate.*1\.5",
         _ok("Dropout", 0.5)),
    case("Dropout rate=-0.1", _new("Dropout", -0.1), ValueError, r"rate.*-0\.1",
         _ok("Dropout", 0.5)),
    case("Dropout rate='x'", _new("Dropout", "x"), ValueError, "rate.*x", _ok("Dropout", 0.5)),
    case("SpatialDropout1D rate=2", _new("SpatialDropout1D", 2), ValueError, "rate.*2",
         _ok("SpatialDropout1D", 0.5)),
    case("GaussianNoise stddev=-1", _new("GaussianNoise", -1.0), ValueError, "stddev.*-1",
         _ok("GaussianNoise", 0.1)),
    case("Reshape target_shape with two -1", _new("Reshape", (-1, -1)), ValueError,
         r"-1", _ok("Reshape", (2, 2))),
    case("Flatten data_format='x'", _new("Flatten", data_format="x"), ValueError,
         "data_format.*x", _ok("Flatten")),
    case("MaxPooling2D pool_size=0", _new("MaxPooling2D", pool_size=0), ValueError,
         "pool_size.*0", _ok("MaxPooling2D")),
    case("AveragePooling1D padding='x'", _new("AveragePooling1D", padding="x"), ValueError,
         "padding.*x", _ok("AveragePooling1D")),
    case("Activation unknown", _new("Activation", "nope"), ValueError, "nope",
         _ok("Activation", "relu")),
    case("Permute dims repeat", _new("Permute", (1, 1)), ValueError, r"\(1, 1\)",
         _ok("Permute", (2, 1))),
    case("UpSampling2D interpolation unknown", _new("UpSampling2D", interpolation="cubicx"),
         ValueError, "cubicx", _ok("UpSampling2D")),
    case("MultiHeadAttention num_heads=0", _new("MultiHeadAttention", 0, 4), ValueError,
         "num_heads.*0", _ok("MultiHeadAttention", 2, 4)),
    case("Input shape negative", lambda w: w.K.Input((-3,)), ValueError, "-3",
         lambda w: w.K.Input((3,))),
    case("Input shape not a tuple", lambda w: w.K.Input("abc"), ValueError, "abc",
         lambda w: w.K.Input((3,))),
]

INPUT_RANKS = [
    case("Conv2D on rank-3 input", _on("Conv2D", (2, 8, 3), 2, 3), ValueError,
         r"conv2d.*\(2, 8, 3\)", _ok("Conv2D", 1, 3)),
    case("Conv1D on rank-2 input", _on("Conv1D", (2, 8), 2, 3), ValueError,
         r"conv1d.*\(2, 8\)", _ok("Conv1D", 1, 3)),
    case("LSTM on rank-2 input", _on("LSTM", (2, 8), 2), ValueError, r"lstm.*\(2, 8\)",
         _ok("LSTM", 2)),
    case("GRU on rank-4 input", _on("GRU", (2, 3, 4, 5), 2), ValueError, r"gru.*\(2, 3, 4, 5\)",
         _ok("GRU", 2)),
    case("MaxPooling2D on rank-3 input", _on("MaxPooling2D", (2, 4, 4)), ValueError,
         r"max_pooling2d.*\(2, 4, 4\)", _ok("MaxPooling2D")),
    case("GlobalAveragePooling2D on rank-2 input", _on("GlobalAveragePooling2D", (2, 4)),
         ValueError, r"global_average_pooling2d.*\(2, 4\)", _ok("GlobalAveragePooling2D")),
    case("BatchNormalization axis out of range", _on("BatchNormalization", (2, 4), axis=5),
         ValueError, "axis.*5", _ok("BatchNormalization")),
    case("LayerNormalization axis out of range", _on("LayerNormalization", (2, 4), axis=3),
         ValueError, "axis.*3", _ok("LayerNormalization")),
    case("Reshape size mismatch", _on("Reshape", (2, 16), (3, 5)), ValueError,
         r"\(3, 5\)", _ok("Reshape", (2, 2))),
    case("Dense on a scalar per sample", _on("Dense", (2,), 3), ValueError,
         r"dense.*\(2,\)", _ok("Dense", 1)),
    case("Concatenate mismatched shapes", lambda w: w.K.layers.Concatenate()(
        [np.zeros((2, 3, 4), "float32"), np.zeros((2, 5, 6), "float32")]), ValueError,
         r"concatenate.*\(2, 3, 4\)", _ok("Concatenate")),
    case("Add mismatched shapes", lambda w: w.K.layers.Add()(
        [np.zeros((2, 3), "float32"), np.zeros((2, 4), "float32")]), ValueError,
         r"add.*\(2, 4\)|add.*\(2, 3\)", _ok("Add")),
    case("Embedding called on ids past input_dim",
         lambda w: w.K.layers.Embedding(3, 2)(np.array([[0, 3]])), ValueError,
         r"embedding.*3", _ok("Embedding", 3, 2), keras_differs="Keras returns zeros/NaN"),
    case("Functional model called on the wrong rank", lambda w: w.model(np.zeros((2, 4, 2))),
         ValueError, r"\(2, 4, 2\)"),
]

NAMES = [  # Keras's Operation checks the name: a string without '/'
    case("Dense name=5", _new("Dense", 3, name=5), ValueError,
         r"name.*must be a string.*name=5 \(of type <class 'int'>\)", _ok("Dense", 3, name="d5")),
    case("Dense name=b'x'", _new("Dense", 3, name=b"x"), ValueError,
         r"must be a string.*name=b'x'", _ok("Dense", 3)),
    case("Dense name with a slash", _new("Dense", 3, name="a/b"), ValueError,
         "cannot contain character `/`.*name=a/b", _ok("Dense", 3, name="a_b")),
    case("Input name=5", lambda w: w.K.Input((3,), name=5), ValueError, "name=5",
         lambda w: w.K.Input((3,), name="five")),
    case("Sequential name=1.5", lambda w: w.K.Sequential(name=1.5), ValueError, r"name=1\.5",
         lambda w: w.K.Sequential(name="seq")),
]

CASES = [*CONSTRUCTORS, *INPUT_RANKS, *NAMES]
