"""The nd operator surface against MXNet 1.9's documented results (the doc-string examples of
src/operator/*.cc and python/mxnet/ndarray, and the kernels' rules where the docs give none)."""
import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid.base import MXNetError

nd = mx.nd
A = nd.array


def close(x, expected):
    got = x.asnumpy() if hasattr(x, "asnumpy") else np.asarray(x)
    np.testing.assert_allclose(got, np.asarray(expected, dtype=got.dtype), rtol=1e-6, atol=1e-6)


def test_round_is_c_round_and_rint_rounds_halves_down():
    # elemwise_unary_op_basic.cc: round([-1.5, 1.5, -1.9, 1.9, 2.1]) = [-2, 2, -2, 2, 2];
    # rint([-1.5, 1.5, -1.9, 1.9, 2.1]) = [-2, 1, -2, 2, 2] (mshadow_op::rint takes floor on a tie)
    close(nd.round(A([-1.5, 1.5, -1.9, 1.9, 2.1])), [-2, 2, -2, 2, 2])
    close(nd.rint(A([-1.5, 1.5, -1.9, 1.9, 2.1])), [-2, 1, -2, 2, 2])
    close(nd.round(A([-2.5, 0.5, 2.5, 0.49999997])), [-3, 1, 3, 0])
    close(nd.rint(A([-2.5, 0.5, 2.5])), [-3, 0, 2])
    close(nd.fix(A([-2.1, -1.9, 1.9, 2.1])), [-2, -1, 1, 2])
    close(A([-1.5, 2.5]).round(), [-2, 3])


def test_reductions_take_axis_lists_and_exclude():
    d = A([[[1, 2], [2, 3], [1, 3]], [[1, 4], [4, 3], [5, 2]], [[7, 1], [7, 2], [7, 3]]])
    # broadcast_reduce_op_value.cc: sum(data, axis=[1,2]) = [12, 19, 27]
    close(nd.sum(d, axis=[1, 2]), [12, 19, 27])
    close(nd.sum(d, axis=1), [[4, 8], [10, 9], [21, 6]])
    close(nd.mean(d, axis=[0, 2], keepdims=True).reshape(-1), d.asnumpy().mean(axis=(0, 2)))
    close(nd.max(d, axis=[0, 1]), [7, 4])
    close(nd.sum(d, axis=1, exclude=True), d.asnumpy().sum(axis=(0, 2)))


def test_pick_wrap_and_clip_modes():
    t = A([[1, 2], [3, 4], [5, 6]])
    # broadcast_reduce_op_index.cc: pick(x, y=[0,1,0], 1) = [1, 4, 5]
    close(nd.pick(t, A([0, 1, 0]), axis=1), [1, 4, 5])
    close(nd.pick(t, A([2, -1, 3]), axis=1), [2, 3, 6])              # clip: past the end is the last
    close(nd.pick(t, A([2, -1, 3]), axis=1, mode="wrap"), [1, 4, 6])  # wrap: modulo the length
    close(nd.pick(t, A([1, 0, 2]), axis=1, keepdims=True), [[2], [3], [6]])
    with pytest.raises(MXNetError):
        nd.pick(t, A([0, 0, 0]), axis=1, mode="raise")


def test_broadcast_like_axes():
    # broadcast_like(x=[[1,2,3]], y=zeros((2,5)), lhs_axes=(0,), rhs_axes=(0,)) = [[1,2,3],[1,2,3]]
    close(nd.broadcast_like(A([[1, 2, 3]]), nd.zeros((2, 5)), lhs_axes=(0,), rhs_axes=(0,)), [[1, 2, 3]] * 2)
    assert nd.broadcast_like(A([[1, 2]]), nd.zeros((3, 2))).shape == (3, 2)
    with pytest.raises(MXNetError):
        nd.broadcast_like(A([[1, 2]]), nd.zeros((3, 2)), lhs_axes=(0,), rhs_axes=(0, 1))


