"""Custom layers exactly as the Keras guides write them ("Making new layers and models via
subclassing", "Understanding masking", "Transfer learning"), run by lamina and by Keras 3
(JAX backend) on the same weights and data: the numbers must agree."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(7)
X = RNG.normal(size=(48, 6)).astype("float32")
Y = RNG.normal(size=(48, 3)).astype("float32")


def linear_layer(lib, product):
    """The guide's first layer; `product(x, w)` is how the user multiplies."""

    class Linear(lib.layers.Layer):
        def __init__(self, units=3):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer="random_normal", trainable=True)
            self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

        def call(self, inputs):
            return product(inputs, self.w) + self.b

    return Linear


PRODUCTS = {
    "ops.matmul": lambda lib: lambda x, w: lib.ops.matmul(x, w),
    "operator @": lambda lib: lambda x, w: x @ w,
    "jnp.dot": lambda lib: lambda x, w: jnp.dot(x, jnp.asarray(w)) if lib is keras
    else jnp.dot(x, w),
    "jnp.einsum": lambda lib: lambda x, w: jnp.einsum("bi,ij->bj", x, jnp.asarray(w))
    if lib is keras else jnp.einsum("bi,ij->bj", x, w),
}


def trained_weights(lib, product, epochs=3):
    layer = linear_layer(lib, product)(3)
    model = lib.Sequential([lib.Input((6,)), layer])
    model.set_weights([np.linspace(-1, 1, 18).reshape(6, 3).astype("float32"),
                       np.zeros(3, "float32")])
    model.compile(lib.optimizers.Adam(0.01), "mse")
    model.fit(X, Y, batch_size=16, epochs=epochs, shuffle=False, verbose=0)
    return model.get_weights(), model.predict(X, verbose=0)


@pytest.mark.parametrize("idiom", sorted(PRODUCTS))
def test_custom_layer_in_every_idiom_trains_to_keras_weights(idiom):
    ours, our_pred = trained_weights(lamina, PRODUCTS[idiom](lamina))
    theirs, their_pred = trained_weights(keras, PRODUCTS["ops.matmul"](keras))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(our_pred, their_pred, atol=1e-5)


def test_variable_acts_as_a_tensor_eagerly_and_under_jit():
    v = lamina.Variable(np.arange(6.0).reshape(2, 3), dtype="float32", name="v")
    ref = np.arange(6.0, dtype="float32").reshape(2, 3)
    x = np.ones((4, 2), "float32")
    checks = {
        "matmul": (lambda: jnp.matmul(x, v), x @ ref),
        "tanh": (lambda: jnp.tanh(v), np.tanh(ref)),
        "relu": (lambda: jax.nn.relu(v - 2), np.maximum(ref - 2, 0)),
        "ops.sum": (lambda: lamina.ops.sum(v, axis=0), ref.sum(0)),
        "concat": (lambda: jnp.concatenate([v, v]), np.concatenate([ref, ref])),
        "where": (lambda: jnp.where(v > 2, v, 0.0), np.where(ref > 2, ref, 0)),
        "index": (lambda: v[1, 1:], ref[1, 1:]),
        "rmul": (lambda: np.float32(2) * v, 2 * ref),
        "pow": (lambda: v ** 2, ref ** 2),
        "eq": (lambda: v == 4.0, ref == 4.0),
        "neg": (lambda: -v, -ref),
    }
    for name, (fn, expected) in checks.items():
        np.testing.assert_allclose(fn(), expected, rtol=1e-6, err_msg=name)
        np.testing.assert_allclose(jax.jit(fn)(), expected, rtol=1e-6, err_msg=f"{name} (jit)")
    np.testing.assert_array_equal(np.asarray(v), ref)
    assert len(v) == 2 and [list(np.asarray(r)) for r in v] == ref.tolist()
    scalar = lamina.Variable(3.0)
    assert float(scalar) == 3.0 and int(scalar) == 3 and bool(scalar)
    assert (v.shape, v.dtype, v.trainable) == ((2, 3), "float32", True)


