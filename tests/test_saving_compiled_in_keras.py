"""lamina's `.keras` files load *compiled* in Keras 3: `keras.models.load_model(path)` restores
the compile settings lamina saved (every loss and metric, list and dict outputs, loss weights,
weighted metrics, registered custom losses) and training continues there with the same
next-step loss, metrics and updated weights as in lamina.

Oracle: Keras 3 itself, loading the file lamina wrote; and Keras's own `compile_config` for the
same `compile()` call (the file must say what Keras would have written).

Every loss and metric is one parametrized case, but to keep the file fast the cases of one label
kind share a model: one softmax head per case, with the case's loss (or metric) on its head.
"""

import json
import re
import zipfile

import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina

SCOPE = "compiled_in_keras"


def scaled_mse(y_true, y_pred):
    """A user's loss function, registered with lamina and Keras under one name."""
    return 2.0 * jnp.mean(jnp.square(y_true - y_pred), axis=-1)


for _lib in (lamina, keras):
    _lib.saving.register_keras_serializable(package=SCOPE)(scaled_mse)


def _absolute_loss_class(lib):
    """A user's `Loss` subclass with its own argument, in lamina and in Keras."""

    @lib.saving.register_keras_serializable(package=SCOPE, name="ScaledAbsolute")
    class ScaledAbsolute(lib.losses.Loss):
        def __init__(self, scale=1.0, name="scaled_absolute", **kwargs):
            super().__init__(name=name, **kwargs)
            self.scale = scale

        def call(self, y_true, y_pred):
            return self.scale * jnp.mean(jnp.abs(y_true - y_pred), axis=-1)

        def get_config(self):
            return {**super().get_config(), "scale": self.scale}

    return ScaledAbsolute


SCALED_ABSOLUTE = {lib: _absolute_loss_class(lib) for lib in (lamina, keras)}

RNG = np.random.default_rng(7)
X = RNG.normal(size=(2, 8, 5)).astype("float32")  # two batches of 8 rows
SEQ_X = RNG.normal(size=(2, 8, 4, 5)).astype("float32")
SPARSE = RNG.integers(0, 3, size=(2, 8))
LABELS = {
    "onehot": np.eye(3, dtype="float32")[SPARSE],
    "sparse": SPARSE,
    "dense": RNG.uniform(0.1, 1.0, size=(2, 8, 3)).astype("float32"),
    "ctc": RNG.integers(1, 3, size=(2, 8, 2)),
}
DEFAULT_LOSS = {"onehot": "categorical_crossentropy", "sparse": "sparse_categorical_crossentropy",
                "dense": "mse", "ctc": "ctc"}

