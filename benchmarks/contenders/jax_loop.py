"""The hand-written JAX + optax loops: a params pytree, optax.adam, cross-entropy on logits.

`--variant step`: one jitted call per step on a batch gathered on the host (numpy).
`--variant scan`: the data staged on the device once; one jitted call runs `lax.scan` over
`--chunk` steps (0: the whole epoch; 1: a plain jitted step, no loop), each step gathering
its own batch.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

import child

Params = dict[str, tuple[jax.Array, ...]]
State = tuple[Params, optax.OptState, jax.Array]
LAYERS = {  # name -> kernel shape (Keras layouts: Dense (in, out), Conv2D HWIO, LSTM i|f|c|o)
    "mlp": {"d1": (784, 128), "d2": (128, 64), "out": (64, 10)},
    "cnn": {"c1": (3, 3, 1, 32), "c2": (3, 3, 32, 64), "d1": (1600, 128), "out": (128, 10)},
    "lstm": {"lstm": (28, 512), "out": (128, 10)},
}


def init(workload: str, key: jax.Array) -> Params:
    """Glorot-uniform kernels and zero biases, as Keras; LSTM: orthogonal recurrent kernel
    and a unit forget-gate bias."""
    params = {}
    for name, shape in LAYERS[workload].items():
        key, k1, k2 = jax.random.split(key, 3)
        kernel = jax.nn.initializers.glorot_uniform()(k1, shape)
        bias = jnp.zeros(shape[-1])
        if name == "lstm":
            bias = bias.at[128:256].set(1.0)
            params[name] = (kernel, jax.nn.initializers.orthogonal()(k2, (128, 512)), bias)
        else:
            params[name] = (kernel, bias)
    return params


def _conv_pool(x: jax.Array, kernel: jax.Array, bias: jax.Array) -> jax.Array:
    """Conv2D (valid, NHWC) + relu + 2x2 max pooling."""
    x = lax.conv_general_dilated(x, kernel, (1, 1), "VALID",
                                 dimension_numbers=("NHWC", "HWIO", "NHWC"))
    x = jax.nn.relu(x + bias)
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")


def _lstm(x: jax.Array, kernel: jax.Array, recurrent: jax.Array, bias: jax.Array) -> jax.Array:
    """The last hidden state of an LSTM over axis 1 of (batch, time, features)."""
    inputs = jnp.einsum("btf,fg->tbg", x, kernel) + bias

    def cell(carry, z):
        h, c = carry
        i, f, g, o = jnp.split(z + h @ recurrent, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), None

    zeros = jnp.zeros((x.shape[0], recurrent.shape[0]), x.dtype)
    (h, _), _ = lax.scan(cell, (zeros, zeros), inputs)
    return h


def apply(params: Params, x: jax.Array, key: jax.Array | None = None) -> jax.Array:
    """Logits; dropout (MLP) only when a `key` is given (training)."""
    if "lstm" in params:
        x = _lstm(x, *params["lstm"])
    if "c1" in params:
        x = _conv_pool(_conv_pool(x, *params["c1"]), *params["c2"])
    x = x.reshape(x.shape[0], -1)
    if "d2" in params:  # the MLP
        x = jax.nn.relu(x @ params["d1"][0] + params["d1"][1])
        if key is not None:
            keep = jax.random.bernoulli(key, 1.0 - child.DROPOUT, x.shape)
            x = jnp.where(keep, x / (1.0 - child.DROPOUT), 0.0)
        x = jax.nn.relu(x @ params["d2"][0] + params["d2"][1])
    elif "d1" in params:
        x = jax.nn.relu(x @ params["d1"][0] + params["d1"][1])
    return x @ params["out"][0] + params["out"][1]


OPTIMIZER = optax.adam(child.LEARNING_RATE)


def train_step(state: State, x: jax.Array, y: jax.Array) -> tuple[State, jax.Array]:
    """One Adam step on one batch; returns the new state and the loss."""
    params, opt_state, key = state
    key, dropout_key = jax.random.split(key)

    def loss_fn(p: Params) -> jax.Array:
        logits = apply(p, x, dropout_key)
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    loss, grads = jax.value_and_grad(loss_fn)(params)
    updates, opt_state = OPTIMIZER.update(grads, opt_state, params)
    return (optax.apply_updates(params, updates), opt_state, key), loss


@partial(jax.jit, donate_argnums=0)
def scan_chunk(state: State, x: jax.Array, y: jax.Array, idx: jax.Array) -> State:
    """`len(idx)` steps in one call, each on the batch of device-resident samples `idx[i]`;
    one step (`idx` of shape (1, batch)) runs without a loop: XLA:CPU runs a convolution
    inside a while loop several times slower."""
    if len(idx) == 1:
        return train_step(state, x[idx[0]], y[idx[0]])[0]
    return lax.scan(lambda s, i: train_step(s, x[i], y[i]), state, idx)[0]


def epoch_runner(variant: str, chunk: int, data: child.Data
                 ) -> Callable[[State, np.ndarray], State]:
    """A function that trains one epoch, given its (steps, batch) sample indices."""
    if variant == "step":
        step = jax.jit(train_step, donate_argnums=0)

        def run_steps(state: State, batches: np.ndarray) -> State:
            for idx in batches:
                state, _ = step(state, data.x[idx], data.y[idx])
            return state
        return run_steps

    x, y = jnp.asarray(data.x), jnp.asarray(data.y)  # staged on the device once

    def run_chunks(state: State, batches: np.ndarray) -> State:
        size = chunk or len(batches)
        for start in range(0, len(batches), size):
            state = scan_chunk(state, x, y, batches[start:start + size])
        return state
    return run_chunks


def main() -> None:
    """Train, evaluate, time single-sample predict and report."""
    p = child.parser(__doc__.splitlines()[0])
    p.add_argument("--variant", choices=["step", "scan"], required=True)
    p.add_argument("--chunk", type=int, default=0, help="scan: steps per call; 0: the epoch")
    args = p.parse_args()
    data = child.load(args.workload, args.train_limit)
    rng = np.random.default_rng(args.seed)
    params = init(args.workload, jax.random.PRNGKey(args.seed))
    state = (params, OPTIMIZER.init(params), jax.random.PRNGKey(args.seed + 1))
    run_epoch = epoch_runner(args.variant, args.chunk, data)
    clock = child.EpochClock()
    for _ in range(args.epochs):
        clock.begin()
        state = jax.block_until_ready(run_epoch(state, child.epoch_batches(len(data.x), rng)))
        clock.end()
    predict = jax.jit(lambda p, x: jax.nn.softmax(apply(p, x)))
    params = state[0]
    predicted = np.concatenate([np.argmax(predict(params, data.x_test[i:i + 1000]), axis=1)
                                for i in range(0, len(data.x_test), 1000)])
    latency = None
    if args.predict_calls:
        latency = child.predict_latency(lambda s: predict(params, s).block_until_ready(),
                                        data.x_test[:1], args.predict_calls)
    child.report(clock, np.mean(predicted == data.y_test), latency)


if __name__ == "__main__":
    main()