def test_variable_constructor_assign_and_gradients_match_keras():
    for lib in (lamina, keras):
        v = lib.Variable(initializer="ones", shape=(3,), dtype="float32", trainable=False,
                         name="counter")
        v.assign_add(np.array([1.0, 2.0, 3.0], "float32"))
        v.assign_sub(np.ones(3, "float32"))
        np.testing.assert_allclose(v.numpy(), [1.0, 2.0, 3.0])
        assert v.name == "counter" and not v.trainable
    w = lamina.Variable(np.array([1.0, -2.0], "float32"))
    grad = jax.grad(lambda w: jnp.sum(w ** 3))(w)  # a Variable is a pytree of its value
    np.testing.assert_allclose(grad, [3.0, 12.0])
    with pytest.raises(ValueError, match="shape"):
        lamina.Variable(initializer="zeros")


def test_variables_assigned_as_attributes_are_tracked_like_keras():
    class Scaler(lamina.layers.Layer):
        def __init__(self):
            super().__init__()
            self.scale = lamina.Variable(2.0, name="scale")
            self.offset = lamina.Variable(np.zeros(2, "float32"), trainable=False)

        def call(self, x):
            return x * self.scale + self.offset

    layer = Scaler()
    assert [w.name for w in layer.trainable_weights] == ["scale"]
    assert len(layer.non_trainable_weights) == 1
    np.testing.assert_allclose(layer(np.ones((1, 2), "float32")), [[2.0, 2.0]])


def activity_model(lib):
    class ActivityRegularization(lib.layers.Layer):
        def __init__(self, rate=1e-2):
            super().__init__()
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * lib.ops.sum(inputs))
            return inputs

    inputs = lib.Input((6,))
    x = lib.layers.Dense(4, kernel_initializer="ones",
                         kernel_regularizer=lib.regularizers.L2(1e-3))(inputs)
    x = ActivityRegularization()(x)
    outputs = lib.layers.Dense(3, kernel_initializer="ones")(x)
    return lib.Model(inputs, outputs)


def test_add_loss_and_losses_match_keras_eagerly_and_in_fit():
    ours, theirs = activity_model(lamina), activity_model(keras)
    ours(X[:4])
    theirs(X[:4])
    assert len(ours.losses) == len(theirs.losses) == 2
    np.testing.assert_allclose(sorted(float(v) for v in ours.losses),
                               sorted(float(v) for v in theirs.losses), rtol=1e-5)
    ours(X[:2])  # the next outermost call replaces the last call's losses
    assert len(ours.losses) == 2
    logs = {}
    for lib, model in ((lamina, ours), (keras, theirs)):
        model.compile(lib.optimizers.SGD(0.01), "mse")
        logs[lib.__name__] = model.fit(X, Y, batch_size=16, epochs=2, shuffle=False,
                                       verbose=0).history["loss"]
    np.testing.assert_allclose(logs["lamina"], logs["keras"], rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)


def nested(lib, batch_norm=True):
    extra = [lib.layers.BatchNormalization()] if batch_norm else [lib.layers.Dense(5)]
    base = lib.Sequential([lib.Input((6,)), lib.layers.Dense(8, activation="relu"), *extra],
                          name="base")
    inputs = lib.Input((6,))
    outputs = lib.layers.Dense(3)(base(inputs, training=False))
    return base, lib.Model(inputs, outputs)


