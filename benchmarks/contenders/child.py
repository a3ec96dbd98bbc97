"""What every contender process shares: the workloads, arguments, data, clocks and the report.

A contender script builds its model and trains it; this module supplies the rest, so that every
framework sees the same data, the same batch size and the same measurements. numpy only.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import fashion
import tokens

BATCH = 32
LEARNING_RATE = 1e-3
DROPOUT = 0.2  # the MLP's
RESULT_TAG = "BENCH_RESULT "  # the parent reads the line that starts with this
INPUT_SHAPES = {"mlp": (28, 28), "cnn": (28, 28, 1), "augment": (28, 28, 1), "lstm": (28, 28),
                "transformer": (tokens.SEQ_LEN,), "resnet50_predict": (224, 224, 3),
                "mobilenet_finetune": (96, 96, 3)}
PREDICT_IMAGES = 256  # resnet50_predict's images by default: 8 batches of BATCH
FINETUNE_IMAGES = 1024  # mobilenet_finetune's training images by default: 32 batches of BATCH
FINETUNE_TEST_IMAGES = 1000
FINETUNE = {"alpha": 0.35, "learning_rate": 1e-4, "classes": 10}
TRANSFORMER = {"vocab": tokens.VOCAB, "seq_len": tokens.SEQ_LEN, "embed_dim": 128, "heads": 4,
               "key_dim": 32, "ff_dim": 128, "blocks": 2, "dropout": 0.1, "epsilon": 1e-6,
               "classes": 2}


def parser(description: str) -> argparse.ArgumentParser:
    """The arguments that the parent passes to every contender."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--workload", choices=sorted(INPUT_SHAPES), required=True)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--train-limit", type=int, default=0, help="first N training samples; 0: all")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--predict-calls", type=int, default=0, help="0: no latency measurement")
    p.add_argument("--test-limit", type=int, default=0, help="first N test samples; 0: all")
    return p


@dataclass
class Data:
    """Training and test arrays (float32 in [0, 1] images shaped for the workload, or int32
    token ids for the transformer); int64 labels."""

    x: np.ndarray
    y: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load(workload: str, train_limit: int = 0, test_limit: int = 0) -> Data:
    """The Fashion-MNIST arrays for `workload` (a channel axis for the CNN), or the synthetic
    IMDB-shaped token ids for the transformer; the first `test_limit` test samples when given
    (the accelerator smoke run's)."""
    data = _load(workload, train_limit)
    if test_limit:
        data.x_test, data.y_test = data.x_test[:test_limit], data.y_test[:test_limit]
    return data


def _load(workload: str, train_limit: int) -> Data:
    """load() without the test limit."""
    if workload == "resnet50_predict":
        return _images(train_limit or PREDICT_IMAGES)
    if workload == "mobilenet_finetune":
        return _fashion_rgb(train_limit or FINETUNE_IMAGES)
    if workload == "transformer":
        (x, y), (xt, yt) = tokens.load_data()
        limit = train_limit or len(x)
        return Data(x[:limit], y[:limit], xt, yt)
    (x, y), (xt, yt) = fashion.load_data()
    if train_limit:
        x, y = x[:train_limit], y[:train_limit]
    shape = INPUT_SHAPES[workload]
    return Data(_scaled(x, shape), y.astype(np.int64), _scaled(xt, shape), yt.astype(np.int64))


def _images(n: int) -> Data:
    """`n` fixed random RGB images in [0, 255) (float32, 224x224) to predict on; no labels."""
    x = np.random.default_rng(7).random((n, *INPUT_SHAPES["resnet50_predict"]), np.float32)
    x *= 255.0
    none = np.zeros(0, np.int64)
    return Data(x, none, x[:0], none)


def _fashion_rgb(n: int) -> Data:
    """The first `n` Fashion-MNIST training images (and FINETUNE_TEST_IMAGES test images) as
    96x96x3 float32 in [0, 1]: nearest-neighbour upscaled, the grey channel repeated."""
    (x, y), (xt, yt) = fashion.load_data()
    return Data(_upscaled(x[:n]), y[:n].astype(np.int64),
                _upscaled(xt[:FINETUNE_TEST_IMAGES]), yt[:FINETUNE_TEST_IMAGES].astype(np.int64))


def _upscaled(images: np.ndarray) -> np.ndarray:
    """(n, 28, 28) uint8 images as (n, 96, 96, 3) float32 in [0, 1], by nearest neighbour."""
    size = INPUT_SHAPES["mobilenet_finetune"][0]
    rows = np.arange(size) * images.shape[1] // size
    cols = np.arange(size) * images.shape[2] // size
    grey = _scaled(images[:, rows][:, :, cols], (size, size))
    return np.repeat(grey[..., None], 3, axis=-1)


def _scaled(images: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """uint8 images as float32 in [0, 1], scaled in place: `x.astype(np.float32) / 255.0`
    gives the same values but holds two float copies at once, a peak (~190 MiB for the training
    images) that would be the harness's, not the contender's, in every peak-RSS figure."""
    scaled = images.astype(np.float32)
    scaled /= 255.0
    return scaled.reshape((-1, *shape))


@dataclass
class EpochClock:
    """Wall and process-CPU time of each epoch; the wall-clock instant epoch 1 ended."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    first_epoch_end: float | None = None
    _start: tuple[float, float] = (0.0, 0.0)

    def begin(self) -> None:
        """Call as an epoch starts."""
        self._start = (time.perf_counter(), time.process_time())

    def end(self) -> None:
        """Call as an epoch ends (after its work is done, not merely dispatched)."""
        self.wall.append(time.perf_counter() - self._start[0])
        self.cpu.append(time.process_time() - self._start[1])
        if self.first_epoch_end is None:
            self.first_epoch_end = time.time()


def predict_latency(predict: Callable[[np.ndarray], object], sample: np.ndarray,
                    calls: int, warmup: int = 10) -> float:
    """Median seconds of `predict(sample)` over `calls` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        predict(sample)
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        predict(sample)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def epoch_batches(n: int, rng: np.random.Generator) -> np.ndarray:
    """A shuffled epoch as (steps, BATCH) sample indices; hand loops drop a last partial batch."""
    steps = n // BATCH
    return rng.permutation(n)[:steps * BATCH].reshape(steps, BATCH)


def report(clock: EpochClock, accuracy: float, predict_s: float | None = None,
           **extra: object) -> None:
    """Print the result line: times, accuracy, latency and this process's peak RSS (MiB)."""
    result = {"epoch_wall": clock.wall, "epoch_cpu": clock.cpu,
              "first_epoch_end": clock.first_epoch_end, "accuracy": float(accuracy),
              "predict_s": predict_s,
              "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **extra}
    print(RESULT_TAG + json.dumps(result), flush=True)
