"""Scale out on jax.sharding with Keras 3's distribution API.

    from lamina import distribution
    distribution.set_distribution(distribution.DataParallel())
    model.fit(x, y, batch_size=64)   # each batch is split over all devices

Parameters and their optimizer slots are placed per `get_variable_layout` (replicated for
DataParallel, per the LayoutMap for ModelParallel); the compiled step is the same pure function.
"""

from lamina.distribution.layout_map import LayoutMap
from lamina.distribution.mesh import (DeviceMesh, TensorLayout, distribute_tensor,
                                      get_device_count, list_devices)
from lamina.distribution.multi_process import initialize, num_processes, process_id
from lamina.distribution.strategies import (
    DataParallel,
    Distribution,
    ModelParallel,
    distribution,
    distribution_scope,
    set_distribution,
)

__all__ = ["DataParallel", "DeviceMesh", "Distribution", "LayoutMap", "ModelParallel",
           "TensorLayout", "distribute_tensor", "distribution", "distribution_scope",
           "get_device_count", "initialize", "list_devices",
           "num_processes", "process_id", "set_distribution"]
