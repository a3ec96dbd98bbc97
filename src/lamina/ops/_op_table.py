"""Which Keras 3 Operation class each `lamina.ops` function records on KerasTensors.

Each entry is `op name: (class name, signature, constructor parameters[, call keywords])`,
read from Keras's sources once (`keras/src/ops/*.py`) and checked against them by
tests/test_functional_ops.py:

- *signature* is the Keras function's, e.g. `"x, axis=None"`: symbolic calls bind to it, so
  arguments land where Keras puts them whatever lamina's function calls its parameters;
- *constructor parameters* (space-separated; `name=default` for one taken from `**kwargs`)
  make the operation's config, e.g. `Squeeze(axis=1)`: `{"name": "squeeze", "axis": 1}`;
- the other parameters are the node's call arguments, positional in signature order, except
  the *call keywords*, passed by keyword as Keras passes them (`Pad(...)(x, constant_values=0)`).
"""

from lamina.ops._op_table_numpy import NUMPY

NN = {
    "adaptive_average_pool": ("AdaptiveAveragePool", "inputs, output_size, data_format=None",
                              "output_size data_format"),
    "adaptive_max_pool": ("AdaptiveMaxPool", "inputs, output_size, data_format=None",
                          "output_size data_format"),
    "average_pool": ("AveragePool",
                     'inputs, pool_size, strides=None, padding="valid", data_format=None',
                     "pool_size strides padding data_format"),
    "batch_normalization": ("BatchNorm",
                            "x, mean, variance, axis, offset=None, scale=None, epsilon=0.001",
                            "axis epsilon"),
    "binary_crossentropy": ("BinaryCrossentropy", "target, output, from_logits=False",
                            "from_logits"),
    "categorical_crossentropy": ("CategoricalCrossentropy",
                                 "target, output, from_logits=False, axis=-1",
                                 "from_logits axis"),
    "celu": ("Celu", "x, alpha=1.0", "alpha"),
    "conv": ("Conv",
             'inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1',
             "strides padding data_format dilation_rate"),
    "conv_transpose": ("ConvTranspose",
                       ('inputs, kernel, strides=1, padding="valid", output_padding=None, '
                        "data_format=None, dilation_rate=1"),
                       "strides padding output_padding data_format dilation_rate"),
    "ctc_decode": ("CTCDecode",
                   ('inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1, '
                    "merge_repeated=True, mask_index=0"),
                   "strategy beam_width top_paths merge_repeated mask_index"),
    "ctc_loss": ("CTCLoss", "target, output, target_length, output_length, mask_index=0",
                 "mask_index"),
    "depth_to_space": ("DepthToSpace", 'x, block_size, data_format="channels_last"',
                       "block_size data_format"),
    "depthwise_conv": ("DepthwiseConv",
                       ('inputs, kernel, strides=1, padding="valid", data_format=None, '
                        "dilation_rate=1"),
                       "strides padding data_format dilation_rate"),
    "dot_product_attention": ("DotProductAttention",
                              ("query, key, value, bias=None, mask=None, scale=None, "
                               "is_causal=False, flash_attention=None, attn_logits_soft_cap=None"),
                              "is_causal flash_attention attn_logits_soft_cap", "bias mask scale"),
    "elu": ("Elu", "x, alpha=1.0", "alpha"),
    "fold": ("Fold", "x, output_size, kernel_size, dilation=1, padding=0, stride=1",
             "output_size kernel_size dilation padding stride"),
    "gelu": ("Gelu", "x, approximate=True", "approximate"),
    "glu": ("Glu", "x, axis=-1", "axis"),
    "hard_shrink": ("HardShrink", "x, threshold=0.5", "threshold"),
    "hard_sigmoid": ("HardSigmoid", "x", ""),
    "hard_silu": ("HardSilu", "x", ""),
    "hard_tanh": ("HardTanh", "x", ""),
    "layer_normalization": ("LayerNorm",
                            "x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs",
                            "axis epsilon rms_scaling=False"),
    "leaky_relu": ("LeakyRelu", "x, negative_slope=0.2", "negative_slope"),
    "log_sigmoid": ("LogSigmoid", "x", ""),
    "log_softmax": ("LogSoftmax", "x, axis=-1", "axis"),
    "max_pool": ("MaxPool", 'inputs, pool_size, strides=None, padding="valid", data_format=None',
                 "pool_size strides padding data_format"),
    "moments": ("Moments", "x, axes, keepdims=False, synchronized=False",
                "axes keepdims synchronized"),
    "multi_hot": ("MultiHot",
                  "inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs",
                  "num_classes axis dtype sparse"),
    "normalize": ("Normalize", "x, axis=-1, order=2, epsilon=None", "axis order epsilon"),
    "one_hot": ("OneHot", "x, num_classes, axis=-1, dtype=None, sparse=False",
                "num_classes axis dtype sparse"),
    "polar": ("Polar", "abs_, angle", ""),
    "psnr": ("PSNR", "x1, x2, max_val", "max_val"),
    "relu": ("Relu", "x", ""),
    "relu6": ("Relu6", "x", ""),
    "rms_normalization": ("RMSNorm", "x, scale=None, axis=-1, epsilon=None",
                          "axis epsilon", "scale"),
    "selu": ("Selu", "x", ""),
    "separable_conv": ("SeparableConv",
                       ('inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", '
                        "data_format=None, dilation_rate=1"),
                       "strides padding data_format dilation_rate"),
    "sigmoid": ("Sigmoid", "x", ""),
    "silu": ("Silu", "x", ""),
    "soft_shrink": ("SoftShrink", "x, threshold=0.5", "threshold"),
    "softmax": ("Softmax", "x, axis=-1", "axis"),
    "softplus": ("Softplus", "x", ""),
    "softsign": ("Softsign", "x", ""),
    "space_to_depth": ("SpaceToDepth", 'x, block_size, data_format="channels_last"',
                       "block_size data_format"),
    "sparse_categorical_crossentropy": ("SparseCategoricalCrossentropy",
                                        "target, output, from_logits=False, axis=-1",
                                        "from_logits axis"),
    "sparse_plus": ("SparsePlus", "x", ""),
    "sparse_sigmoid": ("SparseSigmoid", "x", ""),
    "sparsemax": ("Sparsemax", "x, axis=-1", "axis"),
    "squareplus": ("Squareplus", "x, b=4", "b"),
    "tanh_shrink": ("TanhShrink", "x", ""),
    "threshold": ("Threshold", "x, threshold, default_value", "threshold default_value"),
    "unfold": ("Unfold", "x, kernel_size, dilation=1, padding=0, stride=1",
               "kernel_size dilation padding stride"),
}


