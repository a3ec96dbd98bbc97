"""`import lamina` stays quick: heavy dependencies load on first use, and still work."""

import subprocess
import sys


def _output_lines(code: str) -> list[str]:
    """What `code` prints in a fresh interpreter, line by line."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.splitlines()


def test_import_lamina_defers_optax_h5py_and_lazy_submodules():
    code = ("import sys, lamina\n"
            "deferred = ['optax', 'h5py', 'lamina.optimizers', 'lamina.saving', 'lamina.ops',\n"
            "            'lamina.datasets', 'lamina.utils']\n"
            "print(sorted(m for m in deferred if m in sys.modules))\n"
            "print(lamina.optimizers.Adam.__name__, lamina.utils.to_categorical([1], 2).tolist())\n"
            "print('optax' in sys.modules, callable(lamina.saving.load_model))\n")
    assert _output_lines(code) == ["[]", "Adam [[0.0, 1.0]]", "True True"]


def test_utils_and_set_random_seed_leave_h5py_for_saving():
    # the tutorial calls keras.utils.set_random_seed; h5py (~13 MiB) waits for a save or load
    code = ("import sys, lamina\n"
            "lamina.utils.set_random_seed(0)\n"
            "print('h5py' in sys.modules)\n"
            "from lamina.saving import load_model, SavedFileError, register_keras_serializable\n"
            "print('h5py' in sys.modules, set(lamina.saving.__all__) <= set(dir(lamina.saving)))\n")
    assert _output_lines(code) == ["False", "True True"]
