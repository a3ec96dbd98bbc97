"""timeseries_dataset_from_array, as `keras.utils.timeseries_dataset_from_array`.

Keras returns a `tf.data.Dataset` (or a Grain dataset); lamina returns a `PyDataset` of NumPy
batches with the same windows in the same order, which `fit`, `evaluate` and `predict` take
directly and which iterates like the Keras dataset (`for inputs, targets in dataset`).
"""

from __future__ import annotations

import math

import numpy as np

from lamina.utils.py_dataset import PyDataset

__all__ = ["TimeseriesDataset", "timeseries_dataset_from_array"]


class TimeseriesDataset(PyDataset):
    """Windows `data[start + p + k * sampling_rate]` (k < sequence_length) for each start
    position p, batched; with targets, batches are `(windows, targets[start + p])`."""

    def __init__(self, data: np.ndarray, targets: np.ndarray | None, positions: np.ndarray,
                 sequence_length: int, sampling_rate: int, batch_size: int | None,
                 reshuffle: np.random.RandomState | None) -> None:
        super().__init__()
        self.data, self.targets, self.positions = data, targets, positions
        self.batch_size = batch_size
        self._offsets = np.arange(sequence_length) * sampling_rate
        self._reshuffle = reshuffle

    def __len__(self) -> int:
        if self.batch_size is None:
            return len(self.positions)
        return math.ceil(len(self.positions) / self.batch_size)

    def __getitem__(self, index: int):
        if not 0 <= index < len(self):
            raise IndexError(f"Batch index {index} out of range for a dataset of "
                             f"{len(self)} batches.")
        if self.batch_size is None:  # single windows, as Keras's batch_size=None
            starts = self.positions[index]
        else:
            starts = self.positions[index * self.batch_size:(index + 1) * self.batch_size]
        windows = self.data[np.add.outer(starts, self._offsets)]
        return windows if self.targets is None else (windows, self.targets[starts])

    def on_epoch_end(self) -> None:
        """With `shuffle=True`, draw a new order of windows for the next epoch."""
        if self._reshuffle is not None:
            self._reshuffle.shuffle(self.positions)


def _check_range(data_length: int, start_index, end_index, sampling_rate: int,
                 sequence_stride: int) -> None:
    """Keras's argument checks and error texts."""
    if start_index:
        if start_index < 0:
            raise ValueError("`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= data_length:
            raise ValueError("`start_index` must be lower than the length of the data. "
                             f"Received: start_index={start_index}, for data of length "
                             f"{data_length}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError("`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= data_length:
            raise ValueError("`end_index` must be lower than the length of the data. "
                             f"Received: end_index={end_index}, for data of length "
                             f"{data_length}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: {name}={value}")
        if value >= data_length:
            raise ValueError(f"`{name}` must be lower than the length of the data. Received: "
                             f"{name}={value}, for data of length {data_length}")


def timeseries_dataset_from_array(data, targets, sequence_length: int, sequence_stride: int = 1,
                                  sampling_rate: int = 1, batch_size: int | None = 128,
                                  shuffle: bool = False, seed: int | None = None,
                                  start_index: int | None = None, end_index: int | None = None,
                                  format: str = "tf") -> TimeseriesDataset:
    """Sliding windows over a timeseries, batched.

    Window i starts at `data[start_index + i * sequence_stride]` and holds `sequence_length`
    steps taken every `sampling_rate` steps; `targets[start_index + i * sequence_stride]` is
    its target (pass None for inputs only). `end_index` (exclusive) bounds the data used.

    ```python
    data = np.arange(100)
    dataset = keras.utils.timeseries_dataset_from_array(
        data[:-10], targets=data[10:], sequence_length=10, batch_size=16)
    for inputs, targets in dataset:
        assert np.array_equal(inputs[0], data[:10]) and targets[0] == data[10]
        break
    model.fit(dataset, epochs=2)
    ```

    With `shuffle=True` the windows are first shuffled as Keras shuffles them
    (`np.random.RandomState(seed)`), and again at each epoch end; Keras's further
    tf.data buffer shuffles are not reproduced. `format` ('tf' or 'grain') is accepted
    for Keras code; both give the same `PyDataset`.
    """
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    if isinstance(sequence_length, bool) or not isinstance(sequence_length, int) or \
            sequence_length < 1:
        raise ValueError("`sequence_length` must be a positive integer. Received: "
                         f"sequence_length={sequence_length!r}. E.g. sequence_length=10.")
    data = np.asarray(data)
    _check_range(len(data), start_index, end_index, sampling_rate, sequence_stride)
    start_index = start_index or 0
    end_index = len(data) if end_index is None else end_index
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        num_seqs = min(num_seqs, len(targets))
    positions = np.arange(0, max(num_seqs, 0), sequence_stride)
    rng = None
    if shuffle:
        rng = np.random.RandomState(np.random.randint(1e6) if seed is None else seed)
        rng.shuffle(positions)
    positions = positions + start_index
    return TimeseriesDataset(data, targets, positions, sequence_length, sampling_rate,
                             batch_size, rng)
