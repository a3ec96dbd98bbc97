"""`TensorBoard`: log metrics, weight histograms and images, the model graph, embeddings and
profiles for TensorBoard, with Keras's arguments, run directories and tag names.

The event files are written with the `tensorboard` package's own writer (no TensorFlow):
`<log_dir>/train` gets `epoch_*` (and `batch_*`) scalars, `<weight path>/histogram` and
`/image`, and the Keras model config (tag `keras`, the graph tab's conceptual graph);
`<log_dir>/validation` gets the validation `epoch_*` scalars and
`evaluation_*_vs_iterations` after each evaluation. TensorFlow's op graph and
`trace_export` have no JAX counterpart and are not written (Keras's JAX backend writes neither).

With `update_freq="epoch"` and no profiling, the callback has no batch hook, so `fit` keeps
fusing steps into one compiled call.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

from lamina.callbacks.base import Callback, Logs
from lamina.callbacks.tensorboard_images import weight_as_images
from lamina.callbacks.tensorboard_profiler import BatchProfiler, parse_profile_batch
from lamina.callbacks.tensorboard_writer import SummaryWriter, import_tensorboard

__all__ = ["TensorBoard"]

_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end")


def _check_update_freq(update_freq: Any) -> str | int:
    if update_freq == "batch":
        return 1
    if update_freq == "epoch" or (isinstance(update_freq, int)
                                  and not isinstance(update_freq, bool) and update_freq > 0):
        return update_freq
    raise ValueError("TensorBoard's update_freq must be 'epoch', 'batch' or a positive integer "
                     f"(a number of batches). Received: update_freq={update_freq!r}")


def _check_freq(name: str, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise ValueError(f"TensorBoard's {name} must be a non-negative integer (a number of "
                     f"epochs; 0 disables it). Received: {name}={value!r}")


def _learning_rates(optimizer: Any) -> dict[str, float]:
    """Keras's `learning_rate` (or `learning_rate_<name>` per sub-optimizer) log entries."""
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    if optimizer is None:
        return {}
    if hasattr(optimizer, "optimizers"):
        return {f"learning_rate_{opt.name}": float(opt.learning_rate)
                for opt in optimizer.optimizers}
    return {"learning_rate": float(optimizer.learning_rate)}


