"""FarmHash Fingerprint64 (farmhashna::Hash64) and SipHash-2-4, the hashes TensorFlow's
`to_hash_bucket_fast` / `to_hash_bucket_strong` and `sparse.cross_hashed` use (so Keras's
`Hashing` and `HashedCrossing`), reproduced bit for bit on the host in NumPy `uint64`.

The word formulas are written with operators only (`+ * ^ >> << |`), so they serve both NumPy
`uint64` arrays and `hash_u64.U64` (a uint32-pair word that runs inside jitted JAX code)."""

from __future__ import annotations

import numpy as np

K0, K1, K2 = 0xC3A5C85C97CB3127, 0xB492B66FBE98F273, 0x9AE16A3B2F90404F
_CAT_MUL = 0xC6A4A7935BD1E995
CROSS_KEY = 0xDECAFCAFFE  # tf.sparse.cross_hashed's default hash_key
SIP_INIT = (0x736F6D6570736575, 0x646F72616E646F6D, 0x6C7967656E657261, 0x7465646279746573)


def rotr(v, shift: int):
    return (v >> shift) | (v << (64 - shift))


def shift_mix(v):
    return v ^ (v >> 47)


def hash_len_16(u, v, mul):
    a = shift_mix((u ^ v) * mul)
    b = shift_mix((v ^ a) * mul)
    return b * mul


def len_8_to_16(first, last, mul):
    """Hash of an 8..16-byte string from its first and last 8 bytes (little-endian words)."""
    a = first + K2
    c = rotr(last, 37) * mul + a
    d = (rotr(a, 25) + last) * mul
    return hash_len_16(c, d, mul)


def len_4_to_7(length, first32, last32, mul):
    """Hash of a 4..7-byte string from its first and last 4 bytes (as 64-bit words)."""
    return hash_len_16(length + (first32 << 3), last32, mul)


def len_1_to_3(length, a, b, c):
    """Hash of a 1..3-byte string from bytes s[0], s[len // 2] and s[len - 1] (as words)."""
    y = a + (b << 8)
    z = length + (c << 2)
    return shift_mix(y * K2 ^ z * K0) * K2


# -- host: NumPy uint64 over a (strings, length) byte matrix, one length at a time ------------
def _word(rows: np.ndarray, offset: int, size: int = 8) -> np.ndarray:
    return rows[:, offset:offset + size].copy().view(f"<u{size}").astype(np.uint64)[:, 0]


def _hash_same_length(rows: np.ndarray, n: int) -> np.ndarray:
    u = np.uint64
    mul = u(K2) + u(n * 2)
    if n > 64:
        return _hash_long(rows, n)
    if n > 32:
        return _hash_33_to_64(rows, n, mul)
    if n > 16:
        a, b = _word(rows, 0) * u(K1), _word(rows, 8)
        c, d = _word(rows, n - 8) * mul, _word(rows, n - 16) * u(K2)
        return hash_len_16(rotr(a + b, 43) + rotr(c, 30) + d, a + rotr(b + u(K2), 18) + c, mul)
    if n >= 8:
        return len_8_to_16(_word(rows, 0), _word(rows, n - 8), mul)
    if n >= 4:
        return len_4_to_7(u(n), _word(rows, 0, 4), _word(rows, n - 4, 4), mul)
    if n > 0:
        a, b, c = (rows[:, i].astype(np.uint64) for i in (0, n >> 1, n - 1))
        return len_1_to_3(u(n), a, b, c)
    return np.full(len(rows), K2, np.uint64)


def _hash_33_to_64(rows, n, mul):
    u = np.uint64
    a, b = _word(rows, 0) * u(K2), _word(rows, 8)
    c, d = _word(rows, n - 8) * mul, _word(rows, n - 16) * u(K2)
    y = rotr(a + b, 43) + rotr(c, 30) + d
    z = hash_len_16(y, a + rotr(b + u(K2), 18) + c, mul)
    e, f = _word(rows, 16) * mul, _word(rows, 24)
    g, h = (y + _word(rows, n - 32)) * mul, (z + _word(rows, n - 24)) * mul
    return hash_len_16(rotr(e + f, 43) + rotr(g, 30) + h, e + rotr(f + a, 18) + g, mul)


def _weak_32(rows, s, a, b):
    w, x, y, z = (_word(rows, s + i) for i in (0, 8, 16, 24))
    a = a + w
    b = rotr(b + a + z, 21)
    c = a
    a = a + x + y
    return a + z, b + rotr(a, 44) + c


