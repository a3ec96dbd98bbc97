"""The `lamina` command: `lamina inspect FILE`, `lamina convert IN OUT`,
`lamina export MODEL OUT --format stablehlo`.

Exit codes: 0 success, 1 a file that cannot be read or written, 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
from typing import Iterator, Sequence

import numpy as np

EXIT_OK, EXIT_BAD_FILE, EXIT_USAGE = 0, 1, 2
FORMAT_NAMES = {"keras": "Keras 3 .keras zip", "h5": "legacy HDF5 model (.h5)",
                "legacy_weights": "legacy HDF5 weights", "weights": "Keras 3 .weights.h5"}


def _datasets(group, prefix: str = "") -> Iterator[tuple[str, object]]:
    """(path, dataset) for every dataset under an h5py group, in file order."""
    import h5py

    for name, item in group.items():
        path = f"{prefix}{name}"
        if isinstance(item, h5py.Dataset):
            yield path, item
        else:
            yield from _datasets(item, path + "/")


def _param_count(group) -> int:
    return int(sum(int(np.prod(d.shape)) for _, d in _datasets(group)))


def _stats_line(path: str, data) -> str:
    value = np.asarray(data)
    if value.size and np.issubdtype(value.dtype, np.number):
        finite = value[np.isfinite(value)] if np.issubdtype(value.dtype, np.floating) else value
        nans = int(np.isnan(value).sum()) if np.issubdtype(value.dtype, np.floating) else 0
        lo, hi, mean = ((finite.min(), finite.max(), finite.mean()) if finite.size
                        else (np.nan,) * 3)
        stats = f"min={lo:.6g} max={hi:.6g} mean={mean:.6g} nan={nans}"
    else:
        stats = "(empty)" if not value.size else ""
    return f"  {path:<44} {str(tuple(value.shape)):<14} {str(value.dtype):<8} {stats}"


def _output_shapes(config: dict) -> dict[str, str]:
    """Each layer's output shape, from a lamina model built from the config (no weights)."""
    from lamina.saving.serialization import deserialize_keras_object

    try:
        model = deserialize_keras_object({k: v for k, v in config.items()
                                          if k != "compile_config"})
        return {layer.name: str(model._output_shape_of(layer)) for layer in model.layers}
    except Exception:  # a layer lamina lacks: the table still shows names and counts
        return {}


def _layer_table(config: dict, weights_root) -> list[str]:
    from lamina.layers.base import to_snake_case

    entries = [e for e in config.get("config", {}).get("layers", [])
               if e.get("class_name") != "InputLayer"]
    shapes = _output_shapes(config)
    counts: dict[str, int] = {}
    lines, total = [f"  {'Layer (type)':<36} {'Output Shape':<22} {'Param #':>10}"], 0
    for entry in entries:
        base = to_snake_case(entry["class_name"])
        key = base if base not in counts else f"{base}_{counts[base]}"
        counts[base] = counts.get(base, 0) + 1
        group = weights_root.get(f"layers/{key}") if weights_root is not None else None
        params = _param_count(group) if group is not None else 0
        total += params
        name = entry.get("config", {}).get("name", key)
        label = f"{name} ({entry['class_name']})"
        lines.append(f"  {label:<36} {shapes.get(name, '?'):<22} {params:>10,}")
    lines.append(f"  Total params: {total:,}")
    return lines


def _legacy_layer_table(f) -> list[str]:
    from lamina.saving.legacy_h5 import _attr_strings

    group = f["model_weights"] if "model_weights" in f else f
    lines, total = [f"  {'Layer':<36} {'Param #':>10}"], 0
    for name in _attr_strings(group, "layer_names"):
        params = _param_count(group[name]) if name in group else 0
        total += params
        lines.append(f"  {name:<36} {params:>10,}")
    lines.append(f"  Total params: {total:,}")
    return lines


def _optimizer_lines(training: dict | None, values: list | None) -> list[str]:
    if not training:
        return ["Optimizer: none (not compiled)"]
    opt = training.get("optimizer") or training.get("optimizer_config") or {}
    cfg = opt.get("config", {}) if isinstance(opt, dict) else {}
    lines = [f"Optimizer: {opt.get('class_name', opt) if isinstance(opt, dict) else opt} "
             f"(learning_rate={cfg.get('learning_rate')}), loss={training.get('loss')!r}, "
             f"metrics={training.get('metrics')!r}"]
    if values is not None:
        iterations = int(values[0]) if values and values[0].shape == () else "?"
        lines.append(f"Optimizer state: {len(values)} variables, iterations={iterations}")
    return lines


