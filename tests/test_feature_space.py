"""keras.utils.FeatureSpace against Keras 3.15.1.

Keras's FeatureSpace runs its lookup layers on TensorFlow, which this project's environment does
not install, so each case below is one function of the `keras` module: the test runs it with
lamina and compares it with Keras's result on the same code, recorded in GOLDEN by running this
file with Keras 3.15.1 + TensorFlow 2.21 (`KERAS_BACKEND=tensorflow python
tests/test_feature_space.py` prints the table, and a `.keras` file Keras wrote). Where
TensorFlow is importable, Keras is also run live.
"""
# ruff: noqa: ISC004 - the printed GOLDEN table splits long messages over lines

import base64
import io
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from golden_oracle import keras_with_tensorflow, plain

CASES = {}


def assert_matches(got, expected, where="result"):
    """`got` equals Keras's `expected`: containers entry by entry, numbers within float32
    rounding (normalized values near 0 differ by ~1e-8), everything else exactly."""
    if isinstance(expected, dict):
        assert sorted(got) == sorted(expected), where
        for key in expected:
            assert_matches(got[key], expected[key], f"{where}[{key!r}]")
    elif _numeric(expected):
        np.testing.assert_allclose(np.asarray(got, float), np.asarray(expected, float),
                                   rtol=1e-5, atol=1e-6, err_msg=where)
    elif isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected), (where, got)
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_matches(g, e, f"{where}[{i}]")
    else:
        assert got == expected, (where, got, expected)


def _numeric(x) -> bool:
    if isinstance(x, bool) or not isinstance(x, (list, int, float)):
        return False
    try:
        return np.asarray(x).dtype.kind in "iuf"
    except ValueError:  # ragged
        return False


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def passengers():
    """A small made-up table: float, integer and string columns, as lists and arrays."""
    return {
        "age": np.array([22.0, 38.0, 26.0, 35.0, 54.0, 2.0, 27.0, 14.0], "float32"),
        "fare": [7.25, 71.3, 7.9, 53.1, 51.9, 21.1, 11.1, 30.1],
        "sex": ["male", "female", "female", "female", "male", "male", "female", "female"],
        "pclass": np.array([3, 1, 3, 1, 1, 3, 3, 2]),
        "embarked": np.array(["S", "C", "S", "S", "S", "Q", "S", "C"]),
        "ticket": np.array([5, 17, 31, 113, 17, 349, 347, 237]),
        "score": np.array([0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4], "float32"),
        "deck": np.array([0.5, 1.5, 2.5, 0.25, 3.0, 1.0, 2.0, 0.75], "float32"),
    }


def every_kind(K, output_mode="concat"):
    FeatureSpace = K.utils.FeatureSpace
    return FeatureSpace(
        features={
            "age": "float_normalized",
            "fare": FeatureSpace.float_rescaled(scale=0.01, name="fare"),
            "score": "float",
            "sex": "string_categorical",
            "pclass": "integer_categorical",
            "embarked": FeatureSpace.string_hashed(num_bins=4, name="embarked"),
            "ticket": "integer_hashed",
            "deck": FeatureSpace.float_discretized(num_bins=3, name="deck"),
        },
        crosses=[("sex", "pclass"), FeatureSpace.cross(("embarked", "deck"), crossing_dim=8)],
        crossing_dim=16, hashing_dim=8, output_mode=output_mode)


def first_row(data):
    return {name: (np.asarray(v)[0].item()) for name, v in data.items()}


@case
def every_kind_concat(K, tmp):
    data = passengers()
    feature_space = every_kind(K)
    feature_space.adapt(data)
    return [feature_space(data), feature_space(first_row(data)),
            feature_space.preprocessors["sex"].get_vocabulary(),
            feature_space.preprocessors["pclass"].get_vocabulary(),
            feature_space.preprocessors["deck"].bin_boundaries,
            sorted(feature_space.crossers), sorted(feature_space.one_hot_encoders)]


@case
def every_kind_dict(K, tmp):
    data = passengers()
    feature_space = every_kind(K, output_mode="dict")
    feature_space.adapt(data)
    return [feature_space({name: np.asarray(v)[:3] for name, v in data.items()}),
            feature_space(first_row(data))]


@case
def integer_encoded_dict(K, tmp):
    # keras.utils.FeatureSpace's docstring: "Returning a dict of integer-encoded features"
    FeatureSpace = K.utils.FeatureSpace
    feature_space = FeatureSpace(
        features={
            "string_values": FeatureSpace.string_categorical(output_mode="int"),
            "int_values": FeatureSpace.integer_categorical(output_mode="int"),
        },
        crosses=[FeatureSpace.cross(feature_names=("string_values", "int_values"),
                                    crossing_dim=32, output_mode="int")],
        output_mode="dict")
    raw_data = {"string_values": ["zero", "one", "two", "three", "one"],
                "int_values": [0, 1, 2, 3, 1]}
    feature_space.adapt(raw_data)
    return feature_space({"string_values": ["one", "four"], "int_values": [1, 7]})