CORE = {
    "associative_scan": ("AssociativeScan", "f, elems, reverse=False, axis=0", "reverse axis"),
    "cast": ("Cast", "x, dtype", "dtype"),
    "cond": ("Cond", "pred, true_fn, false_fn", ""),
    "convert_to_tensor": ("ConvertToTensor", "x, dtype=None, sparse=None, ragged=None",
                          "dtype sparse ragged"),
    "fori_loop": ("ForiLoop", "lower, upper, body_fun, init_val", "lower upper body_fun"),
    "map": ("Map", "f, xs", ""),
    "saturate_cast": ("SaturateCast", "x, dtype", "dtype"),
    "scan": ("Scan", "f, init, xs=None, length=None, reverse=False, unroll=1",
             "length reverse unroll"),
    "scatter": ("Scatter", "indices, values, shape", "shape"),
    "scatter_update": ("ScatterUpdate", "inputs, indices, updates, reduction=None", "reduction"),
    "slice": ("Slice", "inputs, start_indices, shape", "shape"),
    "slice_update": ("SliceUpdate", "inputs, start_indices, updates", ""),
    "stop_gradient": ("StopGradient", "variable", ""),
    "switch": ("Switch", "index, branches, *operands", ""),
    "unstack": ("Unstack", "x, num=None, axis=0", "num axis"),
    "vectorized_map": ("VectorizedMap", "function, elements", "function"),
    "while_loop": ("WhileLoop", "cond, body, loop_vars, maximum_iterations=None",
                   "cond body maximum_iterations"),
}


MATH = {
    "cdist": ("CDist", "x, y", ""),
    "erf": ("Erf", "x", ""),
    "erfc": ("Erfc", "x", ""),
    "erfinv": ("Erfinv", "x", ""),
    "extract_sequences": ("ExtractSequences", "x, sequence_length, sequence_stride",
                          "sequence_length sequence_stride"),
    "fft": ("FFT", "x", ""),
    "fft2": ("FFT2", "x", ""),
    "ifft2": ("IFFT2", "x", ""),
    "in_top_k": ("InTopK", "targets, predictions, k", "k"),
    "irfft": ("IRFFT", "x, fft_length=None", "fft_length"),
    "istft": ("ISTFT",
              ('x, sequence_length, sequence_stride, fft_length, length=None, window="hann", '
               "center=True"),
              "sequence_length sequence_stride fft_length length window center"),
    "logdet": ("Logdet", "x", ""),
    "logsumexp": ("Logsumexp", "x, axis=None, keepdims=False", "axis keepdims"),
    "rfft": ("RFFT", "x, fft_length=None", "fft_length"),
    "rsqrt": ("Rsqrt", "x", ""),
    "segment_max": ("SegmentMax", "data, segment_ids, num_segments=None, sorted=False",
                    "num_segments sorted"),
    "segment_min": ("SegmentMin", "data, segment_ids, num_segments=None, sorted=False",
                    "num_segments sorted"),
    "segment_prod": ("SegmentProd", "data, segment_ids, num_segments=None, sorted=False",
                     "num_segments sorted"),
    "segment_sum": ("SegmentSum", "data, segment_ids, num_segments=None, sorted=False",
                    "num_segments sorted"),
    "stft": ("STFT", 'x, sequence_length, sequence_stride, fft_length, window="hann", center=True',
             "sequence_length sequence_stride fft_length window center"),
    "top_k": ("TopK", "x, k, sorted=True", "k sorted"),
    "view_as_complex": ("ViewAsComplex", "x", ""),
    "view_as_real": ("ViewAsReal", "x", ""),
}


