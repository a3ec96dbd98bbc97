"""compile / fit / evaluate / predict / train_on_batch: arguments and data."""

from __future__ import annotations

import numpy as np

from bad_inputs import case, generator

LATER = "Keras accepts it at compile and fails in fit"
ACCEPTS = "Keras accepts it silently"
CRASHES = "Keras crashes later with an unrelated error"
NAN_X = np.where(np.eye(16, 4, dtype=bool), np.nan, 1.0).astype("float32")
INF_X = np.full((16, 4), np.inf, "float32")


def _fit(**kwargs):
    def call(w):
        args = {"x": w.x, "y": w.y, "epochs": 1, "verbose": 0, **kwargs}
        return w.model.fit(**{k: v(w) if callable(v) else v for k, v in args.items()})
    return call


def _evaluate(**kwargs):
    def call(w):
        args = {"x": w.x, "y": w.y, "verbose": 0, **kwargs}
        return w.model.evaluate(**{k: v(w) if callable(v) else v for k, v in args.items()})
    return call


def _predict(**kwargs):
    def call(w):
        args = {"x": w.x, "verbose": 0, **kwargs}
        return w.model.predict(**{k: v(w) if callable(v) else v for k, v in args.items()})
    return call


def _compile(**kwargs):
    def call(w):
        K = w.K
        model = K.Sequential([K.Input((4,)), K.layers.Dense(3)])
        return model.compile(**{"optimizer": "sgd", "loss": "mse", **kwargs})
    return call


def _compile_two(**kwargs):
    """compile() a model with two outputs, 'a' and 'b'."""
    def call(w):
        K = w.K
        inputs = K.Input((4,))
        model = K.Model(inputs, [K.layers.Dense(1, name="a")(inputs),
                                 K.layers.Dense(2, name="b")(inputs)])
        return model.compile(**{"optimizer": "sgd", "loss": "mse", **kwargs})
    return call


COMPILE = [
    case("compile optimizer unknown name", _compile(optimizer="adamx"), ValueError, "adamx"),
    case("compile optimizer is a number", _compile(optimizer=3), ValueError, "optimizer.*3"),
    case("compile loss unknown name", _compile(loss="mse_typo"), ValueError, "mse_typo",
         keras_differs=LATER),
    case("compile loss is a number", _compile(loss=5), ValueError, "loss.*5", keras_differs=LATER),
    case("compile metric unknown name", _compile(metrics=["acc_typo"]), ValueError, "acc_typo",
         keras_differs=LATER),
    case("compile metrics is a number", _compile(metrics=7), ValueError, "metrics=7"),
    case("compile steps_per_execution=0", _compile(steps_per_execution=0), ValueError,
         "steps_per_execution=0", keras_differs=ACCEPTS),
    case("compile steps_per_execution=-2", _compile(steps_per_execution=-2), ValueError,
         "steps_per_execution=-2", keras_differs=ACCEPTS),
    case("compile unknown keyword", _compile(lossses="mse"), TypeError, "lossses"),
    case("compile metrics=['crossentropy']", _compile(metrics=["crossentropy"]), ValueError,
         "Could not interpret metric identifier: crossentropy", keras_differs=LATER),
    case("compile metrics=['ce']", _compile(metrics=["ce"]), ValueError,
         "Could not interpret metric identifier: ce", keras_differs=LATER),
    case("compile two outputs, flat weighted_metrics", _compile_two(weighted_metrics=["mae"]),
         ValueError, r"weighted_metrics=\['mae'\]", keras_differs=LATER),
    case("compile two outputs, flat metrics", _compile_two(metrics=["mae"]), ValueError,
         r"metrics=\['mae'\]", keras_differs=LATER),
    case("compile two outputs, metrics=['crossentropy'] per output",
         _compile_two(metrics={"b": ["crossentropy"]}), ValueError, "crossentropy",
         keras_differs=LATER),
]

