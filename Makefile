# Two entry points: `make demo` (the tutorial, end to end) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-applications fuzz test-sklearn test-long test-mixed-precision bench-accelerator docs docs-test test-oldest-jax data bench bench-setup clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# jax2onnx (model.export(format="onnx")) declares pins (orbax-checkpoint<0.11.37, equinox,
# huggingface-hub...) that conversion does not need and that clash with orbax's: no deps.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	$(BIN)/pip install --quiet --no-deps "jax2onnx==0.17.1"
	touch $(STAMP)

DOCS_STAMP := $(VENV)/.installed-docs
$(DOCS_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/pip install --quiet -e ".[test,docs]"
	touch $(DOCS_STAMP)

# Debian's Fashion-MNIST copy, installed when we are root with apt and it is missing.
data:
	@if [ ! -d /usr/share/datasets/fashion-mnist ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; \
	fi

demo: $(STAMP) data
	$(BIN)/python examples/quickstart.py

test: $(STAMP) data
	KERAS_BACKEND=jax $(BIN)/python -m pytest -q --durations=25

# The documentation site into site/ (mkdocs.yml); fails on any warning.
docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# The strict site build, then the site in Debian's headless chromium (skips without it).
docs-test: $(DOCS_STAMP)
	KERAS_BACKEND=jax $(BIN)/python -m pytest -q -m docs tests/test_docs_examples.py tests/test_docs_browser.py

# Every keras.applications architecture against Keras (the default suite checks one per family).
test-applications: $(STAMP)
	KERAS_BACKEND=jax $(BIN)/python -m pytest -q --applications-full tests/applications

# The file loaders against 10,000 fuzzed files (`make test` runs 300 of them; ~2-3 min).
fuzz: $(STAMP)
	LAMINA_FUZZ_EXAMPLES=10000 KERAS_BACKEND=jax $(BIN)/python -m pytest -q tests/test_fuzz_loaders.py

# Every scikit-learn estimator check on keras.wrappers (the default suite runs those that need
# no fit, plus two that fit).
test-sklearn: $(STAMP)
	LAMINA_SKLEARN_FULL=1 KERAS_BACKEND=jax $(BIN)/python -m pytest -q -m sklearn_full tests/test_sklearn_wrappers.py

# 200 model cycles in one process: memory and compiled-program caches stay bounded (minutes).
test-long: $(STAMP)
	LAMINA_LONG_RUNS=1 KERAS_BACKEND=jax $(BIN)/python -m pytest -q -m long_runs tests/test_long_runs.py

# Mixed precision: every model x policy trained against Keras (the default suite trains one).
test-mixed-precision: $(STAMP)
	LAMINA_MIXED_PRECISION_FULL=1 KERAS_BACKEND=jax $(BIN)/python -m pytest -q tests/test_mixed_precision.py

# Variables as tensors under the oldest JAX pyproject.toml allows (`make test` runs the newest).
test-oldest-jax:
	$(PYTHON) -m venv .venv-oldest-jax
	.venv-oldest-jax/bin/pip install --quiet "jax==0.4.30" "jaxlib==0.4.30" "optax==0.2.5" \
		"numpy<2" h5py
	PYTHONPATH=src .venv-oldest-jax/bin/python tests/compat/variables_oldest_jax.py

# The peers' venvs (tensorflow-cpu, the CPU build of torch) under benchmarks/.venvs; idempotent.
bench-setup: $(STAMP) data
	PYTHON=$(PYTHON) bash benchmarks/setup_peers.sh

# The full side-by-side run (about 30-40 min on 2 cores); `benchmarks/run.py --quick` smoke-tests.
bench: bench-setup
	$(BIN)/python benchmarks/run.py

# On a GPU/TPU machine: the accelerator tests and lamina vs Keras-JAX, float32 and mixed_bfloat16,
# into benchmarks/RESULTS-accelerator.md (a few minutes; says so and stops on a CPU).
bench-accelerator: $(STAMP)
	bash benchmarks/accelerator.sh

clean:
	rm -rf $(VENV) build *.egg-info