LINALG = {
    "cholesky": ("Cholesky", "x, upper=False", "upper"),
    "cholesky_inverse": ("CholeskyInverse", "x, upper=False", "upper"),
    "det": ("Det", "x", ""),
    "eig": ("Eig", "x", ""),
    "eigh": ("Eigh", "x", ""),
    "inv": ("Inv", "x", ""),
    "jvp": ("JVP", "fun, primals, tangents, has_aux=False", "has_aux"),
    "lstsq": ("Lstsq", "a, b, rcond=None", "rcond"),
    "lu_factor": ("LuFactor", "x", ""),
    "matrix_rank": ("MatrixRank", "x, tol=None", "tol"),
    "norm": ("Norm", "x, ord=None, axis=None, keepdims=False", "ord axis keepdims"),
    "pinv": ("Pinv", "x, rcond=None", "rcond"),
    "qr": ("Qr", 'x, mode="reduced"', "mode"),
    "solve": ("Solve", "a, b", ""),
    "solve_triangular": ("SolveTriangular", "a, b, lower=False", "lower"),
    "svd": ("SVD", "x, full_matrices=True, compute_uv=True", "full_matrices compute_uv"),
}


EINOPS = {
    "rearrange": ("Rearrange", "tensor, pattern, **axes_lengths", "", "**axes_lengths"),
}


IMAGE = {
    "affine_transform": ("AffineTransform",
                         ('images, transform, interpolation="bilinear", fill_mode="constant", '
                          "fill_value=0, data_format=None"),
                         "interpolation fill_mode fill_value data_format"),
    "crop_images": ("CropImages",
                    ("images, top_cropping=None, left_cropping=None, bottom_cropping=None, "
                     "right_cropping=None, target_height=None, target_width=None, "
                     "data_format=None"),
                    ("top_cropping left_cropping bottom_cropping right_cropping target_height "
                     "target_width data_format")),
    "elastic_transform": ("ElasticTransform",
                          ('images, alpha=20.0, sigma=5.0, interpolation="bilinear", '
                           'fill_mode="reflect", fill_value=0.0, seed=None, data_format=None'),
                          "alpha sigma interpolation fill_mode fill_value seed data_format"),
    "extract_patches": ("ExtractPatches",
                        ('images, size, strides=None, dilation_rate=1, padding="valid", '
                         "data_format=None"),
                        "size strides dilation_rate padding data_format"),
    "gaussian_blur": ("GaussianBlur",
                      "images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None",
                      "kernel_size sigma data_format"),
    "hsv_to_rgb": ("HSVToRGB", "images, data_format=None", "data_format"),
    "map_coordinates": ("MapCoordinates",
                        'inputs, coordinates, order, fill_mode="constant", fill_value=0',
                        "order fill_mode fill_value"),
    "pad_images": ("PadImages",
                   ("images, top_padding=None, left_padding=None, bottom_padding=None, "
                    "right_padding=None, target_height=None, target_width=None, data_format=None"),
                   ("top_padding left_padding bottom_padding right_padding target_height "
                    "target_width data_format")),
    "perspective_transform": ("PerspectiveTransform",
                              ('images, start_points, end_points, interpolation="bilinear", '
                               "fill_value=0, data_format=None"),
                              "interpolation fill_value data_format"),
    "resize": ("Resize", ('images, size, interpolation="bilinear", antialias=False, '
                'crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, fill_mode="constant", '
                "fill_value=0.0, data_format=None"),
               ("size interpolation antialias crop_to_aspect_ratio pad_to_aspect_ratio "
                "fill_mode fill_value data_format")),
    "rgb_to_grayscale": ("RGBToGrayscale", "images, data_format=None", "data_format"),
    "rgb_to_hsv": ("RGBToHSV", "images, data_format=None", "data_format"),
    "scale_and_translate": ("ScaleAndTranslate",
                            ("images, output_shape, scale, translation, spatial_dims, method, "
                             "antialias=True"),
                            "spatial_dims method antialias"),
    "sobel_edges": ("SobelEdges", "images, data_format=None", "data_format"),
    "ssim": ("SSIM",
             ("image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03, "
              "data_format=None"),
             "max_val filter_size filter_sigma k1 k2 data_format"),
}

#: `keras.activations` functions with an Operation class of their own (the others record the
#: `ops` function of the same name, and `exponential` records `exp`, as in Keras).
ACTIVATIONS = {
    "relu": ("ReLU", "x, negative_slope=0.0, max_value=None, threshold=0.0",
             "negative_slope max_value threshold"),
    "mish": ("Mish", "x", ""),
}
ACTIVATION_OPS = {"exponential": "exp"}

#: The Keras module each table's classes live in (the `module` of a saved node).
MODULES = {"keras.src.ops.numpy": NUMPY, "keras.src.ops.nn": NN, "keras.src.ops.core": CORE,
           "keras.src.ops.math": MATH, "keras.src.ops.linalg": LINALG,
           "keras.src.ops.einops": EINOPS, "keras.src.ops.image": IMAGE,
           "keras.src.activations.activations": ACTIVATIONS}
