"""StringLookup / IntegerLookup against Keras 3.15.1.

Keras's lookup layers need TensorFlow, which this project's environment does not install, so
each case below is one function of the `keras` module: the test runs it with lamina and
compares it with Keras's result on the same code, recorded in GOLDEN by running this file with
Keras 3.15.1 + TensorFlow 2.21 (`KERAS_BACKEND=tensorflow python tests/test_preprocessing_lookup.py`
prints the table). Where TensorFlow is importable, Keras is also run live.
"""

import os
import sys

import numpy as np
import pytest
from golden_oracle import assert_same, keras_with_tensorflow, plain

VOCAB = ["a", "b", "c", "d"]
CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


@case
def string_int(K, tmp):
    layer = K.layers.StringLookup(vocabulary=VOCAB)
    return [layer([["a", "c"], ["z", "d"]]), layer(np.array(["b", "q", "a"])), layer("c"),
            layer.vocabulary_size(), layer.get_vocabulary(), layer.get_vocabulary(False)]


@case
def string_mask_no_oov(K, tmp):
    layer = K.layers.StringLookup(vocabulary=VOCAB, mask_token="", num_oov_indices=0)
    return [layer([["a", ""], ["d", "b"]]), layer.get_vocabulary(), layer.vocabulary_size()]


@case
def string_one_hot(K, tmp):
    layer = K.layers.StringLookup(vocabulary=VOCAB, output_mode="one_hot")
    return [layer(["a", "z", "d"]), layer([["a"], ["b"]]), layer([["a", "b"], ["c", "x"]])]


@case
def string_multi_hot_count(K, tmp):
    data = [["a", "a", "z"], ["d", "b", "d"]]
    multi = K.layers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot", mask_token="")
    count = K.layers.StringLookup(vocabulary=VOCAB, output_mode="count")
    padded = K.layers.StringLookup(vocabulary=VOCAB, output_mode="count",
                                   pad_to_max_tokens=True, max_tokens=8)
    return [multi(data), multi([["a", "", "c"]]), count(data), count(["a", "b", "a"]),
            padded(data), multi.get_vocabulary()]


@case
def string_tf_idf(K, tmp):
    layer = K.layers.StringLookup(vocabulary=VOCAB, idf_weights=[0.5, 0.25, 1.5, 2.0],
                                  output_mode="tf_idf")
    padded = K.layers.StringLookup(vocabulary=VOCAB, idf_weights=[0.5, 0.25, 1.5, 2.0],
                                   output_mode="tf_idf", pad_to_max_tokens=True, max_tokens=7)
    data = [["a", "a", "z"], ["d", "b", "d"]]
    return [layer(data), padded(data)]


@case
def adapt_ties_and_special_tokens(K, tmp):
    data = np.array([["c", "a", "b"], ["b", "[UNK]", "a"], ["", "e", "d"], ["d", "", "e"]])
    layer = K.layers.StringLookup(mask_token="")
    layer.adapt(data)
    capped = K.layers.StringLookup(max_tokens=4)
    capped.adapt(["x", "y", "y", "z", "z", "w", "Z", "é", "é"])
    return [layer.get_vocabulary(), layer(data), capped.get_vocabulary(),
            capped(["y", "x", "é"])]


@case
def adapt_batches_and_steps(K, tmp):
    def gen():
        yield ["red", "blue", "red"]
        yield np.array(["green", "blue", "red"])
        yield ["never", "seen"]

    layer = K.layers.StringLookup()
    layer.adapt(gen(), steps=2)
    ints = K.layers.IntegerLookup(max_tokens=5)
    ints.adapt(np.array([[3, 3, 7], [7, 9, 11], [3, 42, 0]]))
    return [layer.get_vocabulary(), ints.get_vocabulary(), ints([[3, 11], [5, 0]])]


@case
def adapt_tf_idf(K, tmp):
    data = [["a", "b", "a"], ["c", "a", "d"], ["b", "b", "e"]]
    layer = K.layers.StringLookup(output_mode="tf_idf")
    layer.adapt(data)
    padded = K.layers.StringLookup(output_mode="tf_idf", max_tokens=8, pad_to_max_tokens=True)
    padded.adapt(data)
    return [layer.get_vocabulary(), layer(data), padded(data)]


