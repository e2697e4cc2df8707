"""mx.operator custom operators as MXNet 1.x programs write them: example/numpy-ops/custom_softmax.py's
loss layer trained through Module.fit, an operator with string attributes and two outputs checked by
finite differences through nd.Custom, the same operator inside a hybridized block (F.Custom) equal to
the imperative run, and MXNetError for an unregistered op_type or a missing input."""
import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd
from frameworks.hybrid.base import MXNetError
from tests.frameworks.hybrid.test_hybrid_ops import _fd_check


class Softmax(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        x = in_data[0].asnumpy()
        y = np.exp(x - x.max(axis=1).reshape((x.shape[0], 1)))
        y /= y.sum(axis=1).reshape((x.shape[0], 1))
        self.assign(out_data[0], req[0], mx.nd.array(y))

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        lab = in_data[1].asnumpy().ravel().astype(np.int32)
        y = out_data[0].asnumpy()
        y[np.arange(lab.shape[0]), lab] -= 1.0
        self.assign(in_grad[0], req[0], mx.nd.array(y))


@mx.operator.register("test_softmax")
class SoftmaxProp(mx.operator.CustomOpProp):
    def __init__(self):
        super(SoftmaxProp, self).__init__(need_top_grad=False)

    def list_arguments(self):
        return ['data', 'label']

    def list_outputs(self):
        return ['output']

    def infer_shape(self, in_shape):
        data_shape = in_shape[0]
        label_shape = (in_shape[0][0],)
        output_shape = in_shape[0]
        return [data_shape, label_shape], [output_shape], []

    def infer_type(self, in_type):
        return in_type, [in_type[0]], []

    def create_operator(self, ctx, shapes, dtypes):
        return Softmax()


class ScaledPowers(mx.operator.CustomOp):
    """Two outputs: scale * x^2 and x * y; its gradients written by hand, as a user would."""

    def __init__(self, scale):
        self.scale = scale

    def forward(self, is_train, req, in_data, out_data, aux):
        x, y = in_data
        self.assign(out_data[0], req[0], self.scale * x * x)
        self.assign(out_data[1], req[1], x * y)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        x, y = in_data
        g0, g1 = out_grad
        self.assign(in_grad[0], req[0], 2 * self.scale * x * g0 + y * g1)
        self.assign(in_grad[1], req[1], x * g1)


@mx.operator.register("test_scaled_powers")
class ScaledPowersProp(mx.operator.CustomOpProp):
    def __init__(self, scale="1.0"):
        super().__init__(need_top_grad=True)
        self.scale = float(scale)   # attributes arrive as strings, as in MXNet

    def list_arguments(self):
        return ["x", "y"]

    def list_outputs(self):
        return ["square", "product"]

    def infer_shape(self, in_shape):
        return in_shape, [in_shape[0], in_shape[0]], []

    def create_operator(self, ctx, shapes, dtypes):
        return ScaledPowers(self.scale)


def test_custom_softmax_example_trains_through_module_fit():
    data = mx.symbol.Variable('data')
    fc1 = mx.symbol.FullyConnected(data=data, name='fc1', num_hidden=16)
    act1 = mx.symbol.Activation(data=fc1, name='relu1', act_type="relu")
    fc3 = mx.symbol.FullyConnected(data=act1, name='fc3', num_hidden=3)
    mlp = mx.symbol.Custom(data=fc3, name='softmax', op_type='test_softmax')
    assert mlp.list_arguments()[-1] == "softmax_label"
    assert mlp.list_outputs() == ["softmax_output"]
    rs = np.random.RandomState(0)
    X = rs.standard_normal((60, 5)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.float32) + (X[:, 1] > 0.8)
    it = mx.io.NDArrayIter(X, y, batch_size=20)
    mx.random.seed(0)
    mod = mx.mod.Module(mlp, context=mx.cpu())
    mod.fit(it, num_epoch=15, optimizer_params={'learning_rate': 0.5}, initializer=mx.init.Xavier())
    assert mod.score(it, "acc")[0][1] > 0.9
    prob = mod.predict(it).asnumpy()
    arg = {k: v.asnumpy() for k, v in mod.get_params()[0].items()}
    z = np.maximum(X @ arg["fc1_weight"].T + arg["fc1_bias"], 0) @ arg["fc3_weight"].T + arg["fc3_bias"]
    e = np.exp(z - z.max(1, keepdims=True))
    np.testing.assert_allclose(prob, e / e.sum(1, keepdims=True), rtol=1e-5, atol=1e-6)
    # the executor feeds a need_top_grad=False head itself: backward() without out_grads
    ex = mlp.simple_bind(mx.cpu(), data=(4, 5))
    ex.copy_params_from(mod.get_params()[0])
    ex.forward(is_train=True, data=mx.nd.array(X[:4]), softmax_label=mx.nd.array(y[:4]))
    ex.backward()
    p = ex.outputs[0].asnumpy()
    p[np.arange(4), y[:4].astype(int)] -= 1
    np.testing.assert_allclose(ex.grad_dict["fc3_bias"].asnumpy(), p.sum(0), rtol=1e-5, atol=1e-6)


def test_custom_op_with_attributes_and_two_outputs_gradients():
    rs = np.random.RandomState(1)
    x, y = rs.standard_normal((3, 4)), rs.standard_normal((3, 4))
    sq, prod = nd.Custom(nd.array(x), nd.array(y), op_type="test_scaled_powers", scale=0.5)
    np.testing.assert_allclose(sq.asnumpy(), 0.5 * x * x, rtol=1e-6)
    np.testing.assert_allclose(prod.asnumpy(), x * y, rtol=1e-6)
    _fd_check(lambda a, b: nd.Custom(x=a, y=b, op_type="test_scaled_powers", scale=1.5)[0]
              + 2 * nd.Custom(a, b, op_type="test_scaled_powers", scale=1.5)[1], x, y)
    # one output used: the other's head gradient is zero
    _fd_check(lambda a, b: nd.Custom(a, b, op_type="test_scaled_powers")[1], x, y)


class Net(gluon.HybridBlock):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.dense = gluon.nn.Dense(4, in_units=4)

    def hybrid_forward(self, F, x, y):
        sq, prod = F.Custom(self.dense(x), y, op_type="test_scaled_powers", scale=0.25)
        return F.sum(sq + prod, axis=1)


def test_custom_op_in_a_hybridized_block_equals_imperative():
    rs = np.random.RandomState(2)
    x, y = nd.array(rs.standard_normal((5, 4))), nd.array(rs.standard_normal((5, 4)))
    results = []
    for hybridize in (False, True):
        net = Net()
        net.initialize(mx.init.Constant(0.1))
        if hybridize:
            net.hybridize()
        with autograd.record():
            out = net(x, y)
        out.backward()
        results.append((out.asnumpy(), net.dense.weight.grad().asnumpy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-6)


def test_custom_op_errors_are_mxnet_errors():
    with pytest.raises(MXNetError, match="no_such_op"):
        nd.Custom(nd.ones((2, 2)), op_type="no_such_op")
    with pytest.raises(MXNetError, match="'y' not given"):
        nd.Custom(nd.ones((2, 2)), op_type="test_scaled_powers")
    with pytest.raises(MXNetError):
        mx.operator.register("bad")(object)
    assert "test_softmax" in mx.operator.get_all_registered_operators()


class LogSoftmax(mx.operator.NumpyOp):
    """example/bayesian-methods/bdk_demo.py's NumpyOp, verbatim: the student network's output layer."""
    def __init__(self):
        super(LogSoftmax, self).__init__(False)

    def list_arguments(self):
        return ['data', 'label']

    def list_outputs(self):
        return ['output']

    def infer_shape(self, in_shape):
        data_shape = in_shape[0]
        label_shape = in_shape[0]
        output_shape = in_shape[0]
        return [data_shape, label_shape], [output_shape]

    def forward(self, in_data, out_data):
        x = in_data[0]
        y = out_data[0]
        y[:] = (x - x.max(axis=1, keepdims=True)).astype('float32')
        y -= np.log(np.exp(y).sum(axis=1, keepdims=True)).astype('float32')

    def backward(self, out_grad, in_data, out_data, in_grad):
        l = in_data[1]
        y = out_data[0]
        dx = in_grad[0]
        dx[:] = (np.exp(y) - l).astype('float32')


def test_numpy_op_runs_in_a_symbol_as_bdk_demos_student_output():
    with pytest.warns(UserWarning, match="NumpyOp has been deprecated. Please use CustomOp"):
        logsoftmax = LogSoftmax()
    net = mx.symbol.FullyConnected(data=mx.symbol.Variable('data'), name='mnist_fc3', num_hidden=4)
    net = logsoftmax(data=net, name='softmax')   # bdk_demo's get_mnist_sym(output_op=logsoftmax)
    assert net.list_arguments() == ['data', 'mnist_fc3_weight', 'mnist_fc3_bias', 'softmax_label']
    exe = net.simple_bind(mx.cpu(), data=(3, 5), softmax_label=(3, 4))
    rs = np.random.RandomState(0)
    x, w, label = rs.standard_normal((3, 5)), rs.standard_normal((4, 5)), np.eye(4)[[0, 2, 3]]
    exe.arg_dict['data'][:] = x
    exe.arg_dict['mnist_fc3_weight'][:] = w
    exe.arg_dict['softmax_label'][:] = label
    out = exe.forward(is_train=True)[0].asnumpy()
    z = x @ w.T
    logp = z - z.max(1, keepdims=True) - np.log(np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True))
    np.testing.assert_allclose(out, logp, rtol=1e-5, atol=1e-6)
    exe.backward()   # a loss layer (need_top_grad False): its own gradient, exp(y) - label, flows back
    np.testing.assert_allclose(exe.grad_dict['mnist_fc3_bias'].asnumpy(), (np.exp(logp) - label).sum(0),
                               rtol=1e-5, atol=1e-6)
