"""IndexLookup: Keras's vocabulary table (the base of StringLookup and IntegerLookup).

Lookups work on strings and Python integers, so they run on the host with NumPy and return
JAX arrays (int32 indices / counts, float32 TF-IDF) as Keras does on the JAX backend; `invert`
returns a NumPy string/integer array. `adapt` builds Keras's vocabulary order: by count, high
to low, ties broken by the token itself, high to low.
"""

from __future__ import annotations

import collections
import itertools
import os

import jax.numpy as jnp
import numpy as np

from lamina.layers.base import Layer, is_symbolic
from lamina.layers.preprocessing import farmhash
from lamina.layers.preprocessing.lookup_utils import (
    adapt_batches,
    check,
    check_lookup_args,
    encode,
    inverse_document_frequency,
    vocabulary_order,
)

__all__: list[str] = []

_DROPPED = np.iinfo(np.int64).max  # a mask's index in non-int modes: encodes to nothing


class IndexLookup(Layer):
    """Maps vocabulary terms to integer indices (or back, with `invert=True`) on the host."""

    takes_strings = True  # in a model: runs on the host (models/host_stage.py)
    host_only = True  # Python dictionaries: never traced

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 sparse=False, pad_to_max_tokens=False, oov_method="floormod", name=None,
                 salt=None, **kwargs):
        output_mode, salt = check_lookup_args(
            max_tokens, num_oov_indices, output_mode, invert, sparse, pad_to_max_tokens,
            idf_weights, oov_method, salt, vocabulary_dtype)
        self._frozen_vocab_size = kwargs.pop("vocabulary_size", None)
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword argument(s): {kwargs}")
        super().__init__(name=name)
        self.invert, self.max_tokens, self.num_oov_indices = invert, max_tokens, num_oov_indices
        self.mask_token, self.oov_token, self.output_mode = mask_token, oov_token, output_mode
        self.sparse, self.pad_to_max_tokens = sparse, pad_to_max_tokens
        self.vocabulary_dtype, self.oov_method, self.salt = vocabulary_dtype, oov_method, salt
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self.idf_weights = None
        self._tokens: list = []
        self._table: dict = {}
        self.built = True
        if output_mode == "tf_idf" and self._has_input_vocabulary and idf_weights is None:
            raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output "
                             "mode, the `idf_weights` argument must also be provided.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.reset_state()

    # -- token conversion (overridden by StringLookup / IntegerLookup) -----------------------
    def _to_token(self, value):
        return value

    def _from_line(self, line: str):
        return line if self.vocabulary_dtype == "string" else int(line)

    def _tokens_of(self, data) -> np.ndarray:
        """`data` (list, nested lists, NumPy/JAX array, scalar) as an object array of tokens."""
        arr = np.asarray(data, dtype=object)
        flat = [self._to_token(v) for v in arr.reshape(-1)]
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return out.reshape(arr.shape)

    # -- vocabulary ---------------------------------------------------------------------------
    def _oov_start_index(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self) -> int:
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self) -> int:
        """The vocabulary's size, mask and OOV indices included."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary; with special tokens, a term's position is its index."""
        if not include_special_tokens:
            return list(self._tokens)
        return self._special_tokens() + list(self._tokens)

    def _special_tokens(self) -> list:
        return [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Set the vocabulary (a list/array, or a path to a text file with one term a line)
        and, in `tf_idf` mode, the IDF weights, replacing any previous vocabulary."""
        if self.output_mode == "tf_idf":
            check(idf_weights is not None, "`idf_weights` must be set if output_mode is 'tf_idf'.")
        else:
            check(idf_weights is None, "`idf_weights` should only be set if output_mode is "
                  f"`'tf_idf'`. Received: output_mode={self.output_mode} and "
                  f"idf_weights={idf_weights}")
        if isinstance(vocabulary, (str, os.PathLike)):
            check(os.path.exists(vocabulary), f"Vocabulary file {vocabulary} does not exist.")
            check(self.output_mode != "tf_idf", "output_mode `'tf_idf'` does not support "
                  "loading a vocabulary from file.")
            with open(vocabulary, encoding="utf-8") as f:
                lines = f.read().splitlines()
            self._set_tokens([self._from_line(line) for line in lines])
            return
        vocabulary = list(self._tokens_of(vocabulary).reshape(-1))
        check(len(vocabulary) > 0, f"Cannot set an empty vocabulary. Received: "
              f"vocabulary={vocabulary}")
        specials = self._special_tokens()
        found_specials = vocabulary[:len(specials)] == specials
        tokens = vocabulary[len(specials):] if found_specials else vocabulary
        self._check_tokens(tokens, vocabulary, specials)
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            self._set_idf(np.asarray(idf_weights, dtype=np.float64), len(vocabulary),
                          found_specials)

    def _check_tokens(self, tokens: list, vocabulary: list, specials: list) -> None:
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        check(not repeated, "The passed vocabulary has at least one repeated term. Please "
              f"uniquify your dataset. The repeated terms are: {repeated}")
        for name, token in (("mask_token", self.mask_token),
                            ("oov_token", self.oov_token if self.invert else None)):
            if token is not None and token in tokens:
                index = [i for i, t in enumerate(vocabulary) if t == token][-1]
                raise ValueError(
                    f"Found reserved {'mask' if name == 'mask_token' else 'OOV'} token at "
                    "unexpected location in `vocabulary`. Note that passed `vocabulary` does "
                    "not need to include the OOV and mask tokens. Either remove all mask and "
                    "OOV tokens, or include them only at the start of the vocabulary in "
                    f"precisely this order: {specials}. Received: {name}={token} at "
                    f"vocabulary index {index}")
        size = self._token_start_index() + len(tokens)
        check(self.max_tokens is None or size <= self.max_tokens, "Attempted to set a "
              "vocabulary larger than the maximum vocab size. Received vocabulary size is "
              f"{size}; `max_tokens` is {self.max_tokens}.")

    def _set_tokens(self, tokens: list) -> None:
        start = self._token_start_index()
        self._tokens = list(tokens)
        self._table = {t: i + start for i, t in enumerate(self._tokens)}
        self._record_vocabulary_size()

    def _set_idf(self, weights: np.ndarray, vocab_len: int, found_specials: bool) -> None:
        check(len(weights) == vocab_len, "`idf_weights` must be the same length as "
              f"vocabulary. len(idf_weights) is {len(weights)}; len(vocabulary) is {vocab_len}")
        check(weights.ndim == 1, "TF-IDF data must be a 1-index array. "
              f"Received: type(idf_weights)={type(weights)}")
        front = 0 if found_specials else self._token_start_index()
        fill = 0 if found_specials else np.average(weights)
        back = (self.max_tokens - front - len(weights)
                if self.pad_to_max_tokens and self.max_tokens is not None else 0)
        self.idf_weights = np.pad(weights, (front, back), constant_values=(fill, 0)).astype(
            np.float32)

    def _record_vocabulary_size(self) -> None:
        size = self.vocabulary_size()
        if (self.output_mode != "int" and not self.pad_to_max_tokens
                and self._frozen_vocab_size is not None and size != self._frozen_vocab_size):
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                "the vocabulary size cannot be changed after the layer is called. Old vocab "
                f"size is {self._frozen_vocab_size}, new vocab size is {size}")
        self._frozen_vocab_size = size

    # -- adapt ----------------------------------------------------------------------------------
    def adapt(self, data, steps=None) -> None:
        """Build the vocabulary (and IDF weights) from `data`: an array or list (one batch), or
        an iterable of batches such as a generator (at most `steps` of them)."""
        self.reset_state()
        for batch in adapt_batches(data, steps, self._tokens_of):
            self.update_state(batch)
        self.finalize_state()

    def reset_state(self) -> None:
        self._counts: collections.Counter = collections.Counter()
        self._doc_counts: collections.Counter = collections.Counter()
        self._num_documents = 0

    def update_state(self, data) -> None:
        """Count the tokens of one batch: rows of tokens (a 1-D batch is one document)."""
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static "
                             "vocabulary via `vocabulary` argument or `set_vocabulary()` method.")
        rows = data if isinstance(data, list) and data and isinstance(data[0], list) else None
        if rows is None:
            arr = self._tokens_of(data)
            arr = arr.reshape(1, -1) if arr.ndim <= 1 else arr.reshape(arr.shape[0], -1)
            rows = [list(r) for r in arr]
        self._counts.update(itertools.chain.from_iterable(rows))
        if self.output_mode == "tf_idf":  # document frequencies: only IDF needs them
            self._doc_counts.update(itertools.chain.from_iterable(map(set, rows)))
        self._num_documents += len(rows)

    def finalize_state(self) -> None:
        if self._has_input_vocabulary or not self._counts:
            self._record_vocabulary_size()
            return
        tokens = vocabulary_order(self._counts, (self.mask_token, self.oov_token),
                                  self.max_tokens and self.max_tokens - self._token_start_index())
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            idf = inverse_document_frequency(
                np.array([self._doc_counts[t] for t in tokens]), self._num_documents)
            back = self.max_tokens - self._token_start_index() - len(idf) \
                if self.pad_to_max_tokens and self.max_tokens else 0
            self.idf_weights = np.pad(idf, (self._token_start_index(), back),
                                      constant_values=(np.mean(idf, dtype=np.float32), 0))
        self.reset_state()

    # -- call -----------------------------------------------------------------------------------
    def __call__(self, inputs, *args, **kwargs):
        if is_symbolic(inputs):
            return super().__call__(inputs, *args, **kwargs)
        return self.call(inputs)

    def call(self, inputs):
        tokens = self._tokens_of(inputs)
        scalar = tokens.ndim == 0
        tokens = tokens.reshape(1) if scalar else tokens
        lookups = self._invert_lookup(tokens) if self.invert else self._lookup(tokens)
        if self.output_mode == "int":
            out = lookups[0] if scalar else lookups
            return out if self.invert else jnp.asarray(out, jnp.int32)
        return jnp.asarray(encode(lookups, self.output_mode, self._output_depth(),
                                  self.idf_weights))

    def _output_depth(self) -> int:
        """The size of the encoded axis: `max_tokens` when padding to it, else the vocabulary's."""
        if self._frozen_vocab_size is None and not self.pad_to_max_tokens:
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                "you must set the layer's vocabulary before calling it. Either pass a "
                "`vocabulary` argument to the layer, or call `adapt` with some sample data.")
        return self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size

    def _lookup(self, tokens: np.ndarray) -> np.ndarray:
        default = -1 if self.num_oov_indices != 1 else self._oov_start_index()
        flat = tokens.reshape(-1)
        out = np.array([self._table.get(t, default) for t in flat], np.int64).reshape(
            tokens.shape)
        if self.mask_token is not None:
            out[tokens == self.mask_token] = 0 if self.output_mode == "int" else _DROPPED
        oov = out == -1
        if self.num_oov_indices == 0 and oov.any():
            raise ValueError("When `num_oov_indices=0` all inputs should be in vocabulary, "
                             f"found OOV values {tokens[oov].tolist()}, consider setting "
                             "`num_oov_indices=1`.")
        if self.num_oov_indices > 1 and oov.any():
            out[oov] = self._oov_buckets(tokens[oov].tolist()) + self._oov_start_index()
        return out

    def _oov_buckets(self, keys: list) -> np.ndarray:
        """Keras's OOV bucket of each key: `key % num_oov_indices` for integers (floormod),
        else FarmHash64 (SipHash64 with `salt`) of the key's text, as TF's hash buckets."""
        if self.vocabulary_dtype != "string" and self.oov_method != "farmhash":
            return np.mod(np.array(keys, np.int64), self.num_oov_indices)
        data = [str(k).encode("utf-8") for k in keys]
        hashes = (farmhash.siphash(data, tuple(self.salt)) if self.salt is not None
                  else farmhash.fingerprint64(data))
        return (hashes % np.uint64(self.num_oov_indices)).astype(np.int64)

    def _invert_lookup(self, indices: np.ndarray) -> np.ndarray:
        vocab = self.get_vocabulary()
        start = self._token_start_index()
        flat = [vocab[i] if start <= i < len(vocab) else self.oov_token
                for i in np.asarray(indices.tolist(), np.int64).reshape(-1).tolist()]
        out = np.array(flat).reshape(indices.shape)
        if self.mask_token is not None:
            out[np.asarray(indices.tolist()) == 0] = self.mask_token
        return out

    def compute_output_shape(self, input_shape) -> tuple:
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        input_shape = tuple(input_shape)
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    def compute_output_dtype(self, input_dtype) -> str:
        return "float32" if self.output_mode == "tf_idf" else "int32"

    # -- config and saving ----------------------------------------------------------------------
    def get_config(self) -> dict:
        listify = lambda x: x.tolist() if isinstance(x, np.ndarray) else x  # noqa: E731
        return {**super().get_config(), "invert": self.invert, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
                "mask_token": self.mask_token, "output_mode": self.output_mode,
                "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
                "vocabulary_dtype": self.vocabulary_dtype,
                "idf_weights": listify(self.input_idf_weights),
                "vocabulary": listify(self.input_vocabulary),
                "vocabulary_size": self._frozen_vocab_size, "oov_method": self.oov_method,
                "salt": self.salt}

    def save_own_variables(self, store) -> None:
        if self.output_mode == "tf_idf":
            store["idf_weights"] = np.asarray(self.idf_weights)

    def load_own_variables(self, store) -> None:
        if self.output_mode == "tf_idf":
            self.idf_weights = np.asarray(store["idf_weights"], np.float32)

    def save_assets(self, dir_path: str) -> None:
        """Write an adapted vocabulary to `vocabulary.txt` (a given one lives in the config)."""
        if self.input_vocabulary is None:
            with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
                f.write("\n".join(str(w) for w in self.get_vocabulary()))

    def load_assets(self, dir_path: str) -> None:
        if self.input_vocabulary is None:
            with open(os.path.join(dir_path, "vocabulary.txt"), encoding="utf-8") as f:
                lines = f.read().splitlines()
            while lines and lines[-1] == "":
                lines.pop()
            idf = self.idf_weights if self.output_mode == "tf_idf" else None
            self._frozen_vocab_size = None
            self.set_vocabulary([self._from_line(v) for v in lines], idf_weights=idf)
