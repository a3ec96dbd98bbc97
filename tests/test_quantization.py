"""Quantization (`model.quantize("int8")`, `keras.quantizers`) against Keras 3 (JAX backend) on
the same weights: quantized values, variable layout, predictions and .keras files both ways."""

import warnings

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina
from lamina import quantizers


def _quiet_quantize(model, *args, **kwargs):
    with warnings.catch_warnings():  # Keras warns about its InputLayer
        warnings.simplefilter("ignore")
        model.quantize(*args, **kwargs)


def _twins(build):
    """The same model in Keras and lamina, with Keras's weights in both."""
    keras_model, lamina_model = build(keras), build(lamina)
    lamina_model.set_weights(keras_model.get_weights())
    return keras_model, lamina_model


def _layout(layer):
    return [(w.path.split("/")[-1], str(np.dtype(w.dtype)), tuple(w.shape))
            for w in layer.weights]


# -- keras.quantizers -------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [0, -1, (0, 1)])
@pytest.mark.parametrize("to_numpy", [False, True])
def test_abs_max_quantize_matches_keras(rng, axis, to_numpy):
    x = rng.normal(size=(4, 5, 3)).astype("float32")
    got_q, got_s = quantizers.abs_max_quantize(x, axis, to_numpy=to_numpy)
    want_q, want_s = keras.quantizers.abs_max_quantize(x, axis, to_numpy=to_numpy)
    assert got_q.dtype == jnp.int8 and got_s.dtype == jnp.float32
    np.testing.assert_array_equal(np.asarray(got_q), np.asarray(want_q))
    np.testing.assert_allclose(np.asarray(got_s), np.asarray(want_s), rtol=1e-6)


def test_abs_max_quantizer_call_config_and_errors(rng):
    x = rng.normal(size=(3, 6)).astype("float32")
    ours, theirs = quantizers.AbsMaxQuantizer(axis=0), keras.quantizers.AbsMaxQuantizer(axis=0)
    np.testing.assert_array_equal(np.asarray(ours(x)[0]), np.asarray(theirs(x)[0]))
    assert ours.get_config() == theirs.get_config()
    int4 = quantizers.AbsMaxQuantizer(value_range=(-8, 7))
    assert int(np.abs(np.asarray(int4(x)[0])).max()) <= 8
    with pytest.raises(ValueError, match="value_range"):
        quantizers.AbsMaxQuantizer(value_range=(-255, 255))
    restored = quantizers.deserialize(quantizers.serialize(ours))
    assert restored.get_config() == ours.get_config()


@pytest.mark.parametrize("shape,axis", [((5, 4), 0), ((4, 7), -1), ((3, 5, 2), 1)])
def test_pack_unpack_int4_matches_keras(rng, shape, axis):
    x = rng.integers(-8, 8, size=shape).astype("int8")
    packed, packed_shape, n = quantizers.pack_int4(x, axis=axis)
    want, want_shape, want_n = keras.quantizers.pack_int4(x, axis=axis)
    np.testing.assert_array_equal(np.asarray(packed), np.asarray(want))
    assert (packed_shape, n) == (want_shape, want_n)
    np.testing.assert_array_equal(np.asarray(quantizers.unpack_int4(packed, n, axis=axis)), x)
    with pytest.raises(TypeError, match="int8"):
        quantizers.pack_int4(x.astype("int32"))


def test_float8_helpers_match_keras(rng):
    amax = np.array([0.0, 3.0, np.inf], "float32")
    scale = np.array([2.0, 2.0, 2.0], "float32")
    np.testing.assert_allclose(quantizers.compute_float8_scale(amax, scale, 448.0),
                               keras.quantizers.compute_float8_scale(amax, scale, 448.0))
    x = rng.normal(size=(4, 3)).astype("float32")
    history = np.arange(5, dtype="float32")
    np.testing.assert_allclose(quantizers.compute_float8_amax_history(x, history),
                               keras.quantizers.compute_float8_amax_history(x, history))
    np.testing.assert_allclose(
        quantizers.quantize_and_dequantize(x, 0.01, "float8_e4m3fn", "float32"),
        keras.quantizers.quantize_and_dequantize(x, 0.01, "float8_e4m3fn", "float32"))


