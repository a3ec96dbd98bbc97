"""64-bit hashing of integers inside jitted JAX code (no `jax_enable_x64` needed).

`U64` is a wrapping uint64 held as two uint32 arrays, with the operators the word formulas in
`farmhash.py` use; integers are hashed as TensorFlow does (their decimal string), so numeric
`Hashing` gives Keras's bins inside the compiled step."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from lamina.layers.preprocessing import farmhash

_M32 = 0xFFFFFFFF
_WIDTH = 16  # bytes of the padded decimal string of an int32 ("-2147483648" has 11)


class U64:
    """A wrapping 64-bit unsigned integer array as (hi, lo) uint32 arrays."""

    def __init__(self, hi, lo):
        self.hi, self.lo = jnp.asarray(hi, jnp.uint32), jnp.asarray(lo, jnp.uint32)

    @classmethod
    def of(cls, value) -> U64:
        if isinstance(value, U64):
            return value
        if isinstance(value, int):
            return cls(value >> 32 & _M32, value & _M32)
        return cls(jnp.zeros_like(value, jnp.uint32), jnp.asarray(value).astype(jnp.uint32))

    def __add__(self, other) -> U64:
        other = U64.of(other)
        lo = self.lo + other.lo
        return U64(self.hi + other.hi + (lo < self.lo).astype(jnp.uint32), lo)

    def __mul__(self, other) -> U64:
        other = U64.of(other)
        hi, lo = _mul_32x32(self.lo, other.lo)
        return U64(hi + self.hi * other.lo + self.lo * other.hi, lo)

    def __xor__(self, other) -> U64:
        other = U64.of(other)
        return U64(self.hi ^ other.hi, self.lo ^ other.lo)

    def __or__(self, other) -> U64:
        other = U64.of(other)
        return U64(self.hi | other.hi, self.lo | other.lo)

    def __and__(self, other) -> U64:
        other = U64.of(other)
        return U64(self.hi & other.hi, self.lo & other.lo)

    __radd__, __rmul__, __rxor__ = __add__, __mul__, __xor__

    def __rshift__(self, k: int) -> U64:
        if k >= 32:
            return U64(jnp.zeros_like(self.hi), self.hi >> (k - 32))
        return U64(self.hi >> k, (self.lo >> k) | (self.hi << (32 - k)) if k else self.lo)

    def __lshift__(self, k: int) -> U64:
        if k >= 32:
            return U64(self.lo << (k - 32), jnp.zeros_like(self.lo))
        return U64((self.hi << k) | (self.lo >> (32 - k)) if k else self.hi, self.lo << k)


def _mul_32x32(a, b):
    """The full 64-bit product of two uint32 arrays, as (hi, lo) uint32 (16-bit limbs)."""
    a0, a1, b0, b1 = a & 0xFFFF, a >> 16, b & 0xFFFF, b >> 16
    p00, p01, p10, p11 = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    mid = (p00 >> 16) + (p01 & 0xFFFF) + (p10 & 0xFFFF)
    return p11 + (p01 >> 16) + (p10 >> 16) + (mid >> 16), (p00 & 0xFFFF) | (mid << 16)


def where(cond, x: U64, y: U64) -> U64:
    return U64(jnp.where(cond, x.hi, y.hi), jnp.where(cond, x.lo, y.lo))


def mod(value: U64, n):
    """`value % n` as int32, for 0 < n <= 2**31 (an int or a traced scalar; bitwise long
    division in uint32)."""
    divisor = jnp.asarray(n, jnp.uint32)

    def step(i, r):
        word = jnp.where(i < 32, value.hi, value.lo)
        bit = (word >> (31 - i % 32).astype(jnp.uint32)) & 1
        r = (r << 1) | bit
        return jnp.where(r >= divisor, r - divisor, r)

    r = jax.lax.fori_loop(0, 64, step, jnp.zeros_like(value.lo))
    return r.astype(jnp.int32)


def decimal_bytes(x):
    """The decimal string of each int32 of `x` (as `tf.as_string`), as (bytes, lengths):
    a `(*x.shape, 16)` uint8 array, zero-padded, and the string lengths as int32."""
    x = jnp.asarray(x, jnp.int32)
    neg = x < 0
    mag = jnp.where(neg, -x.astype(jnp.uint32), x.astype(jnp.uint32))  # |INT_MIN| wraps right
    powers = jnp.asarray([10 ** k for k in range(9, -1, -1)], jnp.uint32)
    digits = (mag[..., None] // powers) % 10  # most significant first, 10 digits
    ndigits = jnp.maximum(10 - jnp.argmax(digits > 0, axis=-1), 1)
    ndigits = jnp.where(mag == 0, 1, ndigits).astype(jnp.int32)
    length = ndigits + neg.astype(jnp.int32)
    pos = jnp.arange(_WIDTH, dtype=jnp.int32)
    src = jnp.clip(10 - ndigits[..., None] + pos - neg[..., None], 0, 9)
    chars = jnp.take_along_axis(digits, src, axis=-1).astype(jnp.uint8) + ord("0")
    body = (pos >= neg[..., None]) & (pos < length[..., None])
    out = jnp.where(body, chars, 0)
    out = jnp.where(neg[..., None] & (pos == 0), ord("-"), out)
    return out.astype(jnp.uint8), length


def _word(data, offset, size: int = 8) -> U64:
    """The little-endian word of `size` bytes at per-element `offset` of each byte row."""
    idx = offset[..., None] + jnp.arange(size)
    b = jnp.take_along_axis(data, jnp.clip(idx, 0, _WIDTH - 1), axis=-1).astype(jnp.uint32)
    lo = b[..., 0] | b[..., 1] << 8 | b[..., 2] << 16 | b[..., 3] << 24
    hi = (b[..., 4] | b[..., 5] << 8 | b[..., 6] << 16 | b[..., 7] << 24) if size == 8 else 0
    return U64(jnp.broadcast_to(jnp.asarray(hi, jnp.uint32), lo.shape), lo)


def fingerprint_ints(x) -> U64:
    """FarmHash Fingerprint64 of each int32's decimal string (strings of 1..11 bytes)."""
    data, n = decimal_bytes(x)
    length = U64.of(n)
    mul = farmhash.K2 + length * 2
    long = farmhash.len_8_to_16(_word(data, 0 * n), _word(data, n - 8), mul)
    mid = farmhash.len_4_to_7(length, _word(data, 0 * n, 4), _word(data, n - 4, 4), mul)
    byte = lambda i: U64.of(jnp.take_along_axis(data, i[..., None], axis=-1)[..., 0])
    short = farmhash.len_1_to_3(length, byte(0 * n), byte(n >> 1), byte(n - 1))
    return where(n >= 8, long, where(n >= 4, mid, short))