# (name, constructor kwargs, labels): every loss class lamina has.
LOSS_CLASSES = [
    ("BinaryCrossentropy", {}, "onehot"), ("BinaryFocalCrossentropy", {"gamma": 1.5}, "onehot"),
    ("CTC", {}, "ctc"), ("CategoricalCrossentropy", {"label_smoothing": 0.1}, "onehot"),
    ("CategoricalFocalCrossentropy", {}, "onehot"),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.7}, "sparse"),
    ("CategoricalHinge", {}, "onehot"), ("Circle", {}, "sparse"),
    ("CosineSimilarity", {}, "dense"), ("Dice", {}, "onehot"), ("Hinge", {}, "onehot"),
    ("Huber", {"delta": 0.5}, "dense"), ("KLDivergence", {}, "dense"), ("LogCosh", {}, "dense"),
    ("MeanAbsoluteError", {}, "dense"), ("MeanAbsolutePercentageError", {}, "dense"),
    ("MeanSquaredError", {}, "dense"), ("MeanSquaredLogarithmicError", {}, "dense"),
    ("Poisson", {}, "dense"), ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("SquaredHinge", {}, "onehot"), ("Tversky", {"alpha": 0.3, "beta": 0.7}, "onehot"),
]
# (name, labels): every loss function, passed as the function object.
LOSS_FUNCTIONS = [
    ("binary_crossentropy", "onehot"), ("binary_focal_crossentropy", "onehot"),
    ("categorical_crossentropy", "onehot"), ("categorical_focal_crossentropy", "onehot"),
    ("categorical_hinge", "onehot"),
    ("circle", "sparse"), ("cosine_similarity", "dense"), ("ctc", "ctc"), ("dice", "onehot"),
    ("hinge", "onehot"), ("huber", "dense"), ("kl_divergence", "dense"), ("log_cosh", "dense"),
    ("mean_absolute_error", "dense"), ("mean_absolute_percentage_error", "dense"),
    ("mean_squared_error", "dense"), ("mean_squared_logarithmic_error", "dense"),
    ("poisson", "dense"), ("sparse_categorical_crossentropy", "sparse"),
    ("squared_hinge", "onehot"), ("tversky", "onehot"),
]
# (name, constructor kwargs, labels): every metric class lamina has.
METRIC_CLASSES = [
    ("AUC", {}, "onehot"), ("Accuracy", {}, "onehot"), ("BinaryAccuracy", {}, "onehot"),
    ("BinaryCrossentropy", {}, "onehot"), ("BinaryIoU", {}, "onehot"),
    ("CategoricalAccuracy", {}, "onehot"), ("CategoricalCrossentropy", {}, "onehot"),
    ("CategoricalHinge", {}, "onehot"), ("ConcordanceCorrelation", {}, "dense"),
    ("CosineSimilarity", {}, "dense"), ("F1Score", {}, "onehot"),
    ("FBetaScore", {"beta": 2.0, "threshold": 0.3}, "onehot"), ("FalseNegatives", {}, "onehot"),
    ("FalsePositives", {}, "onehot"), ("Hinge", {}, "onehot"),
    ("IoU", {"num_classes": 2, "target_class_ids": [0, 1]}, "onehot"),
    ("KLDivergence", {}, "dense"), ("LogCoshError", {}, "dense"),
    ("MeanAbsoluteError", {}, "dense"), ("MeanAbsolutePercentageError", {}, "dense"),
    ("MeanIoU", {"num_classes": 2}, "onehot"), ("MeanSquaredError", {}, "dense"),
    ("MeanSquaredLogarithmicError", {}, "dense"),
    ("OneHotIoU", {"num_classes": 3, "target_class_ids": [0, 2]}, "onehot"),
    ("OneHotMeanIoU", {"num_classes": 3}, "onehot"), ("PearsonCorrelation", {}, "dense"),
    ("Poisson", {}, "dense"), ("Precision", {"thresholds": 0.4}, "onehot"),
    ("PrecisionAtRecall", {"recall": 0.5}, "onehot"), ("R2Score", {}, "dense"),
    ("Recall", {"top_k": 2}, "onehot"), ("RecallAtPrecision", {"precision": 0.5}, "onehot"),
    ("RootMeanSquaredError", {}, "dense"),
    ("SensitivityAtSpecificity", {"specificity": 0.5}, "onehot"),
    ("SparseCategoricalAccuracy", {}, "sparse"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.5}, "onehot"),
    ("SquaredHinge", {}, "onehot"), ("TopKCategoricalAccuracy", {"k": 2}, "onehot"),
    ("FalseNegatives", {"thresholds": [0.2, 0.6]}, "onehot"), ("TrueNegatives", {}, "onehot"),
    ("TruePositives", {}, "onehot"),
]
# (name, labels): metric functions and the names compile() accepts for them.
METRIC_FUNCTIONS = [
    ("accuracy", "onehot"), ("binary_accuracy", "onehot"), ("categorical_accuracy", "onehot"),
    ("sparse_categorical_accuracy", "sparse"), ("top_k_categorical_accuracy", "onehot"),
    ("sparse_top_k_categorical_accuracy", "sparse"), ("cosine_similarity", "dense"),
    ("pearson_correlation", "dense"), ("concordance_correlation", "dense"),
]
METRIC_NAMES = [
    ("accuracy", "sparse"), ("acc", "onehot"), ("mse", "dense"), ("mae", "dense"),
    ("mape", "dense"), ("msle", "dense"),
    ("binary_crossentropy", "onehot"), ("top_k_categorical_accuracy", "onehot"),
    ("mean_squared_error", "dense"), ("AUC", "onehot"), ("kl_divergence", "dense"),
]


#: lamina metric functions Keras 3 only has as metric classes.
KERAS_METRIC_CLASS_FOR = {"accuracy": keras.metrics.Accuracy,
                          "cosine_similarity": keras.metrics.CosineSimilarity}
CASES = {
    "loss": [(name, kwargs, kind, "class") for name, kwargs, kind in LOSS_CLASSES]
    + [(name, {}, kind, "function") for name, kind in LOSS_FUNCTIONS],
    "metric": [(name, kwargs, kind, "class") for name, kwargs, kind in METRIC_CLASSES]
    + [(name, {}, kind, "function") for name, kind in METRIC_FUNCTIONS]
    + [(name, {}, kind, "name") for name, kind in METRIC_NAMES],
}


def _identifier(lib, family: str, case: tuple):
    name, kwargs, _, form = case
    if form == "name":
        return name
    module = lib.losses if family == "loss" else lib.metrics
    if lib is keras and form == "function" and not hasattr(module, name):  # no Keras function
        return KERAS_METRIC_CLASS_FOR[name](name=name)
    return getattr(module, name)(**kwargs) if form == "class" else getattr(module, name)


