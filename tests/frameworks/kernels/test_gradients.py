"""Every kernel: backward vs central finite differences in float64, infer vs forward, and the GPU backend
agreeing with NumPy (skipped with a reason where CuPy or a GPU is missing)."""
import numpy as np
import pytest

from frameworks import kernels as K
from frameworks.kernels.gradcheck import check_kernel
from tests.conftest import DEVICE_PARAMS

R = np.random.RandomState(0)


def rand(*shape, lo=None, away=None):
    """float64 test data; `away` keeps values at least that far from 0 (kinks), `lo` shifts positive."""
    x = R.standard_normal(shape)
    if away is not None:
        x = np.where(np.abs(x) < away, np.sign(x + 1e-12) * away + x, x)
    if lo is not None:
        x = np.abs(x) + lo
    return x


def ids(*shape, high):
    return R.randint(0, high, size=shape).astype(np.int64)


def probs(*shape):
    """Rows that sum to 1 on the last axis: soft labels."""
    e = np.exp(R.standard_normal(shape))
    return e / e.sum(axis=-1, keepdims=True)


def distinct(*shape):
    """float64 data with no ties, so max/min have one winner (a permutation, scaled, plus noise)."""
    return R.permutation(int(np.prod(shape))).reshape(shape) * 0.1 + R.uniform(0, 0.01, shape)


def _spd(batch, n):
    """Symmetric positive-definite matrices, well conditioned: M M^T + n I."""
    m = R.standard_normal((batch, n, n))
    return m @ m.transpose(0, 2, 1) + n * np.eye(n)