@case
def custom_text_feature(K, tmp):
    # keras.utils.FeatureSpace's docstring: "Specifying your own Keras preprocessing layer"
    FeatureSpace = K.utils.FeatureSpace
    data = {"text": ["1st string", "2nd string", "3rd string"]}
    custom_layer = K.layers.TextVectorization(output_mode="tf_idf")
    feature_space = FeatureSpace(
        features={"text": FeatureSpace.feature(preprocessor=custom_layer, dtype="string",
                                               output_mode="float")},
        output_mode="concat")
    feature_space.adapt(data)
    return [feature_space(data), feature_space.get_encoded_features().shape]


def heart_table():
    """Made-up rows with the columns of keras.io's heart-disease example."""
    rng = np.random.default_rng(0)
    n = 40
    return {
        "sex": rng.integers(0, 2, n), "cp": rng.integers(0, 5, n), "ca": rng.integers(0, 4, n),
        "thal": rng.choice(["fixed", "normal", "reversible"], n),
        "age": rng.integers(29, 78, n).astype("float32"),
        "trestbps": rng.integers(94, 200, n).astype("float32"),
        "chol": rng.integers(126, 564, n).astype("float32"),
        "slope": rng.integers(1, 4, n).astype("float32"),
    }


@case
def keras_io_structured_data(K, tmp):
    # keras.io/examples/structured_data/structured_data_classification_with_feature_space
    FeatureSpace = K.utils.FeatureSpace
    feature_space = FeatureSpace(
        features={
            "sex": FeatureSpace.integer_categorical(num_oov_indices=0),
            "cp": FeatureSpace.integer_categorical(num_oov_indices=0),
            "ca": FeatureSpace.integer_categorical(num_oov_indices=0),
            "thal": FeatureSpace.string_categorical(num_oov_indices=0),
            "age": FeatureSpace.float_discretized(num_bins=30),
            "trestbps": FeatureSpace.float_normalized(),
            "chol": FeatureSpace.float_normalized(),
            "slope": FeatureSpace.float_normalized(),
        },
        crosses=[FeatureSpace.cross(feature_names=("sex", "age"), crossing_dim=64),
                 FeatureSpace.cross(feature_names=("thal", "ca"), crossing_dim=16)],
        output_mode="concat")
    data = heart_table()
    feature_space.adapt(data)
    encoded = np.asarray(feature_space(data))
    return [encoded[:3], (encoded == 1).sum(axis=0),
            feature_space.preprocessors["age"].bin_boundaries]


@case
def inputs_and_model(K, tmp):
    data = passengers()
    feature_space = every_kind(K)
    feature_space.adapt(data)
    inputs = feature_space.get_inputs()
    encoded = feature_space.get_encoded_features()
    model = K.Model(inputs=inputs, outputs=K.layers.Dense(1, activation="sigmoid")(encoded))
    as_dict = every_kind(K, output_mode="dict")
    as_dict.adapt(data)
    return [{name: [x.shape, x.dtype] for name, x in inputs.items()},
            [encoded.shape, encoded.dtype], [model.output.shape, model.count_params()],
            {name: [x.shape, x.dtype.replace("int64", "int32")]
             for name, x in as_dict.get_encoded_features().items()}]


def small_feature_space(K):
    FeatureSpace = K.utils.FeatureSpace
    return FeatureSpace(features={"age": "float_normalized", "sex": "string_categorical",
                                  "pclass": "integer_categorical",
                                  "deck": FeatureSpace.float_discretized(num_bins=3)},
                        crosses=[("sex", "pclass")], crossing_dim=8)


def saved_small_feature_space(K, tmp):
    data = passengers()
    feature_space = small_feature_space(K)
    feature_space.adapt({name: data[name] for name in ("age", "sex", "pclass", "deck")})
    path = os.path.join(tmp, "feature_space.keras")
    feature_space.save(path)
    return feature_space, path


@case
def save_and_load(K, tmp):
    feature_space, path = saved_small_feature_space(K, tmp)
    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
        vocabularies = [archive.read(n).decode() for n in names if n.startswith("assets/")]
        config = json.loads(archive.read("config.json"))
    entries = {name: [f["module"], f["class_name"], f["registered_name"],
                      f["config"]["preprocessor"]["class_name"]]
               for name, f in config["config"]["features"].items()}
    data = {name: v for name, v in passengers().items() if name in ("age", "sex", "pclass", "deck")}
    reloaded = [K.models.load_model(path), K.saving.load_model(path)]
    encoded = np.asarray(feature_space(data))
    return [names, vocabularies, [config["module"], config["class_name"],
                                  config["registered_name"]], entries,
            config["config"]["crosses"], encoded, [type(r).__name__ for r in reloaded],
            [float(np.abs(np.asarray(r(data)) - encoded).max()) for r in reloaded]]