def _heads(lib, kind: str, names: list[str]):
    """One softmax head per name over a shared hidden layer (heads over time for CTC)."""
    inputs = lib.Input((4, 5) if kind == "ctc" else (5,), name="x")
    hidden = lib.layers.Dense(4, activation="tanh", name="h")(inputs)
    return lib.Model(inputs, {n: lib.layers.Dense(3, activation="softmax", name=n)(hidden)
                              for n in names})


def _group(family: str, kind: str) -> list[tuple[int, tuple]]:
    return [(i, case) for i, case in enumerate(CASES[family]) if case[2] == kind]


def _group_compile(lib, family: str, kind: str) -> dict:
    """One output per case: the case's loss on its output, or its metric on its output."""
    cases = _group(family, kind)
    if family == "loss":
        return {"loss": {f"o{i}": _identifier(lib, family, c) for i, c in cases}}
    return {"loss": DEFAULT_LOSS[kind],
            "metrics": {f"o{i}": [_identifier(lib, family, c)] for i, c in cases}}


def _batch(kind: str, names: list[str], step: int):
    return (SEQ_X if kind == "ctc" else X)[step], {n: LABELS[kind][step] for n in names}


def _saved_compile_config(path: str) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))["compile_config"]


def _continue_in_keras(path: str, model, make_compile, batches, sample_weight=None) -> dict:
    """Compile `model` in lamina, train one step, save to `path`; then the next step in lamina
    and in Keras (from the file), the weights after it, and Keras's own compile_config."""
    model.compile(optimizer=lamina.optimizers.Adam(0.01), **make_compile(lamina))
    model.train_on_batch(*batches[0], sample_weight=sample_weight)
    model.save(path)
    ours = model.train_on_batch(*batches[1], sample_weight=sample_weight, return_dict=True)
    restored = keras.models.load_model(path)
    theirs = restored.train_on_batch(*batches[1], sample_weight=sample_weight,
                                     return_dict=True)
    twin = keras.models.clone_model(restored)
    twin.compile(optimizer=keras.optimizers.Adam(0.01), **make_compile(keras))
    return {"ours": ours, "theirs": theirs, "compiled": restored.compiled,
            "weights": (model.get_weights(), restored.get_weights()),
            "file_config": _saved_compile_config(path), "keras_config": twin.get_compile_config()}


_RESULTS: dict = {}


def _group_result(tmp_path_factory, family: str, kind: str) -> dict:
    if (family, kind) not in _RESULTS:
        names = [f"o{i}" for i, _ in _group(family, kind)]
        path = str(tmp_path_factory.mktemp(f"{family}_{kind}") / "model.keras")
        batches = [_batch(kind, names, step) for step in (0, 1)]
        try:
            _RESULTS[family, kind] = _continue_in_keras(
                path, _heads(lamina, kind, names),
                lambda lib: _group_compile(lib, family, kind), batches)
        except Exception as error:  # noqa: BLE001 - every case of the group reports it
            _RESULTS[family, kind] = error
    if isinstance(_RESULTS[family, kind], Exception):
        raise _RESULTS[family, kind]
    return _RESULTS[family, kind]


#: constructor arguments Keras 3's own `get_config` leaves out (so a Keras file loses them);
#: lamina writes them, and Keras's constructors take them back.
EXTRA_ARGUMENTS = {("keras.losses", "Huber"): "delta",
                   ("keras.losses", "CosineSimilarity"): "axis",
                   ("keras.losses", "SparseCategoricalCrossentropy"): "axis",
                   ("keras.metrics", "CosineSimilarity"): "axis",
                   ("keras.metrics", "SparseTopKCategoricalAccuracy"): "from_sorted_ids"}


def _comparable(entry):
    """A serialized loss/metric less what legitimately differs: the arguments Keras's
    get_config drops (EXTRA_ARGUMENTS), and the `_1` suffix added to a default name already
    used in the process (which objects count differs: Keras counts metrics, lamina optimizers)."""
    if isinstance(entry, list):
        return [_comparable(e) for e in entry]
    if isinstance(entry, dict) and "class_name" not in entry:  # per-output dict
        return {key: _comparable(value) for key, value in entry.items()}
    if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
        return entry
    config = dict(entry["config"])
    config.pop(EXTRA_ARGUMENTS.get((entry["module"], entry["class_name"])), None)
    if isinstance(config.get("name"), str):
        config["name"] = re.sub(r"_\d+$", "", config["name"])
    return {**entry, "config": config}


def _assert_same_step(result: dict, keys: list[str]) -> None:
    """Keras's next step (loss, metrics `keys`, updated weights) equals lamina's."""
    assert result["compiled"]
    for key in keys:
        np.testing.assert_allclose(result["theirs"][key], result["ours"][key], rtol=1e-4,
                                   atol=1e-6, err_msg=key)
    for ours, theirs in zip(*result["weights"]):  # the optimizer state came across too
        np.testing.assert_allclose(theirs, ours, rtol=1e-4, atol=1e-6)


