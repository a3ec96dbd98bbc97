"""`run.py --accelerator`: lamina vs Keras-JAX on whatever device JAX sees, under float32 and
mixed_bfloat16, written to benchmarks/RESULTS-accelerator.md (RESULTS-accelerator-smoke.md for
--smoke). run.py's machinery runs it: the same child processes, interleaving and medians; each
contender's child sets the dtype policy (`keras.config.set_dtype_policy`) before it builds.

Default sizes suit a GPU: 1 rep; the MLP 3 epochs and the CNN 2 on all 60000 samples, the LSTM
2 epochs on 10000, the transformer 2 on 2000 of its reviews, ResNet50 2 predict passes over 256
images; 20 child processes, whose start-up and compiles take most of the time (estimated 5 to 8
minutes on one H100; not yet measured). --smoke: tiny sizes to check the path on a CPU (no
ResNet50, about 3 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import time

import report
import report_notes
import run

WORKLOADS = ("mlp", "cnn", "lstm", "transformer", "resnet50_predict")
SMOKE_WORKLOADS = ("mlp", "cnn", "lstm", "transformer")
CONTENDERS = ("lamina", "keras-jax")
SMOKE_TEST_LIMIT = 500  # evaluating on all 10000 test samples would dominate a CPU smoke run
DEVICE_PROBE = ("import json, jax; d = jax.devices(); print(json.dumps({'backend': "
                "jax.default_backend(), 'kind': d[0].device_kind, 'count': len(d)}))")


def make_plan(args: argparse.Namespace) -> run.Plan:
    """The accelerator run's sizes (or --smoke's), with --reps, --epochs and --only applied."""
    if args.smoke:
        epochs = dict.fromkeys(WORKLOADS, 2)
        limit = {"mlp": 512, "cnn": 256, "lstm": 256, "transformer": 64, "resnet50_predict": 32}
    else:
        epochs = {"mlp": 3, "cnn": 2, "lstm": 2, "transformer": 2, "resnet50_predict": 2}
        limit = {"mlp": 0, "cnn": 0, "lstm": 10000, "transformer": 2000,
                 "resnet50_predict": 256}
    if args.epochs:
        epochs = dict.fromkeys(WORKLOADS, args.epochs)
    chosen = args.only.split(",") if args.only != ",".join(run.WORKLOADS) else \
        (SMOKE_WORKLOADS if args.smoke else WORKLOADS)
    workloads = tuple(w for w in WORKLOADS if w in chosen)
    return run.Plan(args.reps or 1, workloads, epochs, limit, quick=args.smoke,
                    test_limit=SMOKE_TEST_LIMIT if args.smoke else 0)


def with_policy(policy: str) -> list[run.Contender]:
    """lamina and Keras-JAX, their children told to set `policy` before building."""
    return [dataclasses.replace(c, args=(*c.args, "--policy", policy))
            for c in run.CONTENDERS if c.name in CONTENDERS]


def device() -> dict:
    """The backend, device kind and device count JAX sees, from a fresh process."""
    done = subprocess.run([str(run.MAIN_PYTHON), "-c", DEVICE_PROBE], capture_output=True,
                          text=True, check=True, cwd=run.ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def notes(smoke: bool) -> list[str]:
    """run.py's notes on the measures, plus what this run changes."""
    items = report_notes.notes(False, set(), False, run.SCAN_CHUNKS, run.PREDICT_CALLS)[:3]
    items += ["Each workload ran once per dtype policy: the child calls "
              "`keras.config.set_dtype_policy(policy)` (lamina: the same call) before building; "
              "the optimizer is Adam without loss scaling (bfloat16 needs none).",
              "Both contenders run on the same device, one process at a time; JAX's default "
              "GPU memory preallocation is left on. `import lamina` sets "
              "XLA_FLAGS=--xla_gpu_enable_latency_hiding_scheduler=true on a GPU (unless "
              "XLA_FLAGS is set); the Keras-JAX children run with XLA's defaults."]
    if smoke:
        items.append("SMOKE run: tiny sizes to check the harness, not for comparisons.")
    return items


def main(args: argparse.Namespace) -> None:
    """Run every workload under each policy; print and write the report, rewritten after each
    policy so that a run cut short still leaves its float32 results."""
    plan = make_plan(args)
    seen = device()
    started, load_start = time.strftime("%Y-%m-%d %H:%M:%S %Z"), run.load()
    print(f"accelerator run on {seen['backend']} ({seen['kind']} x{seen['count']}): "
          f"{run.describe(plan)}", flush=True)
    out = run.HERE / ("RESULTS-accelerator-smoke.md" if args.smoke else "RESULTS-accelerator.md")
    title = "lamina vs Keras-JAX on an accelerator" + (" (SMOKE run)" if args.smoke else "")
    tables, versions, text = {}, {}, ""
    for policy in report.POLICIES:
        print(f"-- dtype policy {policy}", flush=True)
        samples, versions, _ = run.measure(plan, with_policy(policy))
        tables[policy] = report.medians(samples)
        facts = [("device", f"{seen['kind']} x{seen['count']} (jax backend {seen['backend']})"),
                 *run.facts(plan, started, load_start, [])]
        text = report.accelerator_document(title, facts, tables, list(plan.workloads), versions,
                                           notes(args.smoke))
        out.write_text(text)
    print("\n" + text + f"\nwritten to {out.relative_to(run.ROOT)}")
