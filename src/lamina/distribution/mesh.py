"""Devices, meshes and tensor layouts: Keras 3's names over jax.sharding.Mesh / NamedSharding."""

from __future__ import annotations

import math

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from lamina import errors


def list_devices(device_type: str | None = None) -> list[str]:
    """The devices available for distribution, as Keras 3 names them ('cpu:0', 'gpu:1', ...).

    `device_type` is 'cpu', 'gpu' or 'tpu'; by default the accelerators if any, else the CPUs.
    """
    return [f"{d.platform}:{d.id}" for d in _jax_devices(device_type)]


def get_device_count(device_type: str | None = None) -> int:
    """How many devices of `device_type` there are (by default: accelerators if any, else
    CPUs), as `keras.distribution.get_device_count`."""
    return len(_jax_devices(device_type))


def distribute_tensor(tensor, layout):
    """`tensor` placed per `layout` (a TensorLayout or a jax Sharding): inside a jitted
    function a sharding constraint, outside a device_put."""
    sharding = layout.backend_layout if isinstance(layout, TensorLayout) else layout
    if isinstance(tensor, jax.core.Tracer):
        return jax.lax.with_sharding_constraint(tensor, sharding)
    return jax.device_put(tensor, sharding)


def _jax_devices(device_type: str | None = None) -> list:
    try:
        return jax.devices(device_type.lower() if device_type else None)
    except RuntimeError as e:
        raise errors.ConfigError(
            f"No devices of type {device_type!r} are available. Received: "
            f"device_type={device_type!r}. Use one of 'cpu', 'gpu', 'tpu' that this machine "
            f"has, or leave device_type=None.\n({e})") from None


def resolve_device(device):
    """A jax Device from a Keras-style device string ('cpu:0', 'gpu:1') or a jax Device."""
    if isinstance(device, jax.Device):
        return device
    text = str(device).lower()
    platform, _, index = text.partition(":")
    try:
        candidates = jax.devices(platform)
    except RuntimeError:
        candidates = []
    for d in candidates:
        if index == "" or str(d.id) == index:
            return d
    raise errors.ConfigError(
        f"Unknown device {str(device)!r} in argument `devices`. Available devices: "
        f"{list_devices()}. Pass names from lamina.distribution.list_devices() (e.g. 'cpu:0').")


class DeviceMesh:
    """A grid of devices with named axes (aligned with `jax.sharding.Mesh`).

    Example:

        >>> mesh = DeviceMesh((1, 1), ("batch", "model"), ["cpu:0"])
        >>> mesh.shape, mesh.axis_names
        ((1, 1), ('batch', 'model'))
    """

    def __init__(self, shape, axis_names, devices=None):
        if not shape or not axis_names:
            raise errors.ConfigError(f"DeviceMesh needs a non-empty shape and axis_names. "
                                     f"Received: shape={shape}, axis_names={axis_names}.")
        shape, axis_names = tuple(int(s) for s in shape), tuple(axis_names)
        if len(shape) != len(axis_names):
            raise errors.ConfigError(
                f"DeviceMesh shape and axis_names must have the same length. Received: "
                f"shape={shape}, axis_names={axis_names}. Name every mesh axis once.")
        if devices is None:
            devices = list_devices()
        flat = [resolve_device(d) for d in np.asarray(devices, dtype=object).reshape(-1)]
        if math.prod(shape) != len(flat):
            raise errors.ConfigError(
                f"DeviceMesh shape {shape} holds {math.prod(shape)} devices but "
                f"{len(flat)} devices were given. Received: shape={shape}, devices={len(flat)}. "
                f"Use a shape whose product is {len(flat)}, or pass that many devices.")
        self._shape, self._axis_names = shape, axis_names
        self._jax_devices = np.array(flat, dtype=object).reshape(shape)
        self._devices = np.array([f"{d.platform}:{d.id}" for d in flat]).reshape(shape)
        self._backend_mesh = None

    @property
    def shape(self) -> tuple:
        return self._shape

    @property
    def axis_names(self) -> tuple:
        return self._axis_names

    @property
    def devices(self) -> np.ndarray:
        return self._devices

    @property
    def backend_mesh(self) -> Mesh:
        if self._backend_mesh is None:
            self._backend_mesh = Mesh(self._jax_devices, self._axis_names)
        return self._backend_mesh

    def axis_size(self, name: str) -> int:
        return self._shape[self._axis_names.index(name)]

    def __repr__(self) -> str:
        return f"<DeviceMesh shape={self.shape}, axis_names={self.axis_names}>"


class TensorLayout:
    """How one tensor is split over a mesh: one mesh axis name (or None) per tensor dimension."""

    def __init__(self, axes, device_mesh: DeviceMesh | None = None):
        self._axes = tuple(axes)
        self._device_mesh = None
        self.device_mesh = device_mesh

    @property
    def axes(self) -> tuple:
        return self._axes

    @property
    def device_mesh(self) -> DeviceMesh | None:
        return self._device_mesh

    @device_mesh.setter
    def device_mesh(self, device_mesh) -> None:
        if self._device_mesh is not None:
            raise errors.ConfigError("This TensorLayout already has a device_mesh; create a new "
                                     "TensorLayout for another mesh.")
        self._device_mesh = device_mesh
        if device_mesh is not None:
            unknown = [a for a in self._axes if a is not None and a not in device_mesh.axis_names]
            if unknown:
                raise errors.ConfigError(
                    f"TensorLayout axes {self._axes} name {unknown}, which are not axes of the "
                    f"mesh {device_mesh.axis_names}. Use mesh axis names or None.")

    @property
    def backend_layout(self) -> NamedSharding:
        if self._device_mesh is None:
            raise errors.ConfigError("This TensorLayout has no device_mesh yet. Pass "
                                     "device_mesh=... or add it to a LayoutMap.")
        return NamedSharding(self._device_mesh.backend_mesh, PartitionSpec(*self._axes))

    def __repr__(self) -> str:
        return f"<TensorLayout axes={self.axes}, device_mesh={self.device_mesh}>"
