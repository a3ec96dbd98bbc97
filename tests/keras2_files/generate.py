"""Write the Keras-2 (tf-keras 2.x) file corpus that tests/test_keras2_files.py loads in lamina.

Run it under TensorFlow with tf-keras (Keras 2), never under lamina's venv, e.g.:

    pip download tf-keras==2.21.0 --no-deps -d /tmp/dl
    pip install --no-deps --target /tmp/tfk /tmp/dl/tf_keras-2.21.0-py3-none-any.whl
    PYTHONPATH=/tmp/tfk TF_USE_LEGACY_KERAS=1 benchmarks/.venvs/tf/bin/python \\
        tests/keras2_files/generate.py

Each case writes `<name>.h5` (a whole model, or weights only) and an entry in `cases.json`:
the inputs, Keras 2's predictions, and for compiled models the optimizer's iterations.
"""

from __future__ import annotations

import json
import os

import numpy as np
import tf_keras as keras

HERE = os.path.dirname(os.path.abspath(__file__))
L = keras.layers
RNG = np.random.default_rng(0)


def _vector(n=6):
    return RNG.normal(size=(4, n)).astype("float32")


def _seq(steps=5, n=3):
    return RNG.normal(size=(4, steps, n)).astype("float32")


def dense_mlp():
    model = keras.Sequential([
        L.Dense(8, activation="relu", batch_input_shape=(None, 6),
                kernel_initializer="glorot_uniform", kernel_regularizer="l2",
                kernel_constraint=keras.constraints.max_norm(2.0), name="d1"),
        L.Dropout(0.3), L.BatchNormalization(), L.Dense(3, activation="softmax", name="d2")])
    return model, _vector()


def optimizer_mlp():
    """Without Dropout, so that a training step is deterministic, and without a bias before
    BatchNormalization (its gradient is rounding noise, which Adamax's u + eps amplifies)."""
    model = keras.Sequential([
        L.Dense(8, use_bias=False, input_shape=(6,), kernel_regularizer="l2", name="d1"),
        L.BatchNormalization(), L.Activation("tanh"), L.Dense(3, name="d2")])
    return model, _vector()


def conv2d():
    model = keras.Sequential([
        L.Conv2D(4, 3, padding="same", activation="relu", input_shape=(8, 8, 2)),
        L.MaxPooling2D(), L.Conv2D(4, 3, strides=2), L.AveragePooling2D(1),
        L.BatchNormalization(axis=[3]), L.Flatten(), L.Dense(2)])
    return model, RNG.normal(size=(2, 8, 8, 2)).astype("float32")


def conv1d_pool():
    model = keras.Sequential([
        L.Conv1D(4, 3, activation="tanh", input_shape=(10, 3)), L.MaxPooling1D(2),
        L.GlobalAveragePooling1D(), L.Dense(2)])
    return model, _seq(10, 3)


def embedding_lstm():
    model = keras.Sequential([
        L.Embedding(20, 4, mask_zero=True, input_length=6), L.LSTM(5), L.Dense(1)])
    x = RNG.integers(1, 20, size=(4, 6))
    x[:, 4:] = 0
    return model, x.astype("int32")


def recurrent_stack():
    inputs = keras.Input((5, 3))
    x = L.GRU(4, return_sequences=True)(inputs)
    x = L.Bidirectional(L.SimpleRNN(3, return_sequences=True))(x)
    x = L.TimeDistributed(L.Dense(2))(x)
    x = L.Reshape((10,))(x)
    return keras.Model(inputs, L.Dense(1)(x)), _seq()


def gru_time_major():
    model = keras.Sequential([L.GRU(4, time_major=True, input_shape=(4, 3)), L.Dense(2)])
    return model, np.swapaxes(_seq(5, 3), 0, 1)  # (time, batch, features)


def merge_functional():
    a, b = keras.Input((6,), name="a"), keras.Input((6,), name="b")
    da, db = L.Dense(4)(a), L.Dense(4)(b)
    merged = L.Concatenate()([L.Add()([da, db]), L.Multiply()([da, db]),
                              L.Subtract()([da, db]), L.Average()([da, db]),
                              L.Maximum()([da, db])])
    return keras.Model([a, b], L.Dense(2)(merged)), [_vector(), _vector()]


def stateful_lstm():
    model = keras.Sequential([L.LSTM(4, stateful=True, batch_input_shape=(4, 5, 3)),
                              L.Dense(2)])
    return model, _seq()


