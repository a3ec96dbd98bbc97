"""Side-by-side benchmarks: lamina vs Keras-JAX, tf.keras, a PyTorch loop and hand-written JAX.

The MLP, CNN and LSTM of the tutorial on Fashion-MNIST, the CNN behind an augmentation front end
(RandomFlip, RandomRotation(0.1), RandomZoom(0.1); Keras-API contenders only) and a small text
transformer on an IMDB-shaped synthetic task (contenders/tokens.py; batch 32, Adam 1e-3), and,
for the Keras-API contenders only, the prediction throughput of keras.applications.ResNet50
(weights=None, 224x224, batch 32, 256 fixed random images) and one fine-tuning epoch of
MobileNetV2(alpha=0.35, weights=None, include_top=False) + GlobalAveragePooling2D + Dense on 1024
Fashion-MNIST images upscaled to 96x96x3 (all trainable, Adam 1e-4, batch 32), each contender in
its own process, interleaved (rep 1: A B C ..., rep 2: ...). Prints medians and lamina / peer
ratios and writes benchmarks/RESULTS.md (RESULTS-quick.md for --quick).

    python benchmarks/run.py [--quick] [--reps N] [--epochs N]
                             [--only mlp,cnn,augment,lstm,transformer,resnet50_predict,
                                     mobilenet_finetune]
                             [--contenders lamina,keras-jax,tf-keras,torch,jax-step,jax-scan]
    python benchmarks/run.py --accelerator [--smoke]   # see benchmarks/accelerator.py

Full run (the defaults, `make bench`): 3 reps; MLP 3 epochs, CNN (plain and augmented) and LSTM 2
epochs each, all 60000 training samples; the transformer 2 epochs on 5000 of its 25000 reviews;
ResNet50 3 predict passes; MobileNetV2 2 epochs (the first compiles, the second is timed); about
an hour on 2 quiet cores. --quick: 1 rep, 2 epochs, the CNNs and LSTM on the first 10000 samples,
the transformer on 1000, ResNet50 on 64 images, MobileNetV2 on 256, a few minutes; the same code
with other parameters. The hand-written loops skip the augmented CNN and the applications; the
hand-written JAX loops run the Fashion-MNIST MLP, CNN and LSTM only.

The peers' venvs come from `make bench-setup` (benchmarks/setup_peers.sh); a contender whose
interpreter is missing is skipped with a notice.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import report  # noqa: E402
import report_notes  # noqa: E402

ROOT = HERE.parent
MAIN_PYTHON = ROOT / ".venv" / "bin" / "python"
PEER_VENVS = HERE / ".venvs"
CHILDREN = HERE / "contenders"
WORKLOADS = ("mlp", "cnn", "augment", "lstm", "transformer", "resnet50_predict",
             "mobilenet_finetune")
KERAS_ONLY = ("augment", "resnet50_predict", "mobilenet_finetune")  # no hand-written loop
SCAN_CHUNKS = {"mlp": 0, "cnn": 1, "lstm": 1}  # jax-scan steps per call (0: the whole epoch)
PREDICT_CALLS = 200
RESULT_TAG = "BENCH_RESULT "  # as in contenders/child.py


@dataclass(frozen=True)
class Contender:
    """How to run one framework: its interpreter, script, arguments and import statement."""

    name: str
    python: Path
    script: str
    args: tuple[str, ...]
    imports: str  # what a user's program imports first; timed in a fresh process
    packages: tuple[str, ...]  # distributions whose versions the report lists
    keras_backend: str = "jax"
    scan_chunks: dict[str, int] | None = None  # per workload, passed as --chunk
    workloads: tuple[str, ...] = WORKLOADS  # those it implements

    def argv(self, workload: str) -> list[str]:
        """The child's command line, less the plan's arguments."""
        extra = ["--chunk", str(self.scan_chunks[workload])] if self.scan_chunks else []
        return [str(self.python), str(CHILDREN / self.script), *self.args, *extra]

    def env(self) -> dict[str, str]:
        """The child's environment: ours, with its Keras backend and TensorFlow kept quiet."""
        return {**os.environ, "KERAS_BACKEND": self.keras_backend, "TF_CPP_MIN_LOG_LEVEL": "3"}


JAX_PACKAGES = ("jax", "jaxlib", "optax", "numpy")
CONTENDERS = (
    Contender("lamina", MAIN_PYTHON, "keras_api.py", ("--api", "lamina"), "import lamina",
              ("lamina", "jax", "jaxlib", "numpy")),
    Contender("keras-jax", MAIN_PYTHON, "keras_api.py", ("--api", "keras-jax"), "import keras",
              ("keras", "jax", "jaxlib", "numpy")),
    Contender("tf-keras", PEER_VENVS / "tf" / "bin" / "python", "keras_api.py",
              ("--api", "tf-keras"), "import tensorflow",
              ("tensorflow-cpu", "tensorflow", "keras", "numpy"), keras_backend="tensorflow"),
    Contender("torch", PEER_VENVS / "torch" / "bin" / "python", "torch_loop.py", (),
              "import torch", ("torch", "numpy"),
              workloads=tuple(w for w in WORKLOADS if w not in KERAS_ONLY)),
    Contender("jax-step", MAIN_PYTHON, "jax_loop.py", ("--variant", "step"), "import jax, optax",
              JAX_PACKAGES, workloads=tuple(SCAN_CHUNKS)),
    Contender("jax-scan", MAIN_PYTHON, "jax_loop.py", ("--variant", "scan"), "import jax, optax",
              JAX_PACKAGES, scan_chunks=SCAN_CHUNKS, workloads=tuple(SCAN_CHUNKS)),
)


