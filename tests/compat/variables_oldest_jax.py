"""Variables as tensors under the oldest JAX the project allows (run with that JAX)."""
import jax, jax.numpy as jnp, numpy as np
import lamina
from lamina import ops

v = lamina.Variable(np.arange(6.0, dtype="float32").reshape(2, 3))
x = np.ones((4, 2), "float32")
ref = np.arange(6.0, dtype="float32").reshape(2, 3)
for name, fn, want in [("jnp.matmul", lambda: jnp.matmul(x, v), x @ ref),
                       ("ops.matmul", lambda: ops.matmul(x, v), x @ ref),
                       ("@", lambda: x @ v, x @ ref), ("tanh", lambda: jnp.tanh(v), np.tanh(ref)),
                       ("relu", lambda: jax.nn.relu(v - 2), np.maximum(ref - 2, 0))]:
    np.testing.assert_allclose(fn(), want, rtol=1e-6, err_msg=name)
    np.testing.assert_allclose(jax.jit(fn)(), want, rtol=1e-6, err_msg=name + " jit")
np.testing.assert_allclose(jax.grad(lambda w: jnp.sum(w ** 2))(v), 2 * ref)

class Linear(lamina.layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 1), initializer="ones")
    def call(self, inputs):
        return jnp.dot(inputs, self.w)

model = lamina.Sequential([lamina.Input((3,)), Linear()])
model.compile("sgd", "mse")
h = model.fit(np.ones((32, 3), "float32"), np.zeros((32, 1), "float32"), epochs=3, verbose=0)
assert h.history["loss"][2] < h.history["loss"][0]
print("jax", jax.__version__, "ok: Variables as tensors, jit, grad, fit of a jnp.dot layer")
