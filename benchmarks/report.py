"""The pure part of the benchmark suite: medians, ratios, the target checklist and markdown.

No benchmark runs here and nothing beyond the standard library is imported, so the test suite
can check it on made-up numbers (tests/test_bench_report.py).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

SUBJECT = "lamina"
Samples = dict[str, dict[str, list[float]]]  # contender -> measure -> samples
Medians = dict[str, dict[str, float | None]]  # contender -> measure -> median (None: no data)


@dataclass(frozen=True)
class Measure:
    """One row of the result tables."""

    key: str
    label: str
    unit: str
    digits: int = 3
    ratio: bool = True  # in the lamina / peer table


MEASURES = (
    Measure("mlp_epoch_wall", "MLP steady epoch, wall", "s"),
    Measure("mlp_epoch_cpu", "MLP steady epoch, CPU", "s"),
    Measure("cnn_epoch_wall", "CNN steady epoch, wall", "s"),
    Measure("cnn_epoch_cpu", "CNN steady epoch, CPU", "s"),
    Measure("lstm_epoch_wall", "LSTM steady epoch, wall", "s"),
    Measure("lstm_epoch_cpu", "LSTM steady epoch, CPU", "s"),
    Measure("augment_epoch_wall", "CNN + augmentation steady epoch, wall", "s"),
    Measure("augment_epoch_cpu", "CNN + augmentation steady epoch, CPU", "s"),
    Measure("transformer_epoch_wall", "Transformer steady epoch, wall", "s"),
    Measure("transformer_epoch_cpu", "Transformer steady epoch, CPU", "s"),
    Measure("resnet50_predict_epoch_wall", "ResNet50 predict pass (batch 32), wall", "s"),
    Measure("resnet50_predict_epoch_cpu", "ResNet50 predict pass (batch 32), CPU", "s"),
    Measure("mobilenet_finetune_epoch_wall", "MobileNetV2 fine-tuning steady epoch, wall", "s"),
    Measure("mobilenet_finetune_epoch_cpu", "MobileNetV2 fine-tuning steady epoch, CPU", "s"),
    Measure("predict_ms", "MLP single-sample predict", "ms", 3),
    Measure("import_s", "import time (fresh process)", "s"),
    Measure("first_epoch_s", "process start to end of MLP epoch 1", "s", 2),
    Measure("rss_mib", "MLP run peak RSS", "MiB", 0),
    Measure("mlp_accuracy", "MLP test accuracy", "", 4, ratio=False),
    Measure("cnn_accuracy", "CNN test accuracy", "", 4, ratio=False),
    Measure("augment_accuracy", "CNN + augmentation test accuracy", "", 4, ratio=False),
    Measure("transformer_accuracy", "Transformer test accuracy", "", 4, ratio=False),
    Measure("lstm_accuracy", "LSTM test accuracy", "", 4, ratio=False),
    Measure("mobilenet_finetune_accuracy", "MobileNetV2 fine-tuning test accuracy", "", 4,
            ratio=False),
)


@dataclass(frozen=True)
class Target:
    """A goal of the form: lamina's `measure` <= `limit` x `peer`'s (`peer`'s `baseline`
    measure when given: lamina's augmented CNN against its plain one)."""

    text: str
    measure: str
    peer: str
    limit: float
    baseline: str | None = None


TARGETS = (
    Target("MLP steady epoch <= 0.6x Keras-JAX", "mlp_epoch_wall", "keras-jax", 0.6),
    Target("MLP steady epoch <= 1.05x hand-written JAX scan", "mlp_epoch_wall", "jax-scan", 1.05),
    Target("CNN steady epoch <= 1.0x PyTorch loop", "cnn_epoch_wall", "torch", 1.0),
    Target("LSTM steady epoch <= 1.0x PyTorch nn.LSTM", "lstm_epoch_wall", "torch", 1.0),
    Target("Transformer steady epoch <= 0.7x Keras-JAX", "transformer_epoch_wall", "keras-jax",
           0.7),
    Target("Transformer steady epoch <= 1.0x PyTorch loop", "transformer_epoch_wall", "torch",
           1.0),
    Target("ResNet50 predict pass <= 0.8x Keras-JAX", "resnet50_predict_epoch_wall", "keras-jax",
           0.8),
    Target("MobileNetV2 fine-tuning epoch <= 0.8x Keras-JAX", "mobilenet_finetune_epoch_wall",
           "keras-jax", 0.8),
    Target("augmentation front end adds <= 25% to lamina's CNN steady epoch",
           "augment_epoch_wall", SUBJECT, 1.25, baseline="cnn_epoch_wall"),
    Target("import lamina <= 0.7x import keras", "import_s", "keras-jax", 0.7),
    Target("process start to end of first MLP epoch <= 0.7x Keras-JAX", "first_epoch_s",
           "keras-jax", 0.7),
    Target("single-sample predict <= 0.1x Keras-JAX", "predict_ms", "keras-jax", 0.1),
    Target("single-sample predict <= 2x PyTorch no_grad", "predict_ms", "torch", 2.0),
    Target("peak RSS of the MLP run <= 0.8x Keras-JAX", "rss_mib", "keras-jax", 0.8),
)


def medians(samples: Samples) -> Medians:
    """The median of every contender's samples of every measure; None where there are none."""
    return {contender: {key: statistics.median(values) if values else None
                        for key, values in by_measure.items()}
            for contender, by_measure in samples.items()}


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def check(target: Target, table: Medians) -> tuple[float | None, str]:
    """The measured ratio lamina / peer for `target` and 'met', 'missed' or 'not measured'."""
    r = ratio(table.get(SUBJECT, {}).get(target.measure),
              table.get(target.peer, {}).get(target.baseline or target.measure))
    if r is None:
        return None, "not measured"
    return r, "met" if r <= target.limit else "missed"


def fmt(value: float | None, digits: int, unit: str = "") -> str:
    """A number with `digits` decimals and its unit; an em dash when missing."""
    if value is None:
        return "—"
    return f"{value:.{digits}f}{' ' + unit if unit else ''}"


def markdown_table(headers: list[str], rows: list[list[str]], numeric: bool = True) -> str:
    """A markdown table, columns padded to line up; the first column left-aligned, the rest
    right-aligned when `numeric`, else left-aligned too."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]

    def line(cells: list[str]) -> str:
        padded = [c.rjust(w) if i and numeric else c.ljust(w)
                  for i, (c, w) in enumerate(zip(cells, widths))]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if i and numeric else (":" + "-" * (w + 1))
                          for i, w in enumerate(widths)) + "|"
    return "\n".join([line(headers), rule, *map(line, rows)])


def medians_table(table: Medians, contenders: list[str]) -> str:
    """Measures down, contenders across: the medians."""
    rows = [[m.label, *(fmt(table[c].get(m.key), m.digits, m.unit) for c in contenders)]
            for m in MEASURES if any(table[c].get(m.key) is not None for c in contenders)]
    return markdown_table(["measure", *contenders], rows)


def ratios_table(table: Medians, peers: list[str]) -> str:
    """Measures down, peers across: lamina / peer (below 1: lamina is smaller, i.e. better)."""
    rows = []
    for m in MEASURES:
        if not m.ratio or table.get(SUBJECT, {}).get(m.key) is None:
            continue
        cells = [ratio(table[SUBJECT][m.key], table[p].get(m.key)) for p in peers]
        rows.append([m.label, *(fmt(r, 2) + ("x" if r is not None else "") for r in cells)])
    return markdown_table(["lamina / peer", *peers], rows)


def checklist(table: Medians) -> str:
    """The targets as a markdown checklist with each measured ratio and its verdict."""
    lines = []
    for target in TARGETS:
        r, verdict = check(target, table)
        mark = "x" if verdict == "met" else " "
        measured = f"measured {r:.2f}x ({verdict})" if r is not None else verdict
        lines.append(f"- [{mark}] {target.text}: {measured}")
    return "\n".join(lines)


def versions_table(versions: dict[str, dict[str, str]]) -> str:
    """Contenders down: the Python and package versions each one ran with."""
    rows = [[c, ", ".join(f"{name} {v}" for name, v in packages.items())]
            for c, packages in versions.items()]
    return markdown_table(["contender", "versions"], rows, numeric=False)


def document(title: str, facts: list[tuple[str, str]], table: Medians,
             versions: dict[str, dict[str, str]], notes: list[str]) -> str:
    """The whole markdown report: facts, versions, medians, ratios, targets, notes."""
    contenders = list(table)
    peers = [c for c in contenders if c != SUBJECT]
    parts = [f"# {title}", "\n".join(f"- {name}: {value}" for name, value in facts),
             "## Versions", versions_table(versions),
             "## Medians", medians_table(table, contenders)]
    if SUBJECT in table and peers:
        parts += ["## Ratios lamina / peer (below 1.00x: lamina is faster or smaller)",
                  ratios_table(table, peers), "## Targets", checklist(table)]
    parts += ["## Notes", "\n".join(f"- {note}" for note in notes)]
    return "\n\n".join(parts) + "\n"


# The accelerator run (benchmarks/accelerator.py): lamina and Keras-JAX under each dtype policy.
POLICIES = ("float32", "mixed_bfloat16")
ACCELERATOR_PEER = "keras-jax"
ACCELERATOR_LIMIT = 0.8


def speedups_table(tables: dict[str, Medians], workloads: list[str]) -> str:
    """Workloads down, contenders across: steady epoch under float32 / under mixed_bfloat16
    (above 1.00x: mixed precision is faster)."""
    full, mixed = (tables.get(p, {}) for p in POLICIES)
    contenders = list(full or mixed)
    rows = [[w, *(fmt(r, 2) + ("x" if r is not None else "") for r in (
        ratio(full.get(c, {}).get(f"{w}_epoch_wall"), mixed.get(c, {}).get(f"{w}_epoch_wall"))
        for c in contenders))] for w in workloads]
    return markdown_table(["float32 / mixed_bfloat16 steady epoch", *contenders], rows)


def accelerator_checklist(tables: dict[str, Medians], workloads: list[str]) -> str:
    """The target, lamina / Keras-JAX steady epoch <= ACCELERATOR_LIMIT, per workload and
    policy, as checklist() writes it."""
    lines = []
    for policy, table in tables.items():
        for w in workloads:
            target = Target(f"{w} ({policy}) steady epoch <= {ACCELERATOR_LIMIT}x Keras-JAX",
                            f"{w}_epoch_wall", ACCELERATOR_PEER, ACCELERATOR_LIMIT)
            r, verdict = check(target, table)
            measured = f"measured {r:.2f}x ({verdict})" if r is not None else verdict
            lines.append(f"- [{'x' if verdict == 'met' else ' '}] {target.text}: {measured}")
    return "\n".join(lines)


def accelerator_document(title: str, facts: list[tuple[str, str]],
                         tables: dict[str, Medians], workloads: list[str],
                         versions: dict[str, dict[str, str]], notes: list[str]) -> str:
    """The accelerator report: facts, versions, per policy the medians and lamina / Keras-JAX
    ratios, the mixed_bfloat16 speedups, the targets and the notes."""
    parts = [f"# {title}", "\n".join(f"- {name}: {value}" for name, value in facts),
             "## Versions", versions_table(versions)]
    for policy, table in tables.items():
        peers = [c for c in table if c != SUBJECT]
        parts += [f"## {policy}: medians", medians_table(table, list(table))]
        if SUBJECT in table and peers:
            parts += [f"## {policy}: lamina / peer (below 1.00x: lamina is faster)",
                      ratios_table(table, peers)]
    parts += ["## Mixed precision speedup", speedups_table(tables, workloads),
              "## Targets", accelerator_checklist(tables, workloads),
              "## Notes", "\n".join(f"- {note}" for note in notes)]
    return "\n\n".join(parts) + "\n"