FIT_ARGS = [
    case("fit batch_size=0", _fit(batch_size=0), ValueError, "batch_size=0",
         keras_differs=ACCEPTS),
    case("fit batch_size=-1", _fit(batch_size=-1), ValueError, "batch_size=-1",
         keras_differs=CRASHES),
    case("fit batch_size=2.5", _fit(batch_size=2.5), TypeError, "batch_size=2.5"),
    case("fit batch_size='32'", _fit(batch_size="32"), TypeError, "batch_size='32'"),
    case("fit epochs=-1", _fit(epochs=-1), ValueError, "epochs=-1", keras_differs=ACCEPTS),
    case("fit epochs=1.5", _fit(epochs=1.5), TypeError, "epochs=1.5"),
    case("fit epochs='2'", _fit(epochs="2"), TypeError, "epochs='2'"),
    case("fit initial_epoch=-1", _fit(initial_epoch=-1), ValueError, "initial_epoch=-1",
         keras_differs=ACCEPTS),
    case("fit validation_freq=0", _fit(validation_freq=0, validation_split=0.25), ValueError,
         "validation_freq=0", keras_differs="Keras raises ZeroDivisionError"),
    case("fit validation_split=1.0", _fit(validation_split=1.0), ValueError,
         "validation_split=1.0"),
    case("fit validation_split=-0.1", _fit(validation_split=-0.1), ValueError,
         "validation_split=-0.1"),
    case("fit validation_split=1.5", _fit(validation_split=1.5), ValueError,
         "validation_split=1.5"),
    case("fit validation_split='0.2'", _fit(validation_split="0.2"), TypeError,
         "validation_split='0.2'"),
    case("fit validation_split leaves no training sample",
         _fit(x=lambda w: w.x[:2], y=lambda w: w.y[:2], validation_split=0.6), ValueError,
         "validation_split=0.6"),
    case("fit verbose=3", _fit(verbose=3), ValueError, "verbose=3"),
    case("fit verbose='loud'", _fit(verbose="loud"), ValueError, "verbose='loud'"),
    case("fit steps_per_epoch=-1", _fit(steps_per_epoch=-1), ValueError, "steps_per_epoch=-1",
         keras_differs=CRASHES),
    case("fit steps_per_epoch=0", _fit(steps_per_epoch=0), ValueError, "steps_per_epoch=0",
         keras_differs=CRASHES),
    case("fit validation_steps=-2", _fit(validation_steps=-2, validation_split=0.25),
         ValueError, "validation_steps=-2", keras_differs=CRASHES),
    case("fit class_weight and sample_weight", _fit(class_weight={0: 1, 1: 1, 2: 1},
                                                    sample_weight=lambda w: np.ones(16)),
         ValueError, "class_weight.*sample_weight"),
    case("fit class_weight misses a class", _fit(class_weight={0: 1.0, 1: 2.0}), ValueError,
         r"class_weight.*\[2\]"),
    case("fit callbacks is a number", _fit(callbacks=5), TypeError, "callbacks.*5",
         keras_differs="Keras raises AttributeError ('int' has no set_model)"),
    case("fit callbacks holds a non-callback", _fit(callbacks=[object()]), TypeError,
         "callbacks.*object", keras_differs="Keras raises AttributeError"),
    case("fit validation_data of 4 items",
         _fit(validation_data=lambda w: (w.x, w.y, w.y, w.y)), ValueError, "validation_data"),
    case("fit validation_data of the wrong shape",
         _fit(validation_data=lambda w: (w.x[:, :3], w.y)), ValueError, r"\(None, 4\).*3"),
    case("fit validation_split with a generator",
         _fit(x=lambda w: generator([(w.x, w.y)]), y=None, validation_split=0.5), ValueError,
         "validation_split"),
]

