"""Keras 3's JAX training customizations, written as the guides write them ("Customizing what
happens in fit() with JAX", "Writing a training loop from scratch in JAX", "Making new layers
and models via subclassing" for the VAE, custom metrics), run by lamina and by Keras 3 (JAX
backend) from the same weights: the trained weights and logs must agree."""

import jax
import numpy as np
import pytest

import lamina

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(3)
X = RNG.random((96, 8)).astype("float32")
Y = RNG.random((96, 1)).astype("float32")
START = [np.linspace(-0.5, 0.5, 8 * 4).reshape(8, 4).astype("float32"),
         np.zeros(4, "float32"), np.linspace(0.2, -0.2, 4).reshape(4, 1).astype("float32"),
         np.zeros(1, "float32")]


def guide_model(lib):
    """The guide's first example: compute_loss inside a jax.value_and_grad'ed function,
    stateless_apply, and a loop over self.metrics with stateless updates."""

    class CustomModel(lib.Model):
        def compute_loss_and_updates(self, trainable_variables, non_trainable_variables, x, y,
                                     training=False):
            y_pred, non_trainable_variables = self.stateless_call(
                trainable_variables, non_trainable_variables, x, training=training)
            loss = self.compute_loss(x, y, y_pred)
            return loss, (y_pred, non_trainable_variables)

        def train_step(self, state, data):
            (trainable_variables, non_trainable_variables, optimizer_variables,
             metrics_variables) = state
            x, y = data
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
            (loss, (y_pred, non_trainable_variables)), grads = grad_fn(
                trainable_variables, non_trainable_variables, x, y, training=True)
            trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables)
            new_metrics_vars, logs = [], {}
            for metric in self.metrics:
                start = len(new_metrics_vars)
                this_metric_vars = metrics_variables[start:start + len(metric.variables)]
                if metric.name == "loss":
                    this_metric_vars = metric.stateless_update_state(this_metric_vars, loss)
                else:
                    this_metric_vars = metric.stateless_update_state(this_metric_vars, y,
                                                                     y_pred)
                logs = metric.stateless_result(this_metric_vars)
                new_metrics_vars += this_metric_vars
            state = (trainable_variables, non_trainable_variables, optimizer_variables,
                     new_metrics_vars)
            return logs, state

    inputs = lib.Input((8,))
    hidden = lib.layers.Dense(4, activation="relu")(inputs)
    outputs = lib.layers.Dense(1)(lib.layers.Dropout(0.0)(hidden))
    model = CustomModel(inputs, outputs)
    model.set_weights(START)
    return model


