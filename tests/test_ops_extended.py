"""lamina.ops against keras.ops, part 2: linalg, math, einops, the newer nn and image ops.

The table is compared as `test_ops` does (tolerances, dtypes), but with both sides under
`jax.jit`, as the ops run in a compiled step (and one compilation each, which keeps this file
fast); the decompositions and the function transforms have dedicated tests below.
"""

import operator

import jax
import numpy as np
import pytest
import test_ops as base
from test_ops import DKER, IMG, SQ, I, J, N, X, Y, kops

from lamina import ops

R = np.random.default_rng(1)

PKER = R.normal(size=(1, 1, 6, 4)).astype("float32")
TKER = R.normal(size=(3, 3, 4, 3)).astype("float32")  # conv_transpose: (h, w, out, in)
SPD = (SQ @ SQ.T + 4 * np.eye(4)).astype("float32")
CHOL = np.linalg.cholesky(SPD).astype("float32")
UPPER = (np.triu(SQ) + 4 * np.eye(4)).astype("float32")
SIGNAL = R.normal(size=(2, 40)).astype("float32")
SPEC = tuple(R.normal(size=(2, 11, 9)).astype("float32") for _ in range(2))
NCHW = R.normal(size=(2, 3, 8, 8)).astype("float32")
BLOCKS = R.normal(size=(2, 27, 16)).astype("float32")  # unfold(NCHW, 3, padding=1, stride=2)
Q, KV = (R.normal(size=(2, 5, 2, 4)).astype("float32") for _ in range(2))
MASK = R.uniform(size=(2, 1, 5, 5)) > 0.3
VOL = R.normal(size=(2, 4, 4, 4, 2)).astype("float32")
LOGITS = R.normal(size=(3, 8, 5)).astype("float32")
LABELS = np.array([[1, 2, 2, 0], [3, 1, 0, 0], [4, 4, 4, 1]], "int32")
AFFINE = np.array([[1.1, 0.1, -0.5, -0.05, 0.9, 0.7, 0, 0],
                   [0.8, -0.2, 1.5, 0.3, 1.2, -1.0, 0, 0]], "float32")
QUAD = np.array([[[0, 0], [7, 0], [0, 7], [7, 7]]] * 2, "float32")
QUAD2 = np.array([[[1, 0.5], [6, 1], [0, 6.5], [7.5, 7]], [[0, 1], [7, 0], [1, 7], [6, 6]]],
                 "float32")
COORDS = R.uniform(-1, 9, size=(2, 5, 6)).astype("float32")