FIT_DATA = [
    case("fit x=None", _fit(x=None), ValueError, "x is None"),
    case("fit x with 5 features for 4", _fit(x=lambda w: np.ones((16, 5), "float32")),
         ValueError, r"\(None, 4\).*5"),
    case("fit x of rank 1", _fit(x=lambda w: np.ones(16, "float32")), ValueError,
         r"\(None, 4\).*\(16,\)"),
    case("fit x of rank 3", _fit(x=lambda w: np.ones((16, 4, 2), "float32")), ValueError,
         r"\(16, 4, 2\)"),
    case("fit x of strings", _fit(x=lambda w: np.full((16, 4), "a")), ValueError, "x.*<U1"),
    case("fit x of objects", _fit(x=lambda w: np.full((16, 4), None, dtype=object)),
         ValueError, "x.*object"),
    case("fit x ragged list", _fit(x=[[1.0, 2.0], [1.0]], y=[0, 1]), ValueError, "x is ragged"),
    case("fit x empty", _fit(x=lambda w: np.ones((0, 4), "float32"),
                             y=lambda w: np.ones(0, "int32")), ValueError, "empty.*0 samples"),
    case("fit x NaN", _fit(x=NAN_X), ValueError, "x contains 4 non-finite"),
    case("fit x inf", _fit(x=INF_X), ValueError, "x contains 64 non-finite"),
    case("fit x float64 NaN", _fit(x=NAN_X.astype("float64")), ValueError, "x contains 4"),
    case("fit x list of lists with NaN", _fit(x=lambda w: NAN_X.tolist()), ValueError,
         "x contains 4"),
    case("fit y NaN", _fit(y=lambda w: np.where(w.y == 0, np.nan, w.y).astype("float32")),
         ValueError, "y contains .* non-finite"),
    case("fit sample_weight NaN", _fit(sample_weight=lambda w: np.r_[np.nan, np.ones(15)]),
         ValueError, "sample_weight contains 1 non-finite"),
    case("fit sample_weight -inf", _fit(sample_weight=lambda w: np.r_[-np.inf, np.ones(15)]),
         ValueError, "sample_weight contains 1 non-finite"),
    case("fit validation_data x NaN", _fit(validation_data=lambda w: (NAN_X, w.y)),
         ValueError, "x contains 4 non-finite"),
    case("fit y length differs", _fit(y=lambda w: w.y[:10]), ValueError,
         "x has 16.*y has 10"),
    case("fit sample_weight length differs", _fit(sample_weight=lambda w: np.ones(3)),
         ValueError, "sample_weight has 3"),
    case("fit y of strings", _fit(y=lambda w: np.array(["a"] * 16)), ValueError, "y.*<U1"),
    case("fit y missing with a loss", _fit(y=None), ValueError, "y.*missing"),
    case("fit sparse labels out of range", _fit(y=lambda w: np.full(16, 3)), ValueError,
         "label is out of range: 3"),
    case("fit sparse labels negative", _fit(y=lambda w: np.full(16, -1)), ValueError,
         "label is out of range: -1"),
    case("fit one-hot labels for a sparse loss", _fit(y=lambda w: np.eye(3)[w.y]),
         ValueError, r"\(16, 3\)"),
    case("fit x dict for a Sequential", _fit(x=lambda w: {"a": w.x, "b": w.x}), ValueError,
         r"x as a dict with keys \['a', 'b'\]"),
    case("predict x list of two arrays for a Sequential",
         _predict(x=lambda w: [w.x, w.x]), ValueError, "x as 2 arrays"),
    case("fit generator yields 4-tuples",
         _fit(x=lambda w: generator([(w.x, w.y, w.y, w.y)]), y=None), ValueError,
         "tuple of 4"),
    case("fit generator with y", _fit(x=lambda w: generator([(w.x, w.y)])), ValueError,
         "y must be None"),
    case("fit generator with sample_weight",
         _fit(x=lambda w: generator([(w.x, w.y)]), y=None,
              sample_weight=lambda w: np.ones(16)), ValueError, "sample_weight must be None"),
    case("fit generator raises", _fit(x=lambda w: _raising(), y=None), KeyError,
         "broken source"),
    case("fit generator yields strings",
         _fit(x=lambda w: generator([(np.full((4, 4), "a"), w.y[:4])]), y=None), ValueError,
         "x.*<U1"),
    case("fit generator yields NaN", _fit(x=lambda w: generator([(NAN_X, w.y)]), y=None),
         ValueError, "x contains 4 non-finite"),
    case("fit generator yields the wrong shape",
         _fit(x=lambda w: generator([(w.x[:, :2], w.y)]), y=None), ValueError,
         r"dense.*\(16, 2\)"),
]


def _raising():
    raise KeyError("broken source")
    yield  # noqa: unreachable: makes this a generator


EVALUATE = [
    case("evaluate batch_size=0", _evaluate(batch_size=0), ValueError, "batch_size=0"),
    case("evaluate verbose=5", _evaluate(verbose=5), ValueError, "verbose=5"),
    case("evaluate x wrong shape", _evaluate(x=lambda w: w.x[:, :3]), ValueError,
         r"\(None, 4\).*3"),
    case("evaluate y length differs", _evaluate(y=lambda w: w.y[:5]), ValueError, "y has 5"),
    case("evaluate x NaN", _evaluate(x=NAN_X), ValueError, "x contains 4 non-finite"),
    case("evaluate sample_weight inf", _evaluate(sample_weight=lambda w: np.full(16, np.inf)),
         ValueError, "sample_weight contains 16"),
    case("evaluate labels out of range", _evaluate(y=lambda w: np.full(16, 7)), ValueError,
         "label is out of range: 7"),
    case("evaluate x empty", _evaluate(x=lambda w: w.x[:0], y=lambda w: w.y[:0]), ValueError,
         "empty"),
    case("evaluate x strings", _evaluate(x=lambda w: np.full((16, 4), "z")), ValueError,
         "x.*<U1"),
]

