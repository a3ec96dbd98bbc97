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
