"""Write TensorBoard event files without TensorFlow, in the format `tf.summary` writes.

`SummaryWriter` puts scalars, histograms, images and the Keras model config into one run
directory's event file, through the `tensorboard` package's own record framing and summary
protos (`RecordWriter`, `scalar_pb`, `histogram_pb`): the same plugin names, dtypes, shapes
and metadata as TensorFlow 2's `tf.summary.scalar/histogram/image` and Keras's
`keras_model_summary`, so TensorBoard shows lamina's runs as it shows Keras's.

The `tensorboard` package is imported when a writer is made, not when lamina is imported.
Its `EventFileWriter` is not used: it opens files through `tf.io.gfile`, which imports all of
TensorFlow when TensorFlow happens to be installed; writes here are synchronous plain files.
"""

from __future__ import annotations

import io
import itertools
import os
import socket
import time
from typing import Any

import numpy as np

__all__ = ["SummaryWriter", "image_pixels", "import_tensorboard"]

_FILE_COUNTER = itertools.count()

# Keras's TensorBoard writes `tf.summary.image` with its default `max_outputs`.
MAX_IMAGE_OUTPUTS = 3


def import_tensorboard() -> Any:
    """The `tensorboard` package's record writer, or an ImportError saying how to install it."""
    try:
        from tensorboard.summary.writer import record_writer
    except ImportError as exc:
        raise ImportError(
            "The TensorBoard callback requires the `tensorboard` package to write event files "
            "(TensorFlow is not needed). Install it with `pip install tensorboard`.") from exc
    return record_writer


def image_pixels(images: np.ndarray) -> np.ndarray:
    """Float images as `tf.image.convert_image_dtype(..., tf.uint8, saturate=True)` makes
    them for `tf.summary.image`: scaled by 255.5, clipped to [0, 255], truncated."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images
    return np.clip(images.astype(np.float32) * np.float32(255.5), 0, 255).astype(np.uint8)


def _png(image: np.ndarray) -> bytes:
    """One `[h, w, c]` uint8 image as PNG bytes (Pillow)."""
    try:
        from PIL import Image
    except ImportError as exc:
        raise ImportError(
            "TensorBoard(write_images=True) encodes the weight images as PNG with Pillow. "
            "Install it with `pip install Pillow`, or pass write_images=False.") from exc
    pixels = image[..., 0] if image.shape[-1] == 1 else image  # grey, RGB or RGBA
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, format="PNG")
    return buffer.getvalue()


class SummaryWriter:
    """An event file in `log_dir` that takes summaries as `tf.summary`'s writer does.

    Args:
        log_dir: the run directory (e.g. `logs/train`); created if missing.
    """

    def __init__(self, log_dir: str) -> None:
        record_writer = import_tensorboard()
        from tensorboard.compat.proto import event_pb2

        self.log_dir = log_dir
        os.makedirs(log_dir, exist_ok=True)
        # TensorFlow 2's file name: time, host, process, a counter, and the ".v2" suffix.
        name = (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
                f"{os.getpid()}.{next(_FILE_COUNTER)}.v2")
        self.path = os.path.join(log_dir, name)
        self._records = record_writer.RecordWriter(open(self.path, "wb"))  # noqa: SIM115
        self._write(event_pb2.Event(file_version="brain.Event:2"))
        self.flush()

    def _write(self, event: Any) -> None:
        event.wall_time = time.time()
        self._records.write(event.SerializeToString())

    def _add(self, summary: Any, step: int) -> None:
        from tensorboard.compat.proto import event_pb2

        self._write(event_pb2.Event(summary=summary, step=int(step)))

    def scalar(self, tag: str, value: Any, step: int) -> None:
        """A float32 scalar under the "scalars" plugin (`tf.summary.scalar`)."""
        from tensorboard.plugins.scalar import summary_v2

        summary = summary_v2.scalar_pb(tag, np.asarray(value, dtype=np.float32))
        self._add(summary, step)

    def histogram(self, tag: str, values: Any, step: int) -> None:
        """30 equal-width buckets `[left, right, count]` as float64 (`tf.summary.histogram`)."""
        from tensorboard.plugins.histogram import summary_v2

        summary = summary_v2.histogram_pb(tag, np.asarray(values, dtype=np.float64))
        self._add(summary, step)

    def image(self, tag: str, images: np.ndarray, step: int) -> None:
        """`[k, h, w, c]` images as `[width, height, png...]` strings (`tf.summary.image`)."""
        from tensorboard.compat.proto import summary_pb2
        from tensorboard.plugins.image import metadata
        from tensorboard.util import tensor_util

        pixels = image_pixels(images)
        content = [str(pixels.shape[2]).encode(), str(pixels.shape[1]).encode()]
        content += [_png(image) for image in pixels[:MAX_IMAGE_OUTPUTS]]
        summary = summary_pb2.Summary()
        value = summary.value.add(tag=tag, tensor=tensor_util.make_tensor_proto(
            np.array(content, dtype=object)))
        value.metadata.CopyFrom(metadata.create_summary_metadata(None, None))
        self._add(summary, step)

    def keras_model(self, tag: str, config_json: str, step: int = 0) -> None:
        """The model's JSON config under the "graph_keras_model" plugin, version 1, which
        TensorBoard's graph tab draws as a conceptual graph (Keras's `keras_model_summary`)."""
        from tensorboard.compat.proto import summary_pb2
        from tensorboard.util import tensor_util

        summary = summary_pb2.Summary()
        value = summary.value.add(tag=tag, tensor=tensor_util.make_tensor_proto(
            np.array(config_json.encode(), dtype=object)))
        value.metadata.plugin_data.plugin_name = "graph_keras_model"
        value.metadata.plugin_data.content = b"1"
        self._add(summary, step)

    def flush(self) -> None:
        """Write what is buffered to disk."""
        self._records.flush()

    def close(self) -> None:
        """Flush and close the event file (closing twice is harmless)."""
        if not self._records.closed:
            self._records.close()