def _hash_long(rows, n):
    u = np.uint64
    seed = u(81)
    zero = np.zeros(len(rows), np.uint64)
    y = zero + seed * u(K1) + u(113)
    z = shift_mix(y * u(K2) + u(113)) * u(K2)
    v, w = (zero, zero), (zero, zero)
    x = seed * u(K2) + _word(rows, 0)
    for s in range(0, ((n - 1) // 64) * 64, 64):
        x = rotr(x + y + v[0] + _word(rows, s + 8), 37) * u(K1)
        y = rotr(y + v[1] + _word(rows, s + 48), 42) * u(K1)
        x = x ^ w[1]
        y = y + v[0] + _word(rows, s + 40)
        z = rotr(z + w[0], 33) * u(K1)
        v = _weak_32(rows, s, v[1] * u(K1), x + w[0])
        w = _weak_32(rows, s + 32, z + w[1], y + _word(rows, s + 16))
        z, x = x, z
    mul = u(K1) + ((z & u(0xFF)) << u(1))
    s = n - 64
    w0 = w[0] + u((n - 1) & 63)
    v0 = v[0] + w0
    w0 = w0 + v0
    x = rotr(x + y + v0 + _word(rows, s + 8), 37) * mul
    y = rotr(y + v[1] + _word(rows, s + 48), 42) * mul
    x = x ^ (w[1] * u(9))
    y = y + v0 * u(9) + _word(rows, s + 40)
    z = rotr(z + w0, 33) * mul
    v = _weak_32(rows, s, v[1] * mul, x + w0)
    w = _weak_32(rows, s + 32, z + w[1], y + _word(rows, s + 16))
    z, x = x, z
    return hash_len_16(hash_len_16(v[0], w[0], mul) + shift_mix(y) * u(K0) + z,
                       hash_len_16(v[1], w[1], mul) + x, mul)


def _by_length(strings: list[bytes], hash_rows) -> np.ndarray:
    """Apply `hash_rows(byte_matrix, length)` to each group of equal-length strings."""
    out = np.zeros(len(strings), np.uint64)
    lengths = np.array([len(s) for s in strings], np.int64)
    for n in np.unique(lengths):
        idx = np.flatnonzero(lengths == n)
        rows = np.frombuffer(b"".join(strings[i] for i in idx), np.uint8).reshape(len(idx), n)
        with np.errstate(over="ignore"):
            out[idx] = hash_rows(rows, int(n))
    return out


def fingerprint64(strings: list[bytes]) -> np.ndarray:
    """FarmHash Fingerprint64 of each byte string, as `uint64` (TensorFlow's `Fingerprint64`)."""
    return _by_length(list(strings), _hash_same_length)


def sip_round(v0, v1, v2, v3):
    """One SipRound (rotations written as right rotations by 64 - left)."""
    v0 = v0 + v1
    v2 = v2 + v3
    v1 = rotr(v1, 51) ^ v0
    v3 = rotr(v3, 48) ^ v2
    v0 = rotr(v0, 32) + v3
    v2 = v2 + v1
    v3 = rotr(v3, 43) ^ v0
    v1 = rotr(v1, 47) ^ v2
    return v0, v1, rotr(v2, 32), v3


def sip_absorb(state, m):
    v0, v1, v2, v3 = state
    v0, v1, v2, v3 = sip_round(*sip_round(v0, v1, v2, v3 ^ m))
    return v0 ^ m, v1, v2, v3


def sip_finish(state):
    v0, v1, v2, v3 = state
    v2 = v2 ^ 0xFF
    for _ in range(4):
        v0, v1, v2, v3 = sip_round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


def siphash(strings: list[bytes], key: tuple[int, int]) -> np.ndarray:
    """SipHash-2-4 of each byte string under the 128-bit `key` (two uint64 words), as TF's
    `StrongKeyedHash` (used by `to_hash_bucket_strong`)."""
    def hash_rows(rows, n):
        zero = np.zeros(len(rows), np.uint64)
        state = tuple(zero + np.uint64(key[i % 2] ^ c) for i, c in enumerate(SIP_INIT))
        for s in range(0, n - n % 8, 8):
            state = sip_absorb(state, _word(rows, s))
        tail = np.zeros((len(rows), 8), np.uint8)
        tail[:, : n % 8] = rows[:, n - n % 8:]
        tail[:, 7] = n & 0xFF
        return sip_finish(sip_absorb(state, _word(tail, 0)))

    return _by_length(list(strings), hash_rows)


def fingerprint_cat64(fp1, fp2):
    """TensorFlow's `FingerprintCat64`: combine two fingerprints (order matters)."""
    result = (fp1 ^ _CAT_MUL) ^ (shift_mix(fp2 * _CAT_MUL) * _CAT_MUL)
    return shift_mix(shift_mix(result * _CAT_MUL) * _CAT_MUL)