def test_split_with_one_output_returns_the_array_and_several_a_list():
    parts = nd.split(nd.arange(6).reshape((3, 2)), num_outputs=2, axis=1)
    assert type(parts) is list and [p.shape for p in parts] == [(3, 1), (3, 1)]
    one = nd.split(nd.arange(6).reshape((3, 2)), num_outputs=1, axis=1)
    assert isinstance(one, nd.NDArray) and one.shape == (3, 2)
    squeezed = nd.split(nd.zeros((3, 2, 1)), num_outputs=3, axis=0, squeeze_axis=1)
    assert [p.shape for p in squeezed] == [(2, 1)] * 3


def test_softmax_with_length():
    # softmax.cc: softmax(data, length=[2, 3], axis=1, use_length=True): entries past the length are 0
    x = A([[1, 1, 1], [1, 1, 1]])
    close(nd.softmax(x, A([2, 3]), axis=1, use_length=True), [[0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]])
    x = A([[0.0, np.log(3.0), 5.0]])
    x.attach_grad()
    with mx.autograd.record():
        y = nd.softmax(x, A([2]), axis=-1, use_length=True, temperature=1.0)
    close(y, [[0.25, 0.75, 0]])
    y.backward(A([[1.0, 0.0, 7.0]]))
    # d y0 / d x = y0 (e0 - y) for the two live entries; nothing reaches the masked one
    close(x.grad, [[0.25 * 0.75, -0.25 * 0.75, 0]])
    with pytest.raises(MXNetError):
        nd.softmax(A([[1, 1]]), axis=1, use_length=True)
    with pytest.raises(MXNetError):
        nd.log_softmax(A([[1, 1]]), use_length=True)


def test_integer_arrays_compute_in_their_dtype():
    a = A([7, -8], dtype="int32")
    for r, expected in ((a / 2, [3, -4]), (10 / a, [1, -1]), (a + 1.5, [8, -7]), (a - 1.5, [6, -9]),
                        (a * 2.5, [14, -16]), (a / A([2, 3], dtype="int32"), [3, -2])):
        assert r.dtype == np.int32
        close(r, expected)
    a /= 2
    assert a.dtype == np.int32
    close(a, [3, -4])
    close(A([7.0, 8.0]) / 2, [3.5, 4])


def test_array_dtype_rules_and_astype_copy():
    # ndarray.py array(): a NumPy source keeps float32 unless dtype is given; an NDArray keeps its own
    assert nd.array(np.array([1, 2], dtype=np.int32)).dtype == np.float32
    assert nd.array(np.array([1, 2], dtype=np.int32), dtype="int32").dtype == np.int32
    assert nd.array(A([1, 2], dtype="int64")).dtype == np.int64
    a = A([1.5, 2])
    assert a.astype("float32", copy=False) is a
    assert a.astype("float32") is not a
    assert a.astype("int32", copy=False).dtype == np.int32


def test_multinomial_shapes():
    # sample_multinomial_op.h: one distribution and no shape gives shape (1,)
    s = nd.random.multinomial(A([0.0, 0.0, 1.0]))
    assert s.shape == (1,) and s.dtype == np.int32
    close(s, [2])
    close(nd.random.multinomial(A([[0.0, 1.0], [1.0, 0.0]]), shape=3), [[1, 1, 1], [0, 0, 0]])
    assert nd.random.multinomial(A([[0.0, 1.0], [1.0, 0.0]])).shape == (2,)
    out = nd.random.multinomial(A([0.25, 0.75]), shape=(2,), get_prob=True)
    assert type(out) is list and out[1].shape == (2,)
    close(out[1], np.log(np.where(out[0].asnumpy() == 1, 0.75, 0.25)))


