"""Shared CIFAR reading: one pickled batch into (images, labels), channels as configured."""

from __future__ import annotations

import os

import numpy as np

from lamina import config, errors
from lamina.datasets.download import get_file
from lamina.datasets.formats import load_pickle


def load_batch(fpath: str | os.PathLike, label_key: str = "labels") -> tuple[np.ndarray, list]:
    """A CIFAR batch file: uint8 data (n, 3, 32, 32) and its labels (restricted unpickling)."""
    batch = load_pickle(fpath, encoding="bytes")
    if not isinstance(batch, dict):
        raise errors.DataError(f"{fpath} is not a CIFAR batch (a dict of data and labels).")
    batch = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    data = np.asarray(batch["data"], dtype="uint8")
    return data.reshape(data.shape[0], 3, 32, 32), batch[label_key]


def fetch(dirname: str, origin: str, file_hash: str, dataset: str) -> str:
    """Download (hash verified) and extract a CIFAR archive; the folder that holds it."""
    return get_file(dirname, origin=origin, extract=True, file_hash=file_hash, dataset=dataset)


def finish(x_train, y_train, x_test, y_test, label_dtype: str):
    """Labels as (n, 1) arrays; images channels-last unless `image_data_format` says otherwise.

    Keras returns uint8 labels for CIFAR-10 and int64 for CIFAR-100; so does lamina."""
    y_train = np.asarray(y_train, dtype=label_dtype).reshape(-1, 1)
    y_test = np.asarray(y_test, dtype=label_dtype).reshape(-1, 1)
    if config.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
