import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

FASHION_DIR = "/usr/share/datasets/fashion-mnist"


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def fashion():
    """The full Fashion-MNIST set from Debian's dataset-fashion-mnist (installed by .ci/run)."""
    if not os.path.isdir(FASHION_DIR):
        pytest.skip("dataset-fashion-mnist is not installed")
    from lamina.datasets import fashion_mnist

    return fashion_mnist.load_data()


def pytest_addoption(parser):
    parser.addoption("--applications-full", action="store_true", default=False,
                     help="also run every keras.applications architecture (make test-applications)")


def pytest_collection_modifyitems(config, items):
    """Tests marked `applications_full` (every architecture, minutes each) run only on request."""
    if config.getoption("--applications-full") or os.environ.get("LAMINA_APPLICATIONS_FULL"):
        return
    skip = pytest.mark.skip(reason="the full architecture corpus runs in `make test-applications`")
    for item in items:
        if "applications_full" in item.keywords:
            item.add_marker(skip)
