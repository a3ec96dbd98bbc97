"""image_dataset_from_directory / text_dataset_from_directory: Keras's file order and labels."""

from __future__ import annotations

import os

import numpy as np
import pytest

from lamina import errors, utils
from lamina.utils.directory import IMAGE_FORMATS, index_directory

Image = pytest.importorskip("PIL.Image")
dataset_utils = pytest.importorskip("keras.src.utils.dataset_utils")


@pytest.fixture
def image_tree(tmp_path, rng):
    """cats/ (3 png + nested folder with a jpg), dogs/ (2 png + a .txt to ignore), .hidden/."""
    root = tmp_path / "images"
    colors = {}
    files = {"cats": ["b.png", "a.png", "c.PNG", "deep/z.jpg"], "dogs": ["y.png", "x.png"],
             ".hidden": ["h.png"]}
    for cls, names in files.items():
        for name in names:
            path = root / cls / name
            path.parent.mkdir(parents=True, exist_ok=True)
            color = tuple(int(v) for v in rng.integers(0, 256, 3))
            Image.new("RGB", (8, 6), color).save(path, format="JPEG" if name.endswith("jpg")
                                                 else "PNG")
            colors[str(path)] = color
    (root / "dogs" / "notes.txt").write_text("not an image")
    return root, colors


@pytest.mark.parametrize("shuffle,seed", [(False, None), (True, 7), (True, 123)])
@pytest.mark.parametrize("class_names", [None, ["dogs", "cats"]])
def test_index_matches_keras(image_tree, shuffle, seed, class_names):
    root, _ = image_tree
    ours = index_directory(str(root), "inferred", IMAGE_FORMATS, class_names, shuffle, seed,
                           verbose=False)
    theirs = dataset_utils.index_directory(str(root), "inferred", IMAGE_FORMATS, class_names,
                                           shuffle, seed, verbose=False)
    assert ours[0] == theirs[0]
    assert ours[1].tolist() == list(theirs[1]) and ours[2] == theirs[2]


def test_image_batches_labels_and_pixels(image_tree):
    root, colors = image_tree
    ds = utils.image_dataset_from_directory(str(root), batch_size=2, image_size=(4, 5),
                                            shuffle=False, verbose=False)
    assert ds.class_names == ["cats", "dogs"] and len(ds) == 3
    x, y = ds[0]
    assert x.shape == (2, 4, 5, 3) and x.dtype == np.float32 and y.dtype == np.int32
    labels = np.concatenate([b[1] for b in ds])
    assert labels.tolist() == [0, 0, 0, 0, 1, 1]
    assert [os.path.basename(p) for p in ds.file_paths] == ["a.png", "b.png", "c.PNG", "z.jpg",
                                                            "x.png", "y.png"]
    first = np.asarray(colors[ds.file_paths[0]], dtype=np.float32)
    np.testing.assert_allclose(x[0], np.broadcast_to(first, (4, 5, 3)))


def test_label_modes_color_modes_and_splits(image_tree):
    root, _ = image_tree
    kw = dict(image_size=(4, 4), verbose=False, seed=3)
    x, y = utils.image_dataset_from_directory(str(root), label_mode="categorical",
                                              color_mode="grayscale", batch_size=6, **kw)[0]
    assert x.shape == (6, 4, 4, 1) and y.shape == (6, 2) and y.dtype == np.float32
    assert y.sum(axis=1).tolist() == [1.0] * 6
    _, y = utils.image_dataset_from_directory(str(root), label_mode="binary", batch_size=6,
                                              **kw)[0]
    assert y.shape == (6, 1) and y.dtype == np.float32
    only_x = utils.image_dataset_from_directory(str(root), labels=None, batch_size=None, **kw)
    k_paths, _, _ = dataset_utils.index_directory(str(root), None, IMAGE_FORMATS, None, True, 3,
                                                  verbose=False)
    assert only_x[0].shape == (4, 4, 3) and only_x.file_paths == k_paths and len(only_x) == 7
    train, val = utils.image_dataset_from_directory(str(root), validation_split=0.34,
                                                    subset="both", **kw)
    paths, labels, _ = dataset_utils.index_directory(str(root), "inferred", IMAGE_FORMATS,
                                                     None, True, 3, verbose=False)
    k_train, _ = dataset_utils.get_training_or_validation_split(paths, labels, 0.34, "training")
    k_val, _ = dataset_utils.get_training_or_validation_split(paths, labels, 0.34, "validation")
    assert train.file_paths == k_train and val.file_paths == k_val
    with pytest.raises(ValueError, match="seed"):
        utils.image_dataset_from_directory(str(root), validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="exactly 2"):
        utils.image_dataset_from_directory(str(root), label_mode="binary",
                                           class_names=["cats"], **kw)
    with pytest.raises(ValueError, match="class_names"):
        utils.image_dataset_from_directory(str(root), class_names=["cows"], **kw)


def test_crop_and_pad_to_aspect_ratio(tmp_path):
    (tmp_path / "a").mkdir()
    image = np.zeros((4, 8, 3), np.uint8)
    image[:, 2:6] = 255  # a white centre square in a black 8x4 frame
    Image.fromarray(image).save(tmp_path / "a" / "i.png")
    kw = dict(image_size=(4, 4), batch_size=None, labels=None, shuffle=False, verbose=False,
              interpolation="nearest")
    cropped = utils.image_dataset_from_directory(str(tmp_path), crop_to_aspect_ratio=True,
                                                 **kw)[0]
    assert cropped.min() == 255.0
    padded = utils.image_dataset_from_directory(str(tmp_path), pad_to_aspect_ratio=True, **kw)[0]
    assert padded[0].max() == 0.0 and padded[:, 1:3].max() == 255.0


def test_text_dataset(tmp_path):
    for cls, texts in {"neg": ["bad", "awful film"], "pos": ["great", "loved it", "fine"]}.items():
        (tmp_path / cls).mkdir()
        for i, text in enumerate(texts):
            (tmp_path / cls / f"{i}.txt").write_text(text)
    ds = utils.text_dataset_from_directory(str(tmp_path), batch_size=2, shuffle=True, seed=5,
                                           max_length=4, verbose=False)
    paths, labels, names = dataset_utils.index_directory(str(tmp_path), "inferred", (".txt",),
                                                         None, True, 5, verbose=False)
    assert ds.file_paths == paths and ds.class_names == names == ["neg", "pos"]
    texts = [t for x, _ in ds for t in x]
    assert texts == [open(p).read()[:4] for p in paths]
    assert np.concatenate([y for _, y in ds]).tolist() == list(labels)


def test_fit_accepts_a_directory_dataset(image_tree):
    from lamina import layers
    from lamina.models import Sequential

    root, _ = image_tree
    ds = utils.image_dataset_from_directory(str(root), image_size=(4, 4), batch_size=4, seed=1,
                                            verbose=False)
    model = Sequential([layers.Flatten(input_shape=(4, 4, 3)), layers.Dense(2)])
    model.compile("adam", "sparse_categorical_crossentropy")
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_missing_directory_and_empty(tmp_path):
    with pytest.raises(FileNotFoundError):
        utils.text_dataset_from_directory(str(tmp_path / "nope"), verbose=False)
    (tmp_path / "empty" / "a").mkdir(parents=True)
    with pytest.raises(errors.DataError, match="No text files"):
        utils.text_dataset_from_directory(str(tmp_path / "empty"), verbose=False)