T, B, E, H = 4, 3, 5, 6
# (id, kernel, inputs, attrs)
CASES = [
    ("add", K.add, [rand(3, 4), rand(3, 4)], {}),
    ("add-bcast-row", K.add, [rand(3, 4), rand(4)], {}),
    ("add-bcast-both", K.add, [rand(2, 1, 3), rand(4, 1)], {}),
    ("sub-bcast", K.sub, [rand(3, 1), rand(1, 5)], {}),
    ("mul-bcast", K.mul, [rand(2, 3, 4), rand(3, 1)], {}),
    ("div-bcast", K.div, [rand(3, 4), rand(4, lo=0.5)], {}),
    ("maximum", K.maximum, [rand(3, 4), rand(3, 4)], {}),
    ("minimum-bcast", K.minimum, [rand(3, 4), rand(4)], {}),
    ("neg", K.neg, [rand(3, 4)], {}),
    ("pow2", K.pow, [rand(3, 4)], {"exponent": 2}),
    ("pow1.5", K.pow, [rand(3, 4, lo=0.5)], {"exponent": 1.5}),
    ("square", K.square, [rand(5)], {}),
    ("exp", K.exp, [rand(3, 4)], {}),
    ("log", K.log, [rand(3, 4, lo=0.3)], {}),
    ("relu", K.relu, [rand(4, 5, away=0.05)], {}),
    ("sigmoid", K.sigmoid, [rand(4, 5)], {}),
    ("tanh", K.tanh, [rand(4, 5)], {}),
    ("clip", K.clip, [np.array([-2.0, -0.7, -0.2, 0.1, 0.45, 0.8, 3.0])], {"lo": -0.5, "hi": 0.5}),
    ("clip-lo-only", K.clip, [np.array([-2.0, 0.3, 1.0])], {"lo": 0.0}),
    ("abs", K.abs, [rand(3, 4, away=0.05)], {}),
    ("sin", K.sin, [rand(3, 4)], {}),
    ("cos", K.cos, [rand(3, 4)], {}),
    ("tan", K.tan, [rand(3, 4) * 0.4], {}),
    ("arcsin", K.arcsin, [np.tanh(rand(3, 4)) * 0.9], {}),
    ("arccos", K.arccos, [np.tanh(rand(3, 4)) * 0.9], {}),
    ("arctan", K.arctan, [rand(3, 4)], {}),
    ("erf", K.erf, [np.concatenate([rand(8), [-3.1, -2.6, 2.4, 2.6, 4.0]])], {}),
    ("erfinv", K.erfinv, [np.concatenate([np.tanh(rand(8)) * 0.9, [-0.995, -0.93, 0.0, 0.93, 0.995]])], {}),
    ("roi_pool", K.roi_pool, [distinct(2, 3, 7, 6), np.array([[0, 0, 0, 3, 3], [1, 1, 2, 5, 6], [1, 4, 4, 4, 4],
                                                           [-1, 0, 0, 2, 2], [0, 2.2, 1.1, 9.7, 13.6]])],
     {"pooled_size": (2, 3), "spatial_scale": 0.5}),
    ("cholesky", K.cholesky, [_spd(2, 4)], {}),
    ("inverse", K.inverse, [_spd(3, 3) + 0.3 * rand(3, 3, 3)], {}),
    ("logabsdet", K.logabsdet, [rand(2, 4, 4) + 3 * np.eye(4)], {}),
    ("gamma", K.gamma, [np.array([0.3, 0.7, 1.0, 1.5, 2.5, 4.2, 5.9, -0.5, -1.3, -2.6])], {}),
    ("gammaln", K.gammaln, [np.array([0.2, 0.6, 1.0, 2.0, 3.3, 9.5, 14.1, 25.0, -0.4, -1.7])], {}),
    ("sqrt", K.sqrt, [rand(3, 4, lo=0.2)], {}),
    ("rsqrt", K.rsqrt, [rand(3, 4, lo=0.3)], {}),
    ("cast-same", K.cast, [rand(3, 4)], {"dtype": "float64"}),
    ("sign", K.sign, [rand(3, 4, away=0.05)], {}),
    ("equal", K.equal, [np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])], {}),
    ("not_equal-bcast", K.not_equal, [rand(2, 3), np.array([0.0])], {}),
    ("greater", K.greater, [rand(3, 4), rand(4)], {}),
    ("greater_equal", K.greater_equal, [rand(3, 4), rand(3, 4)], {}),
    ("less", K.less, [rand(3, 4), rand(3, 1)], {}),
    ("less_equal", K.less_equal, [rand(3, 4), rand(3, 4)], {}),
    ("softmax", K.softmax, [rand(3, 5)], {}),
    ("softmax-axis0", K.softmax, [rand(4, 3, 2)], {"axis": 0}),
    ("log_softmax", K.log_softmax, [rand(3, 5) * 3], {}),
    ("log_softmax-axis1", K.log_softmax, [rand(2, 4, 3)], {"axis": 1}),
    ("leaky_relu", K.leaky_relu, [rand(4, 5, away=0.05)], {}),
    ("leaky_relu-0.2", K.leaky_relu, [rand(4, 5, away=0.05)], {"negative_slope": 0.2}),
    ("elu", K.elu, [rand(4, 5, away=0.05)], {}),
    ("elu-alpha", K.elu, [rand(4, 5, away=0.05)], {"alpha": 0.5}),
    ("softplus", K.softplus, [rand(4, 5) * 3], {}),
    ("softplus-beta-threshold", K.softplus, [np.array([-3.0, -0.5, 0.2, 1.0, 4.0, 9.0])],
     {"beta": 2.0, "threshold": 5.0}),
    ("nll_loss-mean", K.nll_loss, [rand(5, 4), np.array([0, 3, 1, 1, 2])], {}),
    ("nll_loss-ignore-mean", K.nll_loss, [rand(5, 4), np.array([0, -100, 1, -100, 2])], {}),
    ("nll_loss-sum-ignore", K.nll_loss, [rand(5, 4), np.array([0, 3, 7, 1, 2]) % 4],
     {"reduction": "sum", "ignore_index": 3}),
    ("nll_loss-weight-mean", K.nll_loss, [rand(5, 4), np.array([0, 3, -100, 1, 3]), rand(4, lo=0.2)], {}),
    ("nll_loss-2d-weight-none", K.nll_loss, [rand(2, 3, 2, 2), np.array([[[0, 2], [1, -100]], [[2, 2], [0, 1]]]),
                                             rand(3, lo=0.2)], {"reduction": "none"}),
    ("nll_loss-2d-mean", K.nll_loss, [rand(2, 3, 4), np.array([[0, 2, 1, 1], [2, -100, 0, 1]])], {}),
    ("nll_loss-none", K.nll_loss, [rand(4, 3), np.array([2, 0, -1, 1])], {"reduction": "none", "ignore_index": -1}),
    ("softmax-ce-float-labels", K.softmax_cross_entropy, [rand(4, 3), np.array([2.0, 0.0, 1.0, 2.0])], {}),
    ("softmax-ce-ignore", K.softmax_cross_entropy, [rand(5, 4), np.array([0, -100, 1, 3, -100])],
     {"ignore_index": -100}),
    ("softmax-ce-none", K.softmax_cross_entropy, [rand(5, 4), np.array([0, 3, 1, 1, 2])], {"reduction": "none"}),
    ("softmax-ce-sum-ignore", K.softmax_cross_entropy, [rand(5, 4), np.array([0, -1, 1, 3, 2])],
     {"reduction": "sum", "ignore_index": -1}),
    ("softmax-ce-none-ignore", K.softmax_cross_entropy, [rand(4, 3), np.array([2, 0, -1, 2])],
     {"reduction": "none", "ignore_index": -1}),
    ("softmax-ce-soft", K.softmax_cross_entropy_with_logits, [rand(4, 5), probs(4, 5)], {}),
    ("softmax-ce-soft-axis0", K.softmax_cross_entropy_with_logits, [rand(3, 2, 4), rand(3, 2, 4, lo=0.1)],
     {"axis": 0}),
    ("sigmoid-ce", K.sigmoid_cross_entropy_with_logits, [rand(3, 4) * 4, R.uniform(0, 1, (3, 4))], {}),
    ("sigmoid-ce-mean", K.sigmoid_cross_entropy_with_logits, [rand(3, 4), R.uniform(0, 1, (3, 4))],
     {"reduction": "mean"}),
    ("mse", K.mse_loss, [rand(3, 4), rand(3, 4)], {}),
    ("mse-sum", K.mse_loss, [rand(5), rand(5)], {"reduction": "sum"}),
    ("mse-none", K.mse_loss, [rand(2, 3), rand(2, 3)], {"reduction": "none"}),
    ("sum-all", K.sum, [rand(2, 3, 4)], {}),
    ("sum-axis-keep", K.sum, [rand(2, 3, 4)], {"axis": 1, "keepdims": True}),
    ("sum-axes", K.sum, [rand(2, 3, 4)], {"axis": (0, 2)}),
    ("mean-all", K.mean, [rand(2, 3, 4)], {}),
    ("mean-neg-axis", K.mean, [rand(2, 3, 4)], {"axis": -1}),
    ("mean-axes-keep", K.mean, [rand(2, 3, 4)], {"axis": (0, 2), "keepdims": True}),
    ("prod-axis", K.prod, [rand(2, 3, 4)], {"axis": 1}),
    ("prod-axes-keep-zero", K.prod, [np.array([[0.0, 2.0, -1.5], [0.5, 0.0, 0.0]])], {"axis": (1,), "keepdims": True}),
    ("prod-all", K.prod, [rand(2, 3)], {}),
    ("max-all", K.max, [distinct(3, 4)], {}),
    ("max-axis", K.max, [distinct(3, 4, 2)], {"axis": 1}),
    ("max-axes-keep", K.max, [distinct(3, 4, 2)], {"axis": (0, 2), "keepdims": True}),
    ("min-neg-axis", K.min, [distinct(3, 4)], {"axis": -1}),
    ("min-axes", K.min, [distinct(2, 3, 4)], {"axis": (2, 0)}),
    ("argmax", K.argmax, [rand(3, 4)], {"axis": 1}),
    ("argmax-flat", K.argmax, [rand(3, 4)], {}),
    ("argmin-keep", K.argmin, [rand(3, 4)], {"axis": 0, "keepdims": True}),
    ("gather-axis1", K.gather, [rand(3, 4), np.array([[0, 0, 3], [1, 2, 1], [3, 3, 3]])], {"axis": 1}),
    ("gather-axis0-smaller", K.gather, [rand(4, 3), np.array([[3, 0], [1, 1]])], {"axis": 0}),
    ("take-axis0", K.take, [rand(5, 3), np.array([4, 0, 4, 2])], {}),
    ("take-axis1-2d", K.take, [rand(2, 4, 3), np.array([[3, 1], [1, 0]])], {"axis": 1}),
    ("take-clip", K.take, [rand(4, 2), np.array([-2, 1, 9])], {"mode": "clip"}),
    ("take-wrap", K.take, [rand(4, 2), np.array([-1, 5, 2])], {"mode": "wrap"}),
    ("one_hot", K.one_hot, [np.array([[0, 2], [3, 1]])], {"depth": 4}),
    ("one_hot-zeros-onoff", K.one_hot, [np.array([0, -1, 5, 2])], {"depth": 3, "on_value": 5.0, "off_value": -1.0,
                                                                   "out_of_range": "zeros"}),
    ("where", K.where, [rand(3, 4) > 0, rand(3, 4), rand(3, 4)], {}),
    ("where-bcast", K.where, [rand(3, 1) > 0, rand(4), rand(3, 4)], {}),
    ("reshape", K.reshape, [rand(2, 3, 4)], {"shape": (4, -1)}),
    ("transpose", K.transpose, [rand(2, 3, 4)], {"axes": (2, 0, 1)}),
    ("transpose-rev", K.transpose, [rand(2, 3)], {}),
    ("concat", K.concat, [rand(2, 1), rand(2, 3), rand(2, 2)], {"axis": 1}),
    ("slice", K.slice, [rand(4, 5)], {"index": (slice(1, 3), 2)}),
    ("slice-step", K.slice, [rand(6, 5)], {"index": (slice(None, None, 2),)}),
    ("split-equal", K.split, [rand(2, 6)], {"sections": 3, "axis": 1}),
    ("split-sizes", K.split, [rand(6, 2)], {"sections": [1, 2, 3], "axis": 0}),
    ("stack", K.stack, [rand(2, 3), rand(2, 3), rand(2, 3)], {}),
    ("stack-last", K.stack, [rand(2, 3), rand(2, 3)], {"axis": -1}),
    ("unstack", K.unstack, [rand(3, 2, 4)], {"axis": 1}),
    ("broadcast_to", K.broadcast_to, [rand(3, 1)], {"shape": (2, 3, 4)}),
    ("broadcast_to-expand", K.broadcast_to, [rand(1, 4)], {"shape": (3, -1)}),
    ("pad", K.pad, [rand(2, 3)], {"pad_width": ((1, 0), (2, 3))}),
    ("pad-int-value", K.pad, [rand(2, 2, 3)], {"pad_width": 1, "constant_values": -1.5}),
    ("squeeze-all", K.squeeze, [rand(1, 3, 1, 2)], {}),
    ("squeeze-axis", K.squeeze, [rand(1, 3, 1, 2)], {"axis": -2}),
    ("unsqueeze", K.unsqueeze, [rand(3, 2)], {"axis": 1}),
    ("unsqueeze-neg", K.unsqueeze, [rand(3, 2)], {"axis": -1}),
    ("tile", K.tile, [rand(2, 3)], {"reps": (2, 1)}),
    ("tile-more-reps", K.tile, [rand(2, 3)], {"reps": (2, 3, 2)}),
    ("matmul", K.matmul, [rand(3, 4), rand(4, 5)], {}),
    ("matmul-batch-2d", K.matmul, [rand(2, 3, 4), rand(4, 5)], {}),
    ("matmul-batch", K.matmul, [rand(2, 3, 4), rand(2, 4, 5)], {}),
    ("matmul-bcast", K.matmul, [rand(1, 3, 4), rand(2, 4, 5)], {}),
    ("matmul-tb", K.matmul, [rand(3, 4), rand(5, 4)], {"transpose_b": True}),
    ("matmul-ta", K.matmul, [rand(4, 3), rand(4, 5)], {"transpose_a": True}),
    ("einsum-matmul", K.einsum, [rand(3, 4), rand(4, 5)], {"equation": "ij,jk->ik"}),
    ("einsum-bilinear", K.einsum, [rand(2, 3), rand(4, 3, 5), rand(2, 5)], {"equation": "bn,anm,bm->ba"}),
    ("einsum-implicit-outer", K.einsum, [rand(3), rand(4)], {"equation": "i,j"}),
    ("einsum-sum-alone", K.einsum, [rand(3, 4), rand(4)], {"equation": "ij,j->"}),
    ("einsum-ellipsis-bcast", K.einsum, [rand(2, 1, 3, 4), rand(5, 4, 2)], {"equation": "...ij,...jk->...ik"}),
    ("einsum-transpose", K.einsum, [rand(2, 3, 4)], {"equation": "abc->cab"}),
    ("conv2d-pad-bias", K.conv2d, [rand(2, 3, 5, 5), rand(4, 3, 3, 3), rand(4)], {"pad": 1}),
    # stride 1 runs col2im over the padded width: rectangular kernels, uneven padding, 1x1
    ("conv2d-rect-nopad", K.conv2d, [rand(2, 2, 5, 7), rand(3, 2, 2, 3)], {}),
    ("conv2d-pad-uneven", K.conv2d, [rand(1, 2, 4, 5), rand(2, 2, 3, 1), rand(2)], {"pad": (0, 2)}),
    ("conv2d-1x1", K.conv2d, [rand(2, 3, 3, 4), rand(2, 3, 1, 1)], {}),
    ("conv2d-stride", K.conv2d, [rand(2, 2, 7, 6), rand(3, 2, 3, 2)], {"stride": 2}),
    ("conv2d-stride-pad", K.conv2d, [rand(1, 2, 6, 6), rand(2, 2, 3, 3), rand(2)], {"stride": (2, 1), "pad": (1, 0)}),
    ("conv_transpose2d-bias", K.conv_transpose2d, [rand(2, 3, 3, 4), rand(3, 2, 3, 3), rand(2)], {}),
    ("conv_transpose2d-stride-pad-adj", K.conv_transpose2d, [rand(2, 2, 3, 3), rand(2, 3, 4, 4), rand(3)],
     {"stride": 2, "pad": 1, "output_padding": 1}),
    ("conv_transpose2d-rect", K.conv_transpose2d, [rand(1, 3, 2, 4), rand(3, 2, 3, 2)],
     {"stride": (2, 1), "pad": (0, 1)}),
    ("conv_transpose2d-cut-end", K.conv_transpose2d, [rand(1, 2, 3, 3), rand(2, 2, 3, 3), rand(2)],
     {"stride": 2, "pad": 1, "output_padding": (-1, 1)}),
    ("conv_transpose2d-stride1-pad", K.conv_transpose2d, [rand(2, 2, 4, 4), rand(2, 3, 3, 3)], {"pad": 1}),
    ("maxpool-2", K.max_pool2d, [rand(2, 3, 4, 6)], {"kernel": 2}),
    ("maxpool-odd-floor", K.max_pool2d, [rand(1, 2, 5, 5)], {"kernel": 2}),
    ("maxpool-3s2-ceil", K.max_pool2d, [rand(2, 2, 7, 8)], {"kernel": 3, "stride": 2, "ceil_mode": True}),
    ("maxpool-pad", K.max_pool2d, [rand(1, 2, 5, 5)], {"kernel": 3, "stride": 2, "pad": 1}),
    ("maxpool-2s3", K.max_pool2d, [rand(1, 2, 8, 7)], {"kernel": 2, "stride": 3}),
    ("embedding-repeats", K.embedding, [rand(6, 3), np.array([[1, 4, 1], [0, 1, 5]])], {}),
    ("embedding-clip-mode", K.embedding, [rand(6, 3), np.array([[1, 4, 1], [0, 1, 5]])], {"mode": "clip"}),
    ("softmax-ce", K.softmax_cross_entropy, [rand(5, 4), np.array([0, 3, 1, 1, 2])], {}),
    ("lstm", K.lstm, [rand(T, B, E), rand(B, H), rand(B, H), rand(E, 4 * H) * 0.5, rand(H, 4 * H) * 0.5,
                      rand(4 * H), rand(4 * H)], {}),
    ("avgpool-2", K.avg_pool2d, [rand(2, 3, 4, 6)], {"kernel": 2}),
    ("avgpool-3s2-pad-counted", K.avg_pool2d, [rand(1, 2, 5, 6)], {"kernel": 3, "stride": 2, "pad": 1}),
    ("avgpool-3s2-pad-excluded", K.avg_pool2d, [rand(1, 2, 5, 6)],
     {"kernel": 3, "stride": 2, "pad": 1, "count_include_pad": False}),
    ("avgpool-3s2-ceil-pad", K.avg_pool2d, [rand(2, 2, 6, 7)],
     {"kernel": 3, "stride": 2, "pad": 1, "ceil_mode": True}),
    ("avgpool-ceil-excluded", K.avg_pool2d, [rand(1, 2, 7, 8)],
     {"kernel": (3, 2), "stride": 2, "ceil_mode": True, "count_include_pad": False}),
    ("global-avgpool", K.global_avg_pool2d, [rand(2, 3, 4, 5)], {}),
    ("global-avgpool-keep", K.global_avg_pool2d, [rand(2, 3, 2, 2)], {"keepdims": True}),
    ("lrn", K.lrn, [rand(2, 7, 3, 2)], {"size": 5, "alpha": 0.5, "beta": 0.75, "k": 2.0}),
    ("lrn-size3-nhwc", K.lrn, [rand(2, 3, 2, 6)], {"size": 3, "alpha": 1.0, "beta": 0.5, "k": 1.0, "axis": -1}),
    ("lrn-even-wide", K.lrn, [rand(1, 3, 2, 2)], {"size": 4, "alpha": 0.3, "beta": 0.9, "k": 1.5}),
    ("dropout", K.dropout, [rand(4, 6)], {"p": 0.3, "seed": 7, "counter": 2}),
    ("dropout-eval", K.dropout, [rand(3, 5)], {"p": 0.5, "training": False}),
    ("bn-2d-train", K.batch_norm, [rand(6, 3), rand(3), rand(3), rand(3), rand(3, lo=0.5)], {}),
    ("bn-4d-train-decay", K.batch_norm, [rand(3, 2, 3, 4), rand(2), rand(2), rand(2), rand(2, lo=0.5)],
     {"convention": "decay", "momentum": 0.9, "eps": 1e-3}),
    ("bn-4d-infer", K.batch_norm, [rand(2, 3, 2, 2), rand(3), rand(3), rand(3), rand(3, lo=0.5)],
     {"training": False}),
    ("bn-4d-train-caffe", K.batch_norm, [rand(2, 3, 3, 2), rand(3), rand(3), rand(3), rand(3, lo=0.5),
                                         np.array([2.5])], {"convention": "caffe", "momentum": 0.999}),
    ("bn-2d-infer-caffe", K.batch_norm, [rand(5, 4), rand(4), rand(4), rand(4), rand(4, lo=0.5),
                                         np.array([3.0])], {"convention": "caffe", "training": False}),
    ("lstm-one-step", K.lstm, [rand(1, B, E), rand(B, H), rand(B, H), rand(E, 4 * H), rand(H, 4 * H),
                               rand(4 * H), rand(4 * H)], {}),
]
IDS = [c[0] for c in CASES]
# the inputs to finite-difference where not every float input has a gradient (default: every float input)
DIFF = {"equal": (), "not_equal-bcast": (), "greater": (), "greater_equal": (), "less": (), "less_equal": (),
        "argmax": (), "argmax-flat": (), "argmin-keep": (), "softmax-ce-float-labels": (0,),
        "nll_loss-weight-mean": (0,), "nll_loss-2d-weight-none": (0,), "roi_pool": (0,)}
