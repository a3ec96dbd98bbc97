"""Global settings, mirroring `keras.config`: the only mutable globals in lamina.

Names, defaults and error texts follow Keras 3. `dtype_policy` / `set_dtype_policy` live in
lamina.dtype_policies (re-exported here).
Keras's `~/.keras/keras.json` is not read: lamina's defaults are Keras's defaults.
"""

from __future__ import annotations

import os
import warnings

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_FLOATX_VALUES = ("bfloat16", "float16", "float32", "float64")

# switches Keras keeps in its global state
_INTERACTIVE_LOGGING = True
_TRACEBACK_FILTERING = True
_FLASH_ATTENTION: bool | None = None  # None: layers decide (Keras's default)
_UNSAFE_DESERIALIZATION = False

# debugging caps, as Keras's KERAS_MAX_EPOCHS / KERAS_MAX_STEPS_PER_EPOCH
_MAX_EPOCHS = int(os.environ["KERAS_MAX_EPOCHS"]) if "KERAS_MAX_EPOCHS" in os.environ else None
_MAX_STEPS_PER_EPOCH = (int(os.environ["KERAS_MAX_STEPS_PER_EPOCH"])
                        if "KERAS_MAX_STEPS_PER_EPOCH" in os.environ else None)


# --- numerics -----------------------------------------------------------------------------

def floatx() -> str:
    """The default float dtype for new variables and inputs ('float32')."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float dtype: 'bfloat16', 'float16', 'float32' or 'float64'. Layers
    created afterwards take it as their dtype (float64 needs `jax_enable_x64`)."""
    global _FLOATX
    if value not in _FLOATX_VALUES:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of "
                         f"{set(_FLOATX_VALUES)}")
    if value == "float64":
        import jax

        if not jax.config.jax_enable_x64:
            raise ValueError(
                "set_floatx('float64') needs JAX's 64-bit mode, which is off: JAX would "
                "silently compute in float32. Received: value='float64'. Turn it on first "
                "with jax.config.update('jax_enable_x64', True) (or JAX_ENABLE_X64=1).")
    _FLOATX = str(value)


def dtype_policy():
    """The default dtype policy of new layers (`DTypePolicy(floatx())` until one is set)."""
    from lamina.dtype_policies import dtype_policy as current

    return current()


def set_dtype_policy(policy) -> None:
    """Set the default dtype policy of new layers, e.g. "mixed_float16"."""
    from lamina.dtype_policies import set_dtype_policy as set_policy

    set_policy(policy)


def epsilon() -> float:
    """The fuzz factor used by losses and a few layers (Keras default 1e-7)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor returned by `epsilon()`."""
    global _EPSILON
    _EPSILON = value


def image_data_format() -> str:
    """The default image layout: 'channels_last' (NHWC) or 'channels_first' (NCHW)."""
    return _IMAGE_DATA_FORMAT


def standardize_data_format(data_format: str | None) -> str:
    """`data_format`, or the global default when None; checked as Keras checks it."""
    if data_format is None:
        return image_data_format()
    data_format = str(data_format).lower()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format}")
    return data_format


def set_image_data_format(data_format: str) -> None:
    """Set the default image layout ('channels_last' or 'channels_first')."""
    global _IMAGE_DATA_FORMAT
    _IMAGE_DATA_FORMAT = standardize_data_format(str(data_format))


# --- backend ------------------------------------------------------------------------------

def backend() -> str:
    """The name of the engine: always 'jax' in lamina."""
    return "jax"


def set_backend(backend: str) -> None:
    """Keras switches engines here; lamina has one, so only 'jax' is accepted."""
    if backend != "jax":
        raise ValueError(f"lamina runs on JAX only; it has no {backend!r} backend. "
                         f"Received: backend={backend!r}. Use keras itself for other backends.")


def is_nnx_enabled() -> bool:
    """Whether Flax NNX features are on: lamina has none, so False."""
    return False


# --- logging, tracebacks, attention, deserialization --------------------------------------

def enable_interactive_logging() -> None:
    """Write progress bars and callback messages to stdout (the default)."""
    global _INTERACTIVE_LOGGING
    _INTERACTIVE_LOGGING = True


def disable_interactive_logging() -> None:
    """Send progress bars and callback messages to the `logging` logger "lamina" at INFO
    level, one plain line per message (Keras sends them to absl logging); for jobs whose
    output goes to log files."""
    global _INTERACTIVE_LOGGING
    _INTERACTIVE_LOGGING = False


