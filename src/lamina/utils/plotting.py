"""plot_history (loss and metric curves) and plot_model / model_to_dot (the layer graph).

matplotlib (`pip install lamina[plot]`) draws curves and, without graphviz, the model graph;
pydot + graphviz, when installed, render the graph like Keras. The DOT text needs neither.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any, Mapping

from lamina.saving.atomic import atomic_write


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("Plotting needs matplotlib. Install it with `pip install lamina[plot]` "
                          "(or `pip install matplotlib`).") from None
    return plt


def plot_history(history: Any, path: str | os.PathLike = "history.png",
                 size: tuple[int, int] = (1000, 400), dpi: int = 100,
                 title: str | None = None) -> str:
    """Write a PNG of the training curves: one panel for the loss and one per metric, each with
    the training curve and, when present, the validation curve (`val_*`).

    `history` is what `fit` returns (a `History`) or its `.history` dict; `size` is the image
    size in pixels. Returns the path written (atomically).
    """
    logs: Mapping[str, list] = getattr(history, "history", history)
    names = [k for k in logs if not k.startswith("val_")] or list(logs)
    if not names or not any(len(logs[k]) for k in names):
        raise ValueError("plot_history got an empty history: train with fit() first, or pass "
                         "a dict like {'loss': [...], 'val_loss': [...]}.")
    names.sort(key=lambda k: (k != "loss", k))
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(names), figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi,
                             squeeze=False)
    for ax, name in zip(axes[0], names):
        epochs = range(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], marker="o", markersize=3, label="train")
        if f"val_{name}" in logs:
            ax.plot(range(1, len(logs[f"val_{name}"]) + 1), logs[f"val_{name}"], marker="o",
                    markersize=3, label="validation")
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    try:
        with atomic_write(path) as tmp:
            fig.savefig(tmp, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return str(path)


# -- the model graph ------------------------------------------------------------------------

def _graph(model) -> tuple[list, list[tuple[int, int]]]:
    """(layers, edges as index pairs): from the functional node graph when the model has one,
    else the layers in order (Sequential)."""
    layers = list(model.layers)
    nodes_by_depth = getattr(model, "_nodes_by_depth", None)
    if not nodes_by_depth:
        return layers, [(i, i + 1) for i in range(len(layers) - 1)]
    index = {id(layer): i for i, layer in enumerate(layers)}
    edges = []
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            for tensor in getattr(node, "input_tensors", []):
                history = getattr(tensor, "_keras_history", None)
                if history is not None and id(history[0]) in index and id(node.layer) in index:
                    edges.append((index[id(history[0])], index[id(node.layer)]))
    return layers, list(dict.fromkeys(edges))


def _label(model, layer, show_shapes, show_dtype, show_layer_names, show_layer_activations,
           show_trainable) -> list[str]:
    cls = type(layer).__name__
    lines = [f"{layer.name} ({cls})" if show_layer_names else cls]
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        activation = layer.activation
        lines.append("activation: " + getattr(activation, "__name__", str(activation)))
    if show_shapes:
        shape = model._output_shape_of(layer) if hasattr(model, "_output_shape_of") else None
        lines.append(f"output: {shape if shape is not None else '?'}")
        try:
            lines.append(f"params: {layer.count_params():,}")
        except ValueError:
            pass
    if show_dtype:
        lines.append(f"dtype: {getattr(layer, 'dtype', '?')}")
    if show_trainable:
        lines.append(f"trainable: {getattr(layer, 'trainable', True)}")
    return lines


def model_to_dot(model, show_shapes: bool = False, show_dtype: bool = False,
                 show_layer_names: bool = True, rankdir: str = "TB", expand_nested: bool = False,
                 dpi: int = 200, show_layer_activations: bool = False,
                 show_trainable: bool = False, **kwargs) -> str:
    """The model's layer graph in the DOT language (a string; no pydot needed)."""
    layers, edges = _graph(model)
    out = [f'digraph "{model.name}" {{', f"  graph [rankdir={rankdir}, dpi={dpi}];",
           '  node [shape=record, fontname="Helvetica", fontsize=10];']
    for i, layer in enumerate(layers):
        lines = _label(model, layer, show_shapes, show_dtype, show_layer_names,
                       show_layer_activations, show_trainable)
        text = "|".join(line.replace('"', r"\"").replace("{", r"\{").replace("}", r"\}")
                        .replace("|", r"\|").replace("<", r"\<").replace(">", r"\>")
                        for line in lines)
        out.append(f'  n{i} [label="{{{text}}}"];')
    out += [f"  n{a} -> n{b};" for a, b in edges]
    out.append("}")
    return "\n".join(out) + "\n"


