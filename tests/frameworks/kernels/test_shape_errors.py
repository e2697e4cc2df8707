"""Shape rules reject what forward could not compute, with a message naming the op and the shapes."""
import pytest

from frameworks import kernels as K
from frameworks.kernels import ShapeError

BAD = [
    (K.matmul, [(3, 4), (5, 6)], {}, "matmul: dimensions must be equal, but are 4 and 5 (shapes (3, 4), (5, 6))"),
    (K.matmul, [(3,), (3, 2)], {}, "matmul: both operands need at least 2 dimensions"),
    (K.add, [(3, 4), (5,)], {}, "add: operands could not be broadcast together (shapes (3, 4), (5,))"),
    (K.mul, [(2, 3), (3, 2)], {}, "mul: operands could not be broadcast"),
    (K.reshape, [(2, 3)], {"shape": (4, 2)}, "reshape: cannot reshape 6 elements (shapes (2, 3), (4, 2))"),
    (K.reshape, [(2, 3)], {"shape": (-1, -1)}, "reshape: only one dimension may be -1"),
    (K.transpose, [(2, 3)], {"axes": (0, 0)}, "transpose: axes (0, 0) are not a permutation"),
    (K.concat, [(2, 3), (3, 3)], {"axis": 1}, "concat: dimensions must match except on axis 1 (shapes (2, 3), (3, 3))"),
    (K.sum, [(2, 3)], {"axis": 2}, "sum: axis 2 is out of range (shapes (2, 3))"),
    (K.split, [(2, 5)], {"sections": 2, "axis": 1}, "split: axis of size 5 does not split into 2 equal parts"),
    (K.slice, [(2, 3)], {"index": (5,)}, "slice: index (5,) does not fit"),
    (K.conv2d, [(1, 3, 8, 8), (4, 2, 3, 3)], {}, "conv2d: input has 3 channels but the weight expects 2"),
    (K.conv2d, [(1, 3, 2, 2), (4, 3, 3, 3)], {}, "conv2d: the kernel is larger than the padded input"),
    (K.conv2d, [(1, 3, 8, 8), (4, 3, 3, 3), (5,)], {}, "conv2d: bias must have shape (4,)"),
    (K.conv2d, [(3, 8, 8), (4, 3, 3, 3)], {}, "conv2d: input must be NCHW"),
    (K.max_pool2d, [(1, 1, 1, 1)], {"kernel": 2}, "max_pool2d: the 2x2 window is larger than the input"),
    (K.embedding, [(10,), (3,)], {}, "embedding: weight must be (num_embeddings, dim)"),
    (K.softmax_cross_entropy, [(4, 3), (5,)], {}, "softmax_cross_entropy: logits and labels disagree on N"),
    (K.lstm, [(2, 3, 4), (3, 5), (3, 5), (4, 20), (5, 16), (20,), (20,)], {}, "lstm: wh must be (H, 4H)"),
    (K.lstm, [(2, 3, 4), (3, 5), (3, 5), (7, 20), (5, 20), (20,), (20,)], {}, "lstm: wx must be (E, 4H) = (4, 20)"),
    (K.lstm, [(2, 3, 4), (2, 5), (3, 5), (4, 20), (5, 20), (20,), (20,)], {}, "lstm: h0 must be (B, H) = (3, 5)"),
]


@pytest.mark.parametrize("kernel,shapes,attrs,message", BAD, ids=[f"{b[0].name}-{i}" for i, b in enumerate(BAD)])
def test_shape_error_names_op_and_shapes(kernel, shapes, attrs, message):
    with pytest.raises(ShapeError) as e:
        kernel.infer(*shapes, **attrs)
    assert message in str(e.value)
    assert isinstance(e.value, ValueError)


def test_unknown_batch_dimension_is_carried():
    assert K.matmul.infer((None, 4), (4, 2)) == (None, 2)
    assert K.add.infer((None, 4), (4,)) == (None, 4)
    assert K.conv2d.infer((None, 1, 28, 28), (8, 1, 3, 3), pad=1) == (None, 8, 28, 28)
    assert K.reshape.infer((None, 16, 7, 7), (-1, 784)) == (None, 784)


def test_unknown_kernel_lists_known():
    with pytest.raises(KeyError, match="known kernels: abs, adadelta, adagrad, adam, adamax, add"):
        K.get("conv3d")
