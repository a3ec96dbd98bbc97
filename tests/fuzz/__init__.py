"""Helpers for fuzzing lamina's file loaders (tests/test_fuzz_loaders.py): seed files
(`seeds`), hand-built zip archives and bombs (`zips`), hostile config values and the code
sentinel (`hostile`, `payload`), mutations (`mutators`), hypothesis strategies over them
(`strategies`) and the loading contract each case is checked against (`harness`).

`LAMINA_FUZZ_EXAMPLES` sets the total number of cases over all fuzz tests (default 300;
`make fuzz` runs 10,000)."""

import os

DEFAULT_EXAMPLES = 300


def total_examples() -> int:
    value = os.environ.get("LAMINA_FUZZ_EXAMPLES", str(DEFAULT_EXAMPLES))
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"LAMINA_FUZZ_EXAMPLES must be a positive integer. Received: "
                         f"LAMINA_FUZZ_EXAMPLES={value!r}")
    return int(value)
