"""TextVectorization's array path (ASCII batches, built-in standardize, whitespace split) against
a plain-Python reference of Keras's semantics, against the exact string path, and against
Keras itself where TensorFlow is installed.

The array path keys tokens by their bytes in a hash table: the tests force hash collisions,
table growth and chunk boundaries to show that none of them changes a result.
"""

import collections
import contextlib
import re
import string

import numpy as np
import pytest
from golden_oracle import keras_with_tensorflow
from hypothesis import given, settings
from hypothesis import strategies as st

import lamina
from lamina.layers.preprocessing import text_bytes, token_keys
from lamina.layers.preprocessing.text_vectorization import TextVectorization

_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
# letters (both cases), digits, punctuation, Keras's whitespace, and ASCII controls that are
# not whitespace to Keras (str.split would split at \x1c-\x1f)
ALPHABET = "aAbBzZ09" + "!,.'-_~" + " \t\n\r\v\f" + "\x01\x1c\x1f\x7f"
WORDS = st.text(ALPHABET, min_size=0, max_size=6) | st.sampled_from(
    ["averyveryverylongword", "averyveryverylongwore", "sixteencharsword", "x" * 17, "Hello"])
TEXTS = st.lists(st.lists(WORDS, max_size=8).map(" ".join), min_size=1, max_size=6)


def reference_tokens(text: str, standardize="lower_and_strip_punctuation") -> list[str]:
    """Keras's standardize (ASCII lowercasing, ASCII punctuation removed) and whitespace split."""
    if standardize in ("lower", "lower_and_strip_punctuation"):
        text = text.translate(_LOWER)
    if standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
        text = "".join(c for c in text if c not in string.punctuation)
    return [t for t in re.split(r"[ \t\n\r\v\f]+", text) if t]


def reference_vocabulary(texts: list[str], max_tokens=None, **kwargs) -> list[str]:
    """Keras's adapted vocabulary: by count, then by token, both high to low."""
    counts = collections.Counter(t for text in texts for t in reference_tokens(text, **kwargs))
    tokens = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
    return ["", "[UNK]"] + tokens[:max_tokens - 2 if max_tokens else None]


def reference_indices(texts: list[str], vocabulary: list[str], width: int, **kwargs):
    index = {t: i for i, t in enumerate(vocabulary) if i >= 2}
    out = np.zeros((len(texts), width), np.int64)
    for row, text in enumerate(texts):
        ids = [index.get(t, 1) for t in reference_tokens(text, **kwargs)][:width]
        out[row, :len(ids)] = ids
    return out


