"""T.grad of the frontend's ops against central finite differences in float64: conv2d (flipped and not,
every border_mode, subsample), pool_2d (every mode, ignore_border, padding), scan (taps, non_sequences,
masks), advanced indexing, dimshuffle/flatten/reshape, switch, concatenate. Forward values against NumPy."""
import numpy as np
import pytest
from scipy import signal

import frameworks.theano as theano
import frameworks.theano.tensor as T
from frameworks.theano.tensor.nnet import conv2d
from frameworks.theano.tensor.signal import pool

pytestmark = pytest.mark.floatX("float64")


def check_grad(build, *values, eps=1e-6, rtol=1e-5, atol=1e-7):
    """build(*symbolic inputs) -> an output; checks d sum(output * R) / d inputs numerically."""
    xs = [T.TensorType("float64", (False,) * np.ndim(v))() for v in values]
    out = build(*xs)
    f_out = theano.function(xs, out)
    shape = np.shape(f_out(*values))
    weights = np.random.RandomState(9).standard_normal(shape)
    cost = T.sum(out * T.constant(weights))
    f = theano.function(xs, cost)
    grads = theano.function(xs, T.grad(cost, xs))(*values)
    for k, v in enumerate(values):
        v = np.array(v, dtype=np.float64)
        num = np.zeros_like(v)
        for idx in np.ndindex(v.shape):
            plus, minus = [np.array(a, dtype=np.float64) for a in values], [np.array(a, dtype=np.float64) for a in values]
            plus[k][idx] += eps
            minus[k][idx] -= eps
            num[idx] = (float(f(*plus)) - float(f(*minus))) / (2 * eps)
        np.testing.assert_allclose(grads[k], num, rtol=rtol, atol=atol, err_msg=f"gradient of input {k}")


rs = np.random.RandomState(0)


@pytest.mark.parametrize("border_mode", ["valid", "full", "half", 1, (2, 0)])
@pytest.mark.parametrize("filter_flip", [True, False])
def test_conv2d_forward_is_theanos_and_its_gradient(border_mode, filter_flip):
    x, w = rs.standard_normal((2, 2, 5, 4)), rs.standard_normal((3, 2, 3, 3))
    f = theano.function(*(lambda a, b: ([a, b], conv2d(a, b, border_mode=border_mode, filter_flip=filter_flip)))(
        T.tensor4(), T.tensor4()))
    pad = {"valid": (0, 0), "full": (2, 2), "half": (1, 1)}.get(border_mode) if isinstance(border_mode, str) \
        else ((border_mode, border_mode) if isinstance(border_mode, int) else border_mode)
    xp = np.pad(x, [(0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])])
    want = np.zeros((2, 3, xp.shape[2] - 2, xp.shape[3] - 2))
    for n in range(2):
        for o in range(3):
            for c in range(2):
                # Theano's conv2d is a true convolution: scipy's convolve2d; filter_flip=False correlates
                fn = signal.convolve2d if filter_flip else signal.correlate2d
                want[n, o] += fn(xp[n, c], w[o, c], mode="valid")
    np.testing.assert_allclose(f(x, w), want, rtol=1e-10)
    check_grad(lambda a, b: conv2d(a, b, border_mode=border_mode, filter_flip=filter_flip), x, w)


def test_conv2d_subsample_gradient_and_shape_errors():
    x, w = rs.standard_normal((1, 2, 6, 5)), rs.standard_normal((2, 2, 3, 3))
    check_grad(lambda a, b: conv2d(a, b, border_mode=1, subsample=(2, 2)), x, w)
    a, b = T.tensor4(), T.tensor4()
    f = theano.function([a, b], conv2d(a, b, input_shape=(1, 2, 6, 5)))
    with pytest.raises(ValueError, match="input_shape"):
        f(rs.standard_normal((1, 2, 7, 5)), w)
    with pytest.raises(ValueError, match="channels"):
        f(rs.standard_normal((1, 2, 6, 5)), rs.standard_normal((2, 3, 3, 3)))
    with pytest.raises(ValueError, match="border_mode"):
        conv2d(a, b, border_mode="same")


