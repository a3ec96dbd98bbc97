"""image_dataset_from_directory and text_dataset_from_directory, as in `keras.utils`.

Files are indexed exactly as Keras indexes them (same order, labels and class names, same
seeded shuffle), then served as a `DirectoryDataset`: a `PyDataset` of (x, y) batches that
`fit`, `evaluate` and `predict` accept, decoded lazily batch by batch. Images need Pillow
(`pip install lamina[images]`).
"""

from __future__ import annotations

import math
import os
from typing import Callable, Sequence

import numpy as np

from lamina import config, errors
from lamina.training.progbar import write
from lamina.utils.image import pillow
from lamina.utils.py_dataset import PyDataset

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_INTERPOLATIONS = {"nearest": "NEAREST", "bilinear": "BILINEAR", "bicubic": "BICUBIC",
                   "area": "BOX", "lanczos3": "LANCZOS", "lanczos5": "LANCZOS"}
_CHANNELS = {"rgb": ("RGB", 3), "rgba": ("RGBA", 4), "grayscale": ("L", 1)}


def index_directory(directory: str, labels, formats: tuple[str, ...],
                    class_names: Sequence[str] | None = None, shuffle: bool = True,
                    seed: int | None = None, follow_links: bool = False,
                    verbose: bool = True) -> tuple[list[str], np.ndarray | None, list | None]:
    """(file paths, int32 labels, class names) in Keras's order: class folders sorted (or as
    `class_names` lists them), files sorted within each walked folder, then one seeded shuffle."""
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise errors.ConfigError(
                    "The `class_names` passed did not match the names of the subdirectories of "
                    f"the target directory. Expected: {subdirs} (or a subset of it), but "
                    f"received: class_names={class_names}")
            subdirs = list(class_names)
    else:
        if class_names is not None:
            raise errors.ConfigError("`class_names` can only be passed with labels='inferred'.")
        subdirs = [""]
    paths, inferred = [], []
    for index, subdir in enumerate(subdirs):
        root = os.path.join(directory, subdir)
        walk = sorted(os.walk(root, followlinks=follow_links), key=lambda w: w[0])
        for folder, _, files in walk:
            for name in sorted(files):
                if name.lower().endswith(formats):
                    paths.append(os.path.join(folder, name))
                    inferred.append(index)
    if labels == "inferred":
        labels, names = np.asarray(inferred, dtype="int32"), subdirs
    elif labels is None:
        names = None
    else:
        if len(labels) != len(paths):
            raise errors.DataError(
                "Expected the lengths of `labels` to match the number of files in the target "
                f"directory. len(labels) is {len(labels)} while we found {len(paths)} files in "
                f"directory {directory}.")
        names = [str(label) for label in sorted(set(labels))]
        labels = np.asarray(labels)
    if verbose:
        write(f"Found {len(paths)} files" + ("." if names is None else
                                             f" belonging to {len(names)} classes.") + "\n")
    if shuffle:
        seed = np.random.randint(1e6) if seed is None else seed
        np.random.RandomState(seed).shuffle(paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return paths, labels, names


class DirectoryDataset(PyDataset):
    """Batches of decoded files and their labels; `class_names` and `file_paths` as in Keras.

    With `shuffle=True` the order is reshuffled after every epoch (Keras reshuffles too).
    """

    def __init__(self, file_paths: list[str], labels, load: Callable[[str], np.ndarray],
                 batch_size: int | None, label_mode: str | None, class_names, shuffle: bool,
                 seed: int | None, collate: Callable[[list], np.ndarray] = np.stack):
        super().__init__()
        self._collate = collate  # joins a batch's decoded files (audio pads to the longest)
        self.file_paths = list(file_paths)
        self.labels = labels
        self.class_names = class_names
        self.batch_size = batch_size
        self.label_mode = label_mode
        self._load = load
        self._order = np.arange(len(self.file_paths))
        self._rng = np.random.RandomState(seed) if shuffle else None

    def __len__(self) -> int:
        n = len(self.file_paths)
        return n if self.batch_size is None else math.ceil(n / self.batch_size)

    def __getitem__(self, index: int):
        if not 0 <= index < len(self):
            raise IndexError(f"batch index {index} out of range for {len(self)} batches")
        step = self.batch_size or 1
        picked = self._order[index * step:(index + 1) * step]
        x = self._collate([self._load(self.file_paths[i]) for i in picked])
        if self.labels is None or self.label_mode is None:
            return x[0] if self.batch_size is None else x
        y = self._encode(np.asarray(self.labels)[picked])
        return (x[0], y[0]) if self.batch_size is None else (x, y)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def on_epoch_end(self) -> None:
        if self._rng is not None:
            self._rng.shuffle(self._order)

    def _encode(self, labels: np.ndarray) -> np.ndarray:
        if self.label_mode == "binary":
            return labels.astype("float32").reshape(-1, 1)
        if self.label_mode == "categorical":
            return np.eye(len(self.class_names), dtype="float32")[labels]
        return labels.astype("int32")


def _check_args(label_mode, labels, class_names, validation_split, subset, shuffle, seed):
    if label_mode not in {"int", "categorical", "binary", None}:
        raise errors.ConfigError('`label_mode` argument must be one of "int", "categorical", '
                                 f'"binary", or None. Received: label_mode={label_mode}')
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple, np.ndarray)):
        raise errors.ConfigError("`labels` argument should be a list/tuple of integer labels, "
                                 "of the same size as the number of files in the target "
                                 "directory. If you wish to infer the labels from the "
                                 "subdirectory names in the target directory, pass "
                                 f'`labels="inferred"`. Received: labels={labels}')
    if validation_split is not None and not 0 < validation_split < 1:
        raise errors.ConfigError(f"`validation_split` must be between 0 and 1, received: "
                                 f"{validation_split}")
    if bool(validation_split) != bool(subset):
        raise errors.ConfigError("If `subset` is set, `validation_split` must be set, and "
                                 "inversely.")
    if subset not in ("training", "validation", "both", None):
        raise errors.ConfigError('`subset` must be either "training", "validation" or "both", '
                                 f"received: {subset}")
    if validation_split and shuffle and seed is None:
        raise errors.ConfigError("If using `validation_split` and shuffling the data, you must "
                                 "provide a `seed` argument, to make sure that there is no "
                                 "overlap between the training and validation subset.")