def test_boolean_mask():
    # contrib/boolean_mask.cc's example
    close(nd.contrib.boolean_mask(A([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), A([0, 1, 0])), [[4, 5, 6]])
    close(nd.contrib.boolean_mask(A([[1, 2, 3], [4, 5, 6]]), A([1, 0, 1]), axis=1), [[1, 3], [4, 6]])
    x = A([[1, 2], [3, 4], [5, 6]])
    x.attach_grad()
    with mx.autograd.record():
        y = nd.contrib.boolean_mask(x, A([1, 0, 1])).sum()
    y.backward()
    close(x.grad, [[1, 1], [0, 0], [1, 1]])
    with pytest.raises(MXNetError):
        nd.contrib.boolean_mask(x, A([1, 0]))


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def test_softmax_output_multi_output():
    # softmax_output-inl.h: softmax over axis 1; grad (p - one_hot) * grad_scale / spatial size
    rs = np.random.RandomState(0)
    x = A(rs.randn(2, 3, 4))
    label = A([[0, 1, 2, 1], [2, 2, 0, 1]])
    x.attach_grad()
    with mx.autograd.record():
        y = nd.SoftmaxOutput(x, label, multi_output=True, grad_scale=2.0)
    y.backward()
    p = _softmax(x.asnumpy(), 1)
    close(y, p)
    one_hot = np.eye(3)[label.asnumpy().astype(int)].transpose(0, 2, 1)
    np.testing.assert_allclose(x.grad.asnumpy(), 2.0 * (p - one_hot) / 4, atol=1e-6)
    with mx.autograd.record():
        y = nd.SoftmaxOutput(x, label, multi_output=True, normalization="batch")
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), (p - one_hot) / 4 / 2, atol=1e-6)
    s = mx.sym.SoftmaxOutput(mx.sym.var("data"), multi_output=True, name="sm")
    assert s.infer_shape(data=(2, 3, 4, 5))[0] == [(2, 3, 4, 5), (2, 4, 5)]


def test_softmax_output_smooth_alpha_and_out_grad():
    # mshadow SmoothSoftmaxGrad (softmax_output-inl.h, smooth_alpha > 0): the true class p - 1 + alpha, every
    # other p - alpha / (k - 1); ignored rows 0. out_grad=True: the gradient times the head gradient
    rs = np.random.RandomState(2)
    x = A(rs.randn(4, 5))
    label = A([1, 4, 0, 2])
    p = _softmax(x.asnumpy(), -1)
    want = p - 0.2 / 4
    want[np.arange(4), [1, 4, 0, 2]] = p[np.arange(4), [1, 4, 0, 2]] - 1 + 0.2
    x.attach_grad()
    with mx.autograd.record():
        y = nd.SoftmaxOutput(x, label, smooth_alpha=0.2)
    y.backward()
    close(y, p)
    np.testing.assert_allclose(x.grad.asnumpy(), want, atol=1e-6)
    with mx.autograd.record():
        y = nd.SoftmaxOutput(x, A([1, 4, -1, 2]), smooth_alpha=0.2, use_ignore=True, normalization="valid")
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), np.where([[1], [1], [0], [1]], want, 0) / 3, atol=1e-6)
    head = rs.rand(4, 5)
    with mx.autograd.record():
        y = nd.SoftmaxOutput(x, label, out_grad=True, grad_scale=2.0)
    y.backward(A(head))
    np.testing.assert_allclose(x.grad.asnumpy(), 2.0 * (p - np.eye(5)[[1, 4, 0, 2]]) * head, atol=1e-6)
    # the Executor feeds a loss layer ones, but an out_grad=True one the given out_grads
    s = mx.sym.SoftmaxOutput(mx.sym.var("data"), mx.sym.var("softmax_label"), out_grad=True, name="sm")
    exe = s.simple_bind(mx.cpu(), data=(4, 5))
    exe.arg_dict["data"][:] = x
    exe.arg_dict["softmax_label"][:] = label
    exe.forward(is_train=True)
    exe.backward([A(head)])
    np.testing.assert_allclose(exe.grad_dict["data"].asnumpy(), (p - np.eye(5)[[1, 4, 0, 2]]) * head, atol=1e-6)
    plain = mx.sym.SoftmaxOutput(mx.sym.var("data"), mx.sym.var("softmax_label"), name="sm")
    exe = plain.simple_bind(mx.cpu(), data=(4, 5))
    exe.arg_dict["data"][:] = x
    exe.arg_dict["softmax_label"][:] = label
    exe.forward(is_train=True)
    exe.backward([A(head)])
    np.testing.assert_allclose(exe.grad_dict["data"].asnumpy(), p - np.eye(5)[[1, 4, 0, 2]], atol=1e-6)