@case
def errors(K, tmp):
    FeatureSpace = K.utils.FeatureSpace
    not_adapted = FeatureSpace(features={"s": "string_categorical"})
    unencoded = FeatureSpace(features={"s": FeatureSpace.string_categorical(output_mode="int")})
    attempts = [lambda: FeatureSpace(features={}),
                lambda: FeatureSpace(features={"a": "floaty"}),
                lambda: FeatureSpace(features={"a": "float"}, output_mode="vector"),
                lambda: FeatureSpace(features={"a": "float"}, crosses=[("a", "zz")]),
                lambda: FeatureSpace.cross(("a", "b"), 8, output_mode="multi_hot"),
                lambda: FeatureSpace.feature("float32", K.layers.Rescaling(1.0), "dense"),
                lambda: not_adapted({"s": ["x"]}),
                lambda: not_adapted.get_encoded_features(),
                lambda: FeatureSpace(features={"a": "float"})("not a dict")]
    out = []
    for attempt in attempts:
        try:
            attempt()
            out.append(None)
        except Exception as e:  # noqa: BLE001 - type and text are what is compared
            out.append([type(e).__name__, str(e)])
    for attempt in (lambda: unencoded.adapt({"s": ["a", "b"]}),
                    lambda: not_adapted.adapt(12)):
        try:
            attempt()
            out.append(None)
        except Exception as e:  # noqa: BLE001 - the type is compared (dtype names differ)
            out.append(type(e).__name__)
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_keras(name, tmp_path):
    import lamina

    got = plain(CASES[name](lamina, str(tmp_path)))
    assert_matches(got, GOLDEN[name])
    keras = keras_with_tensorflow()
    if keras is None:
        return
    assert_matches(got, plain(CASES[name](keras, str(tmp_path))))


def test_keras_file_loads_in_a_fresh_interpreter(tmp_path):
    # the file Keras wrote for `save_and_load`; loading must find FeatureSpace by itself
    path = tmp_path / "keras_feature_space.keras"
    path.write_bytes(base64.b64decode("".join(KERAS_FILE)))
    data = {name: v for name, v in passengers().items() if name in ("age", "sex", "pclass", "deck")}
    np.savez(tmp_path / "data.npz", **data)
    code = ("import numpy as np, lamina\n"
            f"feature_space = lamina.models.load_model({str(path)!r})\n"
            f"data = dict(np.load({str(tmp_path / 'data.npz')!r}))\n"
            f"np.save({str(tmp_path / 'out.npy')!r}, np.asarray(feature_space(data)))\n"
            "print(type(feature_space).__module__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "lamina.utils.feature_space"
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), GOLDEN["save_and_load"][5],
                               rtol=1e-6)


