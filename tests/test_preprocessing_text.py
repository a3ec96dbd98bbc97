"""TextVectorization against Keras 3.15.1.

Keras's TextVectorization needs TensorFlow, which this project's environment does not install,
so each case below is one function of the `keras` module: the test runs it with lamina and
compares it with Keras's result on the same code, recorded in GOLDEN by running this file with
Keras 3.15.1 + TensorFlow 2.21 (`KERAS_BACKEND=tensorflow python tests/test_preprocessing_text.py`
prints the table). Where TensorFlow is importable, Keras is also run live.
"""

import sys

import numpy as np
import pytest
from golden_oracle import assert_same, keras_with_tensorflow, plain

SENTENCES = ["Hello, World! hello", "  Ça va?\tÉTÉ  straße ", "naïve café—déjà vu… ÇA",
             "emoji 😀 ok, ok", "tabs\tand\nnew-lines (a+b) don't", "nbsp\u00a0here; x_y",
             "CJK 漢字 テスト", ""]
CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def _adapted(K, **kwargs):
    layer = K.layers.TextVectorization(**kwargs)
    layer.adapt(SENTENCES)
    return [layer.get_vocabulary(), layer(SENTENCES[:4]), layer(["hello ça VA 😀 zzz"])]


@case
def default_standardize_and_split(K):
    return _adapted(K)


@case
def standardize_lower(K):
    return _adapted(K, standardize="lower")


@case
def standardize_strip_punctuation(K):
    return _adapted(K, standardize="strip_punctuation")


@case
def standardize_none(K):
    return _adapted(K, standardize=None)


@case
def split_character(K):
    return _adapted(K, split="character", output_sequence_length=12)


@case
def split_none(K):
    layer = K.layers.TextVectorization(split=None)
    layer.adapt(SENTENCES + ["hello world", "hello world"])
    multi = K.layers.TextVectorization(split=None, output_mode="multi_hot",
                                       vocabulary=["hello world", "nope"])
    return [layer.get_vocabulary(), layer(["hello world", "nope"]),
            layer(np.array([["hello world"], ["hello, world!"]])),
            multi(["Hello world", "yes"]), multi(np.array([["nope"], ["x"]]))]


@case
def single_text_and_unsplit_ngrams(K):
    layer = K.layers.TextVectorization(vocabulary=["a", "b"])
    padded = K.layers.TextVectorization(vocabulary=["a", "b"], output_sequence_length=4)
    count = K.layers.TextVectorization(vocabulary=["a", "b"], output_mode="count")
    unsplit = K.layers.TextVectorization(vocabulary=["a", "b", "a b"], split=None, ngrams=2)
    return [layer("A b c"), padded("a b c"), count("a b b c"), unsplit(["a b", "a"]),
            unsplit(np.array([["a", "b"], ["b", "a b"]]))]


@case
def set_vocabulary_and_file(K):
    import tempfile

    layer = K.layers.TextVectorization(output_mode="count")
    layer.set_vocabulary(["[UNK]", "über", "cat"])
    with tempfile.TemporaryDirectory() as tmp:
        path = tmp + "/vocab.txt"
        with open(path, "w", encoding="utf-8") as f:
            f.write("über\ncat\n")
        from_file = K.layers.TextVectorization(vocabulary=path)
        out = from_file(["cat über dog", "Über"])
        vocab = from_file.get_vocabulary()
    return [layer(["über cat cat", "dog"]), layer.get_vocabulary(), out, vocab]


@case
def ngrams_and_sequence_length(K):
    two = K.layers.TextVectorization(ngrams=2, output_sequence_length=6)
    two.adapt(SENTENCES)
    three = K.layers.TextVectorization(ngrams=(1, 3), max_tokens=12)
    three.adapt(SENTENCES)
    return [two.get_vocabulary(), two(SENTENCES[:3]), three.get_vocabulary(),
            three(["hello world hello", "ok"])]


@case
def multi_hot_count_tf_idf(K):
    out = []
    for mode in ("multi_hot", "count", "tf_idf"):
        layer = K.layers.TextVectorization(output_mode=mode, max_tokens=9)
        layer.adapt(SENTENCES)
        padded = K.layers.TextVectorization(output_mode=mode, max_tokens=30,
                                            pad_to_max_tokens=True)
        padded.adapt(SENTENCES)
        out += [layer.get_vocabulary(), layer(SENTENCES[:5]), padded(["ok ok hello"])]
    return out


@case
def given_vocabulary(K):
    layer = K.layers.TextVectorization(vocabulary=["the", "cat", "sat"],
                                       output_sequence_length=5)
    tfidf = K.layers.TextVectorization(vocabulary=["the", "cat"], idf_weights=[0.5, 2.0],
                                       output_mode="tf_idf")
    return [layer(["The cat sat on the mat.", "cat"]), layer.get_vocabulary(),
            layer.vocabulary_size(), tfidf(["the cat the dog"]), layer.get_config()]