def test_softmax_output_preserve_shape_and_probability_labels():
    rs = np.random.RandomState(1)
    x = A(rs.randn(2, 3, 4))
    label = A(rs.randint(0, 4, (2, 3)))
    x.attach_grad()
    with mx.autograd.record():
        y = nd.SoftmaxOutput(x, label, preserve_shape=True, normalization="batch")
    y.backward()
    p = _softmax(x.asnumpy(), -1)
    close(y, p)
    np.testing.assert_allclose(x.grad.asnumpy(), (p - np.eye(4)[label.asnumpy().astype(int)]) / 6, atol=1e-6)
    s = mx.sym.SoftmaxOutput(mx.sym.var("data"), preserve_shape=True, name="sm")
    assert s.infer_shape(data=(2, 3, 4))[0] == [(2, 3, 4), (2, 3)]
    # a label of data's shape is a distribution: grad = (p - label) * grad_scale
    z = A(rs.randn(2, 3))
    q = nd.softmax(A(rs.randn(2, 3)))
    z.attach_grad()
    with mx.autograd.record():
        y = nd.SoftmaxOutput(z, q, grad_scale=3.0)
    y.backward()
    np.testing.assert_allclose(z.grad.asnumpy(), 3.0 * (y.asnumpy() - q.asnumpy()), atol=1e-6)


def test_pooling_sum_and_lp():
    x = A(np.arange(16, dtype="float32").reshape(1, 1, 4, 4))
    close(nd.Pooling(x, kernel=(2, 2), stride=(2, 2), pool_type="sum"), [[[[10, 18], [42, 50]]]])
    close(nd.Pooling(x, kernel=(2, 2), stride=(2, 2), pool_type="lp", p_value=2),
          [[[[np.sqrt(0 + 1 + 16 + 25), np.sqrt(4 + 9 + 36 + 49)],
             [np.sqrt(64 + 81 + 144 + 169), np.sqrt(100 + 121 + 196 + 225)]]]])
    close(nd.Pooling(x, global_pool=True, pool_type="sum", kernel=(1, 1)), [[[[120]]]])
    close(nd.Pooling(nd.ones((1, 1, 6)), kernel=(2,), stride=(2,), pool_type="sum"), [[[2, 2, 2]]])
    with pytest.raises(MXNetError):
        nd.Pooling(x, kernel=(2, 2), pool_type="lp")


def test_l2_normalization_spatial():
    x = A([[[3.0, 4.0], [6.0, 8.0]]])          # (1, 2, 2): each channel normalized over its positions
    close(nd.L2Normalization(x, mode="spatial"), [[[0.6, 0.8], [0.6, 0.8]]])
    close(nd.L2Normalization(A([[3.0, 4.0]])), [[0.6, 0.8]])
    with pytest.raises(MXNetError):
        nd.L2Normalization(x, mode="batch")


