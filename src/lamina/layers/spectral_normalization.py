"""SpectralNormalization (Miyato et al., 2018): divides a wrapped layer's `kernel` (or
`embeddings`) by its largest singular value, estimated by power iteration with the
non-trainable `vector_u`, as Keras 3 does it.

In training the layer assigns the normalized kernel and the new `vector_u`. Eagerly these
assignments stick; inside a compiled `fit` step the normalized kernel is what the wrapped layer
reads, but only `vector_u` is kept (trainable assignments are dropped, as in Keras on JAX)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import initializers
from lamina.layers.input_spec import InputSpec
from lamina.layers.wrapper import Wrapper

__all__ = ["SpectralNormalization"]


class SpectralNormalization(Wrapper):
    """Performs spectral normalization on the weights of a target layer (one with a `kernel`,
    e.g. Dense or Conv2D, or an `embeddings` attribute); `power_iterations` power-method steps
    per training call."""

    def __init__(self, layer, power_iterations: int = 1, **kwargs):
        super().__init__(layer, **kwargs)
        if power_iterations <= 0:
            raise ValueError("`power_iterations` should be greater than zero. Received: "
                             f"`power_iterations={power_iterations}`")
        self.power_iterations = power_iterations

    def build(self, input_shape) -> None:
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        if hasattr(self.layer, "kernel"):
            self.kernel = self.layer.kernel
        elif hasattr(self.layer, "embeddings"):
            self.kernel = self.layer.embeddings
        else:
            raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' "
                             "nor 'embeddings'")
        self.kernel_shape = tuple(self.kernel.shape)
        self.vector_u = self.add_weight(
            shape=(1, self.kernel_shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02), trainable=False,
            name="vector_u", dtype=self.kernel.dtype)

    def call(self, inputs, training=False):
        if training:
            kernel, vector_u = self.kernel.value, self.vector_u.value
            new_vector_u, new_kernel = jax.lax.cond(
                jnp.all(kernel == 0), lambda: (vector_u, kernel), self.normalized_weights)
            self.vector_u.assign(new_vector_u)
            self.kernel.assign(new_kernel)
        output = self.layer(inputs)
        return jnp.asarray(output).astype(jnp.asarray(inputs).dtype)

    def normalized_weights(self) -> tuple:
        """(new `vector_u`, the kernel divided by its estimated spectral norm)."""
        from lamina.ops import nn

        weights = jnp.reshape(self.kernel.value, (-1, self.kernel_shape[-1]))
        vector_u = self.vector_u.value
        for _ in range(self.power_iterations):
            vector_v = nn.normalize(jnp.matmul(vector_u, weights.T), axis=None)
            vector_u = nn.normalize(jnp.matmul(vector_v, weights), axis=None)
        vector_u = jax.lax.stop_gradient(vector_u)
        vector_v = jax.lax.stop_gradient(vector_v)
        sigma = jnp.matmul(jnp.matmul(vector_v, weights), vector_u.T)
        kernel = jnp.reshape(self.kernel.value / sigma, self.kernel_shape)
        return vector_u.astype(self.vector_u.dtype), kernel.astype(self.kernel.dtype)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "power_iterations": self.power_iterations}