def _pool_reference(x, ws, ignore_border, stride, pad, mode):
    """Theano's Pool.perform, written directly."""
    stride = stride or ws
    xp = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(pad[0], pad[0]), (pad[1], pad[1])])
    h, w = xp.shape[-2:]
    def size(v, k, s):
        if ignore_border:
            return (v - k) // s + 1
        return (v - 1) // s + 1 if s >= k else max(0, (v - 1 - k + s) // s) + 1
    ho, wo = size(h, ws[0], stride[0]), size(w, ws[1], stride[1])
    out = np.zeros(x.shape[:-2] + (ho, wo))
    for i in range(ho):
        for j in range(wo):
            r0, c0 = i * stride[0], j * stride[1]
            r1, c1 = min(r0 + ws[0], h), min(c0 + ws[1], w)
            if mode != "average_inc_pad":
                r0, c0 = max(r0, pad[0]), max(c0, pad[1])
                r1, c1 = min(r1, x.shape[-2] + pad[0]), min(c1, x.shape[-1] + pad[1])
            win = xp[..., r0:r1, c0:c1]
            if mode == "max":
                out[..., i, j] = win.max(axis=(-2, -1))
            elif mode == "sum":
                out[..., i, j] = win.sum(axis=(-2, -1))
            else:
                out[..., i, j] = win.sum(axis=(-2, -1)) / ((r1 - r0) * (c1 - c0))
    return out


@pytest.mark.parametrize("mode", ["max", "sum", "average_inc_pad", "average_exc_pad"])
@pytest.mark.parametrize("ignore_border,pad", [(True, (0, 0)), (False, (0, 0)), (True, (1, 1))])
def test_pool_2d_modes_forward_and_gradient(mode, ignore_border, pad):
    x = rs.standard_normal((2, 2, 5, 7))
    a = T.tensor4()
    f = theano.function([a], pool.pool_2d(a, ws=(2, 2), ignore_border=ignore_border, pad=pad, mode=mode))
    np.testing.assert_allclose(f(x), _pool_reference(x, (2, 2), ignore_border, None, pad, mode), rtol=1e-10)
    check_grad(lambda v: pool.pool_2d(v, ws=(2, 2), ignore_border=ignore_border, pad=pad, mode=mode), x)


def test_pool_2d_max_with_overlapping_stride_and_3d_input():
    x = rs.standard_normal((3, 6, 6))
    a = T.tensor3()
    f = theano.function([a], pool.pool_2d(a, ws=(3, 3), stride=(2, 2), ignore_border=True))
    np.testing.assert_allclose(f(x), _pool_reference(x, (3, 3), True, (2, 2), (0, 0), "max"))
    check_grad(lambda v: pool.pool_2d(v, ws=(3, 3), stride=(2, 2), ignore_border=True), x)


@pytest.mark.parametrize("mode,pad", [("average_exc_pad", (0, 0)), ("average_inc_pad", (0, 0)),
                                      ("average_inc_pad", (1, 1))])
def test_pool_2d_averages_run_the_shared_avg_pool_kernel_with_overlapping_windows(mode, pad):
    """Where tf.nn.avg_pool's count is Theano's (no padding; padding counted, zeros padded in) the averages
    are the shared avg_pool2d kernel, so overlapping windows (stride < ws) work too."""
    from frameworks.theano.runtime import runtime
    x = rs.standard_normal((2, 3, 7, 6))
    a = T.tensor4()
    rt = runtime()      # held here, so the function below is lowered into this runtime's graph
    before = sum(op.type == "AvgPool" for op in rt.graph.get_operations())
    f = theano.function([a], pool.pool_2d(a, ws=(3, 3), stride=(2, 2), ignore_border=True, pad=pad, mode=mode))
    np.testing.assert_allclose(f(x), _pool_reference(x, (3, 3), True, (2, 2), pad, mode), rtol=1e-10)
    assert f.runtime is rt
    assert sum(op.type == "AvgPool" for op in rt.graph.get_operations()) == before + 1
    check_grad(lambda v: pool.pool_2d(v, ws=(3, 3), stride=(2, 2), ignore_border=True, pad=pad, mode=mode), x)


def test_pool_2d_default_ignore_border_is_false_with_theanos_warning():
    x = rs.standard_normal((1, 1, 5, 5))
    a = T.tensor4()
    with pytest.warns(UserWarning, match="ignore_border"):
        out = pool.pool_2d(a, ws=(2, 2))
    assert theano.function([a], out)(x).shape == (1, 1, 3, 3)
    with pytest.raises(ValueError, match="Pool mode"):
        pool.pool_2d(a, ws=(2, 2), ignore_border=True, mode="median")


def test_scan_gradient_through_recurrence_taps_and_non_sequences():
    def rnn(xs, w, h0):
        hs, _ = theano.scan(lambda x_t, h_tm1, W: T.tanh(T.dot(h_tm1, W) + x_t), sequences=xs,
                            outputs_info=h0, non_sequences=w)
        return hs
    check_grad(rnn, rs.standard_normal((4, 2, 3)) * 0.5, rs.standard_normal((3, 3)) * 0.5,
               rs.standard_normal((2, 3)) * 0.5)

    def two_taps(a0, c):
        out, _ = theano.scan(lambda a, b, k: a * k + T.tanh(b),
                             outputs_info=dict(initial=a0, taps=[-2, -1]), non_sequences=c, n_steps=4)
        return out
    check_grad(two_taps, rs.standard_normal((2, 3)), rs.standard_normal(3))


