"""`plot_image_gallery`: a grid of images with optional true / predicted class names, shown
or saved with matplotlib (imported when called, so that `lamina.visualization` loads without
it)."""

from __future__ import annotations

import math

import numpy as np

from lamina import config

__all__ = ["plot_image_gallery"]


def import_pyplot(function: str):
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(f"The `{function}` function requires the `matplotlib` package. "
                          "Please install it with `pip install matplotlib`.") from error
    return plt


def to_0_255(images: np.ndarray, value_range) -> np.ndarray:
    """Keras's `_transform_value_range(images, value_range, (0, 255))`."""
    low, high = value_range
    if (low, high) == (0, 255):
        return images
    images = images.astype("float32")
    return (images - np.float32(low)) / (np.float32(high) - np.float32(low)) * np.float32(255)


def _title(index: int, y_true, y_pred, label_map) -> str:
    parts = []
    for name, labels in (("Label", y_true), ("Pred", y_pred)):
        if labels is not None and index < len(labels):
            parts.append(f"{name}: {label_map.get(labels[index], 'Unknown')}")
    return "  ".join(parts)


def _check_arguments(images, y_true, y_pred, label_map, path, show) -> None:
    if path is not None and show:
        raise ValueError("plot_gallery() expects either `path` to be set, or `show` to be "
                         f"true. Received: path={path!r}, show={show!r}")
    if (y_true is not None or y_pred is not None) and label_map is None:
        raise ValueError("If `y_true` or `y_pred` are provided, a `label_map` must also be "
                         "provided.")
    if np.ndim(images) != 4:
        raise ValueError("`plot_images_gallery()` requires you to batch your `np.array` "
                         f"samples together. Received: images.shape={np.shape(images)}")


def _finish(plt, path, show: bool, transparent: bool, dpi) -> None:
    if path is not None:
        plt.savefig(fname=path, pad_inches=0, bbox_inches="tight", transparent=transparent,
                    dpi=dpi)
        plt.close()
    elif show:
        plt.show()
        plt.close()


def plot_image_gallery(images, y_true=None, y_pred=None, label_map: dict | None = None,
                       rows: int | None = None, cols: int | None = None,
                       value_range=(0, 255), scale: float = 2, path=None,
                       show: bool | None = None, transparent: bool = True, dpi: int = 60,
                       legend_handles=None, data_format: str | None = None) -> None:
    """Shows (or saves to `path`) a `rows` x `cols` grid of `images` (batch, height, width,
    channels), whose pixel values span `value_range`.

    `y_true` / `y_pred` (class indices, named through `label_map`) title the images. By
    default the grid is about square and the figure is shown when no `path` is given; with
    `show=False` and no `path`, the figure stays open (`plt.gcf()`).
    """
    plt = import_pyplot("plot_image_gallery")
    _check_arguments(images, y_true, y_pred, label_map, path, show)
    show = show if show is not None else path is None
    images = np.asarray(images)
    if config.standardize_data_format(data_format) == "channels_first":
        images = np.transpose(images, (0, 2, 3, 1))
    batch_size = images.shape[0]
    rows = rows or int(math.ceil(math.sqrt(batch_size)))
    cols = cols or int(math.ceil(batch_size // rows))
    images = to_0_255(images[:rows * cols], value_range)
    fig, axes = plt.subplots(nrows=rows, ncols=cols, figsize=(cols * scale, rows * scale),
                             frameon=False, layout="tight", squeeze=False, sharex="row",
                             sharey="col")
    fig.subplots_adjust(wspace=0, hspace=0)
    if legend_handles is not None:
        fig.legend(handles=legend_handles, loc="lower center")
    y_true = None if y_true is None else np.asarray(y_true)
    y_pred = None if y_pred is None else np.asarray(y_pred)
    for index, axis in enumerate(axes.reshape(-1)):
        axis.axis("off")
        if index >= len(images):
            continue
        image = images[index].astype("uint8")
        if image.shape[-1] == 1:  # matplotlib takes grey images without a channel axis
            axis.imshow(image[..., 0], cmap="gray", vmin=0, vmax=255)
        else:
            axis.imshow(image)
        axis.margins(x=0, y=0)
        title = _title(index, y_true, y_pred, label_map)
        if title:
            axis.set_title(title, fontsize=8)
    _finish(plt, path, show, transparent, dpi)