TABLE = {  # name[tag]: (args, kwargs); "image." names are looked up in ops.image
    # unary, binary and axis-wise, as in test_ops's lists
    **{name: ((X,), {}) for name in "sparse_sigmoid sparsemax rfft norm".split()},
    **{name + "[axis]": ((X,), {"axis": 1}) for name in ("sparsemax", "norm")},
    **{name: ((X, Y), {}) for name in ("allclose", "cdist", "polar")},
    "layer_normalization": ((N,), {}), "rms_normalization": ((N,), {}),
    "view_as_real": ((X + 1j * Y,), {}), "irfft": (((X, Y),), {}),
    # core, math and einops
    "associative_scan": ((operator.add, X), {"axis": 1}),
    "saturate_cast": ((N * 300, "uint8"), {}),
    "segment_min": ((X, np.array([0, 0, 1])), {"num_segments": 2}),
    "segment_prod": ((X, np.array([0, 0, 1])), {"num_segments": 2}),
    "extract_sequences": ((SIGNAL, 8, 4), {}),
    "fft": (((X, Y),), {}), "fft2": (((X, Y),), {}), "ifft2": (((X, Y),), {}),
    "rfft[n]": ((X,), {"fft_length": 6}),
    "stft": ((SIGNAL, 8, 4, 16), {}),
    "stft[hamming]": ((SIGNAL, 7, 3, 8), {"window": "hamming", "center": False}),
    "istft": ((SPEC, 8, 4, 16), {}), "istft[length]": ((SPEC, 16, 4, 16), {"length": 30}),
    "view_as_complex": ((np.stack([X, Y], -1),), {}),
    "rearrange": ((IMG, "b h w c -> b c (h w)"), {}),
    "rearrange[split]": ((X, "a (b c) -> (c a) b"), {"b": 2}),
    # linalg (eig, eigh, qr, svd: test_decompositions)
    "cholesky": ((SPD,), {}), "cholesky[upper]": ((SPD,), {"upper": True}),
    "cholesky_inverse": ((CHOL,), {}), "cholesky_inverse[upper]": ((CHOL.T,), {"upper": True}),
    "det": ((SQ,), {}), "inv": ((SQ,), {}), "logdet": ((SPD,), {}), "slogdet": ((SQ,), {}),
    "lu_factor": ((np.stack([SQ, SPD]),), {}), "solve": ((SQ, X.T), {}),
    "solve_triangular": ((UPPER, X.T), {}), "solve_triangular[lower]": ((UPPER.T, X[0]),
                                                                         {"lower": True}),
    "lstsq": ((N.T, Y[0]), {}), "matrix_rank": ((np.stack([SQ, X.T @ X]),), {}),
    "pinv": ((N,), {}), "norm[nuc]": ((X,), {"ord": "nuc"}),
    "norm[vector]": ((I,), {"ord": 3, "axis": 0, "keepdims": True}),
    # numpy extras
    "bartlett": ((7,), {}), "blackman": ((7,), {}), "hamming": ((7,), {}),
    "hanning": ((7,), {}), "kaiser": ((7, 2.5), {}), "correlate": ((X[0], Y[0, :2]), {}),
    "correlate[full]": ((X[0], Y[0, :2]), {"mode": "full"}),
    "histogram": ((X[0],), {"bins": 4}), "histogram[range]": ((N[0],), {"range": (-1, 1)}),
    "unique": ((J.ravel(),), {"return_counts": True, "return_inverse": True, "size": 4,
                              "fill_value": 0}),
    "view": ((X, "int32"), {}),
    # nn
    "psnr": ((X, Y, 1.0), {}),
    "layer_normalization[axes]": ((IMG,), {"gamma": IMG[0, 0], "beta": IMG[1, 0],
                                            "axis": [-2, -1]}),
    "rms_normalization[scale]": ((IMG,), {"scale": Y[0, :3], "axis": -1}),
    "dot_product_attention": ((Q, KV, KV), {"is_causal": True}),
    "dot_product_attention[mask]": ((Q, KV, KV), {"mask": MASK, "bias": X[:2, :1, None, None],
                                                  "scale": 0.3}),
    "separable_conv": ((IMG, DKER, PKER), {"padding": "same", "strides": 2}),
    "conv_transpose": ((IMG, TKER), {"strides": 2, "padding": "same"}),
    "conv_transpose[valid]": ((IMG, TKER), {"strides": 2, "output_padding": 1,
                                            "dilation_rate": 1}),
    "conv_transpose[dilated]": ((IMG, TKER), {"padding": "same", "dilation_rate": 2}),
    "adaptive_average_pool": ((IMG, (3, 5)), {}), "adaptive_max_pool": ((IMG, 3), {}),
    "adaptive_average_pool[1d]": ((X[..., None], 3), {}),
    "adaptive_max_pool[3d]": ((VOL, (3, 2, 3)), {"data_format": "channels_last"}),
    "depth_to_space": ((R.normal(size=(2, 3, 3, 8)).astype("float32"), 2), {}),
    "space_to_depth": ((IMG, 2), {}),
    "depth_to_space[first]": ((NCHW[:, :1].repeat(4, 1), 2), {"data_format": "channels_first"}),
    "space_to_depth[first]": ((NCHW, 4), {"data_format": "channels_first"}),
    "unfold": ((NCHW, 3), {"padding": 1, "stride": 2}),
    "fold": ((BLOCKS, 8, 3), {"padding": 1, "stride": 2}),
    "ctc_loss": ((LABELS % 4, LOGITS, np.array([4, 2, 3]), np.array([8, 6, 7])),
                 {"mask_index": 4}),
    "ctc_decode": ((LOGITS, np.array([8, 6, 7])), {}),
    "ctc_decode[beam]": ((LOGITS, np.array([8, 6, 7])), {"strategy": "beam_search",
                                                          "beam_width": 4, "top_paths": 2}),
    # image (not top-level in Keras)
    "image.resize": ((IMG, (4, 6)), {}),
    "image.resize[nearest]": ((IMG, (16, 12)), {"interpolation": "nearest"}),
    "image.resize[crop]": ((IMG[:, :, :6], (4, 6)), {"crop_to_aspect_ratio": True}),
    "image.resize[pad]": ((IMG[:, :, :6], (4, 6)), {"pad_to_aspect_ratio": True,
                                                    "fill_value": 0.5}),
    "image.rgb_to_grayscale": ((IMG,), {}), "image.rgb_to_hsv": ((IMG,), {}),
    "image.hsv_to_rgb": ((IMG,), {}),
    "image.crop_images": ((IMG,), {"top_cropping": 1, "left_cropping": 2,
                                   "target_height": 5, "target_width": 4}),
    "image.crop_images[bottom]": ((IMG[0],), {"bottom_cropping": 2, "right_cropping": 1,
                                              "target_height": 5, "target_width": 4}),
    "image.pad_images": ((IMG,), {"top_padding": 1, "bottom_padding": 2, "left_padding": 0,
                                  "target_width": 11}),
    "image.extract_patches": ((IMG, 3), {"strides": 2, "padding": "same"}),
    "image.extract_patches_3d": ((VOL, 2), {}),
    # (explicit data_format: Keras 3.15's gaussian_blur treats None as channels_first)
    "image.gaussian_blur": ((IMG,), {"kernel_size": (3, 5), "sigma": (1.0, 2.0),
                                     "data_format": "channels_last"}),
    "image.sobel_edges": ((IMG,), {}),
    "image.ssim": ((IMG, X.mean() * IMG + 0.1), {"filter_size": 3}),
    "image.affine_transform": ((IMG, AFFINE), {}),
    "image.affine_transform[nearest]": ((IMG[0], AFFINE[0]), {"interpolation": "nearest",
                                                            "fill_mode": "reflect"}),
    "image.perspective_transform": ((IMG, QUAD, QUAD2), {"fill_value": 0.5}),
    "image.map_coordinates": ((IMG[0, :, :, 0], COORDS, 1), {"fill_mode": "nearest"}),
    "image.scale_and_translate": ((IMG, (2, 12, 10, 3), np.array([1.5, 1.25], "float32"),
                                   np.array([0.5, -0.5], "float32"), (1, 2), "bilinear"), {}),
    "image.elastic_transform": ((IMG[:1, :6, :6, :2],), {"seed": 3, "sigma": 1.0}),
}
# Compared by the dedicated tests below (callables, or a sign / phase freedom).
DEDICATED = {"vectorize": "test_vectorize", "custom_gradient": "test_custom_gradient_and_jvp",
             "jvp": "test_custom_gradient_and_jvp", "eig": "test_decompositions",
             "eigh": "test_decompositions", "qr": "test_decompositions",
             "svd": "test_decompositions"}