def test_guide_train_step_trains_to_keras_weights():
    results = {}
    for lib in (lamina, keras):
        model = guide_model(lib)
        model.compile(optimizer=lib.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
        history = model.fit(X, Y, batch_size=32, epochs=3, shuffle=False, verbose=0)
        results[lib.__name__] = (history.history, model.get_weights())
    assert results["lamina"][0].keys() == results["keras"][0].keys() == {"mae"}
    np.testing.assert_allclose(results["lamina"][0]["mae"], results["keras"][0]["mae"],
                               rtol=1e-5)
    for a, b in zip(results["lamina"][1], results["keras"][1]):
        np.testing.assert_allclose(a, b, atol=1e-5)


def tracker_model(lib):
    """The guide's second example: own metric trackers, `metrics` property, compile without
    a loss, and a custom test_step."""

    class CustomModel(lib.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = lib.metrics.Mean(name="loss")
            self.mae_metric = lib.metrics.MeanAbsoluteError(name="mae")
            self.loss_fn = lib.losses.MeanSquaredError()

        def compute_loss_and_updates(self, trainable_variables, non_trainable_variables, x, y,
                                     training=False):
            y_pred, non_trainable_variables = self.stateless_call(
                trainable_variables, non_trainable_variables, x, training=training)
            return self.loss_fn(y, y_pred), (y_pred, non_trainable_variables)

        def train_step(self, state, data):
            (trainable_variables, non_trainable_variables, optimizer_variables,
             metrics_variables) = state
            x, y = data
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
            (loss, (y_pred, non_trainable_variables)), grads = grad_fn(
                trainable_variables, non_trainable_variables, x, y, training=True)
            trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables)
            logs, metrics_variables = self.track(metrics_variables, loss, y, y_pred)
            return logs, (trainable_variables, non_trainable_variables, optimizer_variables,
                          metrics_variables)

        def test_step(self, state, data):
            trainable_variables, non_trainable_variables, metrics_variables = state
            x, y = data
            loss, (y_pred, non_trainable_variables) = self.compute_loss_and_updates(
                trainable_variables, non_trainable_variables, x, y, training=False)
            logs, metrics_variables = self.track(metrics_variables, loss, y, y_pred)
            return logs, (trainable_variables, non_trainable_variables, metrics_variables)

        def track(self, metrics_variables, loss, y, y_pred):
            split = len(self.loss_tracker.variables)
            loss_vars = self.loss_tracker.stateless_update_state(metrics_variables[:split],
                                                                 loss)
            mae_vars = self.mae_metric.stateless_update_state(metrics_variables[split:], y,
                                                              y_pred)
            logs = {"loss": self.loss_tracker.stateless_result(loss_vars),
                    "mae": self.mae_metric.stateless_result(mae_vars)}
            return logs, loss_vars + mae_vars

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    inputs = lib.Input((8,))
    outputs = lib.layers.Dense(1)(lib.layers.Dense(4, activation="relu")(inputs))
    model = CustomModel(inputs, outputs)
    model.set_weights(START)
    return model


def test_trackers_compile_without_loss_and_custom_test_step_match_keras():
    results = {}
    for lib in (lamina, keras):
        model = tracker_model(lib)
        model.compile(optimizer=lib.optimizers.SGD(0.05))
        history = model.fit(X, Y, batch_size=20, epochs=2, shuffle=False, verbose=0,
                            validation_data=(X[:40], Y[:40]))
        evaluated = model.evaluate(X, Y, batch_size=32, verbose=0, return_dict=True)
        results[lib.__name__] = (history.history, evaluated, model.get_weights(),
                                 float(model.loss_tracker.result()))
    ours, theirs = results["lamina"], results["keras"]
    assert set(ours[0]) == set(theirs[0]) == {"loss", "mae", "val_loss", "val_mae"}
    for key in theirs[0]:
        np.testing.assert_allclose(ours[0][key], theirs[0][key], rtol=1e-5, err_msg=key)
    for key in ("loss", "mae"):
        np.testing.assert_allclose(ours[1][key], theirs[1][key], rtol=1e-5)
    for a, b in zip(ours[2], theirs[2]):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_default_train_step_called_through_super_matches_plain_fit():
    class Passthrough(lamina.Model):
        def train_step(self, state, data):
            return super().train_step(state, data)

    inputs = lamina.Input((8,))
    outputs = lamina.layers.Dense(1)(lamina.layers.Dense(4, activation="relu")(inputs))
    custom = Passthrough(inputs, outputs)
    plain = lamina.Model(*(lambda i: (i, lamina.layers.Dense(1)(
        lamina.layers.Dense(4, activation="relu")(i))))(lamina.Input((8,))))
    logs = []
    for model in (custom, plain):
        model.set_weights(START)
        model.compile(lamina.optimizers.Adam(0.01), "mse", metrics=["mae"])
        logs.append(model.fit(X, Y, batch_size=32, epochs=2, shuffle=False,
                              verbose=0).history)
    np.testing.assert_allclose(logs[0]["loss"], logs[1]["loss"], rtol=1e-5)
    np.testing.assert_allclose(logs[0]["mae"], logs[1]["mae"], rtol=1e-5)
    for a, b in zip(custom.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)


def vae(lib):
    """The VAE shape: encoder/decoder sub-models, add-free custom losses in train_step,
    Mean trackers, compile(optimizer) only, fit(x) without targets."""
    ops = lib.ops

    class VAE(lib.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.encoder = lib.Sequential([lib.Input((8,)), lib.layers.Dense(4)])
            self.decoder = lib.Sequential([lib.Input((2,)), lib.layers.Dense(8)])
            self.total_loss_tracker = lib.metrics.Mean(name="total_loss")
            self.kl_loss_tracker = lib.metrics.Mean(name="kl_loss")

        @property
        def metrics(self):
            return [self.total_loss_tracker, self.kl_loss_tracker]

        def losses_of(self, trainable, non_trainable, data):
            encoded, _ = self.encoder.stateless_call(trainable[:2], [], data)
            z_mean, z_log_var = encoded[:, :2], encoded[:, 2:]
            reconstruction, _ = self.decoder.stateless_call(trainable[2:], [], z_mean)
            kl = -0.5 * ops.mean(1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
            total = ops.mean(ops.square(data - reconstruction)) + kl
            return total, (kl, non_trainable)

        def train_step(self, state, data):
            trainable, non_trainable, optimizer_variables, metrics_variables = state
            (total, (kl, non_trainable)), grads = jax.value_and_grad(
                self.losses_of, has_aux=True)(trainable, non_trainable, data)
            trainable, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable)
            total_vars = self.total_loss_tracker.stateless_update_state(
                metrics_variables[:2], total)
            kl_vars = self.kl_loss_tracker.stateless_update_state(metrics_variables[2:], kl)
            logs = {"total_loss": self.total_loss_tracker.stateless_result(total_vars),
                    "kl_loss": self.kl_loss_tracker.stateless_result(kl_vars)}
            return logs, (trainable, non_trainable, optimizer_variables, total_vars + kl_vars)

    model = VAE()
    model.built = True  # its layers are built; Keras would try to call it on fit's x
    model.encoder.set_weights([np.full((8, 4), 0.1, "float32"), np.zeros(4, "float32")])
    model.decoder.set_weights([np.full((2, 8), -0.1, "float32"), np.zeros(8, "float32")])
    return model


def test_vae_shaped_train_step_without_targets_matches_keras():
    results = {}
    for lib in (lamina, keras):
        model = vae(lib)
        model.compile(optimizer=lib.optimizers.Adam(0.01))
        history = model.fit(X, epochs=2, batch_size=32, shuffle=False, verbose=0)
        results[lib.__name__] = (history.history, model.encoder.get_weights())
    for key in ("total_loss", "kl_loss"):
        np.testing.assert_allclose(results["lamina"][0][key], results["keras"][0][key],
                                   rtol=1e-5)
    for a, b in zip(results["lamina"][1], results["keras"][1]):
        np.testing.assert_allclose(a, b, atol=1e-5)


def scratch_loop(lib, steps=6):
    """"Writing a training loop from scratch in JAX": the user's own jax.jit."""
    model = lib.Sequential([lib.Input((8,)), lib.layers.Dense(4, activation="relu"),
                            lib.layers.Dense(1)])
    model.set_weights(START)
    loss_fn = lib.losses.MeanSquaredError()
    optimizer = lib.optimizers.Adam(learning_rate=1e-2)
    optimizer.build(model.trainable_variables)

    def compute_loss_and_updates(trainable_variables, non_trainable_variables, x, y):
        y_pred, non_trainable_variables = model.stateless_call(
            trainable_variables, non_trainable_variables, x, training=True)
        return loss_fn(y, y_pred), non_trainable_variables

    grad_fn = jax.value_and_grad(compute_loss_and_updates, has_aux=True)

    @jax.jit
    def train_step(state, data):
        trainable_variables, non_trainable_variables, optimizer_variables = state
        x, y = data
        (loss, non_trainable_variables), grads = grad_fn(
            trainable_variables, non_trainable_variables, x, y)
        trainable_variables, optimizer_variables = optimizer.stateless_apply(
            optimizer_variables, grads, trainable_variables)
        return loss, (trainable_variables, non_trainable_variables, optimizer_variables)

    state = (
        [v.value for v in model.trainable_variables],
        [v.value for v in model.non_trainable_variables],
        [v.value for v in optimizer.variables],
    )
    losses = []
    for step in range(steps):
        batch = (X[step * 16:(step + 1) * 16], Y[step * 16:(step + 1) * 16])
        loss, state = train_step(state, batch)
        losses.append(float(loss))
    trainable_variables, non_trainable_variables, _ = state
    for variable, value in zip(model.trainable_variables, trainable_variables):
        variable.assign(value)
    return losses, model.get_weights()


def test_training_loop_from_scratch_with_jax_jit_matches_keras():
    ours, theirs = scratch_loop(lamina), scratch_loop(keras)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, atol=1e-5)


def binary_true_positives(lib):
    """The guide's custom metric: add_variable in __init__, assign_add in update_state."""
    ops = lib.ops

    class BinaryTruePositives(lib.metrics.Metric):
        def __init__(self, name="binary_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), initializer="zeros", name="tp")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_true = ops.cast(y_true, "bool")
            y_pred = ops.cast(ops.greater(y_pred, 0.5), "bool")
            values = ops.cast(ops.logical_and(ops.equal(y_true, True),
                                              ops.equal(y_pred, True)), self.dtype)
            if sample_weight is not None:
                values = ops.multiply(values, ops.cast(sample_weight, self.dtype))
            self.true_positives.assign_add(ops.sum(values))

        def result(self):
            # the guide returns the Variable itself; Keras 3.15 on JAX 0.10 then fails in its
            # own trainer (__jax_array__ during abstractification), so the oracle reads .value
            return self.true_positives if lib is lamina else self.true_positives.value

        def reset_state(self):
            self.true_positives.assign(0)

    return BinaryTruePositives


def test_custom_metric_with_variables_matches_keras_eagerly_and_in_fit():
    labels = (X[:, :1] > 0.5).astype("float32")
    results = {}
    for lib in (lamina, keras):
        metric = binary_true_positives(lib)()
        metric.update_state(labels[:10], X[:10, 1:2])
        eager = float(metric.result())
        metric.reset_state()
        model = lib.Sequential([lib.Input((8,)), lib.layers.Dense(1, activation="sigmoid")])
        model.set_weights([START[0][:, :1], np.zeros(1, "float32")])
        model.compile(lib.optimizers.SGD(0.1), "binary_crossentropy",
                      metrics=[binary_true_positives(lib)()])
        history = model.fit(X, labels, batch_size=32, epochs=2, shuffle=False, verbose=0)
        results[lib.__name__] = (eager, history.history["binary_true_positives"],
                                 len(metric.variables))
    ours, theirs = results["lamina"], results["keras"]
    assert ours[0] == pytest.approx(theirs[0]) and ours[2] == theirs[2] == 1
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)


def test_stateful_metric_updates_inside_a_jax_train_step_match_the_stateless_ones():
    """`compute_metrics` / `update_state` called in a traced train_step (the TF-guide habit)
    are recorded into the step's metric state, giving the stateless version's logs."""

    class Stateful(lamina.Model):
        def train_step(self, state, data):
            trainable, non_trainable, optimizer_variables, metrics_variables = state
            x, y = data

            def loss_fn(trainable):
                y_pred, new_non_trainable = self.stateless_call(trainable, non_trainable, x,
                                                                training=True)
                return self.compute_loss(x, y, y_pred), (y_pred, new_non_trainable)

            (loss, (y_pred, non_trainable)), grads = jax.value_and_grad(
                loss_fn, has_aux=True)(trainable)
            trainable, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable)
            self.metrics[0].update_state(loss)
            logs = self.compute_metrics(x, y, y_pred)
            return logs, (trainable, non_trainable, optimizer_variables, metrics_variables)

    histories, weights = [], []
    for model in (guide_model(lamina), None):
        if model is None:
            inputs = lamina.Input((8,))
            hidden = lamina.layers.Dense(4, activation="relu")(inputs)
            model = Stateful(inputs, lamina.layers.Dense(1)(lamina.layers.Dropout(0.0)(hidden)))
            model.set_weights(START)
        model.compile(optimizer=lamina.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
        histories.append(model.fit(X, Y, batch_size=32, epochs=2, shuffle=False,
                                   verbose=0).history)
        weights.append(model.get_weights())
    np.testing.assert_allclose(histories[1]["mae"], histories[0]["mae"], rtol=1e-6)
    assert len(histories[1]["loss"]) == 2
    for a, b in zip(weights[0], weights[1]):
        np.testing.assert_allclose(a, b, atol=1e-6)


LATENT = 3
REAL = RNG.normal(size=(64, 4)).astype("float32")


def gan_parts(lib):
    discriminator = lib.Sequential([lib.Input((4,)), lib.layers.Dense(5, activation="relu"),
                                    lib.layers.Dense(1)])
    generator = lib.Sequential([lib.Input((LATENT,)), lib.layers.Dense(4)])
    discriminator.set_weights([np.full((4, 5), 0.1, "float32"), np.zeros(5, "float32"),
                               np.linspace(-0.3, 0.3, 5).reshape(5, 1).astype("float32"),
                               np.zeros(1, "float32")])
    generator.set_weights([np.linspace(-0.2, 0.2, 12).reshape(3, 4).astype("float32"),
                           np.zeros(4, "float32")])
    return discriminator, generator


def gan_losses(lib, discriminator, generator, d_weights, g_weights, real):
    """The discriminator's and the generator's loss functions of one GAN step."""
    loss_fn = lib.losses.BinaryCrossentropy(from_logits=True)
    noise = real[:, :LATENT] * 0.5  # deterministic noise: both libraries see the same
    ones, zeros = np.ones((len(real), 1), "float32"), np.zeros((len(real), 1), "float32")

    def d_loss(d_w):
        fake, _ = generator.stateless_call(g_weights, [], noise)
        pred, _ = discriminator.stateless_call(d_w, [], lib.ops.concatenate([fake, real]))
        return loss_fn(np.concatenate([ones, zeros]), pred)

    def g_loss(g_w, d_w):
        fake, _ = generator.stateless_call(g_w, [], noise)
        pred, _ = discriminator.stateless_call(d_w, [], fake)
        return loss_fn(zeros, pred)

    return d_loss, g_loss


class GAN(lamina.Model):
    """The GAN guide's shape: two sub-models, two optimizers set in an overridden compile,
    updates applied with each optimizer inside a JAX train_step."""

    def __init__(self, discriminator, generator):
        super().__init__()
        self.discriminator, self.generator = discriminator, generator
        self.d_loss_tracker = lamina.metrics.Mean(name="d_loss")
        self.g_loss_tracker = lamina.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def train_step(self, state, real):
        d_vars, g_vars = self.discriminator.trainable_variables, self.generator.trainable_variables
        d_loss_fn, g_loss_fn = gan_losses(lamina, self.discriminator, self.generator,
                                          [v.value for v in d_vars], [v.value for v in g_vars],
                                          real)
        d_loss, d_grads = jax.value_and_grad(d_loss_fn)([v.value for v in d_vars])
        self.d_optimizer.apply(d_grads, d_vars)
        g_loss, g_grads = jax.value_and_grad(g_loss_fn)([v.value for v in g_vars],
                                                        [v.value for v in d_vars])
        self.g_optimizer.apply(g_grads, g_vars)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}, state