@pytest.mark.parametrize("low,high,axis,num_bits,narrow", [
    (-1.0, 1.5, None, 8, False),
    ([-1.0, -0.5, -2.0], [1.0, 0.7, 2.0], -1, 4, True)])
def test_fake_quant_with_min_max_vars_values_and_gradients_match_keras(rng, low, high, axis,
                                                                       num_bits, narrow):
    x = rng.normal(size=(4, 3)).astype("float32") * 2
    low, high = np.asarray(low, "float32"), np.asarray(high, "float32")

    def loss(fake_quant):
        return lambda *args: (fake_quant(*args, num_bits, narrow, axis) ** 2).sum()

    ours = jax.value_and_grad(loss(quantizers.fake_quant_with_min_max_vars), (0, 1, 2))
    theirs = jax.value_and_grad(loss(keras.quantizers.fake_quant_with_min_max_vars), (0, 1, 2))
    (value, grads), (want_value, want_grads) = ours(x, low, high), theirs(x, low, high)
    np.testing.assert_allclose(value, want_value, rtol=1e-6)
    for got, want in zip(grads, want_grads):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    with pytest.raises(TypeError, match="float inputs"):
        quantizers.fake_quant_with_min_max_vars(np.arange(3), 0.0, 1.0)


def test_quantization_configs_serialize_as_keras():
    from keras.src.saving import serialization_lib

    for ours, theirs in [
            (quantizers.Int8QuantizationConfig(), keras.quantizers.Int8QuantizationConfig()),
            (quantizers.Int4QuantizationConfig(block_size=None),
             keras.quantizers.Int4QuantizationConfig(block_size=None)),
            (quantizers.Float8QuantizationConfig(),
             keras.quantizers.Float8QuantizationConfig())]:
        assert quantizers.serialize(ours) == serialization_lib.serialize_keras_object(theirs)
        assert ours.mode == theirs.mode
        back = quantizers.deserialize(quantizers.serialize(ours))
        assert type(back) is type(ours) and back.get_config() == ours.get_config()
    with pytest.raises(ValueError, match="output_dtype='int8'"):
        quantizers.Int8QuantizationConfig(
            weight_quantizer=quantizers.AbsMaxQuantizer(output_dtype="int16"))
    with pytest.raises(ValueError, match="block_size"):
        quantizers.Int4QuantizationConfig(block_size=0)


def test_quantized_dtype_policy_serializes_as_keras():
    from keras.src.saving import serialization_lib

    from lamina.dtype_policies import serialize
    from lamina.dtype_policies.quantized import QuantizedDTypePolicy, get_quantized_policy

    policy = get_quantized_policy("int8_from_float32")
    theirs = keras.dtype_policies.QuantizedDTypePolicy("int8", "float32")
    assert isinstance(policy, QuantizedDTypePolicy) and policy.name == theirs.name
    assert (policy.compute_dtype, policy.variable_dtype) == ("float32", "float32")
    assert policy.quantization_mode == "int8"
    import lamina.layers.quantized  # noqa: F401  (registers the classes for serialize)

    assert serialize(policy) == serialization_lib.serialize_keras_object(theirs)
    assert get_quantized_policy("float8_from_mixed_bfloat16").amax_history_length == 1024
    assert get_quantized_policy("int4/128_from_float32").block_size == 128
    with pytest.raises(ValueError, match="float16"):
        QuantizedDTypePolicy("int8", "float16")
    with pytest.raises(ValueError, match="Invalid quantization mode"):
        QuantizedDTypePolicy("int3", "float32")


# -- layers quantized to int8 ------------------------------------------------------------------
def _dense_mlp(k):
    return k.Sequential([k.Input((6,)), k.layers.Dense(8, activation="relu", name="hidden"),
                         k.layers.Dense(3, name="head")])