@pytest.mark.parametrize("name,args,kwargs,expected", [
    ("clip", ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 1, 8), {}, [1, 1, 2, 3, 4, 5, 6, 7, 8, 8]),
    ("reciprocal", ([-2, 1, 3, 1.6, 0.2],), {}, [-0.5, 1, 1 / 3, 0.625, 5]),
    ("cbrt", ([1, 8, -125],), {}, [1, 2, -5]),
    ("rcbrt", ([1, 8, -125],), {}, [1, 0.5, -0.2]),
    ("rsqrt", ([4, 9, 16],), {}, [0.5, 1 / 3, 0.25]),
    ("degrees", ([0, np.pi / 2, np.pi],), {}, [0, 90, 180]),
    ("softsign", ([1, -3],), {}, [0.5, -0.75]),
    ("argsort", ([[0.3, 0.2, 0.4], [0.1, 0.3, 0.2]],), {}, [[1, 0, 2], [0, 2, 1]]),
    ("topk", ([[0.3, 0.2, 0.4], [0.1, 0.3, 0.2]],), {"k": 2, "ret_typ": "mask"}, [[1, 0, 1], [0, 1, 1]]),
    ("repeat", ([[1, 2], [3, 4]],), {"repeats": 2, "axis": -1}, [[1, 1, 2, 2], [3, 3, 4, 4]]),
    ("tile", ([[1, 2], [3, 4]],), {"reps": (2,)}, [[1, 2, 1, 2], [3, 4, 3, 4]]),
    ("smooth_l1", ([1, 2, 3, 4],), {"scalar": 1}, [0.5, 1.5, 2.5, 3.5]),
])
def test_documented_examples(name, args, kwargs, expected):
    close(getattr(nd, name)(A(args[0]), *args[1:], **kwargs), expected)


def test_sym_eye_and_linspace():
    # symbol.py eye(N, M=0, k=0) and linspace(start, stop, num, endpoint): _internal._eye / _linspace
    close(mx.sym.eye(2, 3, 1).eval()[0], [[0, 1, 0], [0, 0, 1]])
    close(mx.sym.linspace(0, 1, 5).eval()[0], [0, 0.25, 0.5, 0.75, 1])
    close(mx.sym.linspace(0, 1, 4, endpoint=False).eval()[0], [0, 0.25, 0.5, 0.75])
    s = mx.sym.var("x") + mx.sym.eye(2)
    close(s.eval(x=nd.ones((2, 2)))[0], [[2, 1], [1, 2]])


def test_sym_sample_ops_shuffle_and_multinomial():
    lo, hi = mx.sym.var("lo"), mx.sym.var("hi")
    draws = mx.sym.sample_uniform(lo, hi, shape=(3,)).eval(lo=A([0, 10]), hi=A([1, 11]))[0].asnumpy()
    assert draws.shape == (2, 3) and (draws[0] < 1).all() and (draws[1] >= 10).all()
    assert mx.sym.sample_normal(lo, hi).infer_shape(lo=(4,), hi=(4,))[1] == [(4,)]
    assert mx.sym.sample_exponential(lo, shape=2).eval(lo=A([1e6]))[0].asnumpy().max() < 1e-3
    rows = mx.sym.random.shuffle(mx.sym.var("d")).eval(d=nd.arange(6).reshape((3, 2)))[0].asnumpy()
    assert sorted(map(tuple, rows)) == [(0, 1), (2, 3), (4, 5)]
    p = mx.sym.var("p")
    close(mx.sym.random.multinomial(p, shape=3).eval(p=A([[0, 1], [1, 0]]))[0], [[1, 1, 1], [0, 0, 0]])
    one = mx.sym.random.multinomial(p).eval(p=A([0, 0, 1]))[0]
    assert one.shape == (1,) and one.dtype == np.int32
    ids, logp = mx.sym.random.multinomial(p, shape=(2, 3), get_prob=True).eval(p=A([0.25, 0.75]))
    assert ids.shape == logp.shape == (2, 3)
    close(logp, np.log(np.where(ids.asnumpy() == 1, 0.75, 0.25)))