@case
def adapt_batches(K):
    def gen():
        yield np.array(["b b a", "c"])
        yield ["a c c", "d"]
        yield ["never seen"]

    layer = K.layers.TextVectorization()
    layer.adapt(gen(), steps=2)
    other = K.layers.TextVectorization(max_tokens=5)
    other.adapt(np.array([["x y z"], ["y z"], ["z"]]), batch_size=2)
    return [layer.get_vocabulary(), other.get_vocabulary(), other([["z y w"]])]


@case
def configs(K):
    layers = [K.layers.TextVectorization(name="t"),
              K.layers.TextVectorization(max_tokens=10, standardize="lower", split="character",
                                         ngrams=(1, 2), output_mode="count",
                                         pad_to_max_tokens=True, name="u")]
    return [layer.get_config() for layer in layers]


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_keras(name):
    import lamina

    got = plain(CASES[name](lamina))
    assert_same(got, GOLDEN[name])
    keras = keras_with_tensorflow()
    if keras is None:
        return
    assert_same(got, plain(CASES[name](keras)))


def test_callable_standardize_and_split_get_numpy_strings():
    import lamina

    layer = lamina.layers.TextVectorization(
        standardize=lambda x: np.char.upper(x), split=lambda x: np.char.split(x, ","),
        vocabulary=["A", "B C"], output_sequence_length=4)
    np.testing.assert_array_equal(layer(["a,b c,d", "b c"]), [[2, 3, 1, 0], [3, 0, 0, 0]])


def test_config_round_trip():
    import lamina

    layer = lamina.layers.TextVectorization(vocabulary=["x", "y"], ngrams=(1, 2),
                                            output_sequence_length=3)
    again = lamina.layers.TextVectorization.from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    np.testing.assert_array_equal(again(["y x q"]), layer(["y x q"]))


def test_bad_arguments_name_the_argument():
    import lamina

    with pytest.raises(ValueError, match="output_sequence_length"):
        lamina.layers.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="ngrams"):
        lamina.layers.TextVectorization(ngrams=[1, 2])
    with pytest.raises(ValueError, match="last shape dimension must be 1"):
        lamina.layers.TextVectorization(vocabulary=["a"])(np.array([["a", "b"]]))


if __name__ == "__main__":  # print GOLDEN from Keras (needs TensorFlow)
    import pprint
    import tempfile

    import keras

    with tempfile.TemporaryDirectory() as tmp:
        table = {name: plain(fn(keras)) for name, fn in sorted(CASES.items())}
    sys.stdout.write("GOLDEN = " + pprint.pformat(table, width=100, sort_dicts=True) + "\n")