def _from_directory(directory, labels, label_mode, class_names, batch_size, shuffle, seed,
                    validation_split, subset, follow_links, verbose, formats, load, what,
                    collate: Callable[[list], np.ndarray] = np.stack):
    _check_args(label_mode, labels, class_names, validation_split, subset, shuffle, seed)
    if labels is None:
        label_mode = None
    seed = np.random.randint(1e6) if seed is None else seed
    paths, labels, names = index_directory(directory, labels, formats, class_names, shuffle,
                                           seed, follow_links, verbose)
    if label_mode == "binary" and len(names) != 2:
        raise errors.ConfigError('When passing `label_mode="binary"`, there must be exactly 2 '
                                 f"class_names. Received: class_names={names}")

    def make(part: str | None) -> DirectoryDataset:
        part_paths, part_labels = paths, labels
        if part is not None:
            n_val = int(validation_split * len(paths))
            cut = slice(len(paths) - n_val, None) if part == "validation" else \
                slice(None, len(paths) - n_val)
            part_paths = paths[cut]
            part_labels = None if labels is None else labels[cut]
            if verbose:
                write(f"Using {len(part_paths)} files for {part}.\n")
        if not part_paths:
            raise errors.DataError(f"No {what} files found in directory {directory}. Allowed "
                                   f"formats: {formats}")
        return DirectoryDataset(part_paths, part_labels, load, batch_size, label_mode, names,
                                shuffle, seed, collate)

    if subset == "both":
        return [make("training"), make("validation")]
    return make(subset)


def _pillow():
    return pillow("image_dataset_from_directory")


