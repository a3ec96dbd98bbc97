"""`keras.mixed_precision`: Keras 2's names for dtype policies, and `LossScaleOptimizer`.

    keras.mixed_precision.set_global_policy("mixed_float16")
    # layers created now compute in float16 and keep float32 variables;
    # compile() wraps the optimizer in a LossScaleOptimizer
"""

from __future__ import annotations

from lamina.dtype_policies.dtype_policy import DTypePolicy, dtype_policy, set_dtype_policy

Policy = DTypePolicy
global_policy = dtype_policy
set_global_policy = set_dtype_policy


def __getattr__(name: str):
    if name == "LossScaleOptimizer":  # optax loads with the optimizers
        from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer

        return LossScaleOptimizer
    raise AttributeError(f"module 'lamina.mixed_precision' has no attribute {name!r}")


__all__ = ["DTypePolicy", "LossScaleOptimizer", "Policy", "dtype_policy", "global_policy",
           "set_dtype_policy", "set_global_policy"]
