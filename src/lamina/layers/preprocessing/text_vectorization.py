"""TextVectorization: Keras's text-to-indices layer (standardize, split, ngrams, then a
StringLookup with mask token ""), on the host with Python strings as Keras does with tf.strings:
`lower` lowercases ASCII letters only, punctuation is ASCII punctuation, whitespace splitting
uses ASCII whitespace, character splitting yields Unicode code points. ASCII batches on Keras's
default path (built-in standardize, whitespace split, no n-grams) are standardized, split,
looked up and counted with NumPy over their bytes instead (`text_bytes`, `text_fast_path`)."""

from __future__ import annotations

import itertools

import jax.numpy as jnp
import numpy as np

from lamina.layers.base import Layer, is_symbolic
from lamina.layers.preprocessing.lookup_utils import (
    TableWithDefault,
    adapt_batches,
    encode,
    padded_rows,
)
from lamina.layers.preprocessing.string_lookup import StringLookup
from lamina.layers.preprocessing.text_bytes import tokenize_batch
from lamina.layers.preprocessing.text_fast_path import (
    TokenCounter,
    VocabularyKeys,
    adapt_rows,
    text_array,
)
from lamina.layers.preprocessing.text_tokenize import (
    decode_text,
    dense_ngrams,
    ngrams_of,
    split_whitespace,
    standardize_many,
    standardized_token_rows,
    text_column,
)

__all__ = ["TextVectorization"]

def _choice(value, name: str, allowed: tuple) -> None:
    if value is None or callable(value) or value in allowed:
        return
    raise ValueError(f"Invalid value for argument {name}. Expected one of "
                     f"{list(allowed) + [None]} or a callable. Received: {name}={value}")


