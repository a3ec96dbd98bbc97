"""Keras 3's CTC ops (part of `ops.nn`): the CTC loss and greedy / beam-search decoding.

The computations are jitted (one compilation per configuration instead of one per primitive
when called eagerly).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax import lax

__all__ = ["ctc_decode", "ctc_loss"]


def _padding(lengths, max_length: int, dtype):
    """1.0 past each sequence's length, 0.0 inside it: (batch, max_length)."""
    return (jnp.arange(max_length) >= jnp.asarray(lengths)[:, None]).astype(dtype)


def _float_logits(x):
    x = jnp.asarray(x)
    return x.astype(jnp.promote_types(x.dtype, jnp.float32))


def ctc_loss(target, output, target_length, output_length, mask_index: int = 0):
    """Per-sequence CTC loss of logits `output` (batch, time, classes) for int `target` labels.

    `mask_index` is the blank class. This is optax's forward algorithm, as in Keras.
    """
    return _ctc_loss(jnp.asarray(target, "int32"), _float_logits(output), target_length,
                     output_length, mask_index)


@functools.partial(jax.jit, static_argnums=4)
def _ctc_loss(target, output, target_length, output_length, blank: int):
    import optax  # deferred: `import lamina.ops` stays light

    return optax.ctc_loss(output, _padding(output_length, output.shape[1], output.dtype),
                          target, _padding(target_length, target.shape[1], output.dtype),
                          blank_id=blank)


@functools.partial(jax.jit, static_argnums=(2, 3))
def _greedy(inputs, lengths, merge_repeated: bool, blank: int) -> tuple:
    steps = inputs.shape[1]
    best, score = jnp.argmax(inputs, axis=-1), jnp.max(inputs, axis=-1)
    beyond = jnp.arange(steps)[None, :] >= lengths[:, None]
    best, score = jnp.where(beyond, blank, best), jnp.where(beyond, 0.0, score)
    if merge_repeated:
        repeat = jnp.pad(best[:, 1:] == best[:, :-1], ((0, 0), (1, 0)))
        best = jnp.where(repeat, blank, best)
    dropped = best == blank
    # Move the kept labels to the front, in order; -1 fills the rest.
    order = jnp.argsort(jnp.where(dropped, steps, jnp.arange(steps)), axis=-1)
    best = jnp.take_along_axis(jnp.where(dropped, -1, best), order, axis=-1)
    return best[None], -jnp.sum(score, axis=1)[:, None]


def _merge(inverse, scores):
    """log-sum-exp of `scores` over the rows that `jnp.unique` found equal."""
    top = jnp.max(scores)
    return jnp.log(jnp.zeros_like(scores).at[inverse].add(jnp.exp(scores - top))) + top


def _beam_search_one(logp, length, beam_width: int, top_paths: int, blank: int) -> tuple:
    """Prefix beam search over one (time, classes) log-probability sequence.

    A beam holds 2 * beam_width paths (label prefixes padded with -1): the best prefixes
    ending in a label, then the same prefixes ending in a blank.
    """
    steps, classes = logp.shape
    width, pad = 2 * beam_width, -1
    unique_rows = 2 * classes * beam_width
    labels = jnp.arange(classes).at[blank].set(pad)

    def unique(paths):
        rows, inverse = jnp.unique(paths, return_inverse=True, size=unique_rows, axis=0,
                                   fill_value=pad)
        return rows, jnp.reshape(inverse, (-1,))

    def extend(paths, scores, blank_end, x):
        paths, prev_blank = jnp.repeat(paths, classes, axis=0), jnp.repeat(blank_end, classes)
        scores = jnp.repeat(scores, classes) + jnp.tile(x, width)
        rows, tail = jnp.arange(paths.shape[0]), jnp.argmax(paths == pad, axis=1)
        last = jnp.where(tail == 0, pad, paths[rows, tail - 1])
        new = jnp.tile(labels, width)
        blank_end = new == pad
        new = jnp.where(~prev_blank & (last == new), pad, new)  # a repeat merges
        return paths.at[rows, tail].set(new), scores, blank_end

    def prune(paths, scores, blank_end):
        paths, inverse = unique(paths)
        emit = _merge(inverse, jnp.where(blank_end, -jnp.inf, scores))
        rest = _merge(inverse, jnp.where(blank_end, scores, -jnp.inf))
        best = jnp.argsort(jnp.logaddexp(emit, rest))[-beam_width:]
        flags = jnp.arange(width) >= beam_width
        return jnp.tile(paths[best], (2, 1)), jnp.concatenate([emit[best], rest[best]]), flags

    def step(beam, inputs):
        x, done = inputs
        beam = lax.cond(done, lambda *b: b, lambda *b: prune(*extend(*b, x)), *beam)
        return beam, None

    n_first = min(classes, beam_width)
    first = jnp.argsort(logp[0])[-n_first:]
    paths = jnp.full((width, steps), pad, jnp.int32)
    paths = paths.at[:n_first, 0].set(jnp.where(first == blank, pad, first))
    scores = jnp.full((width,), -jnp.inf, logp.dtype).at[:n_first].set(logp[0, first])
    (paths, scores, _), _ = lax.scan(step, (paths, scores, paths[:, 0] == pad),
                                     (logp[1:], jnp.arange(1, steps) >= length))
    paths, inverse = unique(paths)
    scores = _merge(inverse, scores)
    best = jnp.argsort(scores)[-top_paths:][::-1]
    return paths[best], scores[best]


@functools.partial(jax.jit, static_argnums=(2, 3, 4))
def _beam_search(inputs, lengths, beam_width: int, top_paths: int, blank: int) -> tuple:
    classes = inputs.shape[-1]
    # Classes are reversed so that ties in argsort break as in TensorFlow's decoder.
    logp = jnp.flip(jax.nn.log_softmax(inputs), axis=-1)
    paths, scores = jax.vmap(_beam_search_one, in_axes=(0, 0, None, None, None))(
        logp, lengths, beam_width, top_paths, classes - blank - 1)
    paths = jnp.where(paths == -1, -1, classes - paths - 1)
    return jnp.transpose(paths, (1, 0, 2)), scores


def ctc_decode(inputs, sequence_lengths, strategy: str = "greedy", beam_width: int = 100,
               top_paths: int = 1, merge_repeated: bool = True, mask_index: int | None = 0):
    """Decode (batch, time, classes) scores: (paths (top_paths, batch, time), scores).

    Paths hold class ids padded with -1; scores are negative summed logits for "greedy",
    log-probabilities for "beam_search".
    """
    inputs = _float_logits(inputs)
    lengths = jnp.asarray(sequence_lengths, "int32")
    blank = inputs.shape[-1] - 1 if mask_index is None else mask_index
    if strategy == "greedy":
        return _greedy(inputs, lengths, merge_repeated, blank)
    if strategy == "beam_search":
        return _beam_search(inputs, lengths, beam_width, top_paths, blank)
    raise ValueError(f"Invalid strategy {strategy}. Supported values are 'greedy' and "
                     f"'beam_search'.")
