"""The ops classic programs use beyond the kernels' own (composed in ops.py from the shared kernels):
gradients by finite differences in float64 through autograd, hybridized == imperative, MXNet's
reshape codes, mx.random.seed, and MXNetError for bad input."""
import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd
from frameworks.kernels.gradcheck import numerical_grad

rs = np.random.RandomState(7)


def _fd_check(f, *arrays, train=True, rtol=1e-5, atol=1e-7):
    """autograd's gradient of sum(f(*arrays) * w) against central differences, in float64."""
    def run(arrs):
        with (autograd.train_mode() if train else autograd.predict_mode()):
            return f(*arrs)
    xs = [nd.array(a, dtype="float64") for a in arrays]
    for x in xs:
        x.attach_grad()
    with autograd.record(train_mode=train):
        y = f(*xs)
    w = rs.standard_normal(y.shape)
    with autograd.record(train_mode=train):
        loss = (f(*xs) * nd.array(w, dtype="float64")).sum()
    loss.backward()
    for x, a in zip(xs, arrays):
        num = numerical_grad(lambda: float((run([nd.array(b, dtype="float64") for b in arrays]).asnumpy() * w).sum()), a)
        np.testing.assert_allclose(x.grad.asnumpy(), num, rtol=rtol, atol=atol)


def _bn(x, gamma, beta):
    c = x.shape[1]
    return nd.BatchNorm(x, gamma, beta, nd.zeros((c,), dtype="float64"), nd.ones((c,), dtype="float64"),
                        fix_gamma=False, eps=1e-5)