def freeze_then_fine_tune(lib, batch_norm):
    base, model = nested(lib, batch_norm)
    model.set_weights([np.full(w.shape, 0.1 * (i + 1), "float32")
                       for i, w in enumerate(model.get_weights())])
    base.trainable = False
    assert all(not layer.trainable for layer in base.layers)
    counts = (len(model.trainable_weights), len(model.non_trainable_weights))
    frozen = [w.copy() for w in base.get_weights()]
    model.compile(lib.optimizers.Adam(0.01), "mse")
    model.fit(X, Y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(frozen, base.get_weights()):
        np.testing.assert_array_equal(a, b)  # frozen: BatchNorm statistics too
    after_freeze = model.get_weights()
    base.trainable = True
    model.compile(lib.optimizers.Adam(1e-3), "mse")  # recompile picks it up
    model.fit(X, Y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    return counts, after_freeze, base, model


def test_freezing_a_nested_model_matches_keras():
    ours = freeze_then_fine_tune(lamina, batch_norm=True)
    theirs = freeze_then_fine_tune(keras, batch_norm=True)
    assert ours[0] == theirs[0] == (2, 6)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_fine_tuning_after_unfreezing_matches_keras():
    ours = freeze_then_fine_tune(lamina, batch_norm=False)
    theirs = freeze_then_fine_tune(keras, batch_norm=False)
    for a, b in zip(ours[3].get_weights(), theirs[3].get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_base_called_with_training_false_keeps_batchnorm_in_inference_mode():
    """The transfer-learning guide's `base_model(x, training=False)`: lamina honours it while
    fine-tuning (Keras 3's fit overrides it with training=True: keras-team/keras#20285)."""
    _, after_freeze, base, _ = freeze_then_fine_tune(lamina, batch_norm=True)
    moving = [v.numpy() for v in base.layers[1].non_trainable_weights]
    np.testing.assert_array_equal(moving[0], after_freeze[4])
    np.testing.assert_array_equal(moving[1], after_freeze[5])


def test_training_flag_reaches_layers_nested_in_custom_layers():
    class Block(lamina.layers.Layer):
        def __init__(self):
            super().__init__()
            self.dropout = lamina.layers.Dropout(0.999)

        def call(self, x):
            return self.dropout(x)  # no training= here: it comes from the outer call

    block = Block()
    x = np.ones((2, 50), "float32")
    np.testing.assert_array_equal(block(x), x)
    assert np.mean(np.asarray(block(x, training=True)) == 0) > 0.9


def test_masks_flow_through_custom_layers_as_keras_attaches_them():
    class TemporalSplit(lamina.layers.Layer):
        def call(self, inputs):
            return lamina.ops.split(inputs, 2, axis=1)

        def compute_mask(self, inputs, mask=None):
            return None if mask is None else lamina.ops.split(mask, 2, axis=1)

    class MaskedSum(lamina.layers.Layer):
        supports_masking = True

        def call(self, inputs, mask=None):
            weights = jnp.asarray(mask, inputs.dtype)[..., None]
            return jnp.sum(inputs * weights, axis=1)

    tokens = np.array([[3, 1, 0, 0], [5, 2, 7, 0]])
    theirs = keras.layers.Embedding(10, 2, mask_zero=True)(tokens)
    x = lamina.layers.Embedding(10, 2, mask_zero=True, embeddings_initializer="ones")(tokens)
    np.testing.assert_array_equal(x._keras_mask, theirs._keras_mask)
    first, second = TemporalSplit()(x)
    np.testing.assert_array_equal(first._keras_mask, tokens[:, :2] != 0)
    np.testing.assert_array_equal(second._keras_mask, tokens[:, 2:] != 0)
    np.testing.assert_allclose(MaskedSum()(x), [[2.0, 2.0], [3.0, 3.0]])  # mask found on x
    inputs = lamina.Input((4,), dtype="int32")
    symbolic = lamina.layers.Embedding(10, 2, mask_zero=True)(inputs)
    their_symbolic = keras.layers.Embedding(10, 2, mask_zero=True)(keras.Input((4,),
                                                                           dtype="int32"))
    assert symbolic._keras_mask.shape == their_symbolic._keras_mask.shape == (None, 4)
    assert symbolic._keras_mask.dtype == their_symbolic._keras_mask.dtype == "bool"
    outputs = MaskedSum()(symbolic)
    model = lamina.Model(inputs, outputs)
    model.layers[1].set_weights([np.ones((10, 2), "float32")])
    np.testing.assert_allclose(model.predict(tokens, verbose=0), [[2.0, 2.0], [3.0, 3.0]])


def test_stateless_call_changes_nothing_and_returns_new_statistics():
    model = lamina.Sequential([lamina.Input((6,)), lamina.layers.BatchNormalization()])
    trainable = [np.asarray(v) for v in model.trainable_variables]
    frozen = [np.asarray(v) for v in model.non_trainable_variables]
    outputs, new_frozen = model.stateless_call(trainable, frozen, X, training=True)
    reference = (X - X.mean(0)) / np.sqrt(X.var(0) + 1e-3)
    np.testing.assert_allclose(outputs, reference, atol=1e-4)
    np.testing.assert_allclose(new_frozen[0], 0.01 * X.mean(0), atol=1e-6)  # moving mean
    np.testing.assert_array_equal(model.non_trainable_variables[0].numpy(), np.zeros(6))
    with pytest.raises(ValueError, match="trainable_variables"):
        model.stateless_call([], frozen, X)


def test_scopes_record_assignments_without_changing_variables():
    v = lamina.Variable(np.zeros(2, "float32"))
    with lamina.StatelessScope(state_mapping=[(v, np.ones(2, "float32"))]) as scope:
        v.assign_add(np.ones(2, "float32"))
        np.testing.assert_allclose(v.value, [2.0, 2.0])
    np.testing.assert_allclose(scope.get_current_value(v), [2.0, 2.0])
    np.testing.assert_allclose(v.numpy(), [0.0, 0.0])
    with lamina.name_scope("outer"), lamina.name_scope("inner"):
        assert lamina.Variable(1.0, name="w").path == "outer/inner/w"


def test_dropout_seed_state_threads_through_a_users_jitted_step():
    """As in Keras, a Dropout's SeedGenerator state is among `non_trainable_variables`, so a
    step jitted by the user draws a new mask each call (not one mask baked in at trace)."""
    for lib in (lamina, keras):
        model = lib.Sequential([lib.Input((64,)), lib.layers.Dropout(0.5, seed=1)])
        assert len(model.non_trainable_variables) == 1 and not model.non_trainable_weights
        step = jax.jit(lambda t, nt, x, m=model: m.stateless_call(t, nt, x, training=True))
        trainable = [v.value for v in model.trainable_variables]
        state = [v.value for v in model.non_trainable_variables]
        x = np.ones((2, 64), "float32")
        first, state = step(trainable, state, x)
        second, state = step(trainable, state, x)
        assert (np.asarray(first) != np.asarray(second)).any(), lib.__name__
        kept = np.mean(np.asarray(second) != 0)
        assert 0.3 < kept < 0.7


def test_remat_scope_and_function_give_the_same_numbers():
    inputs = lamina.Input((6,))
    hidden = lamina.layers.Dense(4, activation="tanh")(inputs)
    outputs = lamina.ops.sum(lamina.layers.Dense(2)(hidden), axis=-1)
    function = lamina.Function(inputs, outputs)
    model = lamina.Model(inputs, outputs)
    np.testing.assert_allclose(function(X), model.predict(X, verbose=0), rtol=1e-6)
    weights = [v.value for v in model.trainable_variables]

    def loss(weights):
        return jnp.sum(model.stateless_call(weights, [], X)[0] ** 2)

    plain = jax.grad(loss)(weights)
    with lamina.RematScope(mode="full"):
        remat = jax.grad(loss)(weights)
    for a, b in zip(plain, remat):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(lamina.remat(jnp.sin)(1.0), np.sin(1.0), rtol=1e-6)
    with lamina.device("cpu:0"):
        assert lamina.ops.ones(2).devices() == {jax.devices("cpu")[0]}
    with pytest.raises(ValueError, match="Unknown device"):
        with lamina.device("tpu:7"):
            pass


def test_sublayers_made_in_init_and_built_in_a_functional_call_train():
    """The keras.io TransformerBlock shape: a custom layer holding Dense sublayers, called on
    an Input (its sublayers build during shape inference) and then trained."""

    class Block(lamina.layers.Layer):
        def __init__(self, units):
            super().__init__()
            self.inner = lamina.layers.Dense(units, activation="relu")
            self.outer = lamina.layers.Dense(units)

        def call(self, inputs):
            return inputs + self.outer(self.inner(inputs))

    inputs = lamina.Input((6,))
    model = lamina.Model(inputs, lamina.layers.Dense(3)(Block(6)(inputs)))
    assert all(isinstance(w.numpy(), np.ndarray) for w in model.weights)
    model.compile("adam", "mse")
    history = model.fit(X, Y, epochs=3, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_a_merge_layer_receives_the_masks_of_its_list_input_as_in_keras():
    tokens = np.array([[3, 1, 0, 0], [5, 2, 7, 0]])
    outputs = {}
    for lib in (lamina, keras):
        inputs = lib.Input((4,), dtype="int32")
        x = lib.layers.Embedding(10, 3, mask_zero=True, embeddings_initializer="ones")(inputs)
        y = lib.layers.Dense(3, kernel_initializer="ones")(x)
        pooled = lib.layers.GlobalAveragePooling1D()(lib.layers.Add()([x, y]))
        outputs[lib.__name__] = lib.Model(inputs, pooled).predict(tokens, verbose=0)
    np.testing.assert_allclose(outputs["lamina"], outputs["keras"], rtol=1e-6)