def test_scan_gradient_with_masks():
    def masked(xs, m, w):
        h0 = T.zeros((2, 3))
        def step(m_, x_, h_):
            h = T.tanh(T.dot(h_, w) + x_)
            return m_[:, None] * h + (1. - m_)[:, None] * h_
        hs, _ = theano.scan(step, sequences=[m, xs], outputs_info=h0)
        return hs[-1]
    mask = np.array([[1, 1], [1, 0], [1, 0]], dtype=np.float64)
    a, mm, w = T.tensor3(), T.matrix(), T.matrix()
    check_grad(lambda x, w_: masked(x, T.constant(mask), w_), rs.standard_normal((3, 2, 3)),
               rs.standard_normal((3, 3)) * 0.5)
    f = theano.function([a, mm, w], masked(a, mm, w))
    x, W = rs.standard_normal((3, 2, 3)), rs.standard_normal((3, 3))
    h1 = np.tanh(x[0, 1] @ np.zeros((3, 3)) + x[0, 1])
    np.testing.assert_allclose(f(x, mask, W)[1], h1, rtol=1e-10)   # sample 1 stops after one step


def test_indexing_shapes_and_selection_gradients():
    ids = np.array([2, 0, 2, -1])
    check_grad(lambda w: w[T.constant(ids)], rs.standard_normal((4, 3)))
    check_grad(lambda p: T.log(p)[T.arange(p.shape[0]), T.constant(np.array([1, 0, 2]))],
               rs.uniform(0.1, 1, (3, 4)))
    check_grad(lambda x: x.dimshuffle(2, "x", 0, 1).flatten(2).reshape((3, 2, -1))[:, ::-1, 1:], rs.standard_normal((2, 3, 4)))
    check_grad(lambda a, b: T.switch(T.gt(a, 0), a * b, b) + T.concatenate([a, b], axis=1)[:, :3], rs.standard_normal((2, 3)),
               rs.standard_normal((2, 3)))
    check_grad(lambda z: T.nnet.softmax(z), rs.standard_normal((2, 4)))
    check_grad(lambda x: T.max(x, axis=1) + T.mean(x ** 3, axis=1) - abs(x).sum(axis=1), rs.standard_normal((3, 4)))


def test_batch_normalization_train_gradient_and_running_statistics():
    x = rs.standard_normal((4, 2, 3, 3))
    g, b = rs.standard_normal((1, 2, 1, 1)), rs.standard_normal((1, 2, 1, 1))
    from frameworks.theano.tensor.nnet import bn
    check_grad(lambda x_, g_, b_: bn.batch_normalization_train(x_, g_, b_, axes="spatial")[0], x, g, b, rtol=1e-4)
    a, gg, bb, rm, rv = T.tensor4(), T.tensor4(), T.tensor4(), T.tensor4(), T.tensor4()
    outs = bn.batch_normalization_train(a, gg, bb, "spatial", 1e-5, 0.1, rm, rv)
    out, mean, invstd, new_mean, new_var = theano.function([a, gg, bb, rm, rv], outs)(
        x, g, b, np.zeros((1, 2, 1, 1)), np.ones((1, 2, 1, 1)))
    mu, var = x.mean(axis=(0, 2, 3), keepdims=True), x.var(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(out, (x - mu) / np.sqrt(var + 1e-5) * g + b, rtol=1e-9)
    np.testing.assert_allclose(new_mean, 0.1 * mu, rtol=1e-9)
    np.testing.assert_allclose(new_var, 0.9 + 0.1 * var * 36 / 35, rtol=1e-9)


@pytest.mark.parametrize("axis,keepdims", [(None, False), (1, False), (0, True)])
def test_prod_value_and_gradient_with_a_zero_entry(axis, keepdims):
    """T.prod (and the variable's .prod) on a value known only when run: NumPy's product, the gradient
    exact at a zero entry."""
    v = np.array([[1.5, 2.0, 0.0], [0.5, -1.0, 3.0]])
    x = T.matrix("x")
    np.testing.assert_allclose(theano.function([x], T.prod(x, axis=axis, keepdims=keepdims))(v),
                               np.prod(v, axis=axis, keepdims=keepdims))
    np.testing.assert_allclose(theano.function([x], x.prod(axis=axis))(v), np.prod(v, axis=axis))
    check_grad(lambda a: T.prod(a, axis=axis, keepdims=keepdims), v)
