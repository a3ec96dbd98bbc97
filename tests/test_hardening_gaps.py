"""The gaps the last hardening pass left, closed (Keras 3 as the oracle where it has a
behaviour): Embedding ids checked in every batch source and in nested models, multi-output
`weighted_metrics`, `metrics=['crossentropy']`, Keras's numbering of metric names, and the
type check on layer names."""

from __future__ import annotations

import keras as real
import numpy as np
import pytest

import lamina as keras

RNG = np.random.default_rng(0)
IDS = RNG.integers(0, 10, size=(8, 5)).astype("int32")
Y = RNG.normal(size=(8, 1)).astype("float32")
BAD = np.where(np.arange(5) == 4, 10, IDS).astype("int32")  # id 10 = input_dim


def _embedding_stack(K):
    return [K.layers.Embedding(10, 4), K.layers.GlobalAveragePooling1D(), K.layers.Dense(1)]


def _nested(K):
    """The Keras guide's idiom: a Sequential block used inside a functional model."""
    inputs = K.Input((5,), dtype="int32")
    return K.Model(inputs, K.Sequential(_embedding_stack(K))(inputs))


def _subclassed(K, shift: bool = False):
    class Tagger(K.Model):
        def __init__(self):
            super().__init__()
            self.emb, self.pool, self.out = _embedding_stack(K)

        def call(self, ids):
            return self.out(self.pool(self.emb(ids // 2 if shift else ids)))

    return Tagger()


def _compiled(model):
    model.compile(optimizer="sgd", loss="mse")
    model.train_on_batch(IDS, Y)  # built, optimizer state created
    return model


def _batches(*xs):
    for x in xs:
        yield x, Y[:len(x)]


# --- 1. Embedding ids: every batch source, nested models ------------------------------------

@pytest.mark.parametrize("make", [_nested, _subclassed], ids=["nested", "subclassed"])
def test_nested_embedding_ids_are_checked_and_the_model_is_unchanged(make):
    model = _compiled(make(keras))
    before = [w.copy() for w in model.get_weights()]
    for bad_call in (lambda: model.fit(BAD, Y, verbose=0),
                     lambda: model.fit(_batches(BAD), verbose=0),
                     lambda: model.evaluate(_batches(BAD), verbose=0),
                     lambda: model.predict(_batches(BAD), verbose=0)):
        with pytest.raises(ValueError, match=r"embedding.*ids in \[0, 10\) but got ids in "
                                              r"\[\d+, 10\]"):
            bad_call()
        for b, a in zip(before, model.get_weights()):
            np.testing.assert_array_equal(b, a)
    model.fit(_batches(IDS, IDS), verbose=0)  # still usable


@pytest.mark.parametrize("make", [_nested, _subclassed], ids=["nested", "subclassed"])
def test_valid_ids_predict_as_keras_does(make):
    ours, theirs = make(keras), make(real)
    ours(IDS), theirs(IDS)
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours.predict(_batches(IDS, IDS[:3]), verbose=0),
                               theirs.predict(np.concatenate([IDS, IDS[:3]]), verbose=0),
                               atol=1e-6)


def test_a_bad_later_batch_stops_fit_before_its_step():
    """Batches are checked as they arrive: the steps before the bad one happened (as when a
    generator raises), the bad one never ran."""
    model = _compiled(keras.Sequential([keras.Input((5,), dtype="int32"),
                                        *_embedding_stack(keras)]))
    twin = keras.models.clone_model(model)
    twin.set_weights(model.get_weights())
    twin.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="embedding"):
        model.fit(_batches(IDS, BAD), verbose=0, shuffle=False)
    twin.fit(_batches(IDS), verbose=0)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_py_dataset_and_tf_data_batches_are_checked():
    tf = pytest.importorskip("tensorflow")

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return (IDS if i == 0 else BAD), Y

    model = _compiled(_nested(keras))
    with pytest.raises(ValueError, match="embedding"):
        model.predict(Batches(), verbose=0)
    dataset = tf.data.Dataset.from_tensor_slices((BAD, Y)).batch(4)
    with pytest.raises(ValueError, match="embedding"):
        model.evaluate(dataset, verbose=0)


def test_an_embedding_of_computed_ids_is_not_range_checked_on_the_raw_input():
    model = _compiled(_subclassed(keras, shift=True))  # reads ids // 2: 10..19 are fine
    model.fit(_batches(IDS + 10), verbose=0)
    assert np.isfinite(model.predict(IDS + 10, verbose=0)).all()


# --- 2. weighted_metrics with several outputs -----------------------------------------------

def _two_outputs(K):
    inputs = K.Input((4,))
    return K.Model(inputs, [K.layers.Dense(1, name="a")(inputs),
                            K.layers.Dense(2, name="b")(inputs)])


X4 = RNG.normal(size=(16, 4)).astype("float32")
YS = [RNG.normal(size=(16, 1)).astype("float32"), RNG.normal(size=(16, 2)).astype("float32")]
SW = np.linspace(0.5, 1.5, 16).astype("float32")


def test_flat_weighted_metrics_for_two_outputs_are_refused_like_keras_but_at_compile():
    theirs = _two_outputs(real)
    theirs.compile("sgd", "mse", weighted_metrics=["mae"])
    with pytest.raises(ValueError, match="Invalid `weighted_metrics`"):  # Keras: at fit
        theirs.fit(X4, YS, sample_weight=SW, verbose=0)
    ours = _two_outputs(keras)
    with pytest.raises(ValueError, match=r"weighted_metrics=\['mae'\]"):
        ours.compile("sgd", "mse", weighted_metrics=["mae"])
    assert not ours.compiled


def _fit_logs(ours, theirs, **compile_args) -> list[dict]:
    """Histories of one epoch of `ours` and `theirs` (Keras) from the same weights."""
    theirs.set_weights(ours.get_weights())
    y = YS if len(ours.outputs) > 1 else YS[0]
    logs = []
    for model in (ours, theirs):
        model.compile(optimizer="sgd", loss="mse", **compile_args)
        logs.append(model.fit(X4, y, sample_weight=SW, batch_size=8, shuffle=False,
                              verbose=0).history)
    assert sorted(logs[0]) == sorted(logs[1])
    for key in logs[1]:
        np.testing.assert_allclose(logs[0][key], logs[1][key], rtol=1e-5, err_msg=key)
    return logs


@pytest.mark.parametrize("args", [
    {"weighted_metrics": ["mae", "mse"]}, {"weighted_metrics": {"a": "mae"}},
    {"weighted_metrics": {"b": ["mae", "mse"]}},
    {"metrics": [["mae"], ["mae"]], "weighted_metrics": [["mae"], ["mae"]]},
], ids=["list", "dict", "dict-of-lists", "both-lists"])
def test_per_output_weighted_metrics_match_keras_history(args):
    ours, _ = _fit_logs(_two_outputs(keras), _two_outputs(real), **args)
    assert any(key.startswith(("a_", "b_")) for key in ours if key.endswith(("mae", "mse")))


def test_one_output_metric_in_both_lists_logs_weighted_name_as_keras():
    ours, _ = _fit_logs(keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)]),
                             real.Sequential([real.Input((4,)), real.layers.Dense(1)]),
                             metrics=["mae", "mae"], weighted_metrics=["mae"])
    assert sorted(ours) == ["loss", "mae", "mae_1", "weighted_mae"]