def _embedding_model(k):
    return k.Sequential([k.Input((5,), dtype="int32"), k.layers.Embedding(20, 4),
                         k.layers.Dense(2, use_bias=False)])


def _einsum(equation, input_shape, output_shape, bias_axes):
    def build(k):
        return k.Sequential([k.Input(input_shape),
                             k.layers.EinsumDense(equation, output_shape, bias_axes=bias_axes)])
    return build


CASES = {
    "dense": (_dense_mlp, lambda rng: rng.normal(size=(4, 6)).astype("float32")),
    "embedding": (_embedding_model, lambda rng: rng.integers(0, 20, size=(3, 5))),
    "einsum_2d": (_einsum("ab,bc->ac", (5,), (3,), "c"),
                  lambda rng: rng.normal(size=(2, 5)).astype("float32")),
    "einsum_heads": (_einsum("abc,cde->abde", (4, 6), (4, 2, 3), "de"),
                     lambda rng: rng.normal(size=(2, 4, 6)).astype("float32")),
    "einsum_out": (_einsum("abcd,cde->abe", (4, 2, 3), (4, 5), None),
                   lambda rng: rng.normal(size=(2, 4, 2, 3)).astype("float32")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_int8_matches_keras_quantized_model_and_files_load_both_ways(rng, tmp_path, case):
    build, data = CASES[case]
    keras_model, lamina_model = _twins(build)
    x = data(rng)
    float_out = np.asarray(lamina_model(x))
    _quiet_quantize(keras_model, "int8")
    lamina_model.quantize("int8")
    for ours, theirs in zip(lamina_model.layers, keras_model.layers):
        assert _layout(ours) == _layout(theirs)
        assert ours.dtype_policy.name == theirs.dtype_policy.name == "int8_from_float32"
        for mine, want in zip(ours.weights, theirs.weights):
            np.testing.assert_allclose(np.asarray(mine.numpy(), "float32"),
                                       np.asarray(want.numpy(), "float32"), rtol=1e-6)
    ours, theirs = lamina_model.predict(x, verbose=0), np.asarray(keras_model(x))
    keras_error = np.abs(theirs - float_out).max()
    assert np.abs(ours - theirs).max() <= max(1e-5, 0.01 * keras_error)
    np.testing.assert_allclose(ours, float_out, atol=4 * keras_error + 1e-6)
    _files_load_both_ways(keras_model, lamina_model, x, theirs, tmp_path)


def _files_load_both_ways(keras_model, lamina_model, x, want, tmp_path):
    """lamina's .keras file predicts `want` in Keras, and Keras's in lamina, same layout."""
    lamina_model.save(tmp_path / "lamina.keras")
    keras_model.save(tmp_path / "keras.keras")
    in_keras = keras.saving.load_model(tmp_path / "lamina.keras")
    in_lamina = lamina.saving.load_model(tmp_path / "keras.keras")
    np.testing.assert_allclose(in_keras(x), want, atol=1e-5)
    np.testing.assert_allclose(in_lamina.predict(x, verbose=0), want, atol=1e-5)
    assert [_layout(layer) for layer in in_lamina.layers] == [
        _layout(layer) for layer in keras_model.layers]
    assert ([layer.dtype_policy.name for layer in in_lamina.layers]
            == [layer.dtype_policy.name for layer in keras_model.layers])


def test_int8_weight_only_config_and_filters(rng):
    keras_model, lamina_model = _twins(_dense_mlp)
    x = rng.normal(size=(4, 6)).astype("float32")

    def config(q):
        return q.Int8QuantizationConfig(activation_quantizer=None)

    _quiet_quantize(keras_model, config=config(keras.quantizers), filters="hid")
    lamina_model.quantize(config=config(quantizers), filters=["hid"])
    assert [layer.quantization_mode for layer in lamina_model.layers] == ["int8", None]
    assert lamina_model.layers[0].quantization_config.activation_quantizer is None
    np.testing.assert_allclose(lamina_model(x), keras_model(x), atol=1e-5)


def test_quantized_dense_trains_through_dequantized_kernel(rng):
    model = _dense_mlp(lamina)
    model.compile(optimizer="adam", loss="mse")
    x, y = rng.normal(size=(16, 6)).astype("float32"), rng.normal(size=(16, 3)).astype("float32")
    model.quantize("int8")
    first = model.layers[0]
    kernel_before = first.kernel.numpy().copy()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    np.testing.assert_array_equal(first.kernel.numpy(), kernel_before)  # int8: frozen
    assert [w.name for w in model.trainable_weights] == ["bias", "bias"]
    grad = jax.grad(lambda v: model.layers[1](first(v)).sum())(jnp.asarray(x[:2]))
    float_kernel = first.kernel.numpy() / first.kernel_scale.numpy()
    hidden = x[:2] @ float_kernel + first.bias.numpy()
    second = model.layers[1].kernel.numpy() / model.layers[1].kernel_scale.numpy()
    want = ((hidden > 0) * second.sum(axis=1)) @ float_kernel.T
    np.testing.assert_allclose(grad, want, rtol=1e-4, atol=1e-5)


def test_quantize_errors_say_what_to_fix():
    layer = lamina.layers.Dense(3)
    with pytest.raises(ValueError, match="isn't yet built"):
        layer.quantize("int8")
    layer.build((None, 4))
    with pytest.raises(ValueError, match="Invalid quantization mode"):
        layer.quantize("int9")
    with pytest.raises(ValueError, match="Contradictory"):
        layer.quantize("int8", config=quantizers.Float8QuantizationConfig())
    layer.quantize("int8")
    with pytest.raises(ValueError, match="already quantized"):
        layer.quantize("int8")

    class MyDense(lamina.layers.Dense):
        pass

    custom = MyDense(2)
    custom.build((None, 3))
    with pytest.raises(NotImplementedError, match="does not have a `quantize` method"):
        custom.quantize("int8")
    custom.quantize("int8", type_check=False)
    assert custom.quantization_mode == "int8"
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2)])
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        model.quantize("int8", bogus=1)
    with pytest.warns(UserWarning, match="does not have a `quantize` method"):
        lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2),
                           lamina.layers.Dropout(0.1)]).quantize("int8")


