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


def _without_layer_names(config):
    """`config` without the names of layers in it (their numbering depends on how many layers
    each library made before: the test order)."""
    if isinstance(config, dict):
        return {k: _without_layer_names(v) for k, v in config.items()
                if not (k == "name" and "trainable" in config)}
    if isinstance(config, list):
        return [_without_layer_names(v) for v in config]
    return config


def same_config(ours, theirs):
    assert _without_layer_names(ours.get_config()) == _without_layer_names(theirs.get_config())