def test_deconvolution_target_shape_sets_pad_and_adj():
    # deconvolution-inl.h InferPad: diff = full size - target; pad = ceil(diff / 2), adj = diff % 2
    rs = np.random.RandomState(2)
    x, w = A(rs.randn(1, 4, 5, 5)), A(rs.randn(4, 2, 3, 3))
    y = nd.Deconvolution(x, w, kernel=(3, 3), num_filter=2, stride=(2, 2), target_shape=(10, 10), pad=(5, 5))
    explicit = nd.Deconvolution(x, w, kernel=(3, 3), num_filter=2, stride=(2, 2), pad=(1, 1), adj=(1, 1))
    assert y.shape == (1, 2, 10, 10)
    np.testing.assert_array_equal(y.asnumpy(), explicit.asnumpy())
    s = mx.sym.Deconvolution(mx.sym.var("d"), kernel=(4, 4), num_filter=2, stride=(2, 2), target_shape=(10, 10))
    assert s.infer_shape(d=(1, 4, 5, 5))[1] == [(1, 2, 10, 10)]
    with pytest.raises(MXNetError):
        nd.Deconvolution(x, w, kernel=(3, 3), num_filter=2, stride=(2, 2), target_shape=(12, 12))


def test_dtype_is_numpy_scalar_type():
    # ndarray.py: dtype returns _DTYPE_MX_TO_NP[...], the type numpy.float32 itself
    assert nd.ones((2,)).dtype is np.float32
    assert nd.ones((2,), dtype="int32").dtype is np.int32
    assert str(nd.zeros((1,)).dtype) == "<class 'numpy.float32'>"
    assert nd.zeros((1,), dtype=nd.ones((1,), dtype="int64").dtype).dtype is np.int64


def test_elemwise_ops_want_equal_shapes():
    # elemwise_binary_op: ElemwiseShape, no broadcasting (broadcast_add does that); sym's a + b is _Plus
    x = A([[1, 2], [3, 4]])
    close(nd.elemwise_add(x, x), [[2, 4], [6, 8]])
    close(nd.broadcast_add(x, A([[1, 1]])), [[2, 3], [4, 5]])
    close(x + A([[1, 1]]), [[2, 3], [4, 5]])      # NDArray's + broadcasts (ndarray.py add)
    for name in ("elemwise_add", "elemwise_sub", "elemwise_mul", "elemwise_div"):
        with pytest.raises(MXNetError, match="Incompatible attr"):
            getattr(nd, name)(x, A([[1, 1]]))
    s = mx.sym.var("a") + mx.sym.var("b")
    with pytest.raises(MXNetError):
        s.eval(a=x, b=A([[1, 1]]))


def test_one_hot_casts_indices_to_integers():
    # indexing_op.h OneHot: the index is cast to int (1.7 -> 1, -0.5 -> 0); out of [0, depth): off_value
    close(nd.one_hot(A([1.7, -0.5, 3, -1]), 3), [[0, 1, 0], [1, 0, 0], [0, 0, 0], [0, 0, 0]])
    close(nd.one_hot(A([1, 0]), 3, on_value=8, off_value=1, dtype="int32"), [[1, 8, 1], [8, 1, 1]])
    assert nd.one_hot(A([1, 0]), 3, dtype="int32").dtype is np.int32


def test_pick_index_of_the_wrong_shape_is_mxnet_error():
    with pytest.raises(MXNetError, match="pick"):
        nd.pick(nd.ones((2, 3)), A([0, 1, 2]), axis=1)


def test_erfinv_values_and_gradient():
    # elemwise_unary_op_basic.cc: erfinv([0, 0.5, -1.]) = [0., 0.4769, -inf]
    close(nd.erfinv(A([0, 0.5, -1.0])), [0, 0.4769362762, -np.inf])
    assert np.isnan(nd.erfinv(A([1.5])).asnumpy()).all()
    x = A([0.3, -0.7], dtype="float64")
    x.attach_grad()
    with mx.autograd.record():
        y = nd.erfinv(x)
    y.backward()
    np.testing.assert_allclose(nd.erf(y).asnumpy(), [0.3, -0.7], rtol=1e-14)
    np.testing.assert_allclose(x.grad.asnumpy(), np.sqrt(np.pi) / 2 * np.exp(y.asnumpy() ** 2), rtol=1e-12)