def is_interactive_logging_enabled() -> bool:
    """Whether messages go to stdout (True) or to the "lamina" logger (False)."""
    return _INTERACTIVE_LOGGING


def enable_traceback_filtering() -> None:
    """Kept for Keras code: lamina's errors are raised where they happen and name the fix, so
    there are no internal frames to filter; the flag is only stored."""
    global _TRACEBACK_FILTERING
    _TRACEBACK_FILTERING = True


def disable_traceback_filtering() -> None:
    """See `enable_traceback_filtering`: stores the flag."""
    global _TRACEBACK_FILTERING
    _TRACEBACK_FILTERING = False


def is_traceback_filtering_enabled() -> bool:
    """The flag set by `enable_/disable_traceback_filtering` (True by default)."""
    return _TRACEBACK_FILTERING


def enable_flash_attention() -> None:
    """Let attention layers try flash attention (the default: None, "layers decide")."""
    global _FLASH_ATTENTION
    _FLASH_ATTENTION = None


def disable_flash_attention() -> None:
    """Keep attention layers off flash attention."""
    global _FLASH_ATTENTION
    _FLASH_ATTENTION = False


def is_flash_attention_enabled() -> bool | None:
    """False when disabled; None (not False) otherwise, as in Keras."""
    return _FLASH_ATTENTION


def enable_unsafe_deserialization() -> None:
    """Allow loading `Lambda` layers and other Python code from saved configs globally (as
    `safe_mode=False` does per call). Only for files you trust."""
    global _UNSAFE_DESERIALIZATION
    _UNSAFE_DESERIALIZATION = True


def is_unsafe_deserialization_enabled() -> bool:
    """Whether `enable_unsafe_deserialization()` was called (not a Keras name)."""
    return _UNSAFE_DESERIALIZATION


# --- data checks (not Keras names) --------------------------------------------------------

_CHECK_FINITE = True


def check_finite() -> bool:
    """Whether fit / evaluate / predict refuse NaN or inf in `x`, `y` and `sample_weight`
    (True by default). The check runs once per array, on the host, before the first step:
    a sum of each float array, and an exact count only when that sum is not finite."""
    return _CHECK_FINITE


def set_check_finite(value: bool) -> None:
    """Turn the non-finite data check on (default) or off, e.g. `set_check_finite(False)`
    for data whose NaNs a custom `train_step` or loss handles itself."""
    global _CHECK_FINITE
    if not isinstance(value, bool):
        raise ValueError(f"set_check_finite expects True or False. Received: value={value!r}")
    _CHECK_FINITE = value


# --- debugging caps -----------------------------------------------------------------------

def max_epochs() -> int | None:
    """The cap on the epochs of any `fit` (None: no cap); also set by KERAS_MAX_EPOCHS."""
    return _MAX_EPOCHS


def set_max_epochs(max_epochs: int | None) -> None:
    """Cap the epochs of every `fit`, for debugging; None removes the cap."""
    global _MAX_EPOCHS
    _MAX_EPOCHS = max_epochs


def max_steps_per_epoch() -> int | None:
    """The cap on steps per epoch of fit/evaluate/predict (None: no cap); also set by
    KERAS_MAX_STEPS_PER_EPOCH."""
    return _MAX_STEPS_PER_EPOCH


def set_max_steps_per_epoch(max_steps_per_epoch: int | None) -> None:
    """Cap the steps of each epoch of fit/evaluate/predict, for debugging; None removes it."""
    global _MAX_STEPS_PER_EPOCH
    _MAX_STEPS_PER_EPOCH = max_steps_per_epoch


def capped_epochs(epochs: int) -> int:
    """`epochs` lowered to `max_epochs()`, with Keras's warning (for `Model.fit` -> loop.fit,
    whose caller the warning names)."""
    if _MAX_EPOCHS and _MAX_EPOCHS < epochs:
        warnings.warn("Limiting epochs to %d" % _MAX_EPOCHS, stacklevel=4)
        return _MAX_EPOCHS
    return epochs


def capped_steps(steps: int | None) -> int | None:
    """`steps` (None: all) lowered to `max_steps_per_epoch()`, with Keras's warning (used by
    fit/evaluate/predict)."""
    if _MAX_STEPS_PER_EPOCH and (not steps or _MAX_STEPS_PER_EPOCH < steps):
        warnings.warn("Limiting steps_per_epoch to %d" % _MAX_STEPS_PER_EPOCH, stacklevel=4)
        return _MAX_STEPS_PER_EPOCH
    return steps
