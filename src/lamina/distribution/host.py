"""Reading arrays back to the host when they may span several processes.

Under a multi-process distribution a parameter sharded over devices of other processes is not
readable locally: `to_host` gathers it first (a collective, so every process must call it in the
same order, as every process does when it saves or calls get_weights). Replicated and
single-process arrays are read directly.
"""

from __future__ import annotations

import jax
import numpy as np


def to_host(value) -> np.ndarray:
    """`value` as a NumPy array holding the global contents, whatever its sharding."""
    if isinstance(value, jax.Array) and not value.is_fully_addressable:
        if value.is_fully_replicated:
            return np.asarray(value.addressable_data(0))
        from jax.experimental import multihost_utils

        return np.asarray(multihost_utils.process_allgather(value, tiled=True))
    return np.asarray(value)


def tree_to_host(tree):
    return jax.tree_util.tree_map(to_host, tree)


def is_writer() -> bool:
    """Whether this process writes files and progress output (only process 0 does)."""
    return jax.process_index() == 0