# -- int4 ------------------------------------------------------------------------------------
INT4_CASES = {
    "dense": (lambda k: k.Sequential([k.Input((150,)), k.layers.Dense(7, name="d")]),
              lambda rng: rng.normal(size=(3, 150)).astype("float32")),
    "embedding": (lambda k: k.Sequential([k.Input((5,), dtype="int32"),
                                          k.layers.Embedding(30, 9)]),
                  lambda rng: rng.integers(0, 30, size=(3, 5))),
    "einsum_heads": CASES["einsum_heads"],
}


@pytest.mark.parametrize("case,block_size", [("dense", "default"), ("dense", -1),
                                             ("embedding", 4), ("einsum_heads", "default"),
                                             ("einsum_heads", -1)])
def test_int4_matches_keras_and_files_load_both_ways(rng, tmp_path, case, block_size):
    build, data = INT4_CASES[case]
    keras_model, lamina_model = _twins(build)
    if block_size == "default":
        _quiet_quantize(keras_model, "int4")
        lamina_model.quantize("int4")
    else:
        _quiet_quantize(keras_model, config=keras.quantizers.Int4QuantizationConfig(
            block_size=block_size))
        lamina_model.quantize(config=quantizers.Int4QuantizationConfig(block_size=block_size))
    layer = lamina_model.layers[-1]
    assert _layout(layer) == _layout(keras_model.layers[-1])
    assert layer.dtype_policy.name == keras_model.layers[-1].dtype_policy.name
    x = data(rng)
    want = np.asarray(keras_model(x))
    np.testing.assert_allclose(lamina_model.predict(x, verbose=0), want, atol=1e-5)
    _files_load_both_ways(keras_model, lamina_model, x, want, tmp_path)
