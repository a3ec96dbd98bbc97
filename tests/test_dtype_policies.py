"""Dtype policy objects and per-layer dtypes, checked against Keras 3 (JAX backend)."""

import numpy as np
import pytest

import lamina

keras = pytest.importorskip("keras")

POLICIES = ["float32", "float16", "bfloat16", "mixed_float16", "mixed_bfloat16"]


@pytest.fixture(autouse=True)
def _reset_policies():
    yield
    for lib in (keras, lamina):
        lib.backend.clear_session(free_memory=False)  # the global policy follows floatx()


@pytest.mark.parametrize("name", POLICIES)
def test_policy_objects_match_keras(name):
    k, m = keras.dtype_policies.DTypePolicy(name), lamina.dtype_policies.DTypePolicy(name)
    assert (m.name, m.compute_dtype, m.variable_dtype, m.quantization_mode) == (
        k.name, k.compute_dtype, k.variable_dtype, k.quantization_mode)
    assert repr(m) == repr(k)
    assert lamina.dtype_policies.serialize(m) == keras.dtype_policies.serialize(k)
    assert lamina.dtype_policies.get(keras.dtype_policies.serialize(k)) == m
    assert keras.dtype_policies.get(lamina.dtype_policies.serialize(m)) == k
    assert lamina.dtype_policies.get(name) == m and lamina.mixed_precision.Policy(name) == m


def test_float_policy_get_and_errors_match_keras():
    m = lamina.FloatDTypePolicy("bfloat16")
    assert lamina.dtype_policies.serialize(m) == keras.dtype_policies.serialize(
        keras.FloatDTypePolicy("bfloat16"))
    assert repr(m) == '<DTypePolicy "bfloat16">' and m == lamina.DTypePolicy("bfloat16")
    assert lamina.dtype_policies.get(None).name == keras.dtype_policies.get(None).name
    assert lamina.dtype_policies.get(np.float16).name == "float16"
    with pytest.raises(ValueError, match="Cannot convert 'mixed_int8'"):
        lamina.DTypePolicy("mixed_int8")
    with pytest.raises(TypeError, match="'name' must be a string"):
        lamina.DTypePolicy(3)
    with pytest.raises(ValueError, match="Invalid `policy` argument"):
        lamina.config.set_dtype_policy(3)
    for lib in (keras, lamina):  # a quantized name is not a float policy
        with pytest.raises(ValueError, match="int8_from_float32"):
            lib.DTypePolicy("int8_from_float32")
    quantized = lamina.dtype_policies.get("int8_from_float32")
    assert lamina.dtype_policies.serialize(quantized) == keras.dtype_policies.serialize(
        keras.dtype_policies.get("int8_from_float32"))


def test_global_policy_names_and_clear_session():
    for lib in (keras, lamina):
        lib.mixed_precision.set_global_policy("mixed_bfloat16")
    assert lamina.mixed_precision.global_policy() == lamina.DTypePolicy("mixed_bfloat16")
    assert lamina.config.dtype_policy().name == keras.config.dtype_policy().name
    assert lamina.layers.Dense(2).dtype_policy.name == keras.layers.Dense(2).dtype_policy.name
    for lib in (keras, lamina):
        lib.backend.clear_session(free_memory=False)  # Keras resets the global policy too
    assert lamina.config.dtype_policy().name == keras.config.dtype_policy().name == "float32"


def test_policy_map_lookup_and_serialization_match_keras():
    maps = []
    for lib in (keras, lamina):
        policy_map = lib.dtype_policies.DTypePolicyMap(default_policy="mixed_bfloat16")
        policy_map["encoder/layer_0/dense"] = "bfloat16"
        policy_map["encoder/.*"] = lib.DTypePolicy("float16")
        maps.append(policy_map)
    k, m = maps
    for path in ("encoder/layer_0/dense", "encoder/attention/query", "decoder"):
        assert m[path] == lamina.DTypePolicy(k[path].name)
    assert (m.name, m.compute_dtype, m.variable_dtype, len(m)) == (
        k.name, k.compute_dtype, k.variable_dtype, len(k))
    saved = lamina.dtype_policies.serialize(m)
    assert saved == keras.dtype_policies.serialize(k)
    again = keras.dtype_policies.deserialize(saved)
    assert again["encoder/attention/query"].name == "float16"
    assert lamina.dtype_policies.deserialize(saved)["decoder"].name == "mixed_bfloat16"
    m["enc.*"] = "float32"  # overlaps "encoder/.*"
    with pytest.raises(ValueError, match="matches multiple dtype policy"):
        m["encoder/x"]
    with pytest.raises(ValueError, match="already exist"):
        m["enc.*"] = "float16"