def load_image(path: str, color_mode: str = "rgb", image_size: tuple[int, int] | None = None,
               interpolation: str = "bilinear", crop_to_aspect_ratio: bool = False,
               pad_to_aspect_ratio: bool = False) -> np.ndarray:
    """One image file as a float32 (height, width, channels) array of values in [0, 255]."""
    Image = _pillow()
    mode, _ = _CHANNELS[color_mode]
    with Image.open(path) as image:
        image = image.convert(mode)
        if image_size is not None:
            height, width = image_size
            if crop_to_aspect_ratio or pad_to_aspect_ratio:
                image = _fit_aspect(image, width / height, crop_to_aspect_ratio)
            if image.size != (width, height):
                image = image.resize((width, height), getattr(Image.Resampling,
                                                              _INTERPOLATIONS[interpolation]))
        array = np.asarray(image, dtype="float32")
    return array[..., None] if array.ndim == 2 else array


def _fit_aspect(image, ratio: float, crop: bool):
    """Center-crop (or zero-pad) to the target width/height ratio before resizing."""
    width, height = image.size
    if crop:
        new_w, new_h = min(width, round(height * ratio)), min(height, round(width / ratio))
        left, top = (width - new_w) // 2, (height - new_h) // 2
        return image.crop((left, top, left + new_w, top + new_h))
    new_w, new_h = max(width, round(height * ratio)), max(height, round(width / ratio))
    canvas = _pillow().new(image.mode, (new_w, new_h))
    canvas.paste(image, ((new_w - width) // 2, (new_h - height) // 2))
    return canvas


def image_dataset_from_directory(directory: str, labels="inferred", label_mode: str | None = "int",
                                 class_names: Sequence[str] | None = None,
                                 color_mode: str = "rgb", batch_size: int | None = 32,
                                 image_size: tuple[int, int] = (256, 256), shuffle: bool = True,
                                 seed: int | None = None, validation_split: float | None = None,
                                 subset: str | None = None, interpolation: str = "bilinear",
                                 follow_links: bool = False, crop_to_aspect_ratio: bool = False,
                                 pad_to_aspect_ratio: bool = False, data_format: str | None = None,
                                 verbose: bool = True):
    """Images in class sub-folders -> batches `(images, labels)` of float32
    `(batch, height, width, channels)` and int32 / one-hot float32 / (batch, 1) float32 labels.

    Same arguments, file order and labels as Keras; resizing is Pillow's, so pixels can differ
    slightly from Keras's `tf.image.resize`. `subset="both"` returns `[train, validation]`.
    """
    if color_mode not in _CHANNELS:
        raise errors.ConfigError('`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
                                 f"Received: color_mode={color_mode}")
    interpolation = interpolation.lower()
    if interpolation not in _INTERPOLATIONS:
        raise errors.ConfigError(f"Argument `interpolation` should be one of "
                                 f"{tuple(_INTERPOLATIONS)}. Received: "
                                 f"interpolation={interpolation}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise errors.ConfigError("Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` "
                                 "can be True.")
    _pillow()
    channels_first = (data_format or config.image_data_format()) == "channels_first"
    size = tuple(image_size)

    def load(path: str) -> np.ndarray:
        image = load_image(path, color_mode, size, interpolation, crop_to_aspect_ratio,
                           pad_to_aspect_ratio)
        return image.transpose(2, 0, 1) if channels_first else image

    return _from_directory(directory, labels, label_mode, class_names, batch_size, shuffle,
                           seed, validation_split, subset, follow_links, verbose, IMAGE_FORMATS,
                           load, "image")


def text_dataset_from_directory(directory: str, labels="inferred", label_mode: str | None = "int",
                                class_names: Sequence[str] | None = None,
                                batch_size: int | None = 32, max_length: int | None = None,
                                shuffle: bool = True, seed: int | None = None,
                                validation_split: float | None = None, subset: str | None = None,
                                follow_links: bool = False, verbose: bool = True):
    """`.txt` files in class sub-folders -> batches `(texts, labels)`; texts are a NumPy array of
    Python strings (Keras gives tf.string tensors), cut to `max_length` characters if set."""

    def load(path: str) -> np.ndarray:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        return np.array(text[:max_length] if max_length is not None else text, dtype=object)

    return _from_directory(directory, labels, label_mode, class_names, batch_size, shuffle,
                           seed, validation_split, subset, follow_links, verbose, (".txt",), load,
                           "text")