def old_names():
    """Initializers, regularizers and constraints under Keras 2's names and arguments."""
    model = keras.Sequential([
        L.Dense(5, input_shape=(6,), kernel_initializer=keras.initializers.RandomNormal(
            stddev=0.2, seed=3), bias_initializer="ones",
            kernel_regularizer=keras.regularizers.l1_l2(l1=0.01, l2=0.01),
            activity_regularizer="l1", kernel_constraint="unit_norm",
            bias_constraint=keras.constraints.NonNeg()),
        L.Dense(3, kernel_initializer="he_normal", kernel_constraint=keras.constraints.
                MinMaxNorm(0.1, 1.5), kernel_regularizer=keras.regularizers.l2(0.02))])
    return model, _vector()


def functional_masking():
    inputs = keras.Input((6,), dtype="int32")
    x = L.Embedding(20, 4, mask_zero=True)(inputs)
    x = L.LSTM(3, return_sequences=True)(x)
    x = L.GlobalMaxPooling1D()(L.SimpleRNN(3, return_sequences=True)(x))
    return keras.Model(inputs, L.Dense(2)(x)), embedding_lstm()[1]


def nested_models():
    inner = keras.Sequential([L.Dense(5, activation="relu", input_shape=(6,))], name="inner")
    inputs = keras.Input((6,))
    return keras.Model(inputs, L.Dense(2)(inner(inputs))), _vector()


MODELS = [dense_mlp, conv2d, conv1d_pool, embedding_lstm, recurrent_stack, gru_time_major,
          merge_functional, nested_models, stateful_lstm, old_names, functional_masking]
OPTIMIZERS = {  # Keras 2's own configs: `lr`-style names, decay, legacy classes
    "sgd": lambda: keras.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    "adam": lambda: keras.optimizers.Adam(learning_rate=0.01, amsgrad=True),
    "rmsprop": lambda: keras.optimizers.RMSprop(learning_rate=0.01, momentum=0.5),
    "adagrad": lambda: keras.optimizers.Adagrad(0.05),
    "adadelta": lambda: keras.optimizers.Adadelta(1.0),
    "adamax": lambda: keras.optimizers.Adamax(0.01),
    "nadam": lambda: keras.optimizers.Nadam(0.01),
    "ftrl": lambda: keras.optimizers.Ftrl(0.05),
    "legacy_adam": lambda: keras.optimizers.legacy.Adam(learning_rate=0.01, decay=0.01),
    "legacy_sgd": lambda: keras.optimizers.legacy.SGD(learning_rate=0.05, momentum=0.9,
                                                      decay=0.001),
}


def _targets(model, x):
    y = model.predict(x, verbose=0)
    return RNG.normal(size=y.shape).astype("float32")


def _as_list(x):
    return [a.tolist() for a in x] if isinstance(x, list) else x.tolist()


def write_case(cases: dict, name: str, model, x, kind: str, **extra) -> None:
    model.reset_states()  # a stateful RNN starts from zeros, as after loading
    predictions = model.predict(x, verbose=0)
    cases[name] = {"kind": kind, "x": _as_list(x), "multi_input": isinstance(x, list),
                   "x_dtype": str((x[0] if isinstance(x, list) else x).dtype),
                   "y": np.asarray(predictions).tolist(), **extra}


def main() -> None:
    cases: dict = {}
    for build in MODELS:
        keras.utils.set_random_seed(1)
        model, x = build()
        model.compile("adam", "mse", metrics=["mae"])
        if build is not gru_time_major:  # fit() would split its time axis into batches
            model.fit(x, _targets(model, x), epochs=1, verbose=0)
        model.save(os.path.join(HERE, f"{build.__name__}.h5"))
        write_case(cases, build.__name__, model, x, "model",
                   iterations=int(model.optimizer.iterations.numpy()))
        model.save_weights(os.path.join(HERE, f"{build.__name__}.weights_only.h5"))
        write_case(cases, f"{build.__name__}.weights_only", model, x, "weights")
    for name, make in OPTIMIZERS.items():
        keras.utils.set_random_seed(2)
        model, x = optimizer_mlp()
        model.compile(make(), "mse")
        model.fit(x, _targets(model, x), epochs=2, verbose=0)
        model.save(os.path.join(HERE, f"optimizer_{name}.h5"))
        write_case(cases, f"optimizer_{name}", model, x, "model",
                   iterations=int(model.optimizer.iterations.numpy()),
                   optimizer=type(model.optimizer).__name__)
        targets = _targets(model, x)  # one more step: its result depends on the optimizer state
        cases[f"optimizer_{name}"].update(
            step_targets=targets.tolist(), step_loss=float(model.train_on_batch(x, targets)),
            y_after_step=model.predict(x, verbose=0).tolist())
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump(cases, f, indent=0)


if __name__ == "__main__":
    main()
