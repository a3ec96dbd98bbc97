"""Several processes (hosts) as one mesh, over jax.distributed."""

from __future__ import annotations

import jax

from lamina import errors


def initialize(coordinator_address: str | None = None, num_processes: int | None = None,
               process_id: int | None = None, **kwargs) -> None:
    """Join this process to a multi-process cluster (wraps `jax.distributed.initialize`).

    Call it first, in every process, with the same `coordinator_address` ('host:port' of
    process 0) and `num_processes`, and this process's `process_id`; afterwards
    `list_devices()` lists the devices of all processes. On managed clusters (SLURM, TPU pods,
    ...) the arguments may be left out and JAX finds them itself.
    """
    if num_processes is not None and process_id is not None and \
            not 0 <= int(process_id) < int(num_processes):
        raise errors.ConfigError(
            f"process_id must be in [0, num_processes). Received: process_id={process_id}, "
            f"num_processes={num_processes}. Number the processes 0..{int(num_processes) - 1}.")
    if coordinator_address is not None and ":" not in str(coordinator_address):
        raise errors.ConfigError(
            f"coordinator_address must be 'host:port' of process 0. Received: "
            f"coordinator_address={coordinator_address!r}. E.g. '127.0.0.1:1234'.")
    jax.distributed.initialize(coordinator_address=coordinator_address,
                               num_processes=num_processes, process_id=process_id, **kwargs)


def process_id() -> int:
    """This process's index (0 on a single machine); process 0 writes files."""
    return jax.process_index()


def num_processes() -> int:
    return jax.process_count()
