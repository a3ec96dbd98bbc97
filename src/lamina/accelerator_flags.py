"""XLA flags that help a GPU, set by `import lamina` before JAX starts its backends.

XLA reads `XLA_FLAGS` once, when the first backend initializes, so the flags can only be set
before then, and `jax.default_backend()` cannot be asked without initializing it. lamina
therefore looks for what makes JAX pick a GPU: an installed CUDA plugin (`pip install
"lamina[cuda12]"` brings `jax-cuda12-plugin`) and no `JAX_PLATFORMS` that leaves the GPU out.

Left alone: an `XLA_FLAGS` the user set (theirs win, whole), a JAX whose backends already run,
and every machine without a CUDA plugin (CPU runs see no change). The flags are XLA debug
options that every XLA build knows, so a machine with the plugin but no GPU still runs.
"""

from __future__ import annotations

import importlib.util
import os

#: JAX's GPU performance guide and NVIDIA's JAX images both set the scheduler flag: it lets XLA
#: overlap transfers and collectives with compute kernels.
GPU_FLAGS = ("--xla_gpu_enable_latency_hiding_scheduler=true",)
_CUDA_PLUGINS = ("jax_cuda12_plugin", "jax_cuda13_plugin", "jax_plugins.xla_cuda12",
                 "jax_plugins.xla_cuda13")


def cuda_plugin_installed() -> bool:
    """Whether a JAX CUDA plugin is importable (without importing it)."""
    for name in _CUDA_PLUGINS:
        try:
            if importlib.util.find_spec(name) is not None:
                return True
        except (ImportError, ValueError):  # a parent package that is missing
            continue
    return False


def gpu_flags_for(environ: dict, plugin_installed: bool, backends_started: bool) -> str | None:
    """The `XLA_FLAGS` value to set, or None to leave the environment alone (see the module
    docstring for when)."""
    if "XLA_FLAGS" in environ or backends_started or not plugin_installed:
        return None
    platforms = environ.get("JAX_PLATFORMS", "")
    if platforms and not any(p in platforms.lower() for p in ("cuda", "gpu")):
        return None
    return " ".join(GPU_FLAGS)


def set_gpu_flags() -> None:
    """Set `GPU_FLAGS` in `XLA_FLAGS` when JAX is about to start on a GPU (called by `import
    lamina`)."""
    if "XLA_FLAGS" in os.environ or not cuda_plugin_installed():
        return  # the common case, decided without JAX's private modules
    try:
        from jax._src import xla_bridge  # JAX's own record of started backends
        started = xla_bridge.backends_are_initialized()
    except (ImportError, AttributeError):  # another JAX: leave the flags alone
        started = True
    flags = gpu_flags_for(os.environ, True, started)
    if flags is not None:
        os.environ["XLA_FLAGS"] = flags
