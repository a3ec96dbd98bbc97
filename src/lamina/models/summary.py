"""model.summary() in Keras 3's table format, with parameter and byte counts."""

from __future__ import annotations

import shutil
from typing import Callable

import jax
import numpy as np

from lamina.layers.input_spec import shape_str


def readable_size(num_bytes: float) -> str:
    for unit in ["B", "KB", "MB", "GB", "TB"]:
        if num_bytes / 1024 < 1:
            return f"{num_bytes:.2f} {unit}"
        num_bytes /= 1024
    return f"{num_bytes:.2f} PB"


def _count(weights) -> tuple[int, int]:
    unique = {id(w): w for w in weights}.values()
    params = sum(int(np.prod(w.shape)) for w in unique)
    size = sum(int(np.prod(w.shape)) * np.dtype(w.dtype).itemsize for w in unique)
    return params, size


def _column_widths(line_length: int, positions: list[float]) -> list[int]:
    widths, current = [], 0
    for pos in positions:
        end = int(pos * line_length) if pos <= 1 else int(pos)
        widths.append(end - current)
        current = end
    # the table's borders take one column from the outer cells and two from inner ones
    return [w - (1 if i in (0, len(widths) - 1) else 2) for i, w in enumerate(widths)]


def _row(cells: list[str], widths: list[int], aligns: str, bar: str) -> str:
    parts = []
    for cell, width, align in zip(cells, widths, aligns):
        inner = width - 2
        text = cell[:inner]
        parts.append(" " + (text.rjust(inner) if align == "r" else text.ljust(inner)) + " ")
    return bar + bar.join(parts) + bar


def _rule(widths: list[int], left: str, mid: str, right: str, fill: str) -> str:
    return left + mid.join(fill * w for w in widths) + right


def layer_rows(model) -> list[tuple[str, str, str]]:
    rows = []
    for layer in model.layers:
        shape = model._output_shape_of(layer)
        params = layer.count_params() if layer.built else 0
        rows.append((f"{layer.name} ({type(layer).__name__})",
                     shape_str(shape) if shape is not None else "?", f"{params:,}"))
    return rows


def print_summary(model, line_length: int | None = None, positions=None,
                  print_fn: Callable[[str], None] | None = None, expand_nested: bool = False,
                  show_trainable: bool = False, layer_range=None) -> None:
    """Print (or hand to `print_fn`) the Keras 3 summary table of `model`."""
    print_fn = print_fn or print
    default = min(88, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default
    widths = _column_widths(line_length, positions or [0.45, 0.80, 1.0])
    aligns = "llr"
    lines = [f'Model: "{model.name}"',
             _rule(widths, "┏", "┳", "┓", "━"),
             _row(["Layer (type)", "Output Shape", "Param #"], widths, aligns, "┃"),
             _rule(widths, "┡", "╇", "┩", "━")]
    rows = layer_rows(model)
    for i, row in enumerate(rows):
        lines.append(_row(list(row), widths, aligns, "│"))
        if i < len(rows) - 1:
            lines.append(_rule(widths, "├", "┼", "┤", "─"))
    lines.append(_rule(widths, "└", "┴", "┘", "─"))
    trainable, trainable_bytes = _count(model.trainable_weights)
    frozen, frozen_bytes = _count(model.non_trainable_weights)
    opt_state = getattr(model, "_optimizer_state", None)
    opt_leaves = jax.tree_util.tree_leaves(opt_state) if opt_state is not None else []
    opt_params = sum(int(np.size(a)) for a in opt_leaves)
    opt_bytes = sum(int(np.size(a)) * np.dtype(a.dtype).itemsize for a in opt_leaves)
    total, total_bytes = trainable + frozen + opt_params, trainable_bytes + frozen_bytes + opt_bytes
    lines.append(f" Total params: {total:,} ({readable_size(total_bytes)})")
    lines.append(f" Trainable params: {trainable:,} ({readable_size(trainable_bytes)})")
    lines.append(f" Non-trainable params: {frozen:,} ({readable_size(frozen_bytes)})")
    if opt_leaves:
        lines.append(f" Optimizer params: {opt_params:,} ({readable_size(opt_bytes)})")
    for line in lines:
        print_fn(line)