PREDICT = [
    case("predict x=None", _predict(x=None), ValueError, "x is None"),
    case("predict batch_size=0", _predict(batch_size=0), ValueError, "batch_size=0"),
    case("predict batch_size=-3", _predict(batch_size=-3), ValueError, "batch_size=-3"),
    case("predict verbose='x'", _predict(verbose="x"), ValueError, "verbose='x'"),
    case("predict x wrong shape", _predict(x=lambda w: w.x[:, :1]), ValueError,
         r"\(None, 4\).*1"),
    case("predict x rank 3", _predict(x=lambda w: np.ones((16, 4, 3), "float32")), ValueError,
         r"\(16, 4, 3\)"),
    case("predict x NaN", _predict(x=NAN_X), ValueError, "x contains 4 non-finite"),
    case("predict x one row NaN after a clean call (fast path)", lambda w: (
        w.model.predict(w.x[:2], verbose=0),
        w.model.predict(np.array([[np.nan, 0, 0, 0], [0, 0, 0, 0]], "float32"), verbose=0)),
         ValueError, "x contains 1 non-finite"),
    case("predict x empty", _predict(x=lambda w: w.x[:0]), ValueError, "empty"),
    case("predict x ragged", _predict(x=[[1.0, 2.0, 3.0, 4.0], [1.0]]), ValueError,
         "x is ragged"),
    case("predict x scalar", _predict(x=3.0), ValueError, "x.*scalar"),
    case("predict x strings", _predict(x=lambda w: np.full((2, 4), "q")), ValueError, "<U1"),
    case("predict generator yields the wrong shape",
         _predict(x=lambda w: generator([w.x[:, :3]])), ValueError, r"dense.*\(16, 3\)"),
]


def _emb_fit(ids):
    return lambda w: w.emb_model.fit(ids, np.zeros((len(ids), 1), "float32"), verbose=0)


def _emb_then(w):
    return w.emb_model.train_on_batch(w.ids, w.ids_y)


EMBEDDING_DATA = [
    case("Embedding fit id = input_dim", _emb_fit(np.full((4, 5), 10, "int32")), ValueError,
         r"embedding.*\[10, 10\]", _emb_then, keras_differs="Keras trains on NaN"),
    case("Embedding fit id < 0", _emb_fit(np.full((4, 5), -1, "int32")), ValueError,
         r"embedding.*\[-1, -1\]", _emb_then, keras_differs="Keras trains on garbage"),
    case("Embedding fit float ids past input_dim", _emb_fit(np.full((4, 5), 12.0, "float32")),
         ValueError, r"embedding.*12", _emb_then, keras_differs="Keras trains on NaN"),
    case("Embedding predict id past input_dim",
         lambda w: w.emb_model.predict(np.full((40, 5), 99, "int32"), verbose=0), ValueError,
         r"embedding.*99", _emb_then, keras_differs="Keras predicts NaN"),
    case("Embedding predict bad id after a clean call (fast path)", lambda w: (
        w.emb_model.predict(w.ids[:2], verbose=0),
        w.emb_model.predict(np.array([[0, 1, 2, 3, 11]] * 2, "int32"), verbose=0)),
         ValueError, r"embedding.*11", _emb_then, keras_differs="Keras predicts NaN"),
    case("Embedding evaluate id past input_dim",
         lambda w: w.emb_model.evaluate(np.full((4, 5), 10), np.zeros((4, 1)), verbose=0),
         ValueError, r"embedding.*10", _emb_then, keras_differs="Keras gives NaN"),
    case("Embedding train_on_batch id past input_dim",
         lambda w: w.emb_model.train_on_batch(np.full((4, 5), 10), np.zeros((4, 1))),
         ValueError, r"embedding.*10", _emb_then, keras_differs="Keras trains on NaN"),
]

ON_BATCH = [
    case("train_on_batch x wrong shape", lambda w: w.model.train_on_batch(w.x[:, :2], w.y),
         ValueError, r"\(None, 4\).*2"),
    case("train_on_batch y length differs", lambda w: w.model.train_on_batch(w.x, w.y[:3]),
         ValueError, "y has 3"),
    case("train_on_batch x NaN", lambda w: w.model.train_on_batch(NAN_X, w.y), ValueError,
         "x contains 4 non-finite"),
    case("train_on_batch sample_weight NaN",
         lambda w: w.model.train_on_batch(w.x, w.y, sample_weight=np.full(16, np.nan)),
         ValueError, "sample_weight contains 16"),
    case("train_on_batch labels out of range",
         lambda w: w.model.train_on_batch(w.x, np.full(16, 5)), ValueError,
         "label is out of range: 5"),
    case("test_on_batch x strings",
         lambda w: w.model.test_on_batch(np.full((16, 4), "s"), w.y), ValueError, "<U1"),
    case("test_on_batch x NaN", lambda w: w.model.test_on_batch(NAN_X, w.y), ValueError,
         "x contains 4"),
    case("predict_on_batch x wrong shape", lambda w: w.model.predict_on_batch(w.x[:, :3]),
         ValueError, r"\(None, 4\).*3"),
    case("fit before compile",
         lambda w: w.raw_model.fit(w.x, w.y, verbose=0), ValueError, "compile"),
    case("evaluate before compile",
         lambda w: w.raw_model.evaluate(w.x, w.y, verbose=0), ValueError, "compile"),
    case("train_on_batch before compile",
         lambda w: w.raw_model.train_on_batch(w.x, w.y), ValueError, "compile"),
]

CASES = [*COMPILE, *FIT_ARGS, *FIT_DATA, *EVALUATE, *PREDICT, *EMBEDDING_DATA, *ON_BATCH]