def test_contrib_div_sqrt_dim_quadratic_index_array():
    close(nd.contrib.div_sqrt_dim(nd.ones((2, 4))), np.full((2, 4), 0.5))
    # contrib/quadratic_op.cc: quadratic(x=[[1, 2], [3, 4]], a=1, b=2, c=3) = [[6, 11], [18, 27]]
    close(nd.contrib.quadratic(A([[1, 2], [3, 4]]), a=1, b=2, c=3), [[6, 11], [18, 27]])
    # contrib/index_array.cc's examples
    close(nd.contrib.index_array(nd.ones((3, 2))), [[[0, 0], [0, 1]], [[1, 0], [1, 1]], [[2, 0], [2, 1]]])
    ids = nd.contrib.index_array(nd.ones((3, 2, 2)), axes=(1, 0))
    assert ids.shape == (3, 2, 2, 2) and ids.dtype is np.int64
    close(ids[2], [[[0, 2], [0, 2]], [[1, 2], [1, 2]]])
    s = mx.sym.contrib.div_sqrt_dim(mx.sym.var("x"))
    close(s.eval(x=nd.ones((1, 9)))[0], np.full((1, 9), 1 / 3))
    x = A([[1.0, 2.0]])
    x.attach_grad()
    with mx.autograd.record():
        y = nd.contrib.quadratic(x, a=1, b=2, c=3)
    y.backward()
    close(x.grad, [[4, 6]])


def test_contrib_bilinear_resize_2d():
    # bilinear_resize-inl.h: align_corners (default) src = dst * (in - 1) / (out - 1); otherwise
    # src = max((dst + 0.5) * in / out - 0.5, 0), the upper tap clamped at the last row
    x = A([[[[1, 2], [3, 4]]]])
    close(nd.contrib.BilinearResize2D(x, height=3, width=3), [[[[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]]]])
    close(nd.contrib.BilinearResize2D(x, height=1, width=4, align_corners=False),
          [[[[1, 1.25, 1.75, 2]]]])
    assert nd.contrib.BilinearResize2D(x, nd.zeros((1, 1, 3, 5)), mode="like").shape == (1, 1, 3, 5)
    assert nd.contrib.BilinearResize2D(x, scale_height=2, scale_width=1.5).shape == (1, 1, 4, 3)
    s = mx.sym.contrib.BilinearResize2D(mx.sym.var("d"), height=5, width=6)
    assert s.infer_shape(d=(1, 2, 3, 4))[1] == [(1, 2, 5, 6)]
    # the gradient is the interpolation's transpose: central differences on a float64 input
    rs = np.random.RandomState(3)
    v = rs.randn(1, 2, 3, 4)
    w = rs.randn(1, 2, 5, 3)
    xin = A(v, dtype="float64")
    xin.attach_grad()
    with mx.autograd.record():
        y = (nd.contrib.BilinearResize2D(xin, height=5, width=3) * A(w, dtype="float64")).sum()
    y.backward()

    def f(u):
        return float((nd.contrib.BilinearResize2D(A(u, dtype="float64"), height=5, width=3).asnumpy() * w).sum())
    numeric = np.zeros_like(v)
    for i in np.ndindex(v.shape):
        d = np.zeros_like(v)
        d[i] = 1e-6
        numeric[i] = (f(v + d) - f(v - d)) / 2e-6
    np.testing.assert_allclose(xin.grad.asnumpy(), numeric, rtol=1e-6, atol=1e-8)
    with pytest.raises(MXNetError):
        nd.contrib.BilinearResize2D(x, mode="odd_scale")


