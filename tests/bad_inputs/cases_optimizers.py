"""Optimizers: hyperparameters at construction, and the learning-rate setter."""

from __future__ import annotations

from bad_inputs import case


def _new(name, *args, **kwargs):
    return lambda w: getattr(w.K.optimizers, name)(*args, **kwargs)


def _ok(name):
    return lambda w: getattr(w.K.optimizers, name)()


STRICTER = "Keras accepts it and diverges"


def _set_lr(value):
    def call(w):
        w.model.optimizer.learning_rate = value
    return call


CASES = [
    case("Adam learning_rate=-0.01", _new("Adam", -0.01), ValueError, "learning_rate=-0.01",
         _ok("Adam"), STRICTER),
    case("SGD learning_rate=-1", _new("SGD", learning_rate=-1), ValueError, "learning_rate=-1",
         _ok("SGD"), STRICTER),
    case("RMSprop learning_rate=nan", _new("RMSprop", float("nan")), ValueError,
         "learning_rate=nan", _ok("RMSprop"), STRICTER),
    case("Adam learning_rate=inf", _new("Adam", float("inf")), ValueError, "learning_rate=inf",
         _ok("Adam"), STRICTER),
    case("Adam learning_rate='fast'", _new("Adam", "fast"), ValueError, "learning_rate='fast'",
         _ok("Adam")),
    case("setting a negative learning rate on a compiled model's optimizer", _set_lr(-0.5),
         ValueError, r"learning_rate=-0\.5", keras_differs=STRICTER),
    case("Adam beta_1=1.5", _new("Adam", beta_1=1.5), ValueError, r"beta_1=1\.5", _ok("Adam"),
         STRICTER),
    case("Adam beta_1=-0.1", _new("Adam", beta_1=-0.1), ValueError, r"beta_1=-0\.1",
         _ok("Adam"), STRICTER),
    case("Adam beta_2=1.0", _new("Adam", beta_2=1.0), ValueError, r"beta_2=1\.0", _ok("Adam"),
         STRICTER),
    case("Adamax beta_2=2", _new("Adamax", beta_2=2), ValueError, "beta_2=2", _ok("Adamax"),
         STRICTER),
    case("Nadam beta_1=-1", _new("Nadam", beta_1=-1), ValueError, "beta_1=-1", _ok("Nadam"),
         STRICTER),
    case("AdamW beta_1=1", _new("AdamW", beta_1=1), ValueError, "beta_1=1", _ok("AdamW"),
         STRICTER),
    case("Adam epsilon=-1e-7", _new("Adam", epsilon=-1e-7), ValueError, "epsilon=-1e-07",
         _ok("Adam"), STRICTER),
    case("RMSprop rho=1.5", _new("RMSprop", rho=1.5), ValueError, r"rho=1\.5", _ok("RMSprop"),
         STRICTER),
    case("RMSprop epsilon=-1", _new("RMSprop", epsilon=-1), ValueError, "epsilon=-1",
         _ok("RMSprop"), STRICTER),
    case("SGD momentum=-0.5", _new("SGD", momentum=-0.5), ValueError, r"momentum=-0\.5",
         _ok("SGD")),
    case("SGD momentum=1.5", _new("SGD", momentum=1.5), ValueError, r"momentum=1\.5",
         _ok("SGD")),
    case("Adam clipnorm=0", _new("Adam", clipnorm=0), ValueError, "clipnorm=0", _ok("Adam"),
         STRICTER),
    case("Adam clipnorm=-1", _new("Adam", clipnorm=-1), ValueError, "clipnorm=-1", _ok("Adam"),
         STRICTER),
    case("SGD clipvalue=-1", _new("SGD", clipvalue=-1), ValueError, "clipvalue=-1", _ok("SGD"),
         STRICTER),
    case("Adam global_clipnorm=0", _new("Adam", global_clipnorm=0), ValueError,
         "global_clipnorm=0", _ok("Adam"), STRICTER),
    case("Adam clipnorm and clipvalue", _new("Adam", clipnorm=1.0, clipvalue=1.0), ValueError,
         "clipnorm=1.0.*clipvalue=1.0", _ok("Adam")),
    case("Adam unknown keyword", _new("Adam", lr_decay=0.1), ValueError, "lr_decay",
         _ok("Adam")),
    case("Adam ema_momentum=1.5", _new("Adam", use_ema=True, ema_momentum=1.5), ValueError,
         r"ema_momentum.*1\.5", _ok("Adam")),
    case("Adam gradient_accumulation_steps=1", _new("Adam", gradient_accumulation_steps=1),
         ValueError, "gradient_accumulation_steps=1", _ok("Adam")),
    case("optimizers.get unknown name", lambda w: w.K.optimizers.get("adamx"), ValueError,
         "adamx", lambda w: w.K.optimizers.get("adam")),
    case("ExponentialDecay decay_steps=0",
         lambda w: w.K.optimizers.schedules.ExponentialDecay(0.1, decay_steps=0,
                                                             decay_rate=0.9)(1),
         ValueError, "decay_steps.*0", keras_differs="Keras divides by zero"),
]