# ops whose output is by design not a float of the input's dtype: bool, integer, or a chosen dtype
OTHER_DTYPE = {"equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "argmax", "argmin",
               "one_hot", "cast"}


def _shapes(inputs):
    return [np.shape(a) for a in inputs]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_backward_matches_finite_differences(case):
    _, kernel, inputs, attrs = case
    check_kernel(kernel, [a.copy() for a in inputs], attrs, diff=DIFF.get(case[0]))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_infer_matches_forward(case):
    _, kernel, inputs, attrs = case
    y, _ = kernel.forward(np, *[a.copy() for a in inputs], **attrs)
    inferred = kernel.infer(*_shapes(inputs), **attrs)
    got = tuple(o.shape for o in y) if isinstance(y, tuple) else y.shape
    assert tuple(inferred) == got


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_float32_stays_float32(case):
    _, kernel, inputs, attrs = case
    inputs32 = [a.astype(np.float32) if a.dtype.kind == "f" else a for a in inputs]
    y, saved = kernel.forward(np, *inputs32, **attrs)
    outs = y if isinstance(y, tuple) else (y,)
    if kernel.name not in OTHER_DTYPE:
        assert all(o.dtype == np.float32 for o in outs), [o.dtype for o in outs]
    gy = tuple(np.ones_like(o) for o in outs) if isinstance(y, tuple) else np.ones_like(y)
    for g in kernel.backward(np, saved, gy, **attrs):
        assert g is None or g.dtype == np.float32, g.dtype


