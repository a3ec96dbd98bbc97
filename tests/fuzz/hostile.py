"""Hostile config values: absurd numbers, shapes and dtypes, deep nesting, traversing names,
and references to code (bytecode `Lambda`s, `os.system`, `eval`, the `payload` module).

The sentinel lives in a path fixed per process, so the payload never needs importing here."""

from __future__ import annotations

import codecs
import marshal
import os
import tempfile
from pathlib import Path

SENTINEL = Path(tempfile.gettempdir()) / f"lamina-fuzz-sentinel-{os.getpid()}"
PAYLOAD_MODULE = "fuzz.payload"
DEEP = 100_000  # nesting depth of the deepest JSON (past json's and Python's recursion limits)


def payload_lambda():
    """A Python lambda that creates the sentinel when called (defined here, never called)."""
    source = f"f = lambda x: (__import__('pathlib').Path({str(SENTINEL)!r}).touch(), x)[1]"
    namespace: dict = {}
    exec(compile(source, "<payload>", "exec"), namespace)
    return namespace["f"]


def _payload_code() -> str:
    """Keras's `func_dump` of `payload_lambda` (base64 of its marshalled bytecode)."""
    return codecs.encode(marshal.dumps(payload_lambda().__code__), "base64").decode("ascii")


def lambda_config() -> dict:
    """A function as Keras saves a Python lambda: bytecode that would create the sentinel."""
    return {"class_name": "__lambda__",
            "config": {"code": _payload_code(), "defaults": None, "closure": None}}


def code_references() -> list:
    """Config entries naming code: loading must refuse them without running anything."""
    def fn(module, name):
        return {"module": module, "class_name": "function", "config": name,
                "registered_name": "function"}

    return [
        lambda_config(),
        {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
         "config": {"name": "evil", "function": lambda_config(), "arguments": {}}},
        fn("os", "system"), fn("builtins", "eval"), fn("builtins", "__import__"),
        fn(PAYLOAD_MODULE, "boom"), fn("builtins", f"{PAYLOAD_MODULE}.boom"),
        {"module": PAYLOAD_MODULE, "class_name": "Boom", "config": {}, "registered_name": "Boom"},
        {"module": "subprocess", "class_name": "Popen", "config": {"args": ["touch",
                                                                          str(SENTINEL)]}},
        "os.system", "eval", "__import__", f"{PAYLOAD_MODULE}.boom", "exec",
    ]


ABSURD_NUMBERS = [0, -1, -(2 ** 31), 2 ** 31, 2 ** 40, 10 ** 12, 2 ** 63, 2 ** 64, 10 ** 400,
                  1e308, float("nan"), float("inf"), -0.0, 3.5, True, None]
ABSURD_SHAPES = [[], [None], [2 ** 40], [10 ** 12, 10 ** 12], [-1, 4], [None, 2 ** 62],
                 [None, 0], [None] * 64, ["4"], [4.5], [[4]]]
ABSURD_STRINGS = ["", "../../etc/passwd", "/etc/passwd", "..", "U1000000000", "V4294967296",
                  "S2000000000", "object", "float128", "a" * 10_000, "\udc80", "\x00",
                  "relu", "dense", "Custom>Nope", "fuzz>Scale"]
DEEP_TOKEN = "__fuzz_deep_nesting__"  # replaced by DEEP nested lists in the JSON text


def absurd_values() -> list:
    """Everything a mutated config field may become."""
    return [*ABSURD_NUMBERS, *ABSURD_SHAPES, *ABSURD_STRINGS, *code_references(), {}, DEEP_TOKEN,
            {"class_name": None}, {"class_name": "Dense"}, {"class_name": "__numpy__",
                                                             "config": {"value": [1, 2],
                                                                        "dtype": "U1000000000"}}]


def deep_json(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


def sentinel_fired() -> bool:
    """Whether any payload ran (its file exists or its module was imported)."""
    import sys

    return SENTINEL.exists() or PAYLOAD_MODULE in sys.modules