def _draw_with_matplotlib(model, layers, edges, label_args, path, dpi: int) -> None:
    """A top-to-bottom box diagram of the layers (when graphviz is not installed)."""
    plt = _pyplot()
    labels = ["\n".join(_label(model, layer, *label_args)) for layer in layers]
    depth = {}
    for i in range(len(layers)):
        parents = [a for a, b in edges if b == i]
        depth[i] = max((depth[p] + 1 for p in parents if p in depth), default=0)
    rows: dict[int, list[int]] = {}
    for i, d in depth.items():
        rows.setdefault(d, []).append(i)
    height = max(len(rows), 1)
    width = max(len(r) for r in rows.values()) if rows else 1
    fig, ax = plt.subplots(figsize=(3.2 * width, 1.1 * height + 0.4), dpi=dpi)
    position = {}
    for d, members in rows.items():
        for k, i in enumerate(members):
            position[i] = ((k + 0.5) / len(members), 1 - (d + 0.5) / height)
    for a, b in edges:
        (xa, ya), (xb, yb) = position[a], position[b]
        ax.annotate("", xy=(xb, yb + 0.3 / height), xytext=(xa, ya - 0.3 / height),
                    arrowprops={"arrowstyle": "->", "color": "#444444"})
    for i, (x, y) in position.items():
        ax.text(x, y, labels[i], ha="center", va="center", fontsize=8, family="monospace",
                bbox={"boxstyle": "round,pad=0.4", "facecolor": "#eef3fb", "edgecolor": "#3b5b92"})
    ax.set_axis_off()
    try:
        with atomic_write(path) as tmp:
            fig.savefig(tmp, format=os.path.splitext(str(path))[1][1:].lower() or "png",
                        dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(fig)


def plot_model(model, to_file: str | os.PathLike = "model.png", show_shapes: bool = False,
               show_dtype: bool = False, show_layer_names: bool = True, rankdir: str = "TB",
               expand_nested: bool = False, dpi: int = 200, show_layer_activations: bool = False,
               show_trainable: bool = False, **kwargs) -> str:
    """Draw the model's layer graph into `to_file` (Keras's arguments).

    `.dot`/`.gv`/`.txt` files get the DOT text. Images (`.png`, `.svg`, `.pdf`, ...) are
    rendered by graphviz's `dot` when it is installed, else drawn with matplotlib.
    Returns the path written.
    """
    dot = model_to_dot(model, show_shapes, show_dtype, show_layer_names, rankdir, expand_nested,
                       dpi, show_layer_activations, show_trainable)
    ext = os.path.splitext(str(to_file))[1].lower().lstrip(".") or "png"
    if ext in ("dot", "gv", "txt"):
        with atomic_write(to_file) as tmp:
            tmp.write_text(dot)
        return str(to_file)
    dot_program = shutil.which("dot")
    if dot_program:
        with atomic_write(to_file) as tmp:
            subprocess.run([dot_program, f"-T{ext}", "-o", str(tmp)], input=dot.encode(),
                           check=True, capture_output=True)
        return str(to_file)
    layers, edges = _graph(model)
    _draw_with_matplotlib(model, layers, edges, (show_shapes, show_dtype, show_layer_names,
                                                 show_layer_activations, show_trainable),
                          to_file, dpi)
    return str(to_file)