@case
def invert(K, tmp):
    inverse = K.layers.StringLookup(vocabulary=VOCAB, invert=True)
    masked = K.layers.StringLookup(vocabulary=VOCAB, invert=True, mask_token="[M]")
    ints = K.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], invert=True, mask_token=0)
    return [inverse([[1, 2], [0, 9]]), masked([[0, 1, 2, 5]]), ints([[0, 1, 2, 6]])]


@case
def integer_modes(K, tmp):
    layer = K.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], num_oov_indices=3,
                                   mask_token=0)
    multi = K.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], output_mode="multi_hot")
    return [layer(np.array([[12, 0, 7, -5], [42, 8, 1138, 100]])), layer.get_vocabulary(),
            multi([[12, 12, 5], [36, 1138, 42]])]


@case
def hashed_oov_buckets(K, tmp):
    strings = K.layers.StringLookup(vocabulary=VOCAB, num_oov_indices=3)
    salted = K.layers.StringLookup(vocabulary=VOCAB, num_oov_indices=4, salt=[7, 11])
    farm = K.layers.IntegerLookup(vocabulary=[12, 36], num_oov_indices=5, oov_method="farmhash")
    data = [["a", "zebra", "ünïcode"], ["", "b", "a much longer out-of-vocabulary string!"]]
    return [strings(data), salted(data), farm([[12, 7, -3, 123456789012]]),
            strings.get_vocabulary()]


@case
def vocabulary_file_and_set_vocabulary(K, tmp):
    path = os.path.join(tmp, "vocab.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("ünï\nb\nc\n")
    layer = K.layers.StringLookup(vocabulary=path)
    other = K.layers.StringLookup(output_mode="tf_idf")
    other.set_vocabulary(["[UNK]", "x", "y"], idf_weights=[0.1, 0.2, 0.3])
    arr = K.layers.StringLookup(vocabulary=np.array(["p", "q"]))
    arr.set_vocabulary(["[UNK]", "q", "p", "r"])
    return [layer(["c", "ünï", "zz"]), layer.get_vocabulary(), layer.get_config()["vocabulary"],
            other([["x", "y", "y", "w"]]), arr(["p", "q", "r"]), arr.get_vocabulary()]


@case
def keras_file_with_adapted_vocabulary(K, tmp):
    import zipfile

    import h5py

    inputs = K.Input(shape=(3,), dtype="int64")
    lookup = K.layers.IntegerLookup(output_mode="tf_idf", name="ids")
    lookup.adapt(np.array([[5, 6, 6], [7, 7, 7], [5, 9, 9]]))
    path = os.path.join(tmp, "m.keras")
    K.Model(inputs, lookup(inputs)).save(path)
    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
        vocab = archive.read("assets/layers/integer_lookup/vocabulary.txt").decode()
        with archive.open("model.weights.h5") as f, h5py.File(f) as h5:
            idf = h5["layers/integer_lookup/vars/idf_weights"][()]
    again = K.models.load_model(path)
    return [names, vocab, idf, again(np.array([[5, 6, 11], [9, 9, 7]])),
            again.layers[1].get_vocabulary()]


@case
def configs(K, tmp):
    layers = [K.layers.StringLookup(vocabulary=VOCAB, mask_token="", name="s"),
              K.layers.StringLookup(output_mode="count", max_tokens=5, name="t",
                                    pad_to_max_tokens=True),
              K.layers.IntegerLookup(vocabulary=np.array([4, 5]), invert=True, name="i"),
              K.layers.StringLookup(vocabulary=["a", "b"], idf_weights=[1.0, 2.0],
                                    output_mode="tf_idf", name="f")]
    return [layer.get_config() for layer in layers]


@case
def errors(K, tmp):
    out = []
    for make in (lambda: K.layers.StringLookup(vocabulary=["a", "a"]),
                 lambda: K.layers.StringLookup(max_tokens=1),
                 lambda: K.layers.StringLookup(vocabulary=["a", "b"], max_tokens=2),
                 lambda: K.layers.StringLookup(invert=True, output_mode="count"),
                 lambda: K.layers.StringLookup(vocabulary=["a"], output_mode="tf_idf")):
        try:
            make()
            out.append(None)
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            out.append(type(e).__name__)
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_keras(name, tmp_path):
    import lamina

    got = plain(CASES[name](lamina, str(tmp_path)))
    assert_same(got, GOLDEN[name])
    keras = keras_with_tensorflow()
    if keras is None or name in GOLDEN_ONLY:
        return
    assert_same(got, plain(CASES[name](keras, str(tmp_path))))


#: Cases Keras cannot run live on the JAX backend (string outputs: its JAX backend makes string
#: arrays from NumPy only), checked against the values recorded with KERAS_BACKEND=tensorflow.
GOLDEN_ONLY = {"invert"}


def test_num_oov_indices_zero_rejects_unknown_tokens():
    import lamina

    layer = lamina.layers.StringLookup(vocabulary=["a"], num_oov_indices=0)
    with pytest.raises(ValueError, match="num_oov_indices=1"):
        layer(["a", "b"])


def test_from_keras_config_gives_the_same_layer():
    import lamina

    for config in GOLDEN["configs"]:
        cls = lamina.layers.IntegerLookup if config.get("vocabulary_dtype") == "int64" \
            else lamina.layers.StringLookup
        layer = cls.from_config(config)
        assert_same(plain(layer.get_config()), config)
    lookup = lamina.layers.StringLookup.from_config(GOLDEN["configs"][0])
    np.testing.assert_array_equal(lookup([["", "a", "zz"]]), [[0, 2, 1]])


def test_jax_array_inputs():
    import jax.numpy as jnp

    import lamina

    layer = lamina.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], output_mode="count")
    np.testing.assert_array_equal(layer(jnp.array([[12, 12, 5], [42, 36, 42]])),
                                  [[1, 2, 0, 0, 0], [0, 0, 1, 0, 2]])