def test_sym_prelu_creates_its_gamma_and_softmax_its_label():
    d = mx.sym.var("data")
    s = mx.sym.LeakyReLU(d, act_type="prelu", name="pr")
    assert s.list_arguments() == ["data", "pr_gamma"]
    assert s.infer_shape(data=(2, 3, 4))[0] == [(2, 3, 4), (3,)]
    assert mx.sym.LeakyReLU(d, act_type="leaky", name="lk").list_arguments() == ["data"]
    s = mx.sym.Softmax(d, name="sm")   # SoftmaxOutput's deprecated name
    assert s.list_arguments() == ["data", "sm_label"]
    assert s.infer_shape(data=(4, 3))[0] == [(4, 3), (4,)]


def test_leaky_relu_rrelu_and_slopes_above_one():
    x = A([[-2.0, -1.0, 0.5, 3.0]] * 50)
    # leaky_relu-inl.h: outside training the slope is (lower_bound + upper_bound) / 2
    close(nd.LeakyReLU(x[:1], act_type="rrelu", lower_bound=0.1, upper_bound=0.3), [[-0.4, -0.2, 0.5, 3.0]])
    x.attach_grad()
    with mx.autograd.record():
        y = nd.LeakyReLU(x, act_type="rrelu", lower_bound=0.1, upper_bound=0.3)
    y.backward()
    slopes = y.asnumpy()[:, :2] / x.asnumpy()[:, :2]
    assert (slopes >= 0.1).all() and (slopes <= 0.3).all() and slopes.std() > 0.01   # drawn per element
    np.testing.assert_allclose(x.grad.asnumpy()[:, :2], slopes, rtol=1e-6)
    close(x.grad[:, 2:], np.ones((50, 2)))
    close(y[:, 2:], x[:, 2:].asnumpy())
    close(nd.LeakyReLU(A([-1.0, 2.0]), slope=3.0), [-3.0, 2.0])   # x > 0 ? x : slope * x, any slope


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_comparison_logical_and_argmax_keep_the_input_dtype(dtype):
    # ElemwiseType<2, 1> / <1, 1>: broadcast_equal, logical_*, argmax output the input's dtype
    a, b = A([1, 2, 0], dtype=dtype), A([1, 3, 0], dtype=dtype)
    for r, expected in ((nd.broadcast_equal(a, b), [1, 0, 1]), (nd.greater(b, a), [0, 1, 0]),
                        (nd.lesser_equal(a, 1), [1, 0, 1]), (nd.logical_and(a, b), [1, 1, 0]),
                        (nd.broadcast_logical_xor(a, b), [0, 0, 0]), (nd.logical_not(a), [0, 0, 1]),
                        (nd.argmax(A([[1, 5, 2]], dtype=dtype), axis=1), [1]), (a >= 1, [1, 1, 0])):
        assert r.dtype is np.dtype(dtype).type
        close(r, expected)
    s = mx.sym.var("x") == mx.sym.var("y")
    assert s.eval(x=a, y=b)[0].dtype is np.dtype(dtype).type


def test_layer_norm_output_mean_var_and_comparing_with_none():
    x = A([[1.0, 3.0], [2.0, 6.0]])
    out, mean, std = nd.LayerNorm(x, A([1, 1]), A([0, 0]), output_mean_var=True, eps=0.0)
    close(out, [[-1, 1], [-1, 1]])
    close(mean, [[2], [4]])
    close(std, [[1], [2]])
    s = mx.sym.LayerNorm(mx.sym.var("data"), output_mean_var=True, name="ln")
    assert len(s.list_outputs()) == 3
    assert s.infer_shape(data=(2, 5))[1] == [(2, 5), (2, 1), (2, 1)]
    with pytest.raises(TypeError):   # ndarray.py _ufunc_helper: type <class 'NoneType'> not supported
        x == None  # noqa: E711
