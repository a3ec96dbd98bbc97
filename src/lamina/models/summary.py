"""model.summary() in Keras 3's table format, with parameter and byte counts."""

from __future__ import annotations

import shutil
import textwrap
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
    """Cell widths (padding included) as rich lays out Keras's fixed-width columns: each
    column's width plus padding, reduced evenly until the table fits `line_length`."""
    widths, current = [], 0
    for pos in positions:
        end = int(pos * line_length) if pos <= 1 else int(pos)
        widths.append(end - current + 2)
        current = end
    excess = sum(widths) - (line_length - len(widths) - 1)
    result, remaining, ratio = [], excess, len(widths)
    for width in widths:  # rich's ratio_reduce with equal ratios
        cut = min(width, round(remaining / ratio)) if excess > 0 else 0
        result.append(width - cut)
        remaining, ratio = remaining - cut, ratio - 1
    return result


def _row(cells: list[str], widths: list[int], aligns: str, bar: str) -> list[str]:
    """One table row; cells too wide wrap onto more lines, as rich wraps them."""
    wrapped = [textwrap.wrap(cell, max(width - 2, 1)) or [""] for cell, width in
               zip(cells, widths)]
    lines = []
    for i in range(max(len(w) for w in wrapped)):
        parts = []
        for cell_lines, width, align in zip(wrapped, widths, aligns):
            text, inner = (cell_lines[i] if i < len(cell_lines) else ""), width - 2
            parts.append(" " + (text.rjust(inner) if align == "r" else text.ljust(inner)) + " ")
        lines.append(bar + bar.join(parts) + bar)
    return lines


def _rule(widths: list[int], left: str, mid: str, right: str, fill: str) -> str:
    return left + mid.join(fill * w for w in widths) + right


def _connections(model, layer) -> str:
    nodes = {id(n) for depth in model._nodes_by_depth.values() for n in depth}
    links = []
    for node in layer._inbound_nodes:
        if id(node) in nodes:
            links += [f"{t._keras_history[0].name}[{t._keras_history[1]}][{t._keras_history[2]}]"
                      for t in node.input_tensors]
    return ", ".join(links) or "-"


def _is_sequential_like(model) -> bool:
    """Keras prints the 'Connected to' column only for graphs that are not a simple chain."""
    if not hasattr(model, "_nodes_by_depth"):
        return True
    nodes = [n for depth in model._nodes_by_depth.values() for n in depth]
    if any(len(v) > 1 or len(v[0].input_tensors) > 1 for v in model._nodes_by_depth.values()):
        return False
    ids = {id(n) for n in nodes}
    return all(sum(id(n) in ids for n in layer._inbound_nodes) <= 1 for layer in model.layers)


def _shape_text(shape) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(shape_str(s) for s in shape) + "]"
    return shape_str(shape)


def layer_rows(model, connected: bool, expand_nested: bool = False, level: int = 0) -> list:
    rows = []
    for layer in getattr(model, "_operations", model.layers):  # with `x + y` operations
        prefix = "   " * level + "└ " if level else ""
        params = layer.count_params() if layer.built else 0
        row = [f"{prefix}{layer.name} ({type(layer).__name__})",
               _shape_text(model._output_shape_of(layer)), f"{params:,}"]
        if connected:
            row.append(_connections(model, layer) if not level else "")
        rows.append(row)
        if expand_nested and getattr(layer, "layers", None):
            rows += layer_rows(layer, connected, True, level + 1)
    return rows


def print_summary(model, line_length: int | None = None, positions=None,
                  print_fn: Callable[[str], None] | None = None, expand_nested: bool = False,
                  show_trainable: bool = False, layer_range=None) -> None:
    """Print (or hand to `print_fn`) the Keras 3 summary table of `model`."""
    print_fn = print_fn or print
    connected = not _is_sequential_like(model)
    default = min(108 if connected else 88, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default
    positions = positions or ([0.3, 0.56, 0.74, 1.0] if connected else [0.45, 0.80, 1.0])
    widths = _column_widths(line_length, positions)
    header = ["Layer (type)", "Output Shape", "Param #", "Connected to"][:len(widths)]
    aligns = "llrl"[:len(widths)]
    lines = [f'Model: "{model.name}"', _rule(widths, "┏", "┳", "┓", "━"),
             *_row(header, widths, aligns, "┃"), _rule(widths, "┡", "╇", "┩", "━")]
    rows = layer_rows(model, connected, expand_nested)
    for i, row in enumerate(rows):
        lines += _row(row, widths, aligns, "│")
        if i < len(rows) - 1:
            lines.append(_rule(widths, "├", "┼", "┤", "─"))
    lines.append(_rule(widths, "└", "┴", "┘", "─"))
    lines += _totals(model)
    for line in lines:
        print_fn(line)


def _totals(model) -> list[str]:
    trainable, trainable_bytes = _count(model.trainable_weights)
    frozen, frozen_bytes = _count(model.non_trainable_weights)
    opt_state = getattr(model, "_optimizer_state", None)
    opt_leaves = jax.tree_util.tree_leaves(opt_state) if opt_state is not None else []
    opt_params = sum(int(np.size(a)) for a in opt_leaves)
    opt_bytes = sum(int(np.size(a)) * np.dtype(a.dtype).itemsize for a in opt_leaves)
    total, total_bytes = trainable + frozen + opt_params, trainable_bytes + frozen_bytes + opt_bytes
    lines = [f" Total params: {total:,} ({readable_size(total_bytes)})",
             f" Trainable params: {trainable:,} ({readable_size(trainable_bytes)})",
             f" Non-trainable params: {frozen:,} ({readable_size(frozen_bytes)})"]
    if opt_leaves:
        lines.append(f" Optimizer params: {opt_params:,} ({readable_size(opt_bytes)})")
    return lines
