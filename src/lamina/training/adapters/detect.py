"""Which library an object comes from, told without importing that library.

Keras's `is_tf_dataset` idiom: walk the class's MRO and compare class names and modules, so a
user who never installed (or never imported) TensorFlow, torch, Grain or pandas pays nothing.
"""

from __future__ import annotations

from typing import Any


def _mro_matches(x: Any, names: tuple[str, ...], module_part: str) -> bool:
    return any(parent.__name__ in names and module_part in str(parent.__module__)
               for parent in type(x).__mro__)


def is_tf_dataset(x: Any) -> bool:
    """A `tf.data.Dataset` (or a distributed one), as Keras tells it."""
    return _mro_matches(x, ("DatasetV2", "DistributedDataset", "DistributedDatasetsFromFunction"),
                        "tensorflow.python.")


def is_torch_dataloader(x: Any) -> bool:
    """A `torch.utils.data.DataLoader`."""
    return _mro_matches(x, ("DataLoader",), "torch.utils.data")


def is_grain_dataset(x: Any) -> bool:
    """A `grain.MapDataset`, `grain.IterDataset` or `grain.DataLoader`."""
    return _mro_matches(x, ("MapDataset", "IterDataset", "DataLoader"), "grain")


def is_pandas(x: Any) -> bool:
    """A pandas `DataFrame` or `Series`."""
    return _mro_matches(x, ("DataFrame", "Series"), "pandas")


def is_pandas_series(x: Any) -> bool:
    return _mro_matches(x, ("Series",), "pandas")


def is_tf_tensor(x: Any) -> bool:
    """A TensorFlow tensor (eager or a variable), dense only."""
    return _mro_matches(x, ("Tensor", "EagerTensor", "ResourceVariable", "BaseResourceVariable"),
                        "tensorflow.python.")


def is_torch_tensor(x: Any) -> bool:
    return _mro_matches(x, ("Tensor",), "torch")


def is_foreign_array(x: Any) -> bool:
    """An in-memory array of another library: sliced like a NumPy array, never iterated."""
    return is_pandas(x) or is_tf_tensor(x) or is_torch_tensor(x)