@dataclass(frozen=True)
class Plan:
    """What one run measures: repetitions, epochs and training-set size per workload."""

    reps: int
    workloads: tuple[str, ...]
    epochs: dict[str, int]
    train_limit: dict[str, int]  # 0: all 60000 samples
    quick: bool
    test_limit: int = 0  # first N test samples (the accelerator smoke run's); 0: all


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; see the module docstring."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 1 rep, 2 epochs, CNN and LSTM on 10000 samples")
    p.add_argument("--reps", type=int, help="repetitions (default 3; --quick 1)")
    p.add_argument("--epochs", type=int,
                   help="epochs of every workload, >= 2 (default MLP 3, CNN 2, LSTM 2)")
    p.add_argument("--only", default=",".join(WORKLOADS), help="workloads, comma-separated")
    p.add_argument("--contenders", default=",".join(c.name for c in CONTENDERS),
                   help="contenders, comma-separated")
    p.add_argument("--accelerator", action="store_true",
                   help="lamina vs Keras-JAX on JAX's device, float32 and mixed_bfloat16")
    p.add_argument("--smoke", action="store_true", help="with --accelerator: tiny sizes")
    args = p.parse_args(argv)
    for option, chosen, known in (("--only", args.only, WORKLOADS),
                                  ("--contenders", args.contenders, [c.name for c in CONTENDERS])):
        unknown = set(chosen.split(",")) - set(known)
        if unknown:
            p.error(f"{option}: unknown {', '.join(sorted(unknown))}; known: {', '.join(known)}")
    if args.smoke and not args.accelerator:
        p.error("--smoke goes with --accelerator; the other runs' short form is --quick")
    if args.epochs is not None and args.epochs < 2:
        p.error("--epochs must be at least 2: epoch 1 includes compiling and is not timed")
    if args.reps is not None and args.reps < 1:
        p.error("--reps must be at least 1")
    return args


def make_plan(args: argparse.Namespace) -> Plan:
    """The full run's defaults, or the quick smoke run's, with the command line's overrides."""
    epochs = {"mlp": 2 if args.quick else 3, "cnn": 2, "augment": 2, "lstm": 2, "transformer": 2,
              "resnet50_predict": 2 if args.quick else 3, "mobilenet_finetune": 2}
    if args.epochs:
        epochs = dict.fromkeys(WORKLOADS, args.epochs)
    limit = ({"mlp": 0, "cnn": 10000, "augment": 10000, "lstm": 10000, "transformer": 1000,
              "resnet50_predict": 64, "mobilenet_finetune": 256} if args.quick else
             {"mlp": 0, "cnn": 0, "augment": 0, "lstm": 0, "transformer": 5000,
              "resnet50_predict": 256, "mobilenet_finetune": 1024})
    workloads = tuple(w for w in WORKLOADS if w in args.only.split(","))
    return Plan(args.reps or (1 if args.quick else 3), workloads, epochs, limit, args.quick)


def run_json(argv: list[str], env: dict[str, str], tag: str = "") -> dict | None:
    """Run a child; its last line starting with `tag`, parsed as JSON; None (and its stderr
    shown) if it failed."""
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT)
    lines = [line[len(tag):] for line in proc.stdout.splitlines() if line.startswith(tag)]
    if proc.returncode != 0 or not lines:
        tail = "\n    ".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        print(f"  FAILED (exit {proc.returncode}): {shlex.join(argv)}\n    {tail}", flush=True)
        return None
    return json.loads(lines[-1])


def train(contender: Contender, workload: str, plan: Plan, seed: int) -> tuple[dict | None, float]:
    """One training run of `workload`; the child's result and the instant it was spawned."""
    argv = [*contender.argv(workload), "--workload", workload,
            "--epochs", str(plan.epochs[workload]),
            "--train-limit", str(plan.train_limit[workload]), "--seed", str(seed),
            "--predict-calls", str(PREDICT_CALLS if workload == "mlp" else 0)]
    argv += ["--test-limit", str(plan.test_limit)] if plan.test_limit else []
    spawned = time.time()
    return run_json(argv, contender.env(), RESULT_TAG), spawned


def record(samples: dict[str, list[float]], workload: str, result: dict, spawned: float) -> None:
    """Add one run's numbers: steady epochs (2..N), accuracy, and the MLP's per-process ones."""
    samples[f"{workload}_epoch_wall"] += result["epoch_wall"][1:]
    samples[f"{workload}_epoch_cpu"] += result["epoch_cpu"][1:]
    samples[f"{workload}_accuracy"].append(result["accuracy"])
    if workload == "mlp":
        samples["predict_ms"].append(result["predict_s"] * 1000)
        samples["first_epoch_s"].append(result["first_epoch_end"] - spawned)
        samples["rss_mib"].append(result["rss_mib"])


