"""Shared helpers of the attention tests: random inputs, and comparisons with Keras."""

import numpy as np

RNG = np.random.default_rng(0)


def normal(*shape):
    return RNG.normal(size=shape).astype("float32")


def assert_close(ours, theirs, atol=1e-5):
    ours = ours if isinstance(ours, (list, tuple)) else [ours]
    theirs = theirs if isinstance(theirs, (list, tuple)) else [theirs]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=atol)


def same_config(ours, theirs):
    ours, theirs = dict(ours.get_config()), dict(theirs.get_config())
    ours.pop("name"), theirs.pop("name")
    assert ours == theirs
