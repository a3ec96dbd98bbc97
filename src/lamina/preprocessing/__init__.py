"""`keras.preprocessing`: Keras's older home of the dataset and image/sequence utilities, kept
for code written against it (the same functions as in `lamina.utils`)."""

from lamina.preprocessing import image, sequence
from lamina.utils.directory import image_dataset_from_directory, text_dataset_from_directory
from lamina.utils.timeseries import timeseries_dataset_from_array

__all__ = ["image", "image_dataset_from_directory", "sequence", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
