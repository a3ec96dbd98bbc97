"""`Layer.stateless_call`: call a layer on given variable values, changing nothing (Keras 3's
JAX idiom for custom training steps and training loops written from scratch)."""

from __future__ import annotations

from lamina.layers.layer_losses import collect_losses
from lamina.variables import capture_assignments


class StatelessCallMixin:
    def stateless_call(self, trainable_variables, non_trainable_variables, *args,
                       return_losses: bool = False, **kwargs):
        """`(outputs, non_trainable_variables)` of calling the layer with these variable
        values (and the losses `add_loss` added, with `return_losses=True`); the layer's
        own variables keep their values."""
        if not self.built:
            raise ValueError(f"To call stateless_call, {type(self).__name__} must be built "
                             "(i.e. its variables must have been already created). You can "
                             "build it by calling it on some data.")
        trainable, frozen = self.trainable_variables, self.non_trainable_variables
        for given, own, which in ((trainable_variables, trainable, "trainable_variables"),
                                  (non_trainable_variables, frozen, "non_trainable_variables")):
            if len(given) != len(own):
                raise ValueError(
                    f"Argument `{which}` must be a list of tensors corresponding 1:1 to "
                    f"{type(self).__name__}().{which}. Received list with length "
                    f"{len(given)}, but expected {len(own)} variables.")
        pairs = list(zip(trainable, trainable_variables)) + list(zip(frozen,
                                                                      non_trainable_variables))
        with capture_assignments(pairs) as frame, collect_losses():
            outputs = self(*args, **kwargs)
            losses = self.losses if return_losses else None
        new_frozen = [frame[id(v)] for v in frozen]
        if return_losses:
            return outputs, new_frozen, losses
        return outputs, new_frozen
