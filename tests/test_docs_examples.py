"""The documentation cannot rot: every ```python block under docs/ runs, page by page in one
namespace (as a reader runs them in order), and every `>>>` example in lamina's docstrings runs
through doctest. `make docs-test` (pytest -m docs) also builds the site with `mkdocs build
--strict`, which fails on any warning (a broken link, an unresolved API reference).

A block that must not run (a multi-process launch, say) is preceded by the line
`<!-- docs-test: skip -->`; use it sparingly. Data sets are replaced by small random arrays of
the same shapes and dtypes, so the tutorial's code runs as written and fast.
"""

from __future__ import annotations

import atexit
import doctest
import functools
import importlib
import importlib.util
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pytest

import lamina

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SRC = ROOT / "src" / "lamina"
SKIP_MARK = "<!-- docs-test: skip -->"
FENCE = re.compile(r"^```python\n(.*?)^```", re.M | re.S)
PAGES = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, code) of each ```python block not preceded by the skip marker."""
    blocks = []
    for match in FENCE.finditer(text):
        before = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        if before.strip() != SKIP_MARK:
            blocks.append((text.count("\n", 0, match.start()) + 2, match.group(1)))
    return blocks


def small_image_set(train: int, test: int, shape: tuple, classes: int):
    """A load_data() stand-in: random uint8 images and labels of the real set's layout."""
    rng = np.random.default_rng(0)

    def split(n):
        return (rng.integers(0, 256, (n, *shape), dtype=np.uint8),
                rng.integers(0, classes, (n,)).astype(np.uint8))

    return lambda: (split(train), split(test))


@pytest.fixture
def docs_sandbox(tmp_path, monkeypatch):
    """Run in a scratch directory with small data sets and no distribution left behind."""
    from lamina import distribution
    from lamina.datasets import fashion_mnist, mnist

    monkeypatch.chdir(tmp_path)
    for module in (mnist, fashion_mnist):
        monkeypatch.setattr(module, "load_data", small_image_set(256, 64, (28, 28), 10))
    yield tmp_path
    distribution.set_distribution(None)


def test_every_page_is_in_the_nav():
    nav = (ROOT / "mkdocs.yml").read_text()
    assert len(PAGES) >= 10
    for page in PAGES:
        assert f" {page}\n" in nav, f"docs/{page} is not in mkdocs.yml's nav"


def test_skip_marker_hides_only_the_next_block():
    text = f"```python\na = 1\n```\n{SKIP_MARK}\n```python\nraise SystemExit\n```\n"
    assert python_blocks(text) == [(2, "a = 1\n")]


@pytest.mark.parametrize("page", [p for p in PAGES if python_blocks((DOCS / p).read_text())])
def test_page_examples_run(page, docs_sandbox, capsys):
    path = DOCS / page
    namespace: dict = {"__name__": f"docs_{page}"}
    for line, code in python_blocks(path.read_text()):
        source = "\n" * (line - 1) + code  # tracebacks point at the page's own lines
        exec(compile(source, str(path), "exec"), namespace)  # noqa: S102 - the docs' own code
    capsys.readouterr()


def modules_with_doctests() -> list[str]:
    """Dotted names of lamina's modules whose source holds a `>>>` example."""
    return sorted(
        ".".join(("lamina", *path.relative_to(SRC).with_suffix("").parts))
        for path in SRC.rglob("*.py")
        if path.name != "__main__.py" and ">>> " in path.read_text())


def test_docstring_examples_are_collected():
    assert len(modules_with_doctests()) >= 5


@pytest.mark.parametrize("name", modules_with_doctests())
def test_docstring_examples_run(name):
    """Keras's docstring conventions: `np`, `keras` and `ops` are in scope."""
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    tests = doctest.DocTestFinder().find(
        module, extraglobs={"np": np, "keras": lamina, "ops": importlib.import_module(
            "lamina.ops")})
    runner = doctest.DocTestRunner(optionflags=flags)
    for test in tests:
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.attempted > 0 and results.failed == 0, f"{name}: {results}"


@functools.cache
def built_site() -> tuple[pathlib.Path, subprocess.CompletedProcess]:
    """`mkdocs build --strict` of the repository's site, once per test run (the browser test
    serves the same build), into a temporary directory removed at exit."""
    target = pathlib.Path(tempfile.mkdtemp(prefix="lamina-docs-")) / "site"
    atexit.register(shutil.rmtree, target.parent, ignore_errors=True)
    mkdocs = shutil.which("mkdocs", path=os.path.dirname(sys.executable)) or "mkdocs"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(target)], cwd=ROOT,
                            capture_output=True, text=True, env=env, timeout=600)
    return target, result


def require_docs_run(config: pytest.Config) -> None:
    """Skip unless this run asked for the docs checks (`pytest -m docs`, as `make docs-test`
    runs them, or LAMINA_DOCS_TEST=1): the site build takes 15-40 s."""
    if "docs" not in (config.getoption("markexpr", "") or "") and not os.environ.get(
            "LAMINA_DOCS_TEST"):
        pytest.skip("the site build runs in `make docs-test` (pytest -m docs)")


@pytest.mark.docs
def test_site_builds_without_warnings(pytestconfig):
    require_docs_run(pytestconfig)
    pytest.importorskip("mkdocstrings_handlers.python", reason="the docs extra is not installed")
    site, result = built_site()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "WARNING" not in result.stderr, result.stderr[-3000:]
    for page in ("index.html", "tutorial/index.html", "api/layers/index.html"):
        assert (site / page).is_file(), page
    layers = (site / "api/layers/index.html").read_text()
    assert "lamina.layers.Dense" in layers and "lamina.layers.AvgPool2D" in layers


API_NAMESPACES = ("models", "layers", "callbacks", "losses", "metrics", "optimizers", "saving",
                  "utils", "applications", "distribution", "export")


def test_api_pages_cover_every_public_name():
    """The API pages (docs/_hooks/api_pages.py) list every public class and function of each
    namespace once, under the module static analysis finds it in, or with its own docstring
    where static analysis cannot see it (classes and functions built by factories)."""
    pytest.importorskip("griffe", reason="the docs extra is not installed")
    spec = importlib.util.spec_from_file_location("api_pages", DOCS / "_hooks" / "api_pages.py")
    api_pages = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = api_pages  # dataclasses look their module up there
    spec.loader.exec_module(api_pages)
    for namespace in API_NAMESPACES:
        page = (DOCS / "api" / f"{namespace}.md").read_text()
        assert f"<!-- api: lamina.{namespace} -->" in page, namespace
        entries = api_pages.public_entries(f"lamina.{namespace}")
        listed = [name for e in entries for name in (e.name, *e.aliases)]
        assert len(listed) == len(set(listed)) and listed, namespace
        undocumented = [e.name for e in entries if e.path is None and not e.obj.__doc__]
        assert not undocumented, f"lamina.{namespace}: give these a docstring: {undocumented}"
    layers = {e.name: e for e in api_pages.public_entries("lamina.layers")}
    assert layers["Dense"].path == "lamina.layers.core.Dense"
    assert "AvgPool2D" in layers["AveragePooling2D"].aliases