def test_adapt_takes_batches_generators_and_py_datasets():
    import lamina

    data = passengers()
    expected = every_kind(lamina)
    expected.adapt(data)
    halves = [{k: np.asarray(v)[i:i + 4] for k, v in data.items()} for i in (0, 4)]

    class Batches(lamina.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return halves[i], np.zeros(4)

    def forever():
        while True:
            yield from halves

    columns = {k: np.asarray(v)[:, None] for k, v in data.items()}
    for source, steps in ((columns, None), (halves, None), (iter(halves), None),
                          (Batches(), None), (forever(), 2)):
        feature_space = every_kind(lamina)
        feature_space.adapt(source, steps=steps)
        np.testing.assert_allclose(feature_space(data), expected(data), rtol=1e-6, atol=1e-6)


def test_adapting_again_follows_the_new_vocabularies():
    import lamina

    data = passengers()
    fresh = every_kind(lamina)
    fresh.adapt(data)
    again = every_kind(lamina)
    again.adapt({k: np.asarray(v)[:2] for k, v in data.items()})  # pclass: 2 of 3 values
    again.adapt(data)
    np.testing.assert_allclose(again(data), fresh(data), rtol=1e-6, atol=1e-6)


def test_numeric_feature_space_model_predicts_its_encoding(tmp_path):
    import lamina

    FeatureSpace = lamina.utils.FeatureSpace
    data = {k: v for k, v in passengers().items() if k in ("age", "ticket", "deck")}
    feature_space = FeatureSpace(
        features={"age": "float_normalized", "ticket": "integer_hashed",
                  "deck": FeatureSpace.float_discretized(num_bins=3)},
        crosses=[("ticket", "deck")], crossing_dim=8, hashing_dim=8)
    feature_space.adapt(data)
    head = lamina.layers.Dense(2)
    model = lamina.Model(feature_space.get_inputs(), head(feature_space.get_encoded_features()))
    columns = {k: np.asarray(v)[:, None] for k, v in data.items()}
    expected = head(feature_space(data))
    np.testing.assert_allclose(model.predict(columns, verbose=0), expected, rtol=1e-5,
                               atol=1e-6)
    model.save(tmp_path / "model.keras")  # TFDConcat and friends travel with the model
    reloaded = lamina.models.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(reloaded.predict(columns, verbose=0), expected, rtol=1e-5,
                               atol=1e-6)


def test_layers_given_their_state_need_no_adapt():
    import lamina

    FeatureSpace, layers = lamina.utils.FeatureSpace, lamina.layers
    feature_space = FeatureSpace(
        features={
            "color": FeatureSpace.feature("string", layers.StringLookup(vocabulary=["red", "blue"]),
                                          "one_hot"),
            "size": FeatureSpace.float_discretized(num_bins=None, bin_boundaries=[1.0, 2.0]),
            "weight": FeatureSpace.feature("float32", layers.Normalization(mean=2.0, variance=4.0),
                                           "float")},
        crosses=[FeatureSpace.cross(("color", "size"), crossing_dim=4)])
    data = {"color": ["blue", "green"], "size": [0.5, 2.5], "weight": [4.0, 0.0]}
    crossed = layers.HashedCrossing(4)((np.array([2, 0]), np.array([0, 2])))
    expected = np.concatenate([np.eye(3)[[2, 0]], np.eye(3)[[0, 2]], [[1.0], [-1.0]],
                               np.eye(4)[np.asarray(crossed)]], axis=1)
    np.testing.assert_allclose(feature_space(data), expected)
    feature_space.adapt(data)  # nothing to learn: the given state stays
    np.testing.assert_allclose(feature_space(data), expected)


def test_keras_io_training_and_inference_models():
    # keras.io's structured-data example: train on the encoded features, then predict from
    # raw rows (strings included) with a model from get_inputs() to the same head
    import lamina as keras

    FeatureSpace = keras.utils.FeatureSpace
    data = heart_table()
    target = (data["cp"] > 1).astype("float32")
    feature_space = FeatureSpace(
        features={"sex": "integer_categorical", "ca": "integer_categorical",
                  "thal": "string_categorical", "age": "float_discretized",
                  "chol": "float_normalized"},
        crosses=[("sex", "age"), ("thal", "ca")], crossing_dim=32, output_mode="concat")
    feature_space.adapt(data)
    dict_inputs = feature_space.get_inputs()
    encoded_features = feature_space.get_encoded_features()
    x = keras.layers.Dense(8, activation="relu")(encoded_features)
    x = keras.layers.Dropout(0.5)(x)
    predictions = keras.layers.Dense(1, activation="sigmoid")(x)
    training_model = keras.Model(inputs=encoded_features, outputs=predictions)
    training_model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    inference_model = keras.Model(inputs=dict_inputs, outputs=predictions)
    history = training_model.fit(feature_space(data), target, epochs=2, batch_size=16,
                                 verbose=0)
    assert len(history.history["loss"]) == 2
    rows = {name: np.asarray(v)[:5, None] for name, v in data.items()}
    np.testing.assert_allclose(inference_model.predict(rows, verbose=0),
                               training_model.predict(feature_space(rows), verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_bad_data_is_named():
    import lamina

    feature_space = every_kind(lamina)
    data = passengers()
    with pytest.raises(ValueError, match=r"no values for the features \['deck'\]"):
        feature_space.adapt({k: v for k, v in data.items() if k != "deck"})
    with pytest.raises(ValueError, match="can only be called on a tf.data.Dataset"):
        feature_space.adapt(12)
    feature_space.adapt(data)
    with pytest.raises(ValueError, match=r"Missing: \['deck'\]"):
        feature_space({k: v for k, v in data.items() if k != "deck"})
    # other columns (a label, an id) are left alone
    np.testing.assert_array_equal(feature_space({**data, "survived": [0, 1] * 4}),
                                  feature_space(data))


if __name__ == "__main__":  # print GOLDEN and KERAS_FILE from Keras (needs TensorFlow)
    import pprint
    import tempfile

    import keras

    with tempfile.TemporaryDirectory() as tmp:
        table = {name: plain(fn(keras, tmp)) for name, fn in sorted(CASES.items())}
        _, path = saved_small_feature_space(keras, tmp)
        buffer = io.BytesIO()
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED,
                                                           compresslevel=9) as dst:
            for name in src.namelist():
                dst.writestr(name, src.read(name))
    golden = pprint.pformat(table, width=100, compact=True, sort_dicts=True)
    sys.stdout.write(f"GOLDEN = {golden}\n")
    text = base64.b64encode(buffer.getvalue()).decode()
    lines = [text[i:i + 92] for i in range(0, len(text), 92)]
    sys.stdout.write("KERAS_FILE = [\n" + "".join(f'    "{line}",\n' for line in lines) + "]\n")

# fmt: off
GOLDEN = {'custom_text_feature': [[[0.0, 0.5596157908439636, 0.0, 0.0, 0.9162907600402832],
                          [0.0, 0.5596157908439636, 0.0, 0.9162907600402832, 0.0],
                          [0.0, 0.5596157908439636, 0.9162907600402832, 0.0, 0.0]],
                         [None, 1, 5]],
 'errors': [['ValueError', 'The `features` argument cannot be None or empty.'],
            ['ValueError', 'Invalid feature type: floaty'],
            ['ValueError',
             "Invalid value for argument `output_mode`. Expected one of {'dict', 'concat'}. "
             'Received: output_mode=vector'],
            ['ValueError',
             'All features referenced in the `crosses` argument should be present in the '
             "`features` dict. Received unknown features: ('a', 'zz')"],
            ['ValueError',
             "Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot'}. "
             'Received: output_mode=multi_hot'],
            ['ValueError',
             "Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot', "
             "'float'}. Received: output_mode=dense"],
            ['ValueError',
             'You need to call `.adapt(dataset)` on the FeatureSpace before you can start using '
             'it.'],
            ['ValueError',
             'You need to call `.adapt(dataset)` on the FeatureSpace before you can start using '
             'it.'],
            ['ValueError',
             'A FeatureSpace can only be called with a dict. Received: data=not a dict (of type '
             "<class 'str'>"],
            'ValueError', 'ValueError'],
 'every_kind_concat': [[[-0.35665011405944824, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0,
                         0.07249999791383743, 0.0, 1.0, 0.0, 0.0, 0.10000000149011612, 0.0, 0.0,
                         1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                         0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                         0.0, 0.0, 0.0],
                        [0.7302835583686829, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.7129999995231628,
                         0.0, 0.0, 1.0, 0.0, 0.5, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0,
                         0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                         0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0],
                        [-0.08491669595241547, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0,
                         0.07899999618530273, 0.0, 1.0, 0.0, 0.0, 0.8999999761581421, 0.0, 1.0, 0.0,
                         0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0,
                         0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0,
                         0.0, 0.0],
                        [0.5264834761619568, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.5309999585151672,
                         0.0, 0.0, 1.0, 0.0, 0.30000001192092896, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                         0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                         0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0],
                        [1.817217230796814, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.5189999938011169,
                         0.0, 0.0, 1.0, 0.0, 0.699999988079071, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0,
                         0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0,
                         0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
                        [-1.7153172492980957, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.210999995470047,
                         0.0, 1.0, 0.0, 0.0, 0.20000000298023224, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0,
                         0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                         0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                        [-0.016983339563012123, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0,
                         0.11100000143051147, 0.0, 1.0, 0.0, 0.0, 0.800000011920929, 0.0, 1.0, 0.0,
                         0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0,
                         0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0,
                         0.0, 0.0],
                        [-0.9001169800758362, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.3009999990463257,
                         0.0, 0.0, 0.0, 1.0, 0.4000000059604645, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0,
                         0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                         1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]],
                       [-0.35665011405944824, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0,
                        0.07249999791383743, 0.0, 1.0, 0.0, 0.0, 0.10000000149011612, 0.0, 0.0, 1.0,
                        0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                        0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                        0.0, 0.0],
                       ['[UNK]', 'female', 'male'], [-1, 3, 1, 2],
                       [0.6666666865348816, 1.6666666269302368],
                       ['embarked_X_deck', 'sex_X_pclass'],
                       ['deck', 'embarked', 'embarked_X_deck', 'pclass', 'sex', 'sex_X_pclass',
                        'ticket']],
 'every_kind_dict': [{'age': [[-0.35665011405944824], [0.7302835583686829], [-0.08491669595241547]],
                      'deck': [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
                      'embarked': [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0],
                                   [1.0, 0.0, 0.0, 0.0]],
                      'embarked_X_deck': [[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                                          [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0],
                                          [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0]],
                      'fare': [[0.07249999791383743], [0.7129999995231628], [0.07899999618530273]],
                      'pclass': [[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 0.0]],
                      'score': [[0.10000000149011612], [0.5], [0.8999999761581421]],
                      'sex': [[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0]],
                      'sex_X_pclass': [[0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                        0.0, 0.0, 0.0, 0.0],
                                       [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                        0.0, 1.0, 0.0, 0.0],
                                       [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0,
                                        0.0, 0.0, 0.0, 0.0]],
                      'ticket': [[0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
                                 [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0],
                                 [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]]},
                     {'age': [-0.35665011405944824],
                      'deck': [1.0, 0.0, 0.0],
                      'embarked': [1.0, 0.0, 0.0, 0.0],
                      'embarked_X_deck': [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                      'fare': [0.07249999791383743],
                      'pclass': [0.0, 1.0, 0.0, 0.0],
                      'score': [0.10000000149011612],
                      'sex': [0.0, 0.0, 1.0],
                      'sex_X_pclass': [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                       0.0, 0.0, 0.0, 0.0],
                      'ticket': [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]}],
 'inputs_and_model': [{'age': [[None, 1], 'float32'],
                       'deck': [[None, 1], 'float32'],
                       'embarked': [[None, 1], 'string'],
                       'fare': [[None, 1], 'float32'],
                       'pclass': [[None, 1], 'int32'],
                       'score': [[None, 1], 'float32'],
                       'sex': [[None, 1], 'string'],
                       'ticket': [[None, 1], 'int32']},
                      [[None, 49], 'float32'], [[None, 1], 53],
                      {'age': [[None, 1], 'float32'],
                       'deck': [[None, 3], 'float32'],
                       'embarked': [[None, 4], 'float32'],
                       'embarked_X_deck': [[None, 8], 'float32'],
                       'fare': [[None, 1], 'float32'],
                       'pclass': [[None, 4], 'float32'],
                       'score': [[None, 1], 'float32'],
                       'sex': [[None, 3], 'float32'],
                       'sex_X_pclass': [[None, 16], 'float32'],
                       'ticket': [[None, 8], 'float32']}],
 'integer_encoded_dict': {'int_values': [[1], [0]],
                          'string_values': [[1], [0]],
                          'string_values_X_int_values': [[9], [8]]},
 'keras_io_structured_data': [[[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.5055396556854248, 0.0,
                                0.0, 1.0, 0.0, 0.0, 1.0, 0.0, -1.098798394203186, 1.0, 0.0, 0.0,
                                -0.8433683514595032, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 1.0, 0.0],
                               [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, -0.6489951014518738, 0.0,
                                0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.05783144012093544, 1.0, 0.0, 0.0,
                                -0.05175898224115372, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 1.0, 0.0],
                               [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, -1.0884075164794922, 0.0,
                                0.0, 0.0, 0.0, 1.0, 1.0, 0.0, -1.098798394203186, 0.0, 1.0, 0.0,
                                -0.5389032363891602, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 0.0, 0.0, 0.0]],
                              [1, 1, 1, 2, 1, 1, 2, 1, 0, 3, 1, 0, 3, 0, 2, 2, 0, 2, 2, 1, 0, 3, 0,
                               2, 1, 0, 3, 1, 0, 4, 11, 10, 10, 9, 0, 10, 9, 8, 7, 6, 23, 17, 0, 17,
                               14, 9, 0, 0, 2, 2, 0, 3, 3, 1, 0, 1, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0,
                               0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 1, 0,
                               2, 0, 0, 3, 0, 0, 2, 1, 1, 0, 4, 0, 1, 0, 0, 1, 0, 1, 3, 0, 0, 0, 4,
                               0, 7, 6, 0, 0, 0, 7, 6, 0, 3, 0, 3, 4, 0],
                              [30.0, 32.66666793823242, 34.0, 34.33333206176758, 35.66666793823242,
                               38.0, 40.66666793823242, 44.66666793823242, 46.0, 47.33333206176758,
                               48.66666793823242, 49.0, 53.33333206176758, 54.0, 61.0,
                               63.33333206176758, 64.0, 65.0, 66.33333587646484, 68.33333587646484,
                               69.0, 69.66666412353516, 71.0, 72.0, 74.0, 74.0, 75.0, 76.0, 76.0]],
 'save_and_load': [['assets/preprocessors/integer_lookup/vocabulary.txt',
                    'assets/preprocessors/string_lookup/vocabulary.txt', 'config.json',
                    'metadata.json', 'model.weights.h5'],
                   ['-1\n3\n1\n2', '[UNK]\nfemale\nmale'], ['keras.utils', 'FeatureSpace', None],
                   {'age': ['keras.src.layers.preprocessing.feature_space', 'Feature', 'Feature',
                            'Normalization'],
                    'deck': ['keras.src.layers.preprocessing.feature_space', 'Feature', 'Feature',
                             'Discretization'],
                    'pclass': ['keras.src.layers.preprocessing.feature_space', 'Feature', 'Feature',
                               'IntegerLookup'],
                    'sex': ['keras.src.layers.preprocessing.feature_space', 'Feature', 'Feature',
                            'StringLookup']},
                   [{'class_name': 'Cross',
                     'config': {'crossing_dim': 8,
                                'feature_names': ['sex', 'pclass'],
                                'output_mode': 'one_hot'},
                     'module': 'keras.src.layers.preprocessing.feature_space',
                     'registered_name': 'Cross'}],
                   [[-0.35665011405944824, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0,
                     0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0],
                    [0.7302835583686829, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0,
                     0.0, 0.0, 0.0, 1.0, 0.0, 0.0],
                    [-0.08491669595241547, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0,
                     1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                    [0.5264834761619568, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0,
                     0.0, 0.0, 0.0, 1.0, 0.0, 0.0],
                    [1.817217230796814, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0,
                     0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
                    [-1.7153172492980957, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0,
                     0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0],
                    [-0.016983339563012123, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0,
                     1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                    [-0.9001169800758362, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0,
                     0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]],
                   ['FeatureSpace', 'FeatureSpace'], [0.0, 0.0]]}
KERAS_FILE = [
    "UEsDBBQAAAAIAGtQhV0xd6YLQAAAAEAAAAANAAAAbWV0YWRhdGEuanNvbqtWyk4tSiyOL0stKs7Mz1OyUlAy1jM01TNU",
    "0lFQSkksSY0vTixLTQGJGxkYmekaGukamDoYGlgZGFsZGSnVAgBQSwMEFAAAAAgAa1CFXYoHFIWnAgAAogwAAAsAAABj",
    "b25maWcuanNvbu1WW2/TMBT+K1OeWdWkJQu8MiEh0IQ0eKoqy7VPG1PHjmynrJv63zl2kqaXFLUam0BiL53P/fh8n3Oe",
    "okLzSkL0/ipagqF2UDkhbfTmKmKSWksULYLyI1BXGbgvKYOg1WouFqh5iua1yoYDXUD4PQxrDRtIugZjB6WB0mgG1gq1",
    "GDTexG4j9+U9SMndugzqudTUjRKv7sJq01tCnf44xZ02BZXikTqh1UGi1gbbInsJ0MwZKhSdhRTOVICitq6j5MdZb7+h",
    "6VctBVufyNn2tkG1gYWwDgzwNoCqpPQa+iD8zU+u4ymehFqBcXieU2l9RQVQ1VjjaUWNoIrt+vdHRsWsEpKTnbqEKitH",
    "bE5Di5PaLJ5ufBRdOa/ErrvSTxS+HalXW3h4TbhYZzDIs9ByH0J80XpZlScGh039hWDxt51TL9SzH8AcERw18XiYjG+y",
    "LBvfpFk23PRiiD4Qp5egbBdKVQXRekWE4oIF7sceBigJlr6kyfe7z9Mo+NvlVtz4HwBGKOctcarGwk7qknL0JHsVtDrB",
    "5+QniEXudupaaUZnlaRm3ScjVjz68KOm1gJcrnlzf/gM4P++Cipd5w2Kae5Rg1aVm19n0UW06aOHVkByfRZBygCE1+QI",
    "juKZD+on5WAB5rccqfv6T5Or6/jlGLID/N3xpuPoefQZn0uf12QKB7b811aPW2GZAde/e8yEIjNdKY4f7QCdyXCQ1n9Z",
    "+nY0zrI4xQ9wK0vSd6NhMkqzaYM79LfNWwelFVJ7cA0Hw/h8cO3RhvC2WpxAckTdo4t5se3iXFD0uGJCRkOvzGhr62v9",
    "c5D54IP2r8fBJqQLS0/3tE/bYjA+XnGBJtnFPdeJNydi5dTmnWSUNADhe+jb4iW5bHDtxn9qgN2Wt/892+PsyelvfgFQ",
    "SwMEFAAAAAgAa1CFXRuBm27qBQAAeHAAABAAAABtb2RlbC53ZWlnaHRzLmg17V09bNtGFCYlK2bcHyiIActB2ipIiyhB",
    "0PgngVW3cO06dtW0ToTUSJQWBqVKjCTYIQVRKdQs9agCHTx69OhRY8aMHj10MDpl6KDRo7dEFN/JvEeLpC1KruH3Led3",
    "fNTp7t6977sTw/yVuL/40dCVIcGAJAkDQliw4h2gWuJtdj0NpQhlDcrtAKsXW9ciUH8JPh/7LT9eWDC83yGwdt6GzFIS",
    "COcRiYW5pFHWwU6y+FlyjrPUQ9OuJplfkPMLg1/kCR/PguDsHxvk/c34FTrGL4HitxWPAp/HaiEcb3x8d4ufHz66Lwqh",
    "dlavjfDt1MHeHTVLFuf1T3m/PbAPomYZY3n5Ju8n3YLrt81yFuobD3i/8I9mObbEj0c0yPslwC6ETnf+WD7B3+dD6KEx",
    "xsPNXqiZF4phj4pi645wuy8S339jLgYP+/r9/KOfRHYB+Rl4rmQqL8uKrJcyWUUenwLabLZvovI8J2c1NZupyHHDDqLr",
    "ulKVU3Ipu5bRdcMegPphKJs3Knmt/IesqFktV1Tz8t0poz7k7tdq74K731dG/aCr370xazyw/mfyilwqK6WyllV0XStf",
    "RNeN/lmvD0H9ZSjNnnMurfoPWNyxcV7TmkOYK+rZslIpvlJy8oT9JmMdf0w5jUAgEAgEAoFAIBAIx0en80t8PuN2Ti59",
    "wp+nEM4X8DkjOx/ZH+X9fs+UdTPu4L6u4/foc/IknBumBWv80jk5wVv8sjxWv4rjzYS/5+Riu73EFb6dEtgbV2mOnMB4",
    "C4/XSc/JjfNrdk4ecOBJ/PuEG0+OfU48SXnmMM+weIpc4/0KGb2g5ORsWdP1oppvx+WszzpvE9p9fd1b/MZjFL8Uv3ad",
    "t3e9tzoP82TpGs+TOI4Jx9PL6zdJLxO618tvb/RXL1e/4NvZAvvNDZojL3oZj5cfejnooDfwczpueiN9x9/4IZzNPMOe",
    "vyxAeTDjzGe1eZ7POsVjA/ykRW96eQfitvGlt/gtTJJepvi162XpTj/08kA77rZu8zyJ4zjKvt893i8OdmoKbFb/De+X",
    "Bnt9hs/XJdRup/V21vRy/S7pZUL3ejk82V+9vD3Gt7ML9v4EzZEXvYzH66R6ediilwcc9AbOv256Y2Oa9AblGbveqE71",
    "Vm904sm9r4knCd3zZHy6vzy5O8W3cwB2ZJrmyAtP4vHygydDDjyJ9x9uPDn7HfEk5Rk7T27N9JYnGWz//qxTvTzeoX6i",
    "Q/2k4Of3Jb4mnISvG3P95esEOmfa/tYsd+ZojrzwNR4vP/j6ghce/oF4mPKHnYdji6ezX609oP0qwQf+S/SX/9YXEf+B",
    "vZOgOfLEf2i8/OC/QYf9Kn4PiRtP7kPgRGjKKM9Y+C+5xPupWvlFZq34KlMpamrT1itlY1O4pmmrL41XqRXV5n5RKbcr",
    "2m8cgRvw+18w/5rvemmWxoPJillnQFMVuaBVzG2opd76DhPdsk7SPRont3W0u0x6k9aRXW9uJnurN9nzGOz5iWSR5+sq",
    "2JuroH+ZDv4N6QewSzk+jncCvB9+/1ybN37l/WJgJ1bOxvy5re+/nxJP0vo+XN9Rtr6WeT/4GV8Yh3IC6fR4l3p8H63H",
    "+GNYl8s0R170OB4vP953J8H9osVBhEwhiiJ3HyuDzevG35ein8G766LCiCSM/AnXQ81PNa4HAgHRbMP8vKBYg0w0gHpY",
    "+5+N+L9zZuwGD5+pf+J8B+PMf1LOfiwHN56dj9jtX2z99+xMxFY9NW8fEwmNQbj1d1hiK3fWpe8Hvxyt4LfOWKwcfS6A",
    "9Zib3llP036G9I59P1NY6e1+ptP5+U6G39/T+TnhOPHL8lgsjeMN9r8+tYv1+psVvp0G2FKa5siLXsfj5Ydev+jAk/gc",
    "xI0nt/PEk5Rn7Dy5kTsdntwvEE8SuufJZL6/PNnI8e2EFbMcy9MceeFJPF4n5cnLFp4ccuBJ/LuC6+9jKvEk5Rk7T75e",
    "PR2ejJSIJwnd82RV7S9Phtf4duJgp1SaIy88icfrpDwZtfCk8X/uvAdQSwMEFAAAAAgAa1CFXfExczYKAAAACAAAADIA",
    "AABhc3NldHMvcHJlcHJvY2Vzc29ycy9pbnRlZ2VyX2xvb2t1cC92b2NhYnVsYXJ5LnR4dNM15DLmMuQyAgBQSwMEFAAA",
    "AAgAa1CFXdPWfh0QAAAAEQAAADEAAABhc3NldHMvcHJlcHJvY2Vzc29ycy9zdHJpbmdfbG9va3VwL3ZvY2FidWxhcnku",
    "dHh0iw71847lSkvNTcxJ5QIRAFBLAQIUAxQAAAAIAGtQhV0xd6YLQAAAAEAAAAANAAAAAAAAAAAAAACAAQAAAABtZXRh",
    "ZGF0YS5qc29uUEsBAhQDFAAAAAgAa1CFXYoHFIWnAgAAogwAAAsAAAAAAAAAAAAAAIABawAAAGNvbmZpZy5qc29uUEsB",
    "AhQDFAAAAAgAa1CFXRuBm27qBQAAeHAAABAAAAAAAAAAAAAAAIABOwMAAG1vZGVsLndlaWdodHMuaDVQSwECFAMUAAAA",
    "CABrUIVd8TFzNgoAAAAIAAAAMgAAAAAAAAAAAAAAgAFTCQAAYXNzZXRzL3ByZXByb2Nlc3NvcnMvaW50ZWdlcl9sb29r",
    "dXAvdm9jYWJ1bGFyeS50eHRQSwECFAMUAAAACABrUIVd09Z+HRAAAAARAAAAMQAAAAAAAAAAAAAAgAGtCQAAYXNzZXRz",
    "L3ByZXByb2Nlc3NvcnMvc3RyaW5nX2xvb2t1cC92b2NhYnVsYXJ5LnR4dFBLBQYAAAAABQAFAHEBAAAMCgAAAAA=",
]