def inspect_file(path: str) -> list[str]:
    """The report `lamina inspect` prints, as lines; builds no weights."""
    import json

    from lamina.saving import keras_zip, sniff
    from lamina.saving.legacy_h5 import group_values

    kind = sniff.kind_of(path)
    lines = [f"File: {path}", f"Format: {FORMAT_NAMES[kind]}"]
    if kind == "keras":
        config, meta = keras_zip.read_config(path)
        writer = (f"lamina {meta['lamina_version']}" if "lamina_version" in meta
                  else f"Keras {meta.get('keras_version', '?')}")
        lines += [f"Written by: {writer} on {meta.get('date_saved', '?')}",
                  f"Model: {config['class_name']} '{config.get('config', {}).get('name')}'"]
        with sniff.open_zip(path) as archive, keras_zip.open_weights(archive, path) as f:
            lines += _layer_table(config, f)
            group = f.get("optimizer/vars")
            values = None if group is None else [group[str(i)][()] for i in range(len(group))]
            lines += _optimizer_lines(config.get("compile_config"), values)
            lines += ["Weights:"] + [_stats_line(p, d) for p, d in _datasets(f)]
        return lines
    with sniff.open_h5(path) as f:
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        group = f.get("model_weights", f)
        version = attrs.get("keras_version", group.attrs.get("keras_version", "?"))
        version = version.decode() if isinstance(version, bytes) else version
        lines.append(f"Written by: Keras {version} (backend {attrs.get('backend', '?')})")
        if kind == "h5":
            config = json.loads(attrs["model_config"])
            lines.append(f"Model: {config['class_name']}")
            lines += _legacy_layer_table(f)
            training = json.loads(attrs["training_config"]) if "training_config" in attrs \
                else None
            group = f.get("optimizer_weights")
            lines += _optimizer_lines(training, None if group is None else group_values(group))
        elif kind == "legacy_weights":
            lines += _legacy_layer_table(f)
        lines += ["Weights:"] + [_stats_line(p, d) for p, d in _datasets(f)]
    return lines


def convert(source: str, target: str) -> None:
    """Load `source` (.keras or .h5 model) and write it as `target` (by its extension)."""
    from lamina.saving import load_model

    model = load_model(source)
    if target.endswith(".weights.h5"):
        model.save_weights(target)
    else:
        model.save(target)


def _parser() -> argparse.ArgumentParser:
    from lamina.export.formats import FORMATS

    parser = argparse.ArgumentParser(prog="lamina", description="Inspect, convert and export "
                                     "Keras model and weights files (.keras, .h5, .weights.h5).")
    commands = parser.add_subparsers(dest="command", required=True)
    inspect = commands.add_parser("inspect", help="print what a model or weights file holds")
    inspect.add_argument("file")
    conv = commands.add_parser("convert", help="convert a model between .keras, .h5 and "
                               ".weights.h5 (the format follows OUT's extension)")
    conv.add_argument("input")
    conv.add_argument("output")
    export = commands.add_parser("export", help="export a model for serving (a TF SavedModel, "
                                 "an ONNX file or a StableHLO folder that needs only jax)")
    export.add_argument("input")
    export.add_argument("output")
    export.add_argument("--format", default="tf_saved_model", choices=FORMATS,
                        help="as model.export(format=...); default: tf_saved_model (Keras's)")
    return parser


def export_file(source: str, target: str, format: str) -> int:
    """`lamina export`: load `source` and write its forward pass to `target` as `format`."""
    from lamina.saving import load_model

    model = load_model(source, compile=False)
    try:
        model.export(target, format=format, verbose=False)
    except ImportError as exc:  # the format's optional packages are missing
        print(f"lamina: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as exc:  # e.g. OUT is a folder that is not an earlier export
        print(f"lamina: error: {exc}", file=sys.stderr)
        return EXIT_BAD_FILE
    print(f"Wrote {target} ({format})")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `lamina` console script; returns the exit code."""
    args = _parser().parse_args(argv)
    from lamina import errors

    try:
        if args.command == "inspect":
            print("\n".join(inspect_file(args.file)))
        elif args.command == "export":
            return export_file(args.input, args.output, args.format)
        else:
            if not args.output.endswith((".keras", ".h5", ".hdf5")):
                print(f"lamina: error: cannot tell the output format from {args.output!r}; "
                      "use a name ending in .keras, .h5 or .weights.h5.", file=sys.stderr)
                return EXIT_USAGE
            convert(args.input, args.output)
            print(f"Wrote {args.output}")
    except (errors.LaminaError, OSError, KeyError) as exc:
        print(f"lamina: error: {exc}", file=sys.stderr)
        return EXIT_BAD_FILE
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