def _layers(lib):
    return {
        "Dense": (lib.layers.Dense(3), (2, 4)),
        "Conv2D": (lib.layers.Conv2D(2, 3), (2, 5, 5, 3)),
        "LSTM": (lib.layers.LSTM(3), (2, 4, 3)),
        "BatchNormalization": (lib.layers.BatchNormalization(), (2, 4)),
        "LayerNormalization": (lib.layers.LayerNormalization(), (2, 4)),
        "Softmax": (lib.layers.Softmax(), (2, 4)),
        "Embedding": (lib.layers.Embedding(5, 3), (2, 4)),
    }


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_layer_dtypes_match_keras(policy):
    """Variable, compute and output dtypes of layers under the global policy, and with a
    per-layer `dtype=` overriding it; lamina's eager outputs have Keras's symbolic dtypes
    (Keras is only traced here: its eager calls would compile each layer)."""
    found = {}
    for lib in (keras, lamina):
        lib.config.set_dtype_policy(policy)
        rows = {}
        for name, (layer, shape) in _layers(lib).items():
            dtype = "int32" if name == "Embedding" else "float32"
            symbolic = layer(lib.Input(shape[1:], dtype=dtype))
            rows[name] = (layer.dtype, layer.compute_dtype, layer.variable_dtype,
                          [str(w.dtype) for w in layer.weights], str(symbolic.dtype),
                          layer.get_config()["dtype"])
            if lib is lamina:
                assert str(layer(np.ones(shape, dtype)).dtype) == str(symbolic.dtype), name
        override = lib.layers.Dense(2, dtype="float32")
        rows["override"] = (override.compute_dtype, str(override(lib.Input((2,))).dtype))
        found[lib.__name__] = rows
    assert found["lamina"] == found["keras"]


def test_layer_policy_object_and_setter():
    layer = lamina.layers.Dense(2, dtype=lamina.DTypePolicy("mixed_float16"))
    assert (layer.dtype, layer.compute_dtype) == ("float32", "float16")
    layer.dtype_policy = "bfloat16"
    assert (layer.dtype, layer.compute_dtype, layer.input_dtype) == ("bfloat16",) * 3
    with pytest.raises(ValueError, match="Cannot convert 'nonsense'"):
        lamina.layers.Dense(2, dtype="nonsense")


@pytest.fixture
def _restore_floatx():
    yield
    for lib in (keras, lamina):
        lib.config.set_floatx("float32")
        lib.backend.clear_session(free_memory=False)


@pytest.mark.parametrize("floatx", ["float16", "bfloat16"])
def test_set_floatx_gives_layers_that_dtype(floatx, _restore_floatx):
    found = []
    for lib in (keras, lamina):
        lib.config.set_floatx(floatx)
        lib.backend.clear_session(free_memory=False)  # Keras reads floatx once
        layer = lib.layers.Dense(2)
        out = layer(np.ones((1, 3), "float32"))
        found.append((lib.config.floatx(), layer.dtype_policy.name, layer.compute_dtype,
                      str(layer.kernel.dtype), str(out.dtype)))
    assert found[1] == found[0] == (floatx,) * 5


def test_float64_needs_x64_and_says_how(_restore_floatx):
    import jax

    if jax.config.jax_enable_x64:
        pytest.skip("JAX's 64-bit mode is already on in this process")
    with pytest.raises(ValueError, match=r"jax_enable_x64.*True"):
        lamina.config.set_floatx("float64")
    assert lamina.config.floatx() == "float32"
    with pytest.raises(ValueError, match="Unknown `floatx` value"):
        lamina.config.set_floatx("float8")
    with jax.enable_x64(True):
        lamina.config.set_floatx("float64")
        lamina.backend.clear_session()  # as in Keras, a policy already in use stays until then
        layer = lamina.layers.Dense(2, kernel_initializer="ones")
        x = np.full((1, 3), 1 / 3)
        out = layer(x)
        assert (layer.kernel.dtype, str(out.dtype)) == ("float64", "float64")
        np.testing.assert_allclose(np.asarray(out), x @ np.ones((3, 2)), rtol=1e-15)
        lamina.config.set_floatx("float32")
