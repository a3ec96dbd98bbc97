#!/usr/bin/env bash
# Creates the peer venvs for benchmarks/run.py, idempotently (a stamp per pinned spec):
#   benchmarks/.venvs/tf     tensorflow-cpu (tf.keras, i.e. Keras 3 on the TensorFlow backend)
#   benchmarks/.venvs/torch  the CPU build of torch (pinned exactly, so pip never pulls a CUDA one)
# lamina, Keras-JAX and the hand-written JAX loops use the repo's own .venv.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
TF_SPEC="tensorflow-cpu==2.21.0"
TORCH_SPEC="torch==2.13.0 numpy"

make_venv() {  # make_venv NAME "SPECS..."
    local dir=".venvs/$1" specs="$2"
    local stamp="$dir/.installed"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$specs" ]; then
        echo "bench-setup: benchmarks/$dir is up to date ($specs)"
        return
    fi
    echo "bench-setup: installing $specs into benchmarks/$dir"
    [ -x "$dir/bin/python" ] || "$PYTHON" -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --upgrade pip
    # shellcheck disable=SC2086  # the specs are a word list on purpose
    "$dir/bin/python" -m pip install --quiet $specs
    echo "$specs" > "$stamp"
}

make_venv tf "$TF_SPEC"
make_venv torch "$TORCH_SPEC"