# fmt: off
GOLDEN = {'adapt_batches': [['', '[UNK]', 'c', 'b', 'a', 'd'], ['', '[UNK]', 'z', 'y', 'x'], [[2, 3, 1]]],
 'configs': [{'dtype': {'class_name': 'DTypePolicy',
                        'config': {},
                        'module': 'keras',
                        'registered_name': None},
              'encoding': 'utf-8',
              'idf_weights': None,
              'max_tokens': None,
              'ngrams': None,
              'output_mode': 'int',
              'output_sequence_length': None,
              'pad_to_max_tokens': False,
              'ragged': False,
              'sparse': False,
              'split': 'whitespace',
              'standardize': 'lower_and_strip_punctuation',
              'trainable': True,
              'vocabulary': None,
              'vocabulary_size': 2},
             {'dtype': {'class_name': 'DTypePolicy',
                        'config': {},
                        'module': 'keras',
                        'registered_name': None},
              'encoding': 'utf-8',
              'idf_weights': None,
              'max_tokens': 10,
              'ngrams': [1, 2],
              'output_mode': 'count',
              'output_sequence_length': None,
              'pad_to_max_tokens': True,
              'ragged': False,
              'sparse': False,
              'split': 'character',
              'standardize': 'lower',
              'trainable': True,
              'vocabulary': None,
              'vocabulary_size': 1}],
 'default_standardize_and_split': [['',
                                    '[UNK]',
                                    'Ça',
                                    'ok',
                                    'hello',
                                    '😀',
                                    '漢字',
                                    'テスト',
                                    'ÉtÉ',
                                    'xy',
                                    'world',
                                    'vu…',
                                    'va',
                                    'tabs',
                                    'straße',
                                    'newlines',
                                    'nbsp\xa0here',
                                    'naïve',
                                    'emoji',
                                    'dont',
                                    'cjk',
                                    'café—déjà',
                                    'and',
                                    'ab'],
                                   [[4, 10, 4, 0], [2, 12, 8, 14], [17, 21, 11, 2], [18, 5, 3, 3]],
                                   [[4, 1, 12, 5, 1]]],
 'given_vocabulary': [[[2, 3, 4, 1, 2], [3, 0, 0, 0, 0]],
                      ['', '[UNK]', 'the', 'cat', 'sat'],
                      5,
                      [[1.25, 1.0, 2.0]],
                      {'dtype': {'class_name': 'DTypePolicy',
                                 'config': {},
                                 'module': 'keras',
                                 'registered_name': None},
                       'encoding': 'utf-8',
                       'idf_weights': None,
                       'max_tokens': None,
                       'ngrams': None,
                       'output_mode': 'int',
                       'output_sequence_length': 5,
                       'pad_to_max_tokens': False,
                       'ragged': False,
                       'sparse': False,
                       'split': 'whitespace',
                       'standardize': 'lower_and_strip_punctuation',
                       'trainable': True,
                       'vocabulary': ['the', 'cat', 'sat'],
                       'vocabulary_size': 5}],
 'multi_hot_count_tf_idf': [['[UNK]', 'Ça', 'ok', 'hello', '😀', '漢字', 'テスト', 'ÉtÉ', 'xy'],
                            [[1, 0, 0, 1, 0, 0, 0, 0, 0],
                             [1, 1, 0, 0, 0, 0, 0, 1, 0],
                             [1, 1, 0, 0, 0, 0, 0, 0, 0],
                             [1, 0, 1, 0, 1, 0, 0, 0, 0],
                             [1, 0, 0, 0, 0, 0, 0, 0, 0]],
                            [[0,
                              0,
                              1,
                              1,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0]],
                            ['[UNK]', 'Ça', 'ok', 'hello', '😀', '漢字', 'テスト', 'ÉtÉ', 'xy'],
                            [[1, 0, 0, 2, 0, 0, 0, 0, 0],
                             [2, 1, 0, 0, 0, 0, 0, 1, 0],
                             [3, 1, 0, 0, 0, 0, 0, 0, 0],
                             [1, 0, 2, 0, 1, 0, 0, 0, 0],
                             [5, 0, 0, 0, 0, 0, 0, 0, 0]],
                            [[0,
                              0,
                              2,
                              1,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0]],
                            ['[UNK]', 'Ça', 'ok', 'hello', '😀', '漢字', 'テスト', 'ÉtÉ', 'xy'],
                            [[1.5706685781478882,
                              0.0,
                              0.0,
                              3.2188758850097656,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0],
                             [3.1413371562957764,
                              1.2992830276489258,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              1.6094379425048828,
                              0.0],
                             [4.712005615234375,
                              1.2992830276489258,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0],
                             [1.5706685781478882,
                              0.0,
                              3.2188758850097656,
                              0.0,
                              1.6094379425048828,
                              0.0,
                              0.0,
                              0.0,
                              0.0],
                             [7.8533430099487305, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]],
                            [[0.0,
                              0.0,
                              3.2188758850097656,
                              1.6094379425048828,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0,
                              0.0]]],
 'ngrams_and_sequence_length': [['',
                                 '[UNK]',
                                 'Ça',
                                 'ok',
                                 'hello',
                                 '😀 ok',
                                 '😀',
                                 '漢字 テスト',
                                 '漢字',
                                 'テスト',
                                 'ÉtÉ straße',
                                 'ÉtÉ',
                                 'Ça va',
                                 'xy',
                                 'world hello',
                                 'world',
                                 'vu… Ça',
                                 'vu…',
                                 'va ÉtÉ',
                                 'va',
                                 'tabs and',
                                 'tabs',
                                 'straße',
                                 'ok ok',
                                 'newlines ab',
                                 'newlines',
                                 'nbsp\xa0here xy',
                                 'nbsp\xa0here',
                                 'naïve café—déjà',
                                 'naïve',
                                 'hello world',
                                 'emoji 😀',
                                 'emoji',
                                 'dont',
                                 'cjk 漢字',
                                 'cjk',
                                 'café—déjà vu…',
                                 'café—déjà',
                                 'and newlines',
                                 'and',
                                 'ab dont',
                                 'ab'],
                                [[4, 15, 4, 30, 14, 0],
                                 [2, 19, 11, 22, 12, 18],
                                 [29, 37, 17, 2, 28, 36]],
                                ['',
                                 '[UNK]',
                                 'Ça',
                                 'ok',
                                 'hello',
                                 '😀 ok ok',
                                 '😀',
                                 '漢字',
                                 'テスト',
                                 'ÉtÉ',
                                 'Ça va ÉtÉ',
                                 'xy'],
                                [[4, 1, 4, 1], [3, 0, 0, 0]]],
 'set_vocabulary_and_file': [[[0, 1, 2], [1, 0, 0]],
                             ['[UNK]', 'über', 'cat'],
                             [[3, 2, 1], [1, 0, 0]],
                             ['', '[UNK]', 'über', 'cat']],
 'single_text_and_unsplit_ngrams': [[2, 3, 1],
                                    [2, 3, 1, 0],
                                    [1, 1, 2],
                                    [4, 2, 1],
                                    [[2, 3, 4], [3, 4, 1]]],
 'split_character': [['',
                      '[UNK]',
                      ' ',
                      'e',
                      'a',
                      'o',
                      'n',
                      'l',
                      't',
                      's',
                      'd',
                      'v',
                      'r',
                      'k',
                      'j',
                      'h',
                      'b',
                      'é',
                      'É',
                      'Ç',
                      'w',
                      'i',
                      'c',
                      '\t',
                      '😀',
                      '漢',
                      '字',
                      'ト',
                      'テ',
                      'ス',
                      '…',
                      '—',
                      'ï',
                      'à',
                      'ß',
                      '\xa0',
                      'y',
                      'x',
                      'u',
                      'p',
                      'm',
                      'f',
                      '\n'],
                     [[15, 3, 7, 7, 5, 2, 20, 5, 12, 7, 10, 2],
                      [2, 2, 19, 4, 2, 11, 4, 23, 18, 8, 18, 2],
                      [6, 4, 32, 11, 3, 2, 22, 4, 41, 17, 31, 10],
                      [3, 40, 5, 14, 21, 2, 24, 2, 5, 13, 2, 5]],
                     [[15, 3, 7, 7, 5, 2, 1, 4, 2, 11, 4, 2]]],
 'split_none': [['',
                 '[UNK]',
                 'hello world',
                 'tabs\tand\nnewlines ab dont',
                 'nbsp\xa0here xy',
                 'naïve café—déjà vu… Ça',
                 'hello world hello',
                 'emoji 😀 ok ok',
                 'cjk 漢字 テスト',
                 '  Ça va\tÉtÉ  straße '],
                [2, 1],
                [[2], [2]],
                [1, 1, 0],
                [[0, 0, 1], [1, 0, 0]]],
 'standardize_lower': [['',
                        '[UNK]',
                        'Ça',
                        '😀',
                        '漢字',
                        'テスト',
                        'ÉtÉ',
                        'x_y',
                        'world!',
                        'vu…',
                        'va?',
                        'tabs',
                        'straße',
                        'ok,',
                        'ok',
                        'new-lines',
                        'nbsp\xa0here;',
                        'naïve',
                        'hello,',
                        'hello',
                        'emoji',
                        "don't",
                        'cjk',
                        'café—déjà',
                        'and',
                        '(a+b)'],
                       [[18, 8, 19, 0], [2, 10, 6, 12], [17, 23, 9, 2], [20, 3, 13, 14]],
                       [[19, 1, 1, 3, 1]]],
 'standardize_none': [['',
                       '[UNK]',
                       '😀',
                       '漢字',
                       'テスト',
                       'ÉTÉ',
                       'Ça',
                       'ÇA',
                       'x_y',
                       'vu…',
                       'va?',
                       'tabs',
                       'straße',
                       'ok,',
                       'ok',
                       'new-lines',
                       'nbsp\xa0here;',
                       'naïve',
                       'hello',
                       'emoji',
                       "don't",
                       'café—déjà',
                       'and',
                       'World!',
                       'Hello,',
                       'CJK',
                       '(a+b)'],
                      [[24, 23, 18, 0], [6, 10, 5, 12], [17, 21, 9, 7], [19, 2, 13, 14]],
                      [[18, 1, 1, 2, 1]]],
 'standardize_strip_punctuation': [['',
                                    '[UNK]',
                                    'ok',
                                    '😀',
                                    '漢字',
                                    'テスト',
                                    'ÉTÉ',
                                    'Ça',
                                    'ÇA',
                                    'xy',
                                    'vu…',
                                    'va',
                                    'tabs',
                                    'straße',
                                    'newlines',
                                    'nbsp\xa0here',
                                    'naïve',
                                    'hello',
                                    'emoji',
                                    'dont',
                                    'café—déjà',
                                    'and',
                                    'ab',
                                    'World',
                                    'Hello',
                                    'CJK'],
                                   [[24, 23, 17, 0],
                                    [7, 11, 6, 13],
                                    [16, 20, 10, 8],
                                    [18, 3, 2, 2]],
                                   [[17, 1, 1, 3, 1]]]}
# fmt: on
