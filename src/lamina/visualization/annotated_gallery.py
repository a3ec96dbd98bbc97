"""`plot_bounding_box_gallery` and `plot_segmentation_mask_gallery`: image galleries with the
true and predicted boxes drawn on the images, or the masks drawn beside them."""

from __future__ import annotations

import numpy as np

from lamina import config
from lamina.visualization.draw import draw_bounding_boxes, draw_segmentation_masks
from lamina.visualization.gallery import import_pyplot, plot_image_gallery, to_0_255

__all__ = ["plot_bounding_box_gallery", "plot_segmentation_mask_gallery"]


def _channels_last(images, data_format: str | None) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"`images` must be batched 4D tensor. Received: images.shape="
                         f"{images.shape}")
    if config.standardize_data_format(data_format) == "channels_first":
        return np.transpose(images, (0, 2, 3, 1))
    return images


def _legend_patches(legend: bool, legend_handles, true_color, pred_color):
    if not legend:
        return legend_handles
    if legend_handles:
        raise ValueError("Only pass `legend` OR `legend_handles` to "
                         "`keras.visualization.plot_bounding_box_gallery()`.")
    from matplotlib import patches

    return [patches.Patch(color=np.array(true_color) / 255.0, label="Ground Truth"),
            patches.Patch(color=np.array(pred_color) / 255.0, label="Prediction")]


def plot_bounding_box_gallery(images, bounding_box_format: str, y_true: dict | None = None,
                              y_pred: dict | None = None, value_range=(0, 255),
                              true_color=(0, 188, 212), pred_color=(255, 235, 59),
                              line_thickness: int = 2, font_scale: float = 1.0,
                              text_thickness: int | None = None,
                              class_mapping: dict | None = None,
                              ground_truth_mapping: dict | None = None,
                              prediction_mapping: dict | None = None, legend: bool = False,
                              legend_handles=None, rows: int | None = None,
                              cols: int | None = None, data_format: str | None = None,
                              **kwargs) -> None:
    """`plot_image_gallery` of `images` with the boxes of `y_true` (in `true_color`) and
    `y_pred` (in `pred_color`) drawn by `draw_bounding_boxes`; `legend=True` adds a legend
    for the two colours. Other keyword arguments go to `plot_image_gallery`.

    Unlike Keras, which draws on the raw pixels and rescales afterwards (so a `value_range`
    other than (0, 255) gives a wrong picture), the images are brought to 0..255 first.
    """
    import_pyplot("plot_bounding_box_gallery")
    images = _channels_last(images, data_format)
    if y_true is not None or y_pred is not None:  # draw on 0..255 pixels, whatever the range
        images = np.clip(to_0_255(images, value_range), 0, 255).astype("uint8")
        value_range = (0, 255)
    for boxes, color, mapping in ((y_true, true_color, ground_truth_mapping or class_mapping),
                                  (y_pred, pred_color, prediction_mapping or class_mapping)):
        if boxes is not None:
            images = draw_bounding_boxes(images, boxes, bounding_box_format,
                                         class_mapping=mapping, color=color,
                                         line_thickness=line_thickness,
                                         text_thickness=text_thickness, font_scale=font_scale,
                                         data_format="channels_last")
    legend_handles = _legend_patches(legend, legend_handles, true_color, pred_color)
    return plot_image_gallery(images, value_range=value_range, legend_handles=legend_handles,
                              rows=rows, cols=cols, data_format="channels_last", **kwargs)


def plot_segmentation_mask_gallery(images, num_classes: int, value_range=(0, 255),
                                   y_true=None, y_pred=None, color_mapping: dict | None = None,
                                   blend: bool = True, alpha: float = 0.8,
                                   ignore_index: int = -1, data_format: str | None = None,
                                   **kwargs) -> None:
    """`plot_image_gallery` with one row per image: the image, then `y_true` and `y_pred`
    masks (integer class maps) drawn on it by `draw_segmentation_masks`. Other keyword
    arguments go to `plot_image_gallery`."""
    channels_first = config.standardize_data_format(data_format) == "channels_first"
    images = _channels_last(images, data_format)
    columns = [images]
    for masks in (y_true, y_pred):
        if masks is not None:
            masks = np.asarray(masks)
            if channels_first:
                masks = np.transpose(masks, (0, 2, 3, 1))
            columns.append(draw_segmentation_masks(
                images, masks.astype("int32"), num_classes=num_classes,
                color_mapping=color_mapping, alpha=alpha, blend=blend,
                ignore_index=ignore_index, data_format="channels_last"))
    gallery = np.stack([column[i] for i in range(len(images)) for column in columns], axis=0)
    return plot_image_gallery(gallery, value_range=value_range, rows=len(images),
                              cols=len(columns), data_format="channels_last", **kwargs)