@pytest.mark.parametrize("case", [c for c in CASES if len(c[2]) > 1], ids=[c[0] for c in CASES if len(c[2]) > 1])
def test_needs_skips_gradients(case):
    """Each input whose gradient is not needed gets None (its arithmetic skipped); the others are unchanged.
    Engines never call backward when no input needs a gradient, so single-input kernels have nothing to skip."""
    _, kernel, inputs, attrs = case
    y, saved = kernel.forward(np, *[a.copy() for a in inputs], **attrs)
    gy = tuple(np.ones_like(o) for o in y) if isinstance(y, tuple) else np.ones_like(y)
    full = kernel.backward(np, saved, gy, **attrs)
    for skipped in range(len(inputs)):
        needs = tuple(i != skipped for i in range(len(inputs)))
        part = kernel.backward(np, saved, gy, needs=needs, **attrs)
        assert len(part) == len(inputs), f"{kernel.name}: one gradient slot per input"
        assert part[skipped] is None, f"{kernel.name}: input {skipped} is not needed, yet its gradient was computed"
        for i, (f, p) in enumerate(zip(full, part)):
            if i != skipped and f is not None:
                np.testing.assert_array_equal(p, f)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("device", [p for p in DEVICE_PARAMS if p.id != "cpu"])
def test_backend_agrees_with_numpy(case, device):
    xp = K.get_xp(device)
    _, kernel, inputs, attrs = case
    y, saved = kernel.forward(np, *[a.copy() for a in inputs], **attrs)
    yd, saved_d = kernel.forward(xp, *[xp.asarray(a) for a in inputs], **attrs)
    outs, outs_d = (y, yd) if isinstance(y, tuple) else ((y,), (yd,))
    for a, b in zip(outs, outs_d):
        np.testing.assert_allclose(K.to_numpy(b), a, rtol=1e-10, atol=1e-12)
    gy = tuple(np.ones_like(o) for o in outs)
    gy_d = tuple(xp.asarray(g) for g in gy)
    g = kernel.backward(np, saved, gy if isinstance(y, tuple) else gy[0], **attrs)
    g_d = kernel.backward(xp, saved_d, gy_d if isinstance(y, tuple) else gy_d[0], **attrs)
    for a, b in zip(g, g_d):
        if a is not None:
            np.testing.assert_allclose(K.to_numpy(b), a, rtol=1e-10, atol=1e-12)


