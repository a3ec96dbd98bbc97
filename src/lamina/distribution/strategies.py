"""DataParallel / ModelParallel and the current distribution (Keras 3 semantics)."""

from __future__ import annotations

import contextlib
import warnings

import jax
import numpy as np

from lamina import errors
from lamina.distribution.layout_map import LayoutMap
from lamina.distribution.mesh import DeviceMesh, TensorLayout, list_devices

DEFAULT_BATCH_DIM_NAME = "batch"
_CURRENT: list = [None]


class Distribution:
    """Where variables and data live: a DeviceMesh plus the mesh axis that splits the batch."""

    def __init__(self, device_mesh: DeviceMesh, batch_dim_name: str | None = None,
                 auto_shard_dataset: bool = True):
        self._device_mesh = device_mesh
        self._batch_dim_name = batch_dim_name
        self._auto_shard_dataset = auto_shard_dataset
        self._num_processes = jax.process_count()
        self._process_id = jax.process_index()

    @property
    def device_mesh(self) -> DeviceMesh:
        return self._device_mesh

    @property
    def batch_dim_name(self) -> str | None:
        return self._batch_dim_name

    @property
    def auto_shard_dataset(self) -> bool:
        return self._auto_shard_dataset

    @auto_shard_dataset.setter
    def auto_shard_dataset(self, value: bool) -> None:
        self._auto_shard_dataset = value

    @property
    def num_processes(self) -> int:
        return self._num_processes

    @property
    def num_model_replicas(self) -> int:
        return self._device_mesh.axis_size(self._batch_dim_name)

    def get_data_layout(self, data_shape) -> TensorLayout:
        """Split the first (batch) dimension over the batch axis; replicate the others."""
        spec = [None] * len(data_shape)
        spec[0] = self._batch_dim_name
        return TensorLayout(spec, self._device_mesh)

    def get_variable_layout(self, variable) -> TensorLayout:
        raise NotImplementedError

    def get_tensor_layout(self, path: str):
        return None

    def scope(self):
        """Make this distribution current inside a `with` block."""
        return scoped(self)

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} device_mesh={self._device_mesh}, "
                f"batch_dim_name={self._batch_dim_name!r}>")


class DataParallel(Distribution):
    """Replicate every variable and split each batch over all devices (or the given ones)."""

    def __init__(self, device_mesh: DeviceMesh | None = None, devices=None,
                 auto_shard_dataset: bool = True):
        if device_mesh is not None and devices is not None:
            raise errors.ConfigError("Pass either device_mesh or devices to DataParallel, not "
                                     "both.")
        if device_mesh is not None:
            if not isinstance(device_mesh, DeviceMesh):
                raise errors.ConfigError(f"DataParallel expects device_mesh to be a DeviceMesh. "
                                         f"Received: device_mesh={device_mesh!r}.")
            if len(device_mesh.shape) != 1:
                warnings.warn(f"DataParallel expects a 1D mesh but got shape "
                              f"{device_mesh.shape}; its first axis splits the batch.",
                              stacklevel=2)
            super().__init__(device_mesh, device_mesh.axis_names[0], auto_shard_dataset)
            return
        devices = list_devices() if devices is None else list(np.asarray(devices).reshape(-1))
        if not devices:
            raise errors.ConfigError("DataParallel got an empty list of devices. Pass "
                                     "devices=lamina.distribution.list_devices() or leave it out.")
        mesh = DeviceMesh((len(devices),), (DEFAULT_BATCH_DIM_NAME,), devices)
        super().__init__(mesh, DEFAULT_BATCH_DIM_NAME, auto_shard_dataset)

    @property
    def num_model_replicas(self) -> int:
        return int(np.prod(self._device_mesh.shape))

    def get_variable_layout(self, variable) -> TensorLayout:
        return TensorLayout([None] * len(variable.shape), self._device_mesh)


class ModelParallel(Distribution):
    """Split variables per a LayoutMap and each batch over `batch_dim_name` (default: the mesh's
    first axis). Variables no key matches are replicated."""

    def __init__(self, *, layout_map: LayoutMap | None = None, batch_dim_name: str | None = None,
                 auto_shard_dataset: bool = True, **kwargs):
        kwargs.pop("device_mesh", None)
        if kwargs:
            raise errors.ConfigError(f"Unknown arguments to ModelParallel: {sorted(kwargs)}.")
        if not isinstance(layout_map, LayoutMap):
            raise errors.ConfigError(f"ModelParallel needs layout_map=LayoutMap(device_mesh). "
                                     f"Received: layout_map={layout_map!r}.")
        mesh = layout_map.device_mesh
        batch_dim_name = batch_dim_name or mesh.axis_names[0]
        if batch_dim_name not in mesh.axis_names:
            raise errors.ConfigError(
                f"batch_dim_name={batch_dim_name!r} is not an axis of the mesh "
                f"{mesh.axis_names}. Use one of {list(mesh.axis_names)}.")
        super().__init__(mesh, batch_dim_name, auto_shard_dataset)
        self._layout_map = layout_map

    @property
    def layout_map(self) -> LayoutMap:
        return self._layout_map

    def get_variable_layout(self, variable) -> TensorLayout:
        layout = self._layout_map[variable.path]
        if layout is not None:
            return layout
        return TensorLayout([None] * len(variable.shape), self._device_mesh)

    def get_tensor_layout(self, path: str):
        return self._layout_map[path]


def distribution() -> Distribution | None:
    """The current distribution (None: everything on the default device)."""
    return _CURRENT[0]


def set_distribution(value: Distribution | None) -> None:
    """Make `value` the current distribution for fit / evaluate / predict (None to unset)."""
    if value is not None and not isinstance(value, Distribution):
        raise errors.ConfigError(f"set_distribution expects a DataParallel / ModelParallel "
                                 f"instance or None. Received: value={value!r}.")
    _CURRENT[0] = value


@contextlib.contextmanager
def scoped(value: Distribution | None):
    """Make `value` (None: no distribution) current inside a `with` block."""
    previous = distribution()
    set_distribution(value)
    try:
        yield value
    finally:
        set_distribution(previous)


def distribution_scope(value: Distribution):
    """`with distribution_scope(d):` — the same as `with d.scope():`."""
    if not isinstance(value, Distribution):
        raise errors.ConfigError(f"distribution_scope expects a Distribution. Received: "
                                 f"value={value!r}.")
    return value.scope()
