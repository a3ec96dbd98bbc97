"""Several outputs: per-output losses (weighted into one total), per-output metrics and the
`<output>_loss` means, named as Keras 3 names them in logs and History."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from lamina import errors, losses
from lamina import metrics as metrics_module


def _by_name(spec: dict, names: list[str], what: str) -> list:
    unknown = sorted(set(spec) - set(names))
    if unknown:
        raise errors.ConfigError(errors.message(
            f"compile({what}=...) names outputs the model does not have.",
            expected=f"keys among the output names {names}", got=f"keys {unknown}",
            fix="Key the dict by the output layers' names (model.output_names)."))
    return [spec.get(name) for name in names]


def per_output(spec, names: list[str], what: str) -> list:
    """One entry per output from a list (one per output) or a dict keyed by output name."""
    if spec is None:
        return [None] * len(names)
    if isinstance(spec, dict):
        return _by_name(spec, names, what)
    if isinstance(spec, (list, tuple)) and len(spec) == len(names):
        return list(spec)
    raise errors.ConfigError(errors.message(
        f"compile({what}=...) does not match the model's {len(names)} outputs.",
        expected=f"a list of {len(names)} entries or a dict keyed by {names}",
        got=f"{what}={spec!r}",
        fix=f"For example {what}={{{names[0]!r}: ..., {names[1]!r}: ...}}."))


def unwrap_single(spec, name: str, what: str):
    """For one output, [x] and {name: x} mean x (metrics lists stay lists)."""
    if isinstance(spec, dict) and "class_name" not in spec:  # not a serialized object
        return _by_name(spec, [name], what)[0]
    if isinstance(spec, (list, tuple)) and len(spec) == 1 and what in ("loss", "loss_weights"):
        return spec[0]
    if isinstance(spec, (list, tuple)) and len(spec) == 1 and isinstance(spec[0], (list, tuple)):
        return spec[0]  # metrics=[["mae"]]: the one output's list
    return spec


class OutputLosses:
    """The compiled loss of a model with several outputs: Σ weight_i · loss_i(y_i, ŷ_i)."""

    def __init__(self, losses_: list, weights: list, names: list[str]):
        self.losses, self.weights, self.names = losses_, weights, names
        self.name = "loss"

    @classmethod
    def from_spec(cls, loss, loss_weights, names: list[str]) -> OutputLosses:
        specs = per_output(loss, names, "loss") if isinstance(loss, (list, tuple, dict)) \
            else [loss] * len(names)
        if isinstance(loss_weights, (int, float)):
            weights = [loss_weights] * len(names)
        else:
            weights = per_output(loss_weights, names, "loss_weights")
        return cls([None if s is None else losses.get(s) for s in specs], weights, names)

    def flat(self, y, what: str = "y_pred") -> list:
        """The per-output values of `y`: a list in output order, or a dict by output name."""
        if isinstance(y, dict):
            missing = [n for n in self.names if n not in y]
            if missing:
                raise errors.DataError(errors.message(
                    f"{what} has no entry for outputs {missing}.",
                    expected=f"a dict keyed by {self.names}", got=f"keys {sorted(y)}",
                    fix="Key the targets by the model's output names."))
            return [y[n] for n in self.names]
        if not isinstance(y, (list, tuple)) or len(y) != len(self.names):
            raise errors.DataError(errors.message(
                f"{what} does not match the model's {len(self.names)} outputs.",
                expected=f"a list of {len(self.names)} arrays or a dict keyed by {self.names}",
                got=f"{type(y).__name__}", fix="Pass one target array per output."))
        return list(y)

    def one(self, index: int, y, y_pred, sample_weight=None, mask=None):
        """The loss of output `index` (weighted by its sample weights, unweighted by
        loss_weights)."""
        return self.losses[index](self.flat(y, "y")[index], self.flat(y_pred)[index],
                                  sample_weight=self.weights_of(index, sample_weight), mask=mask)

    def weights_of(self, index: int, sample_weight):
        """Output `index`'s sample weights: its entry of a per-output list / dict, or the one
        array that weighs every output."""
        if isinstance(sample_weight, (list, tuple, dict)):
            return self.flat(sample_weight, "sample_weight")[index]
        return sample_weight

    def __call__(self, y, y_pred, sample_weight=None, mask=None):
        total = jnp.zeros(())
        for i, (loss, weight) in enumerate(zip(self.losses, self.weights)):
            if loss is not None:
                value = self.one(i, y, y_pred, sample_weight, mask)
                total = total + (value if weight is None else value * weight)
        return total


class OutputMetric:
    """A metric bound to one output; logged as `<output>_<metric>`."""

    def __init__(self, metric, index: int, outputs: OutputLosses, name: str):
        self.metric, self.index, self.outputs, self.name = metric, index, outputs, name

    def init(self):
        return self.metric.init()

    def update(self, state, y, y_pred, sample_weight=None):
        return self.metric.update(state, self.outputs.flat(y, "y")[self.index],
                                  self.outputs.flat(y_pred)[self.index],
                                  self.outputs.weights_of(self.index, sample_weight))

    def result_from(self, state):
        return self.metric.result_from(state)


class OutputLossMean:
    """`<output>_loss`: the mean of one output's unweighted loss, weighted by batch rows."""

    def __init__(self, index: int, outputs: OutputLosses):
        self.index, self.outputs = index, outputs
        self.name = f"{outputs.names[index]}_loss"

    def init(self):
        return jnp.zeros(()), jnp.zeros(())

    def update_batch(self, state, y, y_pred, sample_weight, mask):
        total, count = state
        rows = jnp.sum(mask)
        value = self.outputs.one(self.index, y, y_pred, sample_weight, mask)
        return total + value * rows, count + rows

    def result_from(self, state):
        total, count = state
        return total / jnp.maximum(count, 1.0)


def resolve_output_metrics(config, y, output_shapes) -> tuple[list, list[bool]]:
    """Loss means (when several outputs have a loss), then metrics, then weighted metrics."""
    outputs: OutputLosses = config.loss
    ys = outputs.flat(y, "y") if y is not None else [None] * len(outputs.names)
    result: list[Any] = [OutputLossMean(i, outputs) for i, loss in enumerate(outputs.losses)
                         if loss is not None]
    if len(result) < 2:
        result = []
    flags = [False] * len(result)
    taken = {m.name for m in result}
    for specs, weighted in ((config.metric_identifiers, False),
                            (config.weighted_metric_identifiers, True)):
        for i, spec in enumerate(specs):
            y_true = None if ys[i] is None else np.zeros((1, *np.shape(ys[i])[1:]))
            y_pred = np.zeros((1, *output_shapes[i][1:]))
            for ident in ([] if spec is None else spec if isinstance(spec, (list, tuple))
                          else [spec]):
                metric = metrics_module.get(ident, y_true, y_pred)
                name = f"{outputs.names[i]}_{metric.name}"
                if name in taken:
                    name = f"{outputs.names[i]}_weighted_{metric.name}" if weighted else \
                        f"{name}_{sum(n.startswith(name) for n in taken)}"
                taken.add(name)
                result.append(OutputMetric(metric, i, outputs, name))
                flags.append(weighted)
    return result, flags