class TensorBoard(Callback):
    """Write logs for TensorBoard (`tensorboard --logdir=path_to_your_logs`).

    Args:
        log_dir: where to write the run directories `train/` and `validation/`.
        histogram_freq: every how many epochs to write weight histograms (0: never).
        write_graph: write the model's config, drawn by TensorBoard's graph tab.
        write_images: also write each weight as an image (needs Pillow).
        write_steps_per_second: also log training steps per second.
        update_freq: `"epoch"`, `"batch"` or an integer N: write `batch_*` scalars every N
            training batches as well as the `epoch_*` ones.
        profile_batch: a batch (from 1) or `(start, stop)` range of batches to profile with
            `jax.profiler`; 0 disables profiling.
        embeddings_freq: every how many epochs to save the weights for the embedding
            projector (0: never).
        embeddings_metadata: a metadata file name for every Embedding layer, or a dict from
            Embedding layer name to file name.

    Example:

    ```python
    tensorboard_callback = lamina.callbacks.TensorBoard(log_dir="./logs", histogram_freq=1)
    model.fit(x_train, y_train, epochs=2, callbacks=[tensorboard_callback])
    ```
    """

    def __init__(self, log_dir: str | os.PathLike = "logs", histogram_freq: int = 0,
                 write_graph: bool = True, write_images: bool = False,
                 write_steps_per_second: bool = False, update_freq: str | int = "epoch",
                 profile_batch: int | tuple[int, int] | str = 0, embeddings_freq: int = 0,
                 embeddings_metadata: str | dict[str, str] | None = None) -> None:
        super().__init__()
        import_tensorboard()  # fail now, with the install hint, rather than after an epoch
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = _check_freq("histogram_freq", histogram_freq)
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = _check_update_freq(update_freq)
        self.embeddings_freq = _check_freq("embeddings_freq", embeddings_freq)
        self.embeddings_metadata = embeddings_metadata
        self._profiler = BatchProfiler(*parse_profile_batch(profile_batch))
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._writers: dict[str, SummaryWriter] = {}
        self._global_train_batch = 0
        self._training = False
        self._batch_start_time = 0.0
        self._epoch_start = (0.0, 0)
        if self.update_freq == "epoch" and not self._profiler.enabled \
                and not write_steps_per_second:
            for name in _BATCH_HOOKS:  # no batch hook: fit keeps fusing steps
                setattr(self, name, getattr(Callback, name).__get__(self))

    # ------------------------------------------------------------------ writers
    def _writer(self, run: str) -> SummaryWriter:
        """The run's writer, created on first use (no empty event files, as in Keras)."""
        if run not in self._writers:
            self._writers[run] = SummaryWriter(self._train_dir if run == "train"
                                               else self._val_dir)
        return self._writers[run]

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def set_model(self, model: Any) -> None:
        """Attach the model; write its config for the graph tab and the projector config."""
        self._close_writers()
        super().set_model(model)
        if self.write_graph and type(model).__name__ in ("Functional", "Sequential"):
            writer = self._writer("train")
            writer.keras_model("keras", model.to_json(), step=0)
            writer.flush()
        if self.embeddings_freq:
            from lamina.callbacks.tensorboard_projector import write_projector_config

            write_projector_config(model, self.log_dir, self.embeddings_metadata)

    # ------------------------------------------------------------------ hooks
    def on_train_begin(self, logs: Logs = None) -> None:
        self._global_train_batch = 0
        self._training = True

    def on_train_end(self, logs: Logs = None) -> None:
        self._profiler.stop_trace()
        self._close_writers()
        self._training = False

    def on_test_end(self, logs: Logs = None) -> None:
        """Write `evaluation_<name>_vs_iterations` at the optimizer's iteration count."""
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "iterations") and logs:
            writer = self._writer("validation")
            for name, value in dict(logs).items():
                writer.scalar(f"evaluation_{name}_vs_iterations", value,
                              step=int(optimizer.iterations))
            writer.flush()
        if not self._training:  # a standalone `evaluate` ends here
            self._close_writers()

    def on_train_batch_begin(self, batch: int, logs: Logs = None) -> None:
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()
        if self._profiler.enabled:
            self._profiler.batch_begin(self._global_train_batch, batch, self._train_dir)

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        step = self._global_train_batch
        if self.update_freq != "epoch" and step % self.update_freq == 0:
            writer = self._writer("train")
            if self.write_steps_per_second:
                writer.scalar("batch_steps_per_second",
                              1.0 / max(time.time() - self._batch_start_time, 1e-9), step)
            for name, value in dict(logs or {}).items():
                writer.scalar(f"batch_{name}", value, step)
        if self._profiler.enabled:
            self._profiler.batch_end(step)

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        if self.write_steps_per_second:
            self._epoch_start = (time.time(), int(self.model.optimizer.iterations))

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        """Write the epoch's scalars, then histograms/images and embeddings when due."""
        self._log_epoch_metrics(epoch, dict(logs or {}))
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self.model.save_weights(os.path.join(
                self._train_dir, f"keras_embedding.ckpt-{epoch}.weights.h5"))

    # ------------------------------------------------------------------ writing
    def _log_epoch_metrics(self, epoch: int, logs: dict[str, Any]) -> None:
        if not logs:
            return
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        train.update(_learning_rates(getattr(self.model, "optimizer", None)))
        if self.write_steps_per_second:
            start, iterations = self._epoch_start
            steps = int(self.model.optimizer.iterations) - iterations
            train["steps_per_second"] = steps / max(time.time() - start, 1e-9)
        for run, values in (("train", train), ("validation", val)):
            if values:
                writer = self._writer(run)
                for name, value in values.items():
                    writer.scalar(f"epoch_{name}", value, step=epoch)
                writer.flush()

    def _log_weights(self, epoch: int) -> None:
        """A histogram (and with `write_images` an image) of every layer's every weight."""
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.path.replace(":", "_")
                values = np.asarray(weight)
                writer.histogram(f"{name}/histogram", values, step=epoch)
                images = weight_as_images(values) if self.write_images else None
                if images is not None:
                    writer.image(f"{name}/image", images, step=epoch)
        writer.flush()
