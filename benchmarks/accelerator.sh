#!/usr/bin/env bash
# lamina on an accelerator (issue 24 item 4): on whatever device JAX sees, run the tests marked
# `accelerator`, then `benchmarks/run.py --accelerator` (lamina vs Keras-JAX, float32 and
# mixed_bfloat16), which writes benchmarks/RESULTS-accelerator.md. A few minutes on a GPU.
#
#   bash benchmarks/accelerator.sh                                  # on a GPU / TPU machine
#   ACCELERATOR_ALLOW_CPU=1 bash benchmarks/accelerator.sh --smoke  # check the path on a CPU
#
# Extra arguments go to run.py (--smoke, --only mlp,cnn, --reps N, --epochs N). On a CPU without
# ACCELERATOR_ALLOW_CPU=1 it says so and exits 0 without writing results.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"

backend="$("$PYTHON" -c 'import jax; print(jax.default_backend())')"
if [[ "$backend" == "cpu" && "${ACCELERATOR_ALLOW_CPU:-0}" != "1" ]]; then
    echo "no accelerator found (JAX's default backend is cpu): nothing run, no results written."
    echo "Set ACCELERATOR_ALLOW_CPU=1 (with --smoke) to check the path on this CPU."
    exit 0
fi
echo "JAX backend: $backend"

KERAS_BACKEND=jax ACCELERATOR_ALLOW_CPU="${ACCELERATOR_ALLOW_CPU:-0}" \
    "$PYTHON" -m pytest -q -m accelerator tests/test_accelerator.py -p no:cacheprovider
"$PYTHON" benchmarks/run.py --accelerator "$@"

results=benchmarks/RESULTS-accelerator.md
[[ " $* " == *" --smoke "* ]] && results=benchmarks/RESULTS-accelerator-smoke.md
echo "results: $results"