def available(names: list[str]) -> tuple[list[Contender], list[str]]:
    """The chosen contenders whose interpreter exists, and the names of those skipped (with a
    notice) because it is missing."""
    chosen, skipped = [], []
    for contender in (c for c in CONTENDERS if c.name in names):
        if contender.python.exists():
            chosen.append(contender)
        else:
            skipped.append(contender.name)
            print(f"skipping {contender.name}: {contender.python} is missing; "
                  "run `make bench-setup` to create it", flush=True)
    return chosen, skipped


def cpu_model() -> str:
    """The 'model name' of /proc/cpuinfo, or the platform's processor string."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def measure(plan: Plan, contenders: list[Contender]
            ) -> tuple[report.Samples, dict[str, dict[str, str]], set[int]]:
    """Every rep: the import probes, then each workload in every contender, interleaved.
    Returns the samples, each contender's versions and the torch thread counts seen."""
    samples: report.Samples = {c.name: defaultdict(list) for c in contenders}
    versions: dict[str, dict[str, str]] = {}
    threads: set[int] = set()
    for rep in range(plan.reps):
        for c in contenders:
            probed = run_json([str(c.python), str(CHILDREN / "probe.py"), c.imports,
                               ",".join(c.packages)], c.env())
            if probed:
                samples[c.name]["import_s"].append(probed["import_s"])
                versions[c.name] = {"python": probed["python"], **probed["versions"]}
                print(f"rep {rep + 1} import {c.name:9s} {probed['import_s']:.3f}s", flush=True)
        for workload in plan.workloads:
            for c in (c for c in contenders if workload in c.workloads):
                result, spawned = train(c, workload, plan, seed=rep)
                if result is None:
                    continue
                record(samples[c.name], workload, result, spawned)
                threads.update([result["threads"]] if "threads" in result else [])
                print(f"rep {rep + 1} {workload:4s} {c.name:9s} epochs "
                      + " ".join(f"{t:.2f}s" for t in result["epoch_wall"])
                      + f"  test accuracy {result['accuracy']:.4f}" + _spread(result),
                      flush=True)
    return samples, versions, threads


def _spread(result: dict) -> str:
    """The per-rep predict latency and peak RSS (the report keeps only their medians)."""
    predict = result.get("predict_s")
    return ("" if predict is None else f"  predict {predict * 1e3:.3f} ms") + \
        f"  peak RSS {result['rss_mib']:.0f} MiB"


def describe(plan: Plan) -> str:
    """Each workload's epochs (resnet50_predict: predict passes) and training-set size."""
    return ", ".join(f"RESNET50 PREDICT {plan.epochs[w]} passes over {plan.train_limit[w]} "
                     "images" if w == "resnet50_predict" else
                     f"{w.upper()} {plan.epochs[w]} epochs on "
                     f"{plan.train_limit[w] or 60000} "
                     + ("images" if w == "mobilenet_finetune" else "samples")
                     for w in plan.workloads)


def facts(plan: Plan, started: str, load_start: str, skipped: list[str]) -> list[tuple[str, str]]:
    """The report's header: when, where, how it was run."""
    items = [("date", started), ("CPU", cpu_model()), ("cores", str(os.cpu_count())),
             ("load average (1/5/15 min) at start", load_start), ("load average at end", load()),
             ("command", shlex.join(getattr(sys, "orig_argv", sys.argv))),
             ("reps", str(plan.reps)),
             ("workloads", describe(plan))]
    if skipped:
        items.append(("skipped (no venv; run `make bench-setup`)", ", ".join(skipped)))
    return items


def main(argv: list[str] | None = None) -> None:
    """Run the plan, print the tables and write the markdown report."""
    args = parse_args(argv)
    if args.accelerator:
        import accelerator
        return accelerator.main(args)
    plan = make_plan(args)
    contenders, skipped = available(args.contenders.split(","))
    if not contenders:
        sys.exit("no contender to run")
    started, load_start = time.strftime("%Y-%m-%d %H:%M:%S %Z"), load()
    busy = os.getloadavg()[0] > 0.5
    print(("QUICK smoke run (not for comparisons): " if plan.quick else "")
          + f"{plan.reps} rep(s); {describe(plan)}; "
          + f"contenders: {', '.join(c.name for c in contenders)}", flush=True)
    samples, versions, threads = measure(plan, contenders)
    title = "lamina side-by-side benchmarks" + (" (QUICK smoke run)" if plan.quick else "")
    notes = report_notes.notes(plan.quick, threads, busy, SCAN_CHUNKS, PREDICT_CALLS)
    text = report.document(title, facts(plan, started, load_start, skipped),
                           report.medians(samples), versions, notes)
    out = HERE / ("RESULTS-quick.md" if plan.quick else "RESULTS.md")
    out.write_text(text)
    print("\n" + text + f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
