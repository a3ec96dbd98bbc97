"""The hashed bits behind dropout masks: exact against a NumPy reference, and statistically sound
(uniform, unbiased keep rates, no correlation between neighbours, positions or keys)."""

import jax
import numpy as np
import pytest

from lamina import random


@np.errstate(over="ignore")  # uint32 arithmetic wraps, as in XLA
def _mix32_numpy(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint32(16))
    x = x * np.uint32(0x7FEB352D)
    x = x ^ (x >> np.uint32(15))
    x = x * np.uint32(0x846CA68B)
    return x ^ (x >> np.uint32(16))


@np.errstate(over="ignore")
def _bits_numpy(key: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    index = np.arange(int(np.prod(shape)), dtype=np.uint32).reshape(shape)
    return _mix32_numpy(_mix32_numpy(index ^ key[0]) + key[1])


def _keys(count: int) -> list[jax.Array]:
    base = random.host_key(123)
    return [jax.random.fold_in(base, i) for i in range(count)]


def test_bits_equal_the_numpy_reference_and_repeat_for_a_key():
    key = np.array([0xDEADBEEF, 12345], np.uint32)
    bits = np.asarray(random.hashed_bits(jax.numpy.asarray(key), (3, 5, 7)))
    assert bits.dtype == np.uint32
    np.testing.assert_array_equal(bits, _bits_numpy(key, (3, 5, 7)))
    np.testing.assert_array_equal(bits, np.asarray(random.hashed_bits(key, (3, 5, 7))))


def test_every_byte_of_the_words_is_uniform():
    bits = np.asarray(random.hashed_bits(_keys(1)[0], (1 << 18,)))
    critical = 380.0  # chi-square, 255 degrees of freedom, p ~ 1e-7
    for lane in range(4):
        counts = np.bincount(((bits >> np.uint32(8 * lane)) & np.uint32(255)).astype(np.int64),
                             minlength=256)
        expected = bits.size / 256
        assert ((counts - expected) ** 2 / expected).sum() < critical, lane


@pytest.mark.parametrize("rate", [0.05, 0.2, 0.5, 0.9])
def test_dropout_keeps_one_minus_rate_and_scales_the_kept(rate):
    x = np.ones((1000, 1000), np.float32)
    y = np.asarray(random.dropout(x, rate, seed=random.SeedGenerator(3)))
    kept = y != 0
    sigma = np.sqrt(rate * (1 - rate) / x.size)
    assert abs(kept.mean() - (1 - rate)) < 5 * sigma
    np.testing.assert_allclose(y[kept], 1 / (1 - rate), rtol=1e-6)


def test_masks_are_uncorrelated_between_neighbours_and_between_keys():
    first, second = (np.asarray(random.hashed_bits(k, (1 << 16,))) < 2**31 for k in _keys(2))
    a, b = first.astype(np.float64), second.astype(np.float64)
    limit = 5 / np.sqrt(a.size)
    assert abs(np.corrcoef(a, b)[0, 1]) < limit
    assert abs(np.corrcoef(a[1:], a[:-1])[0, 1]) < limit


def test_no_position_of_a_batch_is_favoured_over_many_steps():
    """The failure of a weak hash: some (sample, unit) positions dropped more than others."""
    steps, shape, keep = 1000, (32, 64), 0.8
    counts = sum((np.asarray(random.hashed_bits(k, shape)) >= int(0.2 * 2**32)).astype(int)
                 for k in _keys(steps))
    expected = steps * keep
    chi2 = ((counts - expected) ** 2 / (expected * (1 - keep))).sum()
    dof = counts.size
    assert abs(chi2 - dof) < 6 * np.sqrt(2 * dof)


def test_one_flipped_key_bit_changes_half_of_the_output_bits():
    key = np.array([7, 9], np.uint32)
    base = np.asarray(random.hashed_bits(key, (4096,)))
    for word, bit in [(0, 0), (0, 31), (1, 0), (1, 17)]:
        other = key.copy()
        other[word] ^= np.uint32(1 << bit)
        flipped = np.unpackbits((base ^ np.asarray(random.hashed_bits(other, (4096,))))
                                .view(np.uint8))
        assert 0.48 < flipped.mean() < 0.52, (word, bit)


@np.errstate(over="ignore")
def _fold_in_numpy(key: np.ndarray, data: int) -> np.ndarray:
    k0, k1 = key.astype(np.uint32)
    word = np.uint32(data % 2**32) + np.uint32(0x9E3779B9)
    first = _mix32_numpy(k0 ^ _mix32_numpy(k1 ^ _mix32_numpy(word)))
    return np.array([first, _mix32_numpy(k1 + first)], np.uint32)


def test_fold_in_equals_the_numpy_reference_and_split_key_folds_0_and_1():
    key = np.array([0xFFFFFFFF, 3], np.uint32)
    for data in (0, 1, 7, 2**32 - 1):
        np.testing.assert_array_equal(np.asarray(random.fold_in(jax.numpy.asarray(key), data)),
                                      _fold_in_numpy(key, data))
    traced = jax.jit(random.fold_in)(key, 7)
    np.testing.assert_array_equal(np.asarray(traced), _fold_in_numpy(key, 7))
    nxt, draw = random.split_key(jax.numpy.asarray(key))
    np.testing.assert_array_equal(np.asarray(nxt), _fold_in_numpy(key, 0))
    np.testing.assert_array_equal(np.asarray(draw), _fold_in_numpy(key, 1))


def test_derived_keys_do_not_collide():
    """fold_in is a bijection of the key for each data word, so a step's chain of next keys
    (and the keys drawn from them) never repeat within any realistic run."""
    key = jax.numpy.asarray(np.array([1, 2], np.uint32))
    chain = jax.jit(lambda k: jax.lax.scan(lambda c, _: (random.split_key(c)[0],
                                                         jax.numpy.stack(random.split_key(c))),
                                           k, None, length=20000)[1])
    pairs = np.asarray(chain(key)).reshape(-1, 2)
    seen = {tuple(p) for p in pairs.tolist()}
    assert len(seen) == len(pairs) == 40000
    by_data = np.stack([_fold_in_numpy(np.array([5, 6], np.uint32), d) for d in range(2000)])
    assert len({tuple(p) for p in by_data.tolist()}) == 2000