CASES = {
    "BatchNorm (training)": (_bn, [rs.standard_normal((4, 3, 2, 2)), rs.uniform(0.5, 1.5, 3),
                                   rs.standard_normal(3)]),
    "avg Pooling": (lambda x: nd.Pooling(x, kernel=(2, 2), stride=(1, 1), pad=(1, 1), pool_type="avg"),
                    [rs.standard_normal((2, 2, 4, 4))]),
    "global avg Pooling": (lambda x: nd.Pooling(x, global_pool=True, pool_type="avg"),
                           [rs.standard_normal((2, 2, 3, 3))]),
    "log_softmax": (lambda x: nd.log_softmax(x, axis=-1), [rs.standard_normal((3, 5))]),
    "softmax axis 0": (lambda x: nd.softmax(x, axis=0), [rs.standard_normal((3, 5))]),
    "pick": (lambda x: nd.pick(x, nd.array([0, 4, 2]), axis=1), [rs.standard_normal((3, 5))]),
    "max": (lambda x: nd.max(x, axis=(0, 2)), [rs.standard_normal((3, 4, 2))]),
    "min keepdims": (lambda x: nd.min(x, axis=1, keepdims=True), [rs.standard_normal((3, 4))]),
    "where": (lambda x, y: nd.where(nd.array([1, 0, 1]), x, y), [rs.standard_normal(3), rs.standard_normal(3)]),
    "broadcast_to": (lambda x: nd.broadcast_to(x, shape=(4, 0, 3)), [rs.standard_normal((1, 2, 3))]),
    "stack": (lambda x, y: nd.stack(x, y, axis=1), [rs.standard_normal((2, 3)), rs.standard_normal((2, 3))]),
    "tile": (lambda x: nd.tile(x, reps=(2, 3)), [rs.standard_normal((2, 2))]),
    "abs + softrelu": (lambda x: nd.Activation(nd.abs(x), act_type="softrelu"), [rs.standard_normal(6) + 0.1]),
    "LeakyReLU": (lambda x: nd.LeakyReLU(x, slope=0.1), [rs.standard_normal(6) + 0.05]),
    "Dropout (training)": (lambda x: (mx.random.seed(5), nd.Dropout(x, p=0.5))[1], [rs.standard_normal((4, 5))]),
    "reshape -3 -4": (lambda x: nd.reshape(x, shape=(-3, -4, 2, -1)), [rs.standard_normal((2, 3, 4))]),
    "SoftmaxCELoss float labels": (lambda x: gluon.loss.SoftmaxCrossEntropyLoss()(x, nd.array([1., 0., 3.])),
                                   [rs.standard_normal((3, 4))]),
    "SigmoidBCELoss": (lambda x: gluon.loss.SigmoidBinaryCrossEntropyLoss()(x, nd.array([[1., 0.], [0., 1.]])),
                       [rs.standard_normal((2, 2))]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_gradient_matches_finite_differences(case):
    f, arrays = CASES[case]
    _fd_check(f, *arrays)


def test_dropout_zeroes_and_scales_in_training_only():
    x = nd.ones((50, 40))
    mx.random.seed(0)
    with autograd.train_mode():
        a = nd.Dropout(x, p=0.25).asnumpy()
    mx.random.seed(0)
    with autograd.train_mode():
        b = nd.Dropout(x, p=0.25).asnumpy()
    np.testing.assert_array_equal(a, b)                       # mx.random.seed covers the masks
    assert set(np.unique(a)) == {0.0, np.float32(1 / 0.75)} and 0.2 < (a == 0).mean() < 0.3
    np.testing.assert_array_equal(nd.Dropout(x, p=0.25).asnumpy(), x.asnumpy())   # predict mode


def test_hybridized_batchnorm_and_dropout_follow_the_training_flag():
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(6, in_units=4), gluon.nn.BatchNorm(in_channels=6), gluon.nn.Dropout(0.5))
    net.initialize()
    twin = gluon.nn.HybridSequential()
    twin.add(gluon.nn.Dense(6, in_units=4), gluon.nn.BatchNorm(in_channels=6), gluon.nn.Dropout(0.5))
    twin.initialize()
    for p, q in zip(net.collect_params().values(), twin.collect_params().values()):
        q.set_data(p.data())
    twin.hybridize()
    x = nd.array(rs.standard_normal((5, 4)))
    for train in (True, False):
        outs = []
        for block in (net, twin):
            mx.random.seed(11)
            with autograd.record(train_mode=train):
                outs.append(block(x).asnumpy())
        np.testing.assert_allclose(outs[0], outs[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net[1].running_mean.data().asnumpy(), twin[1].running_mean.data().asnumpy(),
                               rtol=1e-6)


@pytest.mark.parametrize("src,codes,expected", [
    ((2, 3, 4), (4, 0, 2), (4, 3, 2)), ((2, 3, 4), (2, 0, 0), (2, 3, 4)), ((2, 3, 4), (6, 1, -1), (6, 1, 4)),
    ((2, 3, 4), (3, -1, 8), (3, 1, 8)), ((2, 3, 4), (-1,), (24,)), ((2, 3, 4), (-2,), (2, 3, 4)),
    ((2, 3, 4), (2, -2), (2, 3, 4)), ((2, 3, 4), (-2, 1, 1), (2, 3, 4, 1, 1)), ((2, 3, 4), (-3, 4), (6, 4)),
    ((2, 3, 4, 5), (-3, -3), (6, 20)), ((2, 3, 4), (0, -3), (2, 12)), ((2, 3, 4), (-3, -2), (6, 4)),
    ((2, 3, 4), (-4, 1, 2, -2), (1, 2, 3, 4)), ((2, 3, 4), (2, -4, -1, 3, -2), (2, 1, 3, 4)),
])
def test_reshape_special_codes_as_mxnet_documents_them(src, codes, expected):
    assert nd.zeros(src).reshape(codes).shape == expected
    assert mx.sym.var("x").reshape(codes).infer_shape(x=src)[1] == [expected]


def test_reshape_of_the_wrong_size_is_an_mxnet_error():
    with pytest.raises(mx.base.MXNetError, match="Target shape size is different to source"):
        nd.zeros((2, 3)).reshape((4, 2))


def test_ndarray_api_values():
    a = nd.array([[1., 5., 3.], [4., 2., 6.]])
    np.testing.assert_array_equal(nd.argmax(a, axis=1).asnumpy(), [1., 2.])
    np.testing.assert_array_equal(a.topk(k=2).asnumpy(), [[1., 2.], [2., 0.]])
    np.testing.assert_array_equal(nd.topk(a, k=1, ret_typ="value").asnumpy(), [[5.], [6.]])
    np.testing.assert_array_equal(nd.one_hot(nd.array([0, 2]), depth=3).asnumpy(), [[1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(nd.pick(a, nd.array([2, 0]), axis=1).asnumpy(), [3., 4.])
    np.testing.assert_array_equal(nd.take(a, nd.array([1, 1, 0])).asnumpy()[:, 0], [4., 4., 1.])
    np.testing.assert_array_equal(nd.concat(a, a, dim=0).shape, (4, 3))
    parts = nd.split(a, num_outputs=3, axis=1)
    assert len(parts) == 3 and parts[2].asnumpy().ravel().tolist() == [3., 6.]
    np.testing.assert_array_equal(nd.slice_axis(a, axis=1, begin=1, end=3).asnumpy(), [[5., 3.], [2., 6.]])
    np.testing.assert_array_equal(nd.broadcast_add(a, nd.array([[10.], [20.]])).asnumpy()[:, 0], [11., 24.])
    np.testing.assert_array_equal(nd.broadcast_greater(a, nd.array([3.])).asnumpy(), [[0, 1, 0], [1, 0, 1]])
    np.testing.assert_array_equal(nd.where(a > 3, a, nd.zeros_like(a)).asnumpy(), [[0, 5, 0], [4, 0, 6]])
    np.testing.assert_array_equal(nd.stack(a, a).shape, (2, 2, 3))
    x = np.array([-30., -1., 0., 2., 40.], dtype=np.float32)
    np.testing.assert_array_equal(nd.abs(nd.array(x)).asnumpy(), np.abs(x))
    np.testing.assert_allclose(nd.Activation(nd.array(x), act_type="softrelu").asnumpy(), np.logaddexp(0, x),
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(nd.log_softmax(a).asnumpy(), a.asnumpy() - np.log(np.exp(a.asnumpy()).sum(
        1, keepdims=True)), rtol=1e-5)
    np.testing.assert_allclose(nd.max(a, axis=1).asnumpy(), [5., 6.])


def test_random_seed_covers_every_draw():
    def draws():
        return [mx.nd.random.uniform(shape=(3,)).asnumpy(), mx.nd.random.normal(shape=(3,)).asnumpy(),
                mx.nd.random.randint(0, 100, shape=(4,)).asnumpy(),
                mx.nd.random.shuffle(nd.arange(10)).asnumpy()]
    mx.random.seed(123)
    first = draws()
    mx.random.seed(123)
    for a, b in zip(first, draws()):
        np.testing.assert_array_equal(a, b)
    assert sorted(first[3].tolist()) == list(range(10)) and first[2].dtype == np.int32


def test_unknown_activation_is_an_mxnet_error():
    with pytest.raises(mx.base.MXNetError, match="valid values are"):
        nd.Activation(nd.ones((2,)), act_type="swish")


def test_dataloader_last_batch_modes():
    ds = gluon.data.ArrayDataset(np.arange(10), np.arange(10) * 2)
    sizes = {m: [len(x) for x, _ in gluon.data.DataLoader(ds, 4, last_batch=m)] for m in ("keep", "discard")}
    assert sizes == {"keep": [4, 4, 2], "discard": [4, 4]}
    roll = gluon.data.DataLoader(ds, 4, last_batch="rollover")
    first = [x.asnumpy().tolist() for x, _ in roll]
    second = [x.asnumpy().tolist() for x, _ in roll]
    assert first == [[0, 1, 2, 3], [4, 5, 6, 7]] and second[0] == [8, 9, 0, 1]
    np.random.seed(0)
    shuffled = np.concatenate([x.asnumpy() for x, _ in gluon.data.DataLoader(ds, 3, shuffle=True)])
    assert sorted(shuffled.tolist()) == list(range(10)) and shuffled.tolist() != list(range(10))


def test_metric_protocol():
    acc = mx.metric.Accuracy()
    acc.update(labels=[nd.array([0, 1, 1])], preds=[nd.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3]])])
    assert acc.get() == ("accuracy", 2 / 3)
    acc.reset()
    assert np.isnan(acc.get()[1])
    comp = mx.metric.create(["acc", "mse"])
    comp.update([nd.array([1.])], [nd.array([[0.2, 0.8]])])
    assert comp.get()[0] == ["accuracy", "mse"]


@pytest.mark.parametrize("hybridize", [False, True])
def test_a_label_out_of_range_is_an_mxnet_error_naming_it(hybridize):
    class CE(gluon.HybridBlock):
        def hybrid_forward(self, F, pred, label):
            return F.softmax_cross_entropy(pred, label)
    loss, net = CE(), gluon.nn.Dense(3, in_units=2)
    net.initialize()
    if hybridize:
        net.hybridize()
        loss.hybridize()
    with pytest.raises(mx.base.MXNetError, match="label 7 is out of range"):
        with autograd.record():
            loss(net(nd.ones((2, 2))), nd.array([1, 7]))
    with pytest.raises(mx.base.MXNetError, match="integral"):
        nd.Embedding(nd.array([0.5]), nd.ones((3, 2)), input_dim=3, output_dim=2)
    # Gluon's loss picks with mode 'clip', as MXNet's: an out-of-range label is clamped, not an error
    assert gluon.loss.SoftmaxCrossEntropyLoss()(nd.ones((1, 3)), nd.array([7])).shape == (1,)


def test_the_small_utilities_classic_scripts_call():
    mx.nd.waitall()
    assert mx.context.num_gpus() in (0, 1)
    old = autograd.set_training(True)
    try:
        assert autograd.is_training()
        assert autograd.set_recording(True) is False and autograd.is_recording()
        autograd.set_recording(False)
    finally:
        autograd.set_training(old)
    assert not autograd.is_training() and not autograd.is_recording()


def test_zeros_like_and_ones_like_keep_the_input_dtype():
    """MXNet's zeros_like / ones_like give the input's dtype, imperatively and in a hybridized graph."""
    for dtype in ("int32", "float64", "float32"):
        a = nd.array([1, 2], dtype=dtype)
        assert nd.zeros_like(a).dtype == np.dtype(dtype) and a.zeros_like().dtype == np.dtype(dtype)
        assert nd.ones_like(a).dtype == np.dtype(dtype)
    x = mx.sym.var("x")
    ex = (mx.sym.zeros_like(x) + x).simple_bind(mx.cpu(), x=(2,))
    np.testing.assert_array_equal(ex.forward(x=nd.array([1, 2]))[0].asnumpy(), [1, 2])
