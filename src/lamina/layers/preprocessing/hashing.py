"""Hashing and HashedCrossing: hash categorical features into bins with TensorFlow's (so Keras's)
hashes bit for bit. Strings are hashed on the host in NumPy; integers and floats as jnp, so they
also run inside the compiled step (see farmhash.py and hash_u64.py)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina import config
from lamina.layers.base import KerasTensor, Layer
from lamina.layers.preprocessing import farmhash, hash_u64
from lamina.layers.preprocessing.category_encoding import (
    check_output_mode,
    encode_categorical,
    encoded_shape,
)

__all__ = ["HashedCrossing", "Hashing"]


def host_strings(x) -> np.ndarray | None:
    """`x` as a NumPy array of UTF-8 `bytes` if it holds strings (str/bytes, lists of them,
    NumPy string/object arrays), else None (numbers take the jnp path)."""
    if isinstance(x, (jax.Array, KerasTensor)):
        return None
    arr = np.asarray(x, dtype=object) if isinstance(x, (list, tuple, str, bytes)) else x
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "USO":
        return None
    if arr.size and not all(isinstance(v, (str, bytes, np.str_, np.bytes_)) for v in arr.flat):
        return None
    encode = np.vectorize(lambda v: v.encode() if isinstance(v, str) else bytes(v), otypes=[object])
    return encode(arr) if arr.size else arr.astype(object)


def _beyond_int32(x) -> bool:
    """Whether `x` is a NumPy array of numbers outside int32 (which jnp cannot hold by default)."""
    return (isinstance(x, np.ndarray) and x.dtype.kind in "iuf" and x.size > 0
            and bool(np.any((x < -2**31) | (x >= 2**31))))


def _out_dtype(dtype: str) -> str:
    return jax.dtypes.canonicalize_dtype(dtype).name


class Hashing(Layer):
    """Hash strings or numbers into `num_bins` bins (Keras's `Hashing`): FarmHash Fingerprint64
    of each value's string form, or SipHash-2-4 keyed by `salt`; `mask_value` goes to bin 0.

    Example:

        >>> Hashing(num_bins=3)([["A"], ["B"], ["C"], ["D"], ["E"]]).ravel().tolist()
        [1, 0, 1, 1, 2]
    """

    takes_strings = True  # runs on the host in a model (models/host_stage.py)

    def __init__(self, num_bins: int, mask_value=None, salt=None, output_mode: str = "int",
                 sparse: bool = False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else config.floatx()
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError("The `num_bins` for `Hashing` cannot be `None` or non-positive "
                             f"values. Received: num_bins={num_bins}.")
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError('When `output_mode="int"`, `dtype` should be an integer type, '
                             f"'int32' or 'in64'. Received: dtype={kwargs['dtype']}")
        modes = ("int", "one_hot", "multi_hot", "count")
        if output_mode not in modes:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{modes}. Received: output_mode={output_mode}")
        if sparse:
            raise ValueError("`sparse=True` is not supported: lamina's only engine is JAX and "
                             "returns dense arrays. Received: sparse=True. Use sparse=False.")
        self.num_bins, self.mask_value, self.output_mode = int(num_bins), mask_value, output_mode
        self.sparse, self.strong_hash, self.salt = False, salt is not None, None
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                self.salt = [int(s) for s in salt]
            elif isinstance(salt, int):
                self.salt = [salt, salt]
            else:
                raise ValueError("The `salt` argument for `Hashing` can only be a tuple of size "
                                 f"2 integers, or a single integer. Received: salt={salt}.")

    def __call__(self, inputs, *args, **kwargs):
        keys = host_strings(inputs)
        if keys is None and _beyond_int32(inputs):  # eager int64s: exact on the host, as TF
            keys = np.vectorize(lambda v: str(v).encode(), otypes=[object])(
                np.trunc(inputs).astype(np.int64))
            is_mask = self._split_mask(inputs, lambda v, m: v == m)[1]
        elif keys is not None:
            mask_value = self.mask_value
            mask_value = mask_value.encode() if isinstance(mask_value, str) else mask_value
            is_mask = self._split_mask(keys, lambda v, m: v == mask_value)[1]
        else:
            return super().__call__(inputs, *args, **kwargs)
        bins = self._host_bins(keys, is_mask)
        if self.output_mode == "one_hot" and bins.ndim and bins.shape[-1] == 1:
            bins = bins[..., 0]
        return self._encode(jnp.asarray(bins))

    def _split_mask(self, values, equal):
        """(bins to hash into, mask of `mask_value` entries or None) as Keras sets them up."""
        if self.mask_value is not None and self.num_bins > 1:
            return self.num_bins - 1, equal(values, self.mask_value)
        return self.num_bins, None

    def _host_bins(self, keys: np.ndarray, is_mask) -> np.ndarray:
        """Bins of byte-string `keys` (hashed in NumPy); `is_mask` entries go to bin 0."""
        bins = self.num_bins - (is_mask is not None)
        flat = list(keys.ravel())
        hashes = (farmhash.siphash(flat, tuple(self.salt)) if self.strong_hash
                  else farmhash.fingerprint64(flat))
        out = (hashes % np.uint64(bins)).astype(np.int64).reshape(keys.shape)
        return out if is_mask is None else np.where(is_mask, 0, out + 1)

    def call(self, inputs):
        inputs = jnp.asarray(inputs)  # a Python list arrives as a list of scalars
        if self.output_mode == "one_hot" and inputs.ndim and inputs.shape[-1] == 1:
            inputs = inputs[..., 0]
        if isinstance(self.mask_value, (str, bytes)):
            raise TypeError(f"Layer '{self.name}' (Hashing) got numeric inputs but a string "
                            f"mask_value={self.mask_value!r}. Pass strings, or a number as "
                            "mask_value.")
        bins, mask = self._split_mask(inputs, lambda v, m: v == m)
        if bins > 2 ** 31:
            raise ValueError(f"Layer '{self.name}' (Hashing) hashes numbers in 32-bit JAX, "
                             f"which needs num_bins <= 2**31. Received: num_bins={self.num_bins}")
        values = jnp.trunc(inputs).astype(jnp.int32) if jnp.issubdtype(
            inputs.dtype, jnp.floating) else inputs.astype(jnp.int32)
        out = hash_u64.hash_bins(values, bins, tuple(self.salt) if self.strong_hash else None)
        return self._encode(out if mask is None else jnp.where(mask, 0, out + 1))

    def _encode(self, indices):
        return encode_categorical(indices, self.output_mode, self.num_bins,
                                  _out_dtype(self.dtype))

    def compute_output_shape(self, input_shape) -> tuple:
        if self.output_mode == "int":
            return tuple(input_shape)
        return tuple(input_shape[:-1]) + (self.num_bins,) if input_shape else (self.num_bins,)

    def compute_output_spec(self, inputs):
        return KerasTensor(self.compute_output_shape(inputs.shape), _out_dtype(self.dtype),
                           name=self.name)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt,
                "mask_value": self.mask_value, "output_mode": self.output_mode,
                "sparse": self.sparse}


class HashedCrossing(Layer):
    """Cross scalar categorical features with the hashing trick (Keras's `HashedCrossing`):
    `hash(feature_1, ..., feature_n) % num_bins`, as `tf.sparse.cross_hashed` computes it.

    Example:

        >>> HashedCrossing(num_bins=5)((np.array(["A", "B"]), np.array([101, 101]))).tolist()
        [1, 4]
    """

    takes_strings = True  # runs on the host in a model (models/host_stage.py)

    def __init__(self, num_bins: int, output_mode: str = "int", sparse: bool = False,
                 name: str | None = None, dtype=None, **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        check_output_mode(output_mode, ("int", "one_hot"), "HashedCrossing")
        self.num_bins, self.output_mode, self.sparse = int(num_bins), output_mode, False

    def __call__(self, inputs, *args, **kwargs):
        _check_inputs(inputs)
        columns = [host_strings(x) for x in inputs]
        if all(c is None for c in columns):
            return super().__call__(list(inputs), *args, **kwargs)
        columns = [np.asarray(x) if c is None else c for x, c in zip(inputs, columns)]
        _check_columns(columns)
        return encode_categorical(jnp.asarray(_host_cross(columns, self.num_bins)),
                                  self.output_mode, self.num_bins, _out_dtype(self.dtype))

    def call(self, inputs):
        _check_columns(inputs)
        if self.num_bins > 2 ** 31:
            raise ValueError(f"Layer '{self.name}' (HashedCrossing) crosses numbers in 32-bit "
                             f"JAX, which needs num_bins <= 2**31. Received: num_bins="
                             f"{self.num_bins}")
        bins = hash_u64.cross_bins([jnp.asarray(c, jnp.int32) for c in inputs], self.num_bins)
        return encode_categorical(bins, self.output_mode, self.num_bins, _out_dtype(self.dtype))

    def compute_output_shape(self, input_shape) -> tuple:
        return encoded_shape(tuple(input_shape[0]), self.output_mode, self.num_bins)

    def compute_output_spec(self, inputs):
        shape = self.compute_output_shape([x.shape for x in inputs])
        return KerasTensor(shape, _out_dtype(self.dtype), name=self.name)

    def get_config(self) -> dict:
        return {"num_bins": self.num_bins, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}


def _host_cross(columns: list[np.ndarray], num_bins: int) -> np.ndarray:
    """Crossed bins of string (bytes objects) and integer columns, in NumPy: strings count by
    their Fingerprint64, integers by their int64 value, folded with FingerprintCat64."""
    hashed = np.full(columns[0].size, farmhash.CROSS_KEY, np.uint64)
    with np.errstate(over="ignore"):
        for col in columns:
            flat = col.ravel()
            h = (farmhash.fingerprint64(list(flat)) if col.dtype == object
                 else flat.astype(np.int64).astype(np.uint64))
            hashed = farmhash.fingerprint_cat64(hashed, h)
    return (hashed % np.uint64(num_bins)).astype(np.int64).reshape(columns[0].shape)


def _check_inputs(inputs) -> None:
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(  # noqa: TRY004 (Keras's error type)
            "`HashedCrossing` should be called on a list or tuple of inputs. "
            f"Received: inputs={inputs}")
    if len(inputs) < 2:
        raise ValueError("`HashedCrossing` should be called on at least two inputs. "
                         f"Received: inputs={inputs}")


def _check_columns(columns) -> None:
    """Keras's checks: equal shapes `()`, `(batch,)` or `(batch, 1)`; integers or strings."""
    first = tuple(columns[0].shape)
    if len(first) > 2 or (len(first) == 2 and first[-1] != 1):
        raise ValueError("All `HashedCrossing` inputs should have shape `()`, `(batch_size)` "
                         f"or `(batch_size, 1)`. Received: inputs={columns}")
    if not all(tuple(c.shape) == first for c in columns[1:]):
        raise ValueError("All `HashedCrossing` inputs should have equal shape. "
                         f"Received: inputs={columns}")
    if not all(c.dtype == object or np.issubdtype(c.dtype, np.integer) for c in columns):
        raise ValueError("All `HashedCrossing` inputs should have an integer or string dtype. "
                         f"Received: inputs={columns}")