CASES = [(name, args, kwargs) for name, (args, kwargs) in TABLE.items()]
# Compared eagerly: Keras's version cannot be traced.
EAGER = {"bartlett", "blackman", "hamming", "hanning", "kaiser", "rearrange",
         "image.elastic_transform"}


def _jit_call(module, name, args, kwargs):
    """`module.name(*args, **kwargs)` under jax.jit, the NumPy arrays among them traced."""
    leaves, tree = jax.tree_util.tree_flatten((args, kwargs))
    traced = [i for i, leaf in enumerate(leaves) if isinstance(leaf, np.ndarray)]

    def call(*arrays):
        values = list(leaves)
        for i, array in zip(traced, arrays):
            values[i] = array
        call_args, call_kwargs = jax.tree_util.tree_unflatten(tree, values)
        return base._call(module, name, call_args, call_kwargs)

    return jax.jit(call)(*[leaves[i] for i in traced])


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_op_matches_keras(case):
    name, args, kwargs = case
    call = base._call if name.split("[")[0] in EAGER else _jit_call
    base._close(call(ops, name, args, kwargs), call(kops, name, args, kwargs),
                check_dtype=True)


def test_vectorize():
    dot = ops.vectorize(lambda a, b: a @ b, signature="(n),(n)->()")
    base._close(dot(X, Y), kops.vectorize(lambda a, b: a @ b, signature="(n),(n)->()")(X, Y))


def test_decompositions():
    """Sign / phase-free comparisons: spectra, |R|, and reconstructions of the input."""
    A = N @ N.T + np.diag([1.0, 2.0, 3.0]).astype("float32")  # symmetric, distinct eigenvalues
    for full in (True, False):
        u, s, vh = ops.svd(N, full_matrices=full)
        ku, ks, kvh = kops.svd(N, full_matrices=full)
        assert (u.shape, vh.shape) == (ku.shape, kvh.shape)
        base._close(s, ks)
        base._close((u[:, :3] * s) @ vh[:3], N)
    base._close(ops.linalg.svd(N, compute_uv=False), kops.linalg.svd(N, compute_uv=False))
    for mode in ("reduced", "complete"):
        (q, r), (kq, kr) = ops.qr(N.T, mode=mode), kops.qr(N.T, mode=mode)
        assert q.shape == kq.shape
        base._close(np.abs(r), np.abs(np.asarray(kr)))
        np.testing.assert_allclose(q @ r, N.T, atol=1e-5)
    (w, v), (kw, _) = ops.eigh(A), kops.eigh(A)
    base._close(w, kw)
    np.testing.assert_allclose((v * w) @ v.T, A, atol=1e-5)
    (w, v), (kw, _) = ops.eig(SQ), kops.eig(SQ)
    base._close(np.sort_complex(np.asarray(w)), np.sort_complex(np.asarray(kw)))
    np.testing.assert_allclose(SQ @ v, v * w, atol=1e-4)


def test_custom_gradient_and_jvp():
    import jax

    def log1pexp(module):
        @module.custom_gradient
        def f(x):
            e = module.exp(x)

            def grad(*args, upstream=None):
                (upstream,) = args if upstream is None else (upstream,)
                return module.multiply(upstream, 1.0 - 1.0 / (1.0 + e))

            return module.log(1.0 + e), grad

        return f

    base._close(log1pexp(ops)(X), log1pexp(kops)(X))
    grads = jax.grad(lambda x: ops.sum(log1pexp(ops)(x)))(X)
    base._close(grads, jax.grad(lambda x: kops.sum(log1pexp(kops)(x)))(X))
    base._close(ops.jvp(ops.sin, (X,), (Y,)), kops.jvp(kops.sin, (X,), (Y,)))
    base._close(ops.linalg.jvp(lambda x: (x * x, x), (X,), (Y,), has_aux=True),
                kops.linalg.jvp(lambda x: (x * x, x), (X,), (Y,), has_aux=True))

