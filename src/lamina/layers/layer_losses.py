"""`add_loss` and `losses`, as Keras 3 has them.

Eagerly a layer keeps the losses its last call added (cleared when an outermost call starts).
While the engine traces a step, `add_loss` goes to the step's collector instead (so the loss
is part of the compiled computation) and `losses` lists this layer's share of it.
"""

from __future__ import annotations

import threading

import jax.numpy as jnp

_collectors = threading.local()


class collect_losses:  # noqa: N801 - a context manager used like a function
    """Collect the losses `add_loss` adds while a forward pass runs."""

    def __enter__(self) -> list:
        if not hasattr(_collectors, "stack"):
            _collectors.stack = []
        self.losses: list = []
        _collectors.stack.append(self.losses)
        return self.losses

    def __exit__(self, *exc) -> None:
        _collectors.stack.pop()


def _collector() -> list | None:
    stack = getattr(_collectors, "stack", None)
    return stack[-1] if stack else None


class LayerLossesMixin:
    """Gives a layer `add_loss(loss)` and the `losses` property."""

    def add_loss(self, loss) -> None:
        """Add a scalar (or a list of them) to the training loss, from `call` or `build`."""
        losses = list(loss) if isinstance(loss, (list, tuple)) else [loss]
        collector = _collector()
        for value in losses:
            if not hasattr(value, "shape"):
                raise ValueError("`add_loss()` can only be called from inside `build()` or "
                                 f"`call()`, on a tensor input. Received invalid value: {value}")
            value = jnp.asarray(value)
            if collector is not None:
                collector.append(value)
                self.__dict__.setdefault("_traced_losses", []).append(value)
            else:
                self.__dict__.setdefault("_losses", []).append(value)

    def _own_losses(self) -> list:
        collector = _collector()
        if collector is not None:
            ids = {id(x) for x in self.__dict__.get("_traced_losses", [])}
            return [x for x in collector if id(x) in ids]
        return list(self.__dict__.get("_losses", []))

    @property
    def losses(self) -> list:
        """The losses added by `add_loss` in the last call (this layer's and its sublayers'),
        then the weight regularization penalties."""
        losses = self._own_losses()
        for layer in self._flatten_layers():
            losses.extend(layer._own_losses())
        for variable in self.trainable_weights:
            if variable.regularizer is not None:
                losses.append(variable.regularizer(variable.value))
        return losses

    def _clear_losses(self) -> None:
        """Forget the losses of the previous call (also from the collector of the step being
        traced, so a layer called twice in one step reports its last call's losses)."""
        collector = _collector()
        for layer in (self, *self._flatten_layers()):
            layer.__dict__.pop("_losses", None)
            ids = {id(x) for x in layer.__dict__.pop("_traced_losses", [])}
            if collector is not None and ids:
                collector[:] = [x for x in collector if id(x) not in ids]
