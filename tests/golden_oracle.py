"""Golden-table oracle for layers whose Keras implementation needs TensorFlow (lookups,
TextVectorization): each test case is one function of the `keras` module; its results under
real Keras (recorded in the test file's GOLDEN table by running the file with TensorFlow
installed, and re-checked live whenever TensorFlow is importable) must equal lamina's."""

import numpy as np


def plain(x):
    """A result as JSON-like Python data (strings decoded, arrays as lists)."""
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items() if k != "name"}
    if isinstance(x, (list, tuple)) and not (x and isinstance(x[0], (int, float))):
        return [plain(v) for v in x]
    if isinstance(x, str):
        return str(x)
    if isinstance(x, (int, float, type(None), bool)):
        return x
    arr = np.asarray(x)
    if arr.dtype.kind in "OSU":
        return np.vectorize(lambda v: v.decode() if isinstance(v, bytes) else str(v),
                            otypes=[object])(arr).tolist() if arr.size else arr.tolist()
    return arr.tolist()


def assert_same(got, expected):
    if isinstance(expected, dict):
        assert set(got) == set(expected), (sorted(got), sorted(expected))
        for k in expected:
            assert_same(got[k], expected[k])
    elif isinstance(expected, list) and expected and isinstance(expected[0], (dict, str)):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same(g, e)
    elif isinstance(expected, (list, float)):
        g, e = np.asarray(got, dtype=object), np.asarray(expected, dtype=object)
        assert g.shape == e.shape, (got, expected)
        if any(isinstance(v, float) for v in e.reshape(-1)):
            np.testing.assert_allclose(np.asarray(got, float), np.asarray(expected, float),
                                       rtol=1e-6)
        else:
            assert got == expected
    else:
        assert got == expected


def keras_with_tensorflow():
    """The `keras` module when TensorFlow is installed (Keras runs these layers on it), else
    None: then only the recorded GOLDEN values are compared."""
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        return None
    import keras

    return keras