def siphash_ints(x, key: tuple[int, int]) -> U64:
    """SipHash-2-4 of each int32's decimal string under `key` (strings of 1..11 bytes)."""
    data, n = decimal_bytes(x)
    zero = U64.of(jnp.zeros_like(n))
    state = tuple(zero + (key[i % 2] ^ c) for i, c in enumerate(farmhash.SIP_INIT))
    full = farmhash.sip_absorb(state, _word(data, 0 * n))
    state = tuple(where(n >= 8, f, s) for f, s in zip(full, state))
    start = n - n % 8
    tail = _word(data, start)
    keep = U64.of(0)
    for k in range(7):  # keep the first n % 8 bytes of the tail word, then put n in byte 7
        keep = keep | where(k < n % 8, U64.of(0xFF << (8 * k)), U64.of(0))
    tail = (tail & keep) | (U64.of(n & 0xFF) << 56)
    return farmhash.sip_finish(farmhash.sip_absorb(state, tail))


def sign_extend(x) -> U64:
    """An int32 array as the uint64 of its int64 value (as TF casts ints before crossing)."""
    x = jnp.asarray(x, jnp.int32)
    return U64(jnp.where(x < 0, jnp.uint32(_M32), jnp.uint32(0)), x.astype(jnp.uint32))


def hash_bins(values, num_bins: int, salt: tuple | None = None):
    """Bins (int32) of int32 `values`: FarmHash (or SipHash under `salt`) of their decimal
    strings, modulo `num_bins` (at most 2**31)."""
    return _hash_bins(values, jnp.asarray(num_bins, jnp.uint32), salt)


@functools.partial(jax.jit, static_argnames=("salt",))
def _hash_bins(values, num_bins, salt):
    # Jitted so eager calls compile once (per shape and salt) instead of running op by op.
    hashes = fingerprint_ints(values) if salt is None else siphash_ints(values, salt)
    return mod(hashes, num_bins)


def cross_bins(columns: list, num_bins: int):
    """Bins (int32) of int32 feature `columns` crossed as `tf.sparse.cross_hashed` does."""
    return _cross_bins(columns, jnp.asarray(num_bins, jnp.uint32))


@jax.jit
def _cross_bins(columns, num_bins):
    hashed = U64.of(farmhash.CROSS_KEY)
    for col in columns:
        hashed = farmhash.fingerprint_cat64(hashed, sign_extend(col))
    return mod(hashed, num_bins)
