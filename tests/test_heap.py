"""training/heap.py: the heap is trimmed after long compiles, once per process."""

import subprocess
import sys
import textwrap

from lamina.training import heap

SCRIPT = textwrap.dedent("""
    import jax.monitoring
    from lamina.training import heap
    calls = []
    heap._malloc_trim = lambda: (lambda pad: calls.append(pad))
    heap.release_after_compiles()
    heap.release_after_compiles()  # a second install adds no second listener
    jax.monitoring.record_event_duration_secs(heap.COMPILED_EVENT, 0.2)
    jax.monitoring.record_event_duration_secs(heap.COMPILED_EVENT, 0.001)
    jax.monitoring.record_event_duration_secs("/jax/some/other_event", 5.0)
    print(calls)
""")


def test_glibc_malloc_trim_is_found():
    trim = heap._malloc_trim()
    assert trim is not None and trim(0) in (0, 1)


def test_only_long_compiles_trim_and_only_once_per_event():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[0]"