def test_every_registered_op_is_covered():
    covered = {c[1].name for c in CASES}
    ops = {name for name, cls in K.REGISTRY.items() if issubclass(cls, K.Kernel)}
    assert ops - covered == set()


# ---------------------------------------------------------------- broadcasting, property-based
from hypothesis import given, settings, strategies as st  # noqa: E402


@st.composite
def broadcastable_pair(draw):
    """Two shapes NumPy can broadcast: a full shape, and a suffix of it with some axes set to 1."""
    full = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    cut = draw(st.integers(0, len(full)))
    other = [1 if draw(st.booleans()) else s for s in full[cut:]]
    return (tuple(full), tuple(other)) if draw(st.booleans()) else (tuple(other), tuple(full))


@settings(max_examples=25, deadline=None)
@given(pair=broadcastable_pair(), op=st.sampled_from(["add", "sub", "mul", "div", "maximum", "minimum"]))
def test_broadcast_backward_property(pair, op):
    rs = np.random.RandomState(len(pair[0]) * 7 + len(pair[1]))
    a = rs.standard_normal(pair[0])
    b = rs.standard_normal(pair[1])
    if op == "div":
        b = np.abs(b) + 0.5
    if op in ("maximum", "minimum"):
        b = b + 0.37  # keep clear of ties, where max/min have no derivative
    grads = check_kernel(K.get(op), [a, b])
    assert grads[0].shape == a.shape and grads[1].shape == b.shape
    assert K.get(op).infer(a.shape, b.shape) == np.broadcast_shapes(a.shape, b.shape)