class TextVectorization(Layer):
    """Turns raw strings into token indices or multi_hot / count / tf_idf vectors."""

    takes_strings = True  # in a model: runs on the host (models/host_stage.py)
    host_only = True  # Python dictionaries: never traced

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 **kwargs):
        if sparse or ragged:
            raise ValueError("`sparse=True` and `ragged=True` can only be used with the "
                             f"TensorFlow backend. Received: sparse={sparse}, ragged={ragged}")
        _choice(standardize, "standardize",
                ("lower_and_strip_punctuation", "lower", "strip_punctuation"))
        _choice(split, "split", ("whitespace", "character"))
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        _choice(output_mode, "output_mode", ("int", "multi_hot", "count", "tf_idf"))
        if output_mode is None or callable(output_mode):
            raise ValueError(f"Invalid value for argument output_mode. Received: "
                             f"output_mode={output_mode}")
        if not (ngrams is None or isinstance(ngrams, int) or isinstance(ngrams, tuple)
                and all(isinstance(item, int) for item in ngrams)):
            raise ValueError("`ngrams` must be None, an integer, or a tuple of integers. "
                             f"Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None
                                         or isinstance(output_sequence_length, int)):
            raise ValueError("`output_sequence_length` must be either None or an integer when "
                             "`output_mode` is 'int'. Received: "
                             f"output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError("`output_sequence_length` must not be set if `output_mode` is "
                             f"not 'int'. Received output_sequence_length="
                             f"{output_sequence_length}.")
        self._standardize, self._split, self._ngrams_arg = standardize, split, ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode, self._output_sequence_length = output_mode, output_sequence_length
        self._ragged, self._encoding = ragged, encoding
        has_vocab = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            has_input_vocabulary=has_vocab, encoding=encoding, vocabulary_size=vocabulary_size)
        self.built = True

    # -- text processing ------------------------------------------------------------------------
    def _standardize_flags(self) -> tuple[bool, bool]:
        """(lowercase, strip punctuation) for a built-in `standardize`."""
        return (self._standardize in ("lower", "lower_and_strip_punctuation"),
                self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"))

    def _standardize_texts(self, texts: np.ndarray) -> np.ndarray:
        if callable(self._standardize):
            return np.asarray(self._standardize(texts.astype(str)), dtype=object)
        out = np.empty(texts.size, dtype=object)
        out[:] = standardize_many(list(texts.reshape(-1)), *self._standardize_flags())
        return out.reshape(texts.shape)

    def _split_texts(self, texts: np.ndarray) -> list:
        texts = text_column(texts)
        if callable(self._split):
            return [[decode_text(t, self._encoding) for t in row]
                    for row in self._split(texts.astype(str))]
        if self._split == "whitespace":
            return split_whitespace(list(texts.reshape(-1)))
        return [list(text) for text in texts.reshape(-1)]

    def _preprocess(self, inputs):
        """Standardized, split and n-grammed tokens: a list of token lists when splitting,
        else an object array of strings."""
        texts = np.asarray(inputs)
        if texts.dtype.kind != "U":  # bytes, objects: decoded one by one
            texts = np.asarray(inputs, dtype=object)
            decode = np.vectorize(lambda t: decode_text(t, self._encoding), otypes=[object])
            texts = decode(texts) if texts.size else texts
        if self._split == "whitespace" and not callable(self._standardize):
            rows = standardized_token_rows(text_column(texts).reshape(-1).tolist(),
                                           *self._standardize_flags())  # Keras's default path
        else:
            texts = texts.astype(object)
            texts = self._standardize_texts(texts) if self._standardize is not None else texts
            if self._split is None:
                return dense_ngrams(texts, self._ngrams) if self._ngrams is not None else texts
            rows = self._split_texts(texts)
        return [ngrams_of(r, self._ngrams) for r in rows] if self._ngrams is not None else rows

    # -- call -----------------------------------------------------------------------------------
    def __call__(self, inputs, *args, **kwargs):
        if is_symbolic(inputs):
            return super().__call__(inputs, *args, **kwargs)
        return self.call(inputs)

    def call(self, inputs):
        if np.ndim(inputs) == 0 and self._split is not None:  # one text: Keras's 1-D output
            return self.call([inputs])[0]
        fast = self._flat_ids(inputs)
        if fast is not None:
            return self._padded_output(*fast)
        tokens = self._preprocess(inputs)
        if isinstance(tokens, np.ndarray):
            if self._output_mode != "int":
                return self._lookup_layer(tokens)
            out = np.asarray(self._lookup_layer(tokens))
            if self._output_sequence_length is not None:
                out = out[..., :self._output_sequence_length]
                pad = self._output_sequence_length - out.shape[-1]
                out = np.pad(out, [(0, 0)] * (out.ndim - 1) + [(0, pad)])
            return jnp.asarray(out)
        lengths = np.fromiter(map(len, tokens), np.int64, count=len(tokens))
        return self._padded_output(self._lookup_flat(list(itertools.chain.from_iterable(tokens))),
                                   lengths)

    def _flat_ids(self, inputs):
        """(index of every token, tokens per text), for Keras's default text path (built-in
        standardize, whitespace split, no n-grams) on ASCII text, computed with array
        operations over the batch's bytes; None where that path does not apply."""
        if self._lookup_layer.num_oov_indices != 1:
            return None
        chunks = self._tokenize(inputs, lambda t: (self._vocabulary_keys().indices_of(t),
                                                   t.row_counts))
        if chunks is None:
            return None
        return (np.concatenate([ids for ids, _ in chunks]),
                np.concatenate([counts for _, counts in chunks]))

    def _tokenize(self, inputs, each) -> list | None:
        """`each` of every chunk of the batch's `ByteTokens` (`tokenize_batch`), for Keras's
        default text path (built-in standardize, whitespace split, no n-grams) on ASCII text;
        else None."""
        if self._split != "whitespace" or callable(self._standardize) or \
                self._ngrams is not None:
            return None
        texts = text_array(inputs, self._encoding)
        if texts is None:
            return None
        return tokenize_batch(text_column(texts), *self._standardize_flags(), each=each)

    def _vocabulary_keys(self) -> VocabularyKeys:
        """The lookup's table keyed for `ByteTokens` (rebuilt when the vocabulary changes)."""
        table = self._lookup_layer._table
        cached = self.__dict__.get("_vocabulary_keys_cache")
        if cached is None or cached[0] is not table:
            cached = (table, VocabularyKeys(table, self._lookup_layer._oov_start_index()))
            self.__dict__["_vocabulary_keys_cache"] = cached
        return cached[1]

    def _padded_output(self, ids: np.ndarray, lengths: np.ndarray) -> jnp.ndarray:
        """Each text's token indices (`lengths[i]` of `ids` for text i) padded with 0 to
        `output_sequence_length` or the longest text (int), or encoded per text (multi_hot /
        count / tf_idf)."""
        if self._output_mode == "int":
            width = self._output_sequence_length
            width = int(lengths.max(initial=0)) if width is None else width
            return jnp.asarray(padded_rows(ids.astype(np.int32), lengths, width, 0))
        lookup = self._lookup_layer
        out = padded_rows(ids, lengths, int(lengths.max(initial=0)), -1)
        return jnp.asarray(encode(out, self._output_mode, lookup._output_depth(),
                                  lookup.idf_weights))

    def _lookup_flat(self, tokens: list) -> np.ndarray:
        """Indices of a flat list of tokens (one dictionary probe each; no mask token can
        come out of splitting)."""
        lookup = self._lookup_layer
        if not tokens:
            return np.zeros(0, np.int64)
        if lookup.num_oov_indices == 1:
            table = self._oov_table()
            return np.fromiter(map(table.__getitem__, tokens), np.int64, count=len(tokens))
        return lookup._lookup(lookup._tokens_of(tokens))

    def _oov_table(self) -> dict:
        """The lookup's token -> index table answering the OOV index for unknown tokens
        (`map(table.__getitem__, ...)` stays in C; rebuilt when the vocabulary changes)."""
        lookup = self._lookup_layer
        cached = self.__dict__.get("_oov_table_cache")
        if cached is None or cached[0] is not lookup._table:
            table = TableWithDefault(lookup._table, lookup._oov_start_index())
            cached = (lookup._table, table)
            self.__dict__["_oov_table_cache"] = cached
        return cached[1]

    def compute_output_shape(self, input_shape) -> tuple:
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        if self._split is None:
            input_shape = tuple(input_shape) + (1,) if len(input_shape) <= 1 else input_shape
        else:
            input_shape = tuple(input_shape) + (None,)
        return self._lookup_layer.compute_output_shape(input_shape)

    def compute_output_dtype(self, input_dtype) -> str:
        return "float32" if self._output_mode == "tf_idf" else "int32"

    # -- vocabulary, adapt, config --------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Build the vocabulary from `data`: an array or list of strings (one batch), or an
        iterable of batches such as a generator (at most `steps` of them)."""
        self.reset_state()
        for batch in adapt_batches(data, steps, adapt_rows):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data) -> None:
        lookup = self._lookup_layer
        counter = TokenCounter()
        chunks = None if self._output_mode == "tf_idf" or lookup._has_input_vocabulary \
            else self._tokenize(data, counter.add)
        if chunks is not None:  # counted with array operations
            lookup._counts.update(counter.result())
            lookup._num_documents += counter.texts
            return
        tokens = self._preprocess(data)
        self._lookup_layer.update_state(tokens if isinstance(tokens, list) else
                                        np.asarray(tokens))

    def finalize_state(self) -> None:
        self._lookup_layer.finalize_state()

    def reset_state(self) -> None:
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary; with special tokens ("" and "[UNK]"), a term's position is its index."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Set the vocabulary (list, array or file path) and, for tf_idf, the IDF weights."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def get_config(self) -> dict:
        lookup = self._lookup_layer
        listify = lambda x: x.tolist() if isinstance(x, np.ndarray) else x  # noqa: E731
        return {**super().get_config(), "max_tokens": lookup.max_tokens,
                "standardize": self._standardize, "split": self._split,
                "ngrams": self._ngrams_arg, "output_mode": self._output_mode,
                "output_sequence_length": self._output_sequence_length,
                "pad_to_max_tokens": lookup.pad_to_max_tokens, "sparse": lookup.sparse,
                "ragged": self._ragged, "vocabulary": listify(lookup.input_vocabulary),
                "idf_weights": listify(lookup.input_idf_weights), "encoding": self._encoding,
                "vocabulary_size": self.vocabulary_size()}

    @classmethod
    def from_config(cls, config: dict) -> TextVectorization:
        config = dict(config)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return super().from_config(config)

    def save_own_variables(self, store) -> None:
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store) -> None:
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path: str) -> None:
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path: str) -> None:
        self._lookup_layer.load_assets(dir_path)