def keras_gan_reference(steps: int):
    """The same updates in Keras, written as a from-scratch loop with two optimizers."""
    discriminator, generator = gan_parts(keras)
    d_opt, g_opt = keras.optimizers.Adam(1e-2), keras.optimizers.SGD(5e-2)
    d_opt.build(discriminator.trainable_variables)
    g_opt.build(generator.trainable_variables)
    d_w = [v.value for v in discriminator.trainable_variables]
    g_w = [v.value for v in generator.trainable_variables]
    d_state, g_state = [v.value for v in d_opt.variables], [v.value for v in g_opt.variables]
    for step in range(steps):
        real = REAL[step * 16:(step + 1) * 16]
        d_loss_fn, _ = gan_losses(keras, discriminator, generator, d_w, g_w, real)
        d_grads = jax.grad(d_loss_fn)(d_w)
        d_w, d_state = d_opt.stateless_apply(d_state, d_grads, d_w)
        _, g_loss_fn = gan_losses(keras, discriminator, generator, d_w, g_w, real)
        g_grads = jax.grad(g_loss_fn)(g_w, d_w)
        g_w, g_state = g_opt.stateless_apply(g_state, g_grads, g_w)
    return [np.asarray(w) for w in d_w + g_w]


def test_gan_with_two_optimizers_trains_like_the_same_updates_in_keras():
    gan = GAN(*gan_parts(lamina))
    gan.compile(lamina.optimizers.Adam(1e-2), lamina.optimizers.SGD(5e-2))
    history = gan.fit(REAL, batch_size=16, epochs=1, shuffle=False, verbose=0)
    ours = gan.discriminator.get_weights() + gan.generator.get_weights()
    for a, b in zip(ours, keras_gan_reference(steps=4)):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert set(history.history) == {"d_loss", "g_loss"}
    assert int(gan.d_optimizer.variables[0].numpy()) == 4  # iterations
    history = gan.fit(REAL, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert int(gan.d_optimizer.variables[0].numpy()) == 8  # the optimizers' state carries on


def test_custom_predict_step_runs_in_predict_like_keras():
    results = {}
    for lib in (lamina, keras):
        class Doubling(lib.Model):
            def predict_step(self, state, data):
                outputs, non_trainable = self.stateless_call(*state, data, training=False)
                return {"double": outputs * 2, "raw": outputs}, non_trainable

        inputs = lib.Input((8,))
        outputs = lib.layers.Dense(1)(lib.layers.Dense(4, activation="relu")(inputs))
        model = Doubling(inputs, outputs)
        model.set_weights(START)
        results[lib.__name__] = model.predict(X[:50], batch_size=16, verbose=0)
    assert results["lamina"]["double"].shape == (50, 1)
    for key in ("double", "raw"):
        np.testing.assert_allclose(results["lamina"][key], results["keras"][key], rtol=1e-6)
