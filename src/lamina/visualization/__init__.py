"""Plots and annotations for images, mirroring `keras.visualization`: draw boxes or masks on
a batch of images (NumPy arrays out), or show / save galleries of them with matplotlib, which
is imported only when a plotting function runs."""

from lamina.visualization.annotated_gallery import (plot_bounding_box_gallery,
                                                    plot_segmentation_mask_gallery)
from lamina.visualization.draw import draw_bounding_boxes, draw_segmentation_masks
from lamina.visualization.gallery import plot_image_gallery

__all__ = ["draw_bounding_boxes", "draw_segmentation_masks", "plot_bounding_box_gallery",
           "plot_image_gallery", "plot_segmentation_mask_gallery"]