@contextlib.contextmanager
def exact_path():
    """A context in which TextVectorization takes its exact string path for every batch."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TextVectorization, "_tokenize", lambda self, inputs, each: None)
        yield


@settings(max_examples=60, deadline=None)
@given(texts=TEXTS, max_tokens=st.sampled_from([None, 5]),
       standardize=st.sampled_from(["lower_and_strip_punctuation", "lower",
                                    "strip_punctuation", None]))
def test_random_ascii_matches_reference(texts, max_tokens, standardize):
    layer = lamina.layers.TextVectorization(max_tokens=max_tokens, standardize=standardize,
                                            output_sequence_length=7)
    layer.adapt(np.array(texts))
    vocabulary = reference_vocabulary(texts, max_tokens, standardize=standardize)
    assert layer.get_vocabulary() == vocabulary
    np.testing.assert_array_equal(
        layer(texts), reference_indices(texts, vocabulary, 7, standardize=standardize))


@settings(max_examples=25, deadline=None)
@given(texts=TEXTS, mode=st.sampled_from(["int", "multi_hot", "count"]))
def test_random_ascii_matches_exact_path(texts, mode):
    def run():
        layer = lamina.layers.TextVectorization(output_mode=mode, max_tokens=12)
        layer.adapt(texts)
        return layer.get_vocabulary(), np.asarray(layer(texts)), np.asarray(layer(texts[:1]))

    fast = run()
    with exact_path():
        exact = run()
    assert fast[0] == exact[0]
    for got, want in zip(fast[1:], exact[1:]):
        np.testing.assert_array_equal(got, want)


def test_hash_collisions_do_not_change_results(monkeypatch):
    """Every key hashed to slot 0: each lookup walks the table comparing whole keys."""
    texts = [" ".join(f"w{i % 37} w{i % 11}x samefirst8{i % 7}" for i in range(j, j + 20))
             for j in range(30)]  # "samefirst8..." tokens differ only after their 8th byte
    texts += ["w1 unknown w3x W3X w36 samefirst89 samefirst80"]
    monkeypatch.setattr(token_keys, "home_slots",
                        lambda keys, bits: np.zeros(keys.shape[1], np.intp))
    layer = lamina.layers.TextVectorization(output_sequence_length=70)
    layer.adapt(texts[:-1])
    assert layer.get_vocabulary() == reference_vocabulary(texts[:-1])
    np.testing.assert_array_equal(layer(texts),
                                  reference_indices(texts, layer.get_vocabulary(), 70))


def test_many_chunks_grow_the_counting_table(monkeypatch):
    """One text per chunk: the first chunk sizes a small table, later ones outgrow it."""
    monkeypatch.setattr(text_bytes, "_CHUNK_BYTES", 1)
    texts = ["same same"] + [" ".join(f"t{i}_{j}" for j in range(150)) for i in range(20)]
    texts += ["a-very-long-token-of-thirty-bytes " * 2, "", "Same"]
    layer = lamina.layers.TextVectorization(output_sequence_length=4)
    layer.adapt(texts)
    assert layer.get_vocabulary() == reference_vocabulary(texts)
    np.testing.assert_array_equal(layer(texts),
                                  reference_indices(texts, layer.get_vocabulary(), 4))


def test_vocabulary_terms_the_byte_path_cannot_produce():
    vocabulary = ["sixteencharsword", "sixteencharswordx", "caf\u00e9", "a\x00", "Up", "a b",
                  "x" * 40]
    layer = lamina.layers.TextVectorization(vocabulary=vocabulary, standardize=None)
    texts = ["sixteencharsword sixteencharswordx sixteencharswordy a", "Up up a b " + "x" * 40]
    want = [[2, 3, 1, 1, 0], [6, 1, 1, 1, 8]]
    np.testing.assert_array_equal(layer(texts), want)
    layer.set_vocabulary(["a", "up"])  # a new vocabulary is used at once
    np.testing.assert_array_equal(layer(texts), [[1, 1, 1, 2, 0], [1, 3, 2, 1, 1]])


@pytest.mark.parametrize("texts", [
    ["caf\u00e9 Caf\u00e9, ok", "ok"],  # non-ASCII: the exact path
    ["a\x00b a", "b"],  # NUL inside a text: no separator to Keras
    ["x\x1cy x\x1fy", "\x1c"],  # not whitespace to Keras
    np.array([b"Hello, hello", b"bytes OK"]),  # bytes arrays take the byte path too
    np.array([["One text"], ["per row"]]),
    ["", " \t ", "one"],  # texts without tokens
])
def test_edge_batches_match_keras(texts):
    keras = keras_with_tensorflow()
    if keras is None:
        pytest.skip("Keras's TextVectorization needs TensorFlow")
    got, want = [], []
    for module, out in ((lamina, got), (keras, want)):
        layer = module.layers.TextVectorization(output_sequence_length=5)
        layer.adapt(texts)
        out += [layer.get_vocabulary(), np.asarray(layer(texts))]
    assert got[0] == want[0]
    np.testing.assert_array_equal(got[1], want[1])


@settings(max_examples=10, deadline=None)
@given(texts=TEXTS)
def test_random_ascii_matches_keras(texts):
    keras = keras_with_tensorflow()
    if keras is None:
        pytest.skip("Keras's TextVectorization needs TensorFlow")
    got, want = [], []
    for module, out in ((lamina, got), (keras, want)):
        layer = module.layers.TextVectorization(max_tokens=8, output_sequence_length=6)
        layer.adapt(texts + ["zz"])  # Keras fails on an empty adapted vocabulary
        out += [layer.get_vocabulary(), np.asarray(layer(texts))]
    assert got[0] == want[0]
    np.testing.assert_array_equal(got[1], want[1])