# --- 3. metrics=['crossentropy'] --------------------------------------------------------------

@pytest.mark.parametrize("name", ["crossentropy", "ce"])
def test_crossentropy_metric_name_fails_at_compile_with_keras_text(name):
    y = (RNG.random((16, 1)) > 0.5).astype("float32")
    theirs = real.Sequential([real.Input((4,)), real.layers.Dense(1, activation="sigmoid")])
    theirs.compile("sgd", "binary_crossentropy", metrics=[name])
    with pytest.raises(ValueError) as keras_error:
        theirs.fit(X4, y, verbose=0)
    ours = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    with pytest.raises(ValueError) as our_error:
        ours.compile("sgd", "binary_crossentropy", metrics=[name])
    assert str(our_error.value).startswith(str(keras_error.value).splitlines()[0])
    assert not ours.compiled


# --- 4. metric names numbered as Keras numbers them -----------------------------------------

def _metric_names(K) -> list[str]:
    class Hits(K.metrics.Metric):
        def __init__(self, name=None, **kwargs):
            super().__init__(name=name, **kwargs)
            self.total = self.add_variable(shape=(), initializer="zeros", name="total")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.total.assign_add(K.ops.sum(K.ops.cast(y_pred > 0.5, "float32")))

        def result(self):
            return self.total

    K.backend.clear_session()
    made = [K.metrics.AUC(), K.metrics.AUC(), K.metrics.Precision(), K.metrics.Precision(),
            K.metrics.Mean(), K.metrics.Mean(), K.metrics.MeanSquaredError(),
            K.metrics.AUC(name="auc"), K.metrics.IoU(3, [0]), K.metrics.IoU(3, [0]),
            K.metrics.Recall(name="r"), Hits(), Hits(), Hits(name="hits"), Hits()]
    K.backend.clear_session()
    return [m.name for m in made] + [K.metrics.AUC().name, K.metrics.TruePositives().name]


def test_default_metric_names_are_numbered_as_in_keras():
    assert _metric_names(keras) == _metric_names(real)


def _fit_history(K) -> tuple[list, list]:
    K.backend.clear_session()
    first = K.metrics.AUC()  # takes 'auc': the compiled ones are auc_1 and auc_2
    model = K.Sequential([K.Input((4,)), K.layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy",
                  metrics=[K.metrics.AUC(), K.metrics.AUC(), "mae", K.metrics.Precision()])
    y = (np.arange(16) % 2).reshape(16, 1).astype("float32")
    history = model.fit(X4, y, epochs=1, verbose=0).history
    return [first.name, *sorted(history)], model.metrics_names


def test_history_keys_use_the_numbered_names():
    ours, names = _fit_history(keras)
    theirs, _ = _fit_history(real)
    assert ours == theirs == ["auc", "auc_1", "auc_2", "loss", "mae", "precision"]
    # Keras 3 lists ['loss', 'compile_metrics'] here; lamina lists each compiled metric
    assert names == ["loss", "auc_1", "auc_2", "mae", "precision"]


# --- 5. layer names ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", [5, 1.5, b"dense", "block/dense"])
def test_bad_layer_names_raise_keras_error(name):
    with pytest.raises(ValueError) as keras_error:
        real.layers.Dense(3, name=name)
    with pytest.raises(ValueError) as our_error:
        keras.layers.Dense(3, name=name)
    assert str(our_error.value).startswith(str(keras_error.value))


def test_good_layer_names_are_kept():
    assert keras.layers.Dense(3, name="dense_out").name == "dense_out"
    assert keras.Sequential(name="encoder").name == "encoder"