if __name__ == "__main__":  # print GOLDEN from Keras (needs TensorFlow)
    import pprint
    import tempfile

    import keras

    with tempfile.TemporaryDirectory() as tmp:
        table = {name: plain(fn(keras, tmp)) for name, fn in sorted(CASES.items())}
    sys.stdout.write("GOLDEN = " + pprint.pformat(table, width=100, sort_dicts=True) + "\n")

# fmt: off
GOLDEN = {'adapt_batches_and_steps': [['[UNK]', 'red', 'blue', 'green'],
                             [-1, 3, 7, 42, 11],
                             [[1, 4], [0, 0]]],
 'adapt_tf_idf': [['[UNK]', 'b', 'a', 'e', 'd', 'c'],
                  [[0.0, 0.6931471824645996, 1.3862943649291992, 0.0, 0.0, 0.0],
                   [0.0, 0.0, 0.6931471824645996, 0.0, 0.9162907600402832, 0.9162907600402832],
                   [0.0, 1.3862943649291992, 0.0, 0.9162907600402832, 0.0, 0.0]],
                  [[0.0, 0.6931471824645996, 1.3862943649291992, 0.0, 0.0, 0.0, 0.0, 0.0],
                   [0.0,
                    0.0,
                    0.6931471824645996,
                    0.0,
                    0.9162907600402832,
                    0.9162907600402832,
                    0.0,
                    0.0],
                   [0.0, 1.3862943649291992, 0.0, 0.9162907600402832, 0.0, 0.0, 0.0, 0.0]]],
 'adapt_ties_and_special_tokens': [['', '[UNK]', 'e', 'd', 'b', 'a', 'c'],
                                   [[6, 5, 4], [4, 1, 5], [0, 2, 3], [3, 0, 2]],
                                   ['[UNK]', 'é', 'z', 'y'],
                                   [3, 0, 1]],
 'configs': [{'dtype': {'class_name': 'DTypePolicy',
                        'config': {},
                        'module': 'keras',
                        'registered_name': None},
              'encoding': 'utf-8',
              'idf_weights': None,
              'invert': False,
              'mask_token': '',
              'max_tokens': None,
              'num_oov_indices': 1,
              'oov_method': 'floormod',
              'oov_token': '[UNK]',
              'output_mode': 'int',
              'pad_to_max_tokens': False,
              'salt': None,
              'sparse': False,
              'trainable': True,
              'vocabulary': ['a', 'b', 'c', 'd'],
              'vocabulary_size': 6},
             {'dtype': {'class_name': 'DTypePolicy',
                        'config': {},
                        'module': 'keras',
                        'registered_name': None},
              'encoding': 'utf-8',
              'idf_weights': None,
              'invert': False,
              'mask_token': None,
              'max_tokens': 5,
              'num_oov_indices': 1,
              'oov_method': 'floormod',
              'oov_token': '[UNK]',
              'output_mode': 'count',
              'pad_to_max_tokens': True,
              'salt': None,
              'sparse': False,
              'trainable': True,
              'vocabulary': None,
              'vocabulary_size': None},
             {'dtype': {'class_name': 'DTypePolicy',
                        'config': {},
                        'module': 'keras',
                        'registered_name': None},
              'idf_weights': None,
              'invert': True,
              'mask_token': None,
              'max_tokens': None,
              'num_oov_indices': 1,
              'oov_method': 'floormod',
              'oov_token': -1,
              'output_mode': 'int',
              'pad_to_max_tokens': False,
              'salt': None,
              'sparse': False,
              'trainable': True,
              'vocabulary': [4, 5],
              'vocabulary_dtype': 'int64',
              'vocabulary_size': 3},
             {'dtype': {'class_name': 'DTypePolicy',
                        'config': {},
                        'module': 'keras',
                        'registered_name': None},
              'encoding': 'utf-8',
              'idf_weights': [1.0, 2.0],
              'invert': False,
              'mask_token': None,
              'max_tokens': None,
              'num_oov_indices': 1,
              'oov_method': 'floormod',
              'oov_token': '[UNK]',
              'output_mode': 'tf_idf',
              'pad_to_max_tokens': False,
              'salt': None,
              'sparse': False,
              'trainable': True,
              'vocabulary': ['a', 'b'],
              'vocabulary_size': 3}],
 'errors': ['ValueError', 'ValueError', 'ValueError', 'ValueError', 'ValueError'],
 'hashed_oov_buckets': [[[3, 2, 1], [2, 4, 2]],
                        [[4, 3, 0], [3, 5, 0]],
                        [[5, 3, 4, 2]],
                        ['[UNK]', '[UNK]', '[UNK]', 'a', 'b', 'c', 'd']],
 'integer_modes': [[[4, 0, 2, 2], [7, 3, 6, 2]],
                   [0, -1, -1, -1, 12, 36, 1138, 42],
                   [[1, 1, 0, 0, 0], [0, 0, 1, 1, 1]]],
 'invert': [[['a', 'b'], ['[UNK]', '[UNK]']], [['[M]', '[UNK]', 'a', 'd']], [[0, -1, 12, -1]]],
 'keras_file_with_adapted_vocabulary': [['assets/layers/integer_lookup/vocabulary.txt',
                                         'config.json',
                                         'metadata.json',
                                         'model.weights.h5'],
                                        '-1\n7\n9\n6\n5',
                                        [0.8605048656463623,
                                         0.9162907600402832,
                                         0.9162907600402832,
                                         0.9162907600402832,
                                         0.6931471824645996],
                                        [[0.8605048656463623,
                                          0.0,
                                          0.0,
                                          0.9162907600402832,
                                          0.6931471824645996],
                                         [0.0, 0.9162907600402832, 1.8325815200805664, 0.0, 0.0]],
                                        [-1, 7, 9, 6, 5]],
 'string_int': [[[1, 3], [0, 4]],
                [2, 0, 1],
                3,
                5,
                ['[UNK]', 'a', 'b', 'c', 'd'],
                ['a', 'b', 'c', 'd']],
 'string_mask_no_oov': [[[1, 0], [4, 2]], ['', 'a', 'b', 'c', 'd'], 5],
 'string_multi_hot_count': [[[1, 1, 0, 0, 0], [0, 0, 1, 0, 1]],
                            [[0, 1, 0, 1, 0]],
                            [[1, 2, 0, 0, 0], [0, 0, 1, 0, 2]],
                            [0, 2, 1, 0, 0],
                            [[1, 2, 0, 0, 0, 0, 0, 0], [0, 0, 1, 0, 2, 0, 0, 0]],
                            ['[UNK]', 'a', 'b', 'c', 'd']],
 'string_one_hot': [[[0, 1, 0, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 0, 1]],
                    [[0, 1, 0, 0, 0], [0, 0, 1, 0, 0]],
                    [[[0, 1, 0, 0, 0], [0, 0, 1, 0, 0]], [[0, 0, 0, 1, 0], [1, 0, 0, 0, 0]]]],
 'string_tf_idf': [[[1.0625, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.25, 0.0, 4.0]],
                   [[1.0625, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.25, 0.0, 4.0, 0.0, 0.0]]],
 'vocabulary_file_and_set_vocabulary': [[3, 1, 0],
                                        ['[UNK]', 'ünï', 'b', 'c'],
                                        None,
                                        [[0.10000000149011612,
                                          0.20000000298023224,
                                          0.6000000238418579]],
                                        [2, 1, 3],
                                        ['[UNK]', 'q', 'p', 'r']]}
# fmt: on