def test_every_kernel_defines_its_own_methods():
    """The profiling hook wraps only what a class defines itself: an inherited forward would go untimed."""
    for name, cls in K.REGISTRY.items():
        for phase in (("forward", "backward") if issubclass(cls, K.Kernel) else ("update",)):
            assert isinstance(cls.__dict__.get(phase), staticmethod), f"{name}.{phase} is not its own staticmethod"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv2d_col2im_in_chunks_is_one_chunk_to_the_last_bit(monkeypatch, dtype):
    """The stride-1 input gradient runs its images in chunks sized by _COL2IM_BYTES: a batch split into
    chunks of 2 with a short last one (the previous chunk's rows left in its unused slots) gives the very
    numbers of one chunk, and passes the finite-difference check itself."""
    from frameworks.kernels import nn
    rs = np.random.RandomState(3)
    x, w, b = rs.standard_normal((5, 3, 6, 7)), rs.standard_normal((4, 3, 3, 2)), rs.standard_normal(4)
    x, w, b = x.astype(dtype), w.astype(dtype), b.astype(dtype)
    gy = rs.standard_normal((5, 4, 6, 8)).astype(dtype)

    def input_grad():
        _, saved = K.conv2d.forward(np, x, w, b, pad=(1, 1))
        return K.conv2d.backward(np, saved, gy, pad=(1, 1))[0].copy()

    image = 3 * 3 * 2 * (6 + 2) * (7 + 2) * np.dtype(dtype).itemsize   # one image's offset rows
    monkeypatch.setattr(nn, "_COL2IM_BYTES", 2 * image)
    assert nn.Conv2D._col2im_chunk(5, image) == 2
    chunked = input_grad()   # first: the one-chunk run writes every pixel, so its numbers left in a reused
    monkeypatch.undo()       # buffer cannot stand in for a chunk that was never written
    assert nn.Conv2D._col2im_chunk(5, image) == 5
    one = input_grad()
    np.testing.assert_array_equal(chunked, one)
    assert np.array_equal(np.signbit(chunked), np.signbit(one))
    if dtype == np.float64:
        check_kernel(K.conv2d, [x, w, b], {"pad": (1, 1)})