def _check_case(result: dict, index: int, family: str) -> None:
    """Case `index` is output `o<index>` of its group's model."""
    keys = sorted(k for k in result["ours"] if k.startswith(f"o{index}_"))
    assert keys and keys == sorted(k for k in result["theirs"] if k.startswith(f"o{index}_"))
    _assert_same_step(result, keys + ["loss"])
    entry = "loss" if family == "loss" else "metrics"
    keras_wrote = json.loads(json.dumps(result["keras_config"][entry][f"o{index}"]))
    assert _comparable(result["file_config"][entry][f"o{index}"]) == _comparable(keras_wrote)


def _ids(family: str) -> list[str]:
    return [f"{name}-{form}-{i}" for i, (name, _, _, form) in enumerate(CASES[family])]


@pytest.mark.parametrize("index", range(len(CASES["loss"])), ids=_ids("loss"))
def test_every_loss_continues_in_keras(tmp_path_factory, index):
    kind = CASES["loss"][index][2]
    _check_case(_group_result(tmp_path_factory, "loss", kind), index, "loss")


@pytest.mark.parametrize("index", range(len(CASES["metric"])), ids=_ids("metric"))
def test_every_metric_continues_in_keras(tmp_path_factory, index):
    kind = CASES["metric"][index][2]
    _check_case(_group_result(tmp_path_factory, "metric", kind), index, "metric")


def _two_outputs(lib, as_dict: bool):
    inputs = lib.Input((5,), name="x")
    hidden = lib.layers.Dense(4, activation="tanh", name="h")(inputs)
    first = lib.layers.Dense(3, activation="softmax", name="a")(hidden)
    second = lib.layers.Dense(2, name="b")(hidden)
    return lib.Model(inputs, {"a": first, "b": second} if as_dict else [first, second])


def _check_whole(result: dict) -> None:
    """Keras's next step equals lamina's, and the file says what Keras writes."""
    assert sorted(result["theirs"]) == sorted(result["ours"])
    _assert_same_step(result, sorted(result["ours"]))
    keras_wrote = json.loads(json.dumps(result["keras_config"]))
    assert _comparable(result["file_config"]) == _comparable(keras_wrote)


def test_single_output_with_weighted_metrics(tmp_path):
    model = lamina.Sequential([lamina.Input((5,)), lamina.layers.Dense(3, name="a")])
    weights = np.linspace(0.5, 2.0, 8).astype("float32")

    def make_compile(lib):
        return {"loss": lib.losses.Huber(delta=0.5),
                "metrics": ["mae", lib.metrics.RootMeanSquaredError(name="rmse")],
                "weighted_metrics": ["mse"]}
    batches = [(X[step], LABELS["dense"][step]) for step in (0, 1)]
    _check_whole(_continue_in_keras(str(tmp_path / "m.keras"), model, make_compile, batches,
                                    weights))


def test_list_outputs_with_loss_weights(tmp_path):
    def make_compile(lib):
        return {"loss": ["categorical_crossentropy", lib.losses.mean_squared_error],
                "loss_weights": [1.0, 0.5], "metrics": [["accuracy"], ["mae"]],
                "weighted_metrics": [[lib.metrics.CategoricalAccuracy(name="cat_acc")], []]}
    batches = [(X[step], [LABELS["onehot"][step], LABELS["dense"][step][:, :2]])
               for step in (0, 1)]
    weights = np.linspace(0.5, 2.0, 8).astype("float32")
    _check_whole(_continue_in_keras(str(tmp_path / "m.keras"), _two_outputs(lamina, False),
                                    make_compile, batches, weights))


def test_dict_outputs_with_loss_weights(tmp_path):
    def make_compile(lib):
        return {"loss": {"a": lib.losses.CategoricalCrossentropy(label_smoothing=0.1),
                         "b": "mae"},
                "loss_weights": {"a": 0.3, "b": 2.0},
                "metrics": {"a": ["accuracy", lib.metrics.AUC(name="auc")],
                            "b": [lib.metrics.mean_squared_error]}}
    batches = [(X[step], {"a": LABELS["onehot"][step], "b": LABELS["dense"][step][:, :2]})
               for step in (0, 1)]
    _check_whole(_continue_in_keras(str(tmp_path / "m.keras"), _two_outputs(lamina, True),
                                    make_compile, batches))


def test_registered_custom_losses(tmp_path):
    def make_compile(lib):
        return {"loss": [SCALED_ABSOLUTE[lib](scale=3.0), scaled_mse],
                "metrics": [[scaled_mse], []]}
    batches = [(X[step], [LABELS["dense"][step], LABELS["dense"][step][:, :2]])
               for step in (0, 1)]
    _check_whole(_continue_in_keras(str(tmp_path / "m.keras"), _two_outputs(lamina, False),
                                    make_compile, batches))
