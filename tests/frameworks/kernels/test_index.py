"""Indexing kernels against NumPy/PyTorch semantics; an index out of range is one IndexError naming the op,
the index and the size (never NumPy's silent wrap of -1 to the last row)."""
import numpy as np
import pytest

from frameworks import kernels as K
from frameworks.kernels import ShapeError

R = np.random.RandomState(5)


def test_gather_is_torch_gather():
    x = R.standard_normal((3, 4))
    idx = np.array([[0, 3], [2, 2], [1, 0]])
    y, _ = K.gather.forward(np, x, idx, axis=1)
    np.testing.assert_array_equal(y, [[x[i, idx[i, j]] for j in range(2)] for i in range(3)])
    with pytest.raises(IndexError, match=r"gather: index -1 is out of range for size 4"):
        K.gather.forward(np, x, np.array([[0, -1]]), axis=1)
    with pytest.raises(ShapeError, match="gather: index must have as many dimensions as the input"):
        K.gather.infer((3, 4), (3,), axis=0)


@pytest.mark.parametrize("vocab, n, repeats", [(64, 512, "few"), (3, 400, "many"), (5, 1, "one")])
def test_row_scatter_sums_as_add_at(vocab, n, repeats):
    """Repeated ids accumulate in input order, bit for bit as np.add.at (float32, where order shows), whether
    the rows are summed by repeat rank (few repeats) or by add.at itself (ids repeated past MAX_REPEATS)."""
    ids = R.randint(0, vocab, (n // 16, 16) if n >= 16 else (n,))
    gy = R.standard_normal(ids.shape + (8,)).astype(np.float32)
    gy.reshape(-1, 8)[0, 0] = -0.0
    want = np.zeros((vocab, 8), np.float32)
    np.add.at(want, ids.reshape(-1), gy.reshape(-1, 8))
    gw, _ = K.embedding.backward(np, (ids, (vocab, 8)), gy)
    assert gw.dtype == want.dtype
    np.testing.assert_array_equal(gw.view(np.uint32), want.view(np.uint32))
    gx, _ = K.take.backward(np, (ids, (vocab, 2, 4)), gy.reshape(ids.shape + (2, 4)))   # take's rows too
    np.testing.assert_array_equal(gx.reshape(vocab, 8).view(np.uint32), want.view(np.uint32))


def test_take_modes():
    x = R.standard_normal((4, 2))
    y, _ = K.take.forward(np, x, np.array([3, 0, 3]))
    np.testing.assert_array_equal(y, x[[3, 0, 3]])
    with pytest.raises(IndexError, match=r"take: index -1 is out of range for size 4"):
        K.take.forward(np, x, np.array([0, -1]))
    with pytest.raises(IndexError, match=r"take: index 4 is out of range for size 4"):
        K.take.forward(np, x, np.array([4]))
    np.testing.assert_array_equal(K.take.forward(np, x, np.array([-3, 9]), mode="clip")[0], x[[0, 3]])
    np.testing.assert_array_equal(K.take.forward(np, x, np.array([-1, 5]), mode="wrap")[0], x[[3, 1]])
    np.testing.assert_array_equal(K.take.forward(np, x, np.array([1.0, 2.0], np.float32))[0], x[[1, 2]])


def test_embedding_refuses_minus_one():
    w = R.standard_normal((5, 2))
    with pytest.raises(IndexError, match=r"embedding: id -1 is out of range for size 5"):
        K.embedding.forward(np, w, np.array([[0, -1]]))
    with pytest.raises(IndexError, match="embedding: id 5 is out of range for size 5"):
        K.embedding.forward(np, w, np.array([5]))


def test_one_hot_raise_and_zeros():
    y, _ = K.one_hot.forward(np, np.array([2, 0]), 3)
    np.testing.assert_array_equal(y, [[0, 0, 1], [1, 0, 0]])
    assert y.dtype == np.float32
    with pytest.raises(IndexError, match="one_hot: index 3 is out of range for size 3"):
        K.one_hot.forward(np, np.array([3]), 3)
    y, _ = K.one_hot.forward(np, np.array([-1, 3, 1]), 3, out_of_range="zeros", dtype="int64")
    np.testing.assert_array_equal(y, [[0, 0, 0], [0, 0, 0], [0, 1, 0]])
    assert y.dtype == np.int64


def test_where_routes_the_gradient_to_both_branches():
    c = np.array([True, False, True])
    y, saved = K.where.forward(np, c, np.array([1.0, 2.0, 3.0]), np.array([9.0]))
    np.testing.assert_array_equal(y, [1.0, 9.0, 3.0])
    gc, gx, go = K.where.backward(np, saved, np.array([1.0, 2.0, 4.0]))
    assert gc is None
    np.testing.assert_array_equal(gx, [1.0, 0.0, 4.0])
    np.testing.assert_array_equal(go, [2.0])


def test_whole_number_float_indices_give_the_same_gradients():
    x, gy = R.standard_normal((3, 4)), R.standard_normal((3, 2))
    idx = np.array([[0, 3], [2, 2], [1, 0]])
    for kernel, attrs, i in ((K.gather, {"axis": 1}, idx), (K.take, {"axis": 1, "mode": "clip"}, idx[0])):
        g = gy if kernel is K.gather else R.standard_normal((3, 2))
        _, s_int = kernel.forward(np, x, i, **attrs)
        _, s_float = kernel.forward(np, x, i.astype(np.float32), **attrs)
        np.testing.assert_array_equal(kernel.backward(np, s_int, g, **attrs)[0],
                                      kernel.backward(np, s_float, g, **attrs)[0])
    with pytest.raises(ValueError, match=r"gather: index must hold integral values; got 0.5"):
        K.gather.forward(np, x, np.array([[0.5, 1.0]]), axis=1)


def test_embedding_clip_mode_clamps_ids_forward_and_backward():
    # MXNet's Embedding clips out-of-range ids (its Take and AddTakeGrad kernels): -3 reads and trains row 0,
    # 7 the last row; in range, the ids are used as given
    w = np.arange(12.0).reshape(4, 3)
    y, saved = K.embedding.forward(np, w, np.array([-3, 2, 7]), mode="clip")
    np.testing.assert_array_equal(y, w[[0, 2, 3]])
    gw, _ = K.embedding.backward(np, saved, np.ones((3, 3)), mode="clip")
    np.testing.assert_array_equal(gw.sum(axis=1), [3, 0, 3, 3])
    with pytest.raises(IndexError, match="embedding: id 7 is out of range for size 4"):
        K.embedding.forward(np, w, np.array([7]))


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint8", "uint64", ">i8"])
def test_index_check_takes_every_integer_dtype(dtype):
    """In range passes as given, whatever the width, signedness or byte order; a negative or too large index
    is the one IndexError (NumPy checks by the largest index viewed as unsigned, the others compare)."""
    from frameworks.kernels.index import as_indices
    ok = np.array([[0, 3], [2, 1]], dtype=dtype)
    assert as_indices(np, "take", ok, 4) is ok
    assert as_indices(np, "take", np.array(3, dtype=dtype), 4).shape == ()
    with pytest.raises(IndexError, match=r"take: index 4 is out of range for size 4"):
        as_indices(np, "take", np.array([1, 4, 0], dtype=dtype), 4)
    if np.dtype(dtype).kind == "i":
        with pytest.raises(IndexError, match=r"take: index -2 is out of range for size 4"):
            as_indices(np, "take", np.array([[1, 0], [-2, 3]], dtype=dtype), 4)
