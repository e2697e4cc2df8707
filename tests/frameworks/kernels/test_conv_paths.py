"""conv2d's layouts, one case per path its forward and backward choose (nn.Conv2D): wide or per-pixel columns,
the input gradient as a transposed convolution ('same' padding reading gy widened from its padded copy, or
widened on its own) or as col2im (over the padded width, or by strided adds). Each against the nested sums of test_formulas and finite differences."""
import numpy as np
import pytest

from frameworks import kernels as K
from frameworks.kernels.gradcheck import check_kernel
from tests.frameworks.kernels.test_formulas import conv2d_direct

R = np.random.RandomState(11)

# (x, w, bias, stride, pad): the comment names the path
PATHS = [
    ((2, 3, 5, 6), (2, 3, 3, 3), True, 1, 1),    # wide columns, 'same', O <= C: transposed gx, gy widened = its padded copy
    ((2, 3, 5, 6), (2, 3, 3, 3), False, 1, 0),   # wide columns, gy widened on its own; transposed gx
    ((2, 4, 5, 5), (2, 4, 2, 2), True, 1, 0),    # wide, even kernel: gy padded by 1 on each side
    ((2, 2, 5, 6), (4, 2, 3, 3), True, 1, 1),    # wide columns, O > C: col2im over the padded width
    ((2, 1, 5, 6), (4, 1, 3, 3), True, 1, 1),    # per-pixel columns (few channels), wide col2im
    ((1, 2, 6, 5), (3, 2, 3, 3), True, 1, 3),    # pad >= kernel: wide col2im
    ((2, 3, 7, 7), (2, 3, 3, 3), True, 2, 1),    # stride 2: per-pixel columns, col2im by strided adds
]


@pytest.mark.parametrize("xs,ws,bias,stride,pad", PATHS)
def test_each_path_equals_nested_sums_and_finite_differences(xs, ws, bias, stride, pad):
    x, w = R.standard_normal(xs), R.standard_normal(ws)
    b = R.standard_normal(ws[0]) if bias else None
    y, _ = K.conv2d.forward(np, x, w, b, stride=stride, pad=pad)
    np.testing.assert_allclose(y, conv2d_direct(x, w, b, stride, pad), rtol=1e-12, atol=1e-12)
    assert y.flags.c_contiguous, "conv2d's output is a contiguous NCHW array"
    check_kernel(K.conv2d, [x, w] + ([b] if bias else []), {"stride": stride, "pad": pad})


@pytest.mark.parametrize("xs,ws,bias,stride,pad", PATHS)
def test_saved_columns_match_saved_bytes(xs, ws, bias, stride, pad):
    x, w = R.standard_normal(xs).astype(np.float32), R.standard_normal(ws).astype(np.float32)
    _, (cols, *_) = K.conv2d.forward(np, x, w, stride=stride, pad=pad)
    assert cols.nbytes == K.conv2d.saved_bytes(xs, ws, stride=stride, pad=pad)
