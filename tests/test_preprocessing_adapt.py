"""`adapt` takes what Keras's preprocessing layers take: arrays, lists, generators (with
`steps`) and PyDatasets; every source gives the same state as the whole array at once."""

import numpy as np
import pytest

import lamina as keras

TEXTS = np.array(["a b c", "b c", "c d e f", "a a"])
NUMBERS = np.arange(12, dtype="float32").reshape(6, 2) ** 1.5


class Batches(keras.utils.PyDataset):
    def __init__(self, data, size):
        super().__init__()
        self.data, self.size = data, size

    def __len__(self):
        return -(-len(self.data) // self.size)

    def __getitem__(self, index):
        return self.data[index * self.size:(index + 1) * self.size]


def _sources(data):
    return {"array": lambda: data, "list": lambda: list(data),
            "generator": lambda: (data[i:i + 2] for i in range(0, len(data), 2)),
            "py_dataset": lambda: Batches(data, 2)}


@pytest.mark.parametrize("source", ["array", "list", "generator", "py_dataset"])
def test_text_vectorization_vocabulary_from_every_source(source):
    layer = keras.layers.TextVectorization()
    layer.adapt(_sources(TEXTS)[source]())
    assert layer.get_vocabulary() == ["", "[UNK]", "c", "a", "b", "f", "e", "d"]


def test_steps_limits_the_batches_read():
    layer = keras.layers.StringLookup()
    layer.adapt((TEXTS[i:i + 1] for i in range(4)), steps=2)
    assert layer.get_vocabulary() == ["[UNK]", "b c", "a b c"]


@pytest.mark.parametrize("source", ["array", "generator", "py_dataset"])
def test_normalization_and_discretization_from_every_source(source):
    norm = keras.layers.Normalization()
    norm.adapt(_sources(NUMBERS)[source]())
    np.testing.assert_allclose(np.asarray(norm.adapt_mean).ravel(), NUMBERS.mean(0), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(norm.adapt_variance).ravel(), NUMBERS.var(0),
                               rtol=1e-5)
    disc = keras.layers.Discretization(num_bins=3)
    disc.adapt(_sources(NUMBERS)[source]())
    reference = keras.layers.Discretization(num_bins=3)
    reference.adapt(NUMBERS)
    np.testing.assert_allclose(disc.bin_boundaries, reference.bin_boundaries)
