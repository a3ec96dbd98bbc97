"""Times one import statement in this fresh process and reports the interpreter's versions.

`python probe.py "import lamina" lamina,jax,jaxlib` prints one JSON line:
{"import_s": ..., "python": "3.11.7", "versions": {"lamina": "0.1.0", ...}}.
"""

import sys
import time

start = time.perf_counter()
exec(sys.argv[1])  # noqa: S102 - the statement comes from benchmarks/run.py
elapsed = time.perf_counter() - start

import json  # noqa: E402 - after the timed import on purpose
import platform  # noqa: E402
from importlib import metadata  # noqa: E402


def installed(dists: list[str]) -> dict[str, str]:
    """The installed version of each distribution in `dists` that is installed."""
    versions = {}
    for dist in dists:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return versions


print(json.dumps({"import_s": elapsed, "python": platform.python_version(),
                  "versions": installed(sys.argv[2].split(","))}))
