"""XLA's convolution against lamina's CPU forms, layer by layer, in one process.

- the matmul form (layers/conv_im2col.py) of ordinary convolutions: tutorial-CNN, ResNet-like
  3x3 and 1x1 shapes, batch 32;
- the shifted-window form (layers/conv_shifted.py) of depthwise convolutions: MobileNetV2's
  shapes, batch 32;
- the shifted-window form (layers/pooling_shifted.py) of overlapping max pooling: ResNet's
  stem pool and a 2x2 stride-1 pool.

Prints the CPU time (median of 5) of the forward pass and of both gradients, and the ratio
lamina's form / XLA's: below 1.00x the form lamina uses there is faster. Which form a layer
takes is `conv_im2col.usable` / `conv_shifted.usable`; this script shows why.

    .venv/bin/python benchmarks/conv_forms.py
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

from lamina.layers import conv_im2col as im2col
from lamina.layers import conv_shifted as shifted
from lamina.layers import pooling_shifted

DENSE = [  # (input side, channels in, channels out, kernel, stride)
    (28, 1, 32, 3, 1), (13, 32, 64, 3, 1), (28, 8, 16, 3, 1), (112, 3, 32, 3, 2),
    (28, 64, 64, 3, 1), (14, 128, 128, 3, 1), (56, 64, 256, 1, 1), (7, 512, 2048, 1, 1)]
DEPTHWISE = [(48, 48, 1), (48, 96, 2), (24, 144, 1), (12, 192, 1), (6, 576, 1)]
POOLS = [(114, 64, 3, 2), (28, 32, 2, 1)]  # (input side, channels, pool, stride), 'valid'


def cpu_ms(fn, *args, reps: int = 5) -> float:
    fn = jax.jit(fn)
    jax.block_until_ready(fn(*args))
    times = []
    for _ in range(reps):
        start = time.process_time()
        jax.block_until_ready(fn(*args))
        times.append(time.process_time() - start)
    return float(np.median(times)) * 1e3


def forward_and_gradients(conv, x, kernel) -> tuple[float, float]:
    grads = jax.grad(lambda a, k: jnp.sum(conv(a, k) ** 2), argnums=(0,) if kernel is None
                     else (0, 1))
    return cpu_ms(conv, x, kernel), cpu_ms(grads, x, kernel)


def lax_conv(strides, groups: int = 1):
    return lambda x, k: jax.lax.conv_general_dilated(
        x, k, strides, "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"),
        feature_group_count=groups)


def report(label: str, ours: tuple, xla: tuple) -> None:
    print(f"{label:34s} forward {ours[0]:7.1f} / {xla[0]:7.1f} ms = {ours[0] / xla[0]:5.2f}x"
          f"   gradients {ours[1]:7.1f} / {xla[1]:7.1f} ms = {ours[1] / xla[1]:5.2f}x")


def main() -> None:
    rng = np.random.default_rng(0)
    print("matmul form / XLA convolution (CPU time, batch 32)")
    for side, cin, cout, size, stride in DENSE:
        x = jnp.asarray(rng.normal(size=(32, side, side, cin)), jnp.float32)
        kernel = jnp.asarray(rng.normal(size=(size, size, cin, cout)) / size, jnp.float32)
        pads = im2col.explicit_padding("same", (side, side), (size, size), (stride,) * 2, (1, 1))
        ours = forward_and_gradients(
            lambda a, k, s=stride, p=pads: im2col.convolve(a, k, (s, s), p, (1, 1)), x, kernel)
        used = im2col.usable(x.shape, kernel.shape, (stride,) * 2, (1, 1), "channels_last", 1)
        report(f"{side}x{side}x{cin}->{cout} k{size} s{stride} {'used' if used else 'not used'}",
               ours, forward_and_gradients(lax_conv((stride,) * 2), x, kernel))
    print("shifted windows / XLA grouped convolution (depthwise 3x3, CPU time, batch 32)")
    for side, channels, stride in DEPTHWISE:
        x = jnp.asarray(rng.normal(size=(32, side, side, channels)), jnp.float32)
        kernel = jnp.asarray(rng.normal(size=(3, 3, channels, 1)), jnp.float32)
        pads = im2col.explicit_padding("same", (side, side), (3, 3), (stride,) * 2, (1, 1))
        ours = forward_and_gradients(
            lambda a, k, s=stride, p=pads: shifted.depthwise(a, k, (s, s), p, (1, 1)), x, kernel)
        xla = forward_and_gradients(
            lambda a, k, s=stride, c=channels: lax_conv((s, s), c)(a, k.reshape(3, 3, 1, c)),
            x, kernel)
        report(f"{side}x{side}x{channels} s{stride}", ours, xla)
    print("shifted windows / reduce_window (max pooling, CPU time, batch 32)")
    for side, channels, pool, stride in POOLS:
        x = jnp.asarray(rng.normal(size=(32, side, side, channels)), jnp.float32)
        ours = forward_and_gradients(lambda a, _, p=pool, s=stride: pooling_shifted.window_max(
            a, (p, p), (s, s), ((0, 0), (0, 0))), x, None)
        xla = forward_and_gradients(lambda a, _, p=pool, s=stride: jax.lax.reduce_window(
            a, -jnp.inf, jax.lax.max, (1, p, p, 1), (1, s, s, 1), "VALID"), x, None)
        report(f"{side}x{side}x{channels} pool {pool} s{stride}", ours, xla)


if __name__ == "__main__":
    main()
