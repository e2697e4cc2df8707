"""MXNet's elementwise math (trig, hyperbolic, logs, roots, mod, hypot, logical), Symbol's comparison
operators, the 1-D convolution and pooling (the 2-D kernels over a unit axis), InstanceNorm and GroupNorm:
values against NumPy, gradients by finite differences in float64, MXNetError for what is refused."""
import math

import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd
from frameworks.hybrid.base import MXNetError, NotImplementedForSymbol
from frameworks.hybrid.gluon import nn
from tests.frameworks.hybrid.test_hybrid_ops import _fd_check

rs = np.random.RandomState(11)
X = rs.uniform(-0.9, 0.9, (3, 4))

UNARY = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "arcsin": np.arcsin, "arccos": np.arccos, "arctan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh, "arcsinh": np.arcsinh, "arctanh": np.arctanh,
    "degrees": np.degrees, "radians": np.radians, "cbrt": np.cbrt, "reciprocal": np.reciprocal,
    "log1p": np.log1p, "expm1": np.expm1, "erf": np.vectorize(math.erf),
    "hard_sigmoid": lambda a: np.clip(0.2 * a + 0.5, 0, 1),
    "softmin": lambda a: np.exp(-a) / np.exp(-a).sum(-1, keepdims=True),
}
POSITIVE = {"log2": np.log2, "log10": np.log10, "rsqrt": lambda a: 1 / np.sqrt(a), "rcbrt": lambda a: 1 / np.cbrt(a),
            "arccosh": lambda a: np.arccosh(a + 1)}


@pytest.mark.parametrize("name", sorted(UNARY) + sorted(POSITIVE))
def test_unary_math_values_and_gradients(name):
    x = X if name in UNARY else np.abs(X) + 0.2
    f = (lambda a: nd.arccosh(a + 1)) if name == "arccosh" else getattr(nd, name)
    want = (UNARY.get(name) or POSITIVE[name])(x)
    np.testing.assert_allclose(f(nd.array(x, dtype="float64")).asnumpy(), want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(f(nd.array(x)).asnumpy(), want, rtol=1e-5, atol=1e-6)   # float32 by default
    _fd_check(f, x)


def test_unary_math_are_ndarray_methods_and_symbol_ops():
    x = nd.array(X)
    np.testing.assert_allclose(x.sin().asnumpy(), np.sin(X.astype(np.float32)), rtol=1e-6)
    s = mx.sym.var("x")
    out = mx.sym.Group([mx.sym.arctan(s), mx.sym.cbrt(s), mx.sym.log10(mx.sym.abs(s) + 1)])
    ex = out.simple_bind(mx.cpu(), x=X.shape)
    ex.forward(x=x)
    for got, want in zip(ex.outputs, (np.arctan(X), np.cbrt(X), np.log10(np.abs(X) + 1))):
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5, atol=1e-6)


def test_mod_follows_the_divisors_sign_and_its_gradients():
    a, b = np.array([5.0, -5.0, 5.0, -5.0, 3.0]), np.array([3.0, 3.0, -3.0, -3.0, 0.0])
    got = nd.broadcast_mod(nd.array(a), nd.array(b)).asnumpy()
    np.testing.assert_array_equal(got, [2.0, 1.0, -1.0, -2.0, 0.0])   # 0 where the divisor is 0, as MXNet
    np.testing.assert_allclose((nd.array(a) % 2).asnumpy(), np.mod(a, 2))
    np.testing.assert_allclose((7 % nd.array([2.0, -3.0])).asnumpy(), [1.0, -2.0])
    x, y = rs.uniform(1, 5, (3, 4)), rs.uniform(0.7, 2, (4,))
    _fd_check(nd.broadcast_mod, x, y)   # d/dlhs = 1, d/drhs = -floor(lhs / rhs)


def test_hypot_and_logical_ops():
    a, b = rs.standard_normal((2, 3)), rs.standard_normal(3)
    np.testing.assert_allclose(nd.broadcast_hypot(nd.array(a, dtype="float64"), nd.array(b, dtype="float64"))
                               .asnumpy(), np.hypot(a, b))
    _fd_check(nd.broadcast_hypot, a, b)
    p, q = nd.array([0, 1, 2, 0]), nd.array([0, 0, 3, 5])
    assert nd.broadcast_logical_and(p, q).asnumpy().tolist() == [0, 0, 1, 0]
    assert nd.broadcast_logical_or(p, q).asnumpy().tolist() == [0, 1, 1, 1]
    assert nd.broadcast_logical_xor(p, q).asnumpy().tolist() == [0, 1, 0, 1]
    assert nd.logical_not(p).asnumpy().tolist() == [1, 0, 0, 1]


def test_gamma_and_gammaln_values_gradients_and_poles():
    x = np.array([0.3, 1.0, 2.5, 5.0, 11.0, 21.0, -0.5, -2.6])
    np.testing.assert_allclose(nd.gamma(nd.array(x, dtype="float64")).asnumpy(), [math.gamma(v) for v in x],
                               rtol=1e-13)
    np.testing.assert_allclose(nd.gammaln(nd.array(x, dtype="float64")).asnumpy(), [math.lgamma(v) for v in x],
                               rtol=1e-13, atol=1e-13)
    # d2l's polynomial features divide by n! as gamma(n + 1), in float32
    np.testing.assert_allclose(nd.gamma(nd.arange(20) + 1).asnumpy(), [math.factorial(n) for n in range(20)],
                               rtol=1e-6)
    _fd_check(nd.gamma, np.array([0.6, 1.7, 3.2, -0.4]))
    _fd_check(nd.gammaln, np.array([0.6, 1.7, 3.2, -0.4]))
    # C's tgamma and lgamma at the poles (MXNet's kernels): inf at 0, nan / inf at the negative integers
    got = nd.gamma(nd.array([0.0, -1.0, -2.0])).asnumpy()
    assert got[0] == np.inf and np.isnan(got[1:]).all()
    assert (nd.gammaln(nd.array([0.0, -1.0])).asnumpy() == np.inf).all()


def test_ndarray_power_with_an_array_exponent_and_a_scalar_base():
    x, y = nd.array([1.0, 2.0, 3.0]), nd.array([2.0, 0.5, 3.0])
    np.testing.assert_allclose((x ** y).asnumpy(), [1.0, 2 ** 0.5, 27.0], rtol=1e-6)
    np.testing.assert_allclose((2 ** x).asnumpy(), [2.0, 4.0, 8.0], rtol=1e-6)


def test_symbol_comparison_operators_build_mxnets_nodes():
    a, b = mx.sym.var("a"), mx.sym.var("b")
    heads = [a == b, a != b, a > b, a >= b, a < b, a <= b, a == 2, a > 1, 1 < a, a ** b, 2 ** a, a % b, abs(a)]
    ex = mx.sym.Group(heads).simple_bind(mx.cpu(), a=(3,), b=(3,))
    av, bv = np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])
    ex.forward(a=nd.array(av), b=nd.array(bv))
    want = [av == bv, av != bv, av > bv, av >= bv, av < bv, av <= bv, av == 2, av > 1, 1 < av, av ** bv, 2 ** av,
            np.mod(av, bv), np.abs(av)]
    for got, w in zip(ex.outputs, want):
        np.testing.assert_allclose(got.asnumpy(), np.asarray(w, dtype=np.float64), rtol=1e-6)
    assert '"op": "_equal"' in (a == b).tojson() and '"op": "_greater_scalar"' in (a > 1).tojson()
    assert mx.sym.load_json(mx.sym.Group(heads).tojson()).list_outputs() == mx.sym.Group(heads).list_outputs()
    assert len({a, b}) == 2   # still hashable
    with pytest.raises(NotImplementedForSymbol, match="not implemented for Symbol"):
        bool(a == b)
    with pytest.raises(TypeError, match="not supported"):
        a == "x"   # noqa: B015


def _conv1d_direct(x, w, b, stride, pad):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad)))
    k = w.shape[2]
    out_w = (xp.shape[2] - k) // stride + 1
    cols = np.stack([xp[:, :, i * stride:i * stride + k] for i in range(out_w)], axis=2)   # N C W' k
    return np.einsum("ncwk,ock->now", cols, w) + b[None, :, None]


@pytest.mark.parametrize("stride,pad", [(1, 0), (2, 1)])
def test_convolution_with_a_1d_kernel(stride, pad):
    x, w, b = rs.standard_normal((2, 3, 9)), rs.standard_normal((4, 3, 3)), rs.standard_normal(4)

    def conv(x, w, b):
        return nd.Convolution(x, w, b, kernel=(3,), num_filter=4, stride=(stride,), pad=(pad,))
    np.testing.assert_allclose(conv(*(nd.array(a, dtype="float64") for a in (x, w, b))).asnumpy(),
                               _conv1d_direct(x, w, b, stride, pad), rtol=1e-10, atol=1e-12)
    _fd_check(conv, x, w, b)


@pytest.mark.parametrize("pool_type,global_pool", [("max", False), ("avg", False), ("max", True), ("avg", True)])
def test_pooling_over_ncw(pool_type, global_pool):
    x = rs.permutation(2 * 3 * 8).reshape(2, 3, 8) * 0.1   # no ties: max has one winner

    def pool(x):
        return nd.Pooling(x, kernel=(2,), stride=(2,), pool_type=pool_type, global_pool=global_pool)
    got = pool(nd.array(x, dtype="float64")).asnumpy()
    red = np.max if pool_type == "max" else np.mean
    want = red(x, axis=2, keepdims=True) if global_pool else red(x.reshape(2, 3, 4, 2), axis=3)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    _fd_check(pool, x)


def test_instance_and_group_norm_values_and_gradients():
    x, g, b = rs.standard_normal((2, 4, 5)), rs.uniform(0.5, 1.5, 4), rs.standard_normal(4)
    mean, var = x.mean(axis=2, keepdims=True), x.var(axis=2, keepdims=True)
    want = (x - mean) / np.sqrt(var + 1e-3) * g[:, None] + b[:, None]   # the op's eps default: 1e-3
    f64 = [nd.array(a, dtype="float64") for a in (x, g, b)]
    np.testing.assert_allclose(nd.InstanceNorm(*f64).asnumpy(), want, rtol=1e-10)
    _fd_check(nd.InstanceNorm, x, g, b)
    g2, b2 = rs.uniform(0.5, 1.5, 2), rs.standard_normal(2)
    grouped = x.reshape(2, 2, -1)
    norm = (grouped - grouped.mean(-1, keepdims=True)) / np.sqrt(grouped.var(-1, keepdims=True) + 1e-5)
    want = (norm * g2[:, None] + b2[:, None]).reshape(x.shape)   # gamma, beta per group (MXNet 1.x)
    got = nd.GroupNorm(f64[0], nd.array(g2, dtype="float64"), nd.array(b2, dtype="float64"), num_groups=2)
    np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-10)
    _fd_check(lambda x, g, b: nd.GroupNorm(x, g, b, num_groups=2), x, g2, b2)
    with pytest.raises(MXNetError, match="num_groups=3"):
        nd.GroupNorm(f64[0], nd.ones(3), nd.zeros(3), num_groups=3)


@pytest.mark.parametrize("hybridize", [False, True])
def test_gluon_1d_layers_and_norms_as_mxnet_defines_them(hybridize):
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv1D(8, 3, padding=1, activation="relu"), nn.MaxPool1D(), nn.InstanceNorm(),
                nn.Conv1D(4, kernel_size=3, strides=2), nn.AvgPool1D(pool_size=2, padding=1), nn.GroupNorm(2),
                nn.GlobalMaxPool1D(), nn.GlobalAvgPool1D(), nn.Flatten(), nn.Dense(3))
    net.initialize(mx.init.Xavier())
    if hybridize:
        net.hybridize()
    x = nd.random.uniform(shape=(2, 5, 20))
    with autograd.record():
        loss = gluon.loss.L2Loss()(net(x), nd.zeros((2, 3)))
    loss.backward()
    params = net.collect_params()
    shapes = {k.split("_", 1)[1]: v.shape for k, v in params.items()}
    assert shapes["conv0_weight"] == (8, 5, 3) and shapes["conv1_weight"] == (4, 8, 3)
    assert shapes["instancenorm0_gamma"] == (8,) and shapes["groupnorm0_gamma"] == (2,)
    inorm = net[2]
    assert inorm.gamma.grad_req == "null" and inorm.beta.grad_req == "write"   # scale=False, Gluon's default
    assert float(np.abs(net[0].weight.grad().asnumpy()).sum()) > 0
    assert net(x).shape == (2, 3)


def test_1d_layers_check_their_layout_and_3d_transposed_convolution_is_refused():
    with pytest.raises(MXNetError, match="layout 'NCW'"):
        nn.Conv1D(4, 3, layout="NWC")
    with pytest.raises(MXNetError, match="NCW data"):
        nd.Convolution(nd.ones((1, 2, 3, 4)), nd.ones((4, 2, 3)), kernel=(3,), num_filter=4, no_bias=True)
    with pytest.raises(MXNetError, match="layout 'NCW'"):
        nn.Conv1DTranspose(4, 3, layout="NWC")
    with pytest.raises(MXNetError, match="Conv2DTranspose"):
        nn.Conv3DTranspose(4, 3)


@pytest.mark.parametrize("mode", ["reflect", "edge"])
def test_pad_reflect_and_edge_as_numpy(mode):
    x = rs.standard_normal((2, 3, 4, 5))
    pw = (0, 0, 0, 0, 2, 3, 3, 4)   # up to size - 1 on each side, the most reflect allows
    got = nd.pad(nd.array(x, dtype="float64"), mode=mode, pad_width=pw).asnumpy()
    np.testing.assert_allclose(got, np.pad(x, ((0, 0), (0, 0), (2, 3), (3, 4)), mode=mode))
    _fd_check(lambda a: nd.pad(a, mode=mode, pad_width=pw), x)
    layer = nn.ReflectionPad2D(2)
    np.testing.assert_allclose(layer(nd.array(x)).asnumpy(),
                               np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)), mode="reflect"), rtol=1e-6)
    with pytest.raises(MXNetError, match="smaller than its size"):
        nd.pad(nd.array(x), mode="reflect", pad_width=(0, 0, 0, 0, 4, 0, 0, 0))


def test_upsampling_nearest_repeats_each_pixel():
    x = rs.standard_normal((1, 2, 2, 3))
    got = nd.UpSampling(nd.array(x, dtype="float64"), scale=2, sample_type="nearest").asnumpy()
    np.testing.assert_allclose(got, x.repeat(2, axis=2).repeat(2, axis=3))
    _fd_check(lambda a: nd.UpSampling(a, scale=3, sample_type="nearest"), x)
    small = rs.standard_normal((1, 1, 1, 1)) + np.zeros((1, 1, 1, 1))
    two = nd.UpSampling(nd.array(x[:, :, :2, :2]), nd.array(small), scale=2, sample_type="nearest", num_args=2)
    assert two.shape == (1, 3, 4, 4)
    with pytest.raises(MXNetError, match="bilinear"):
        nd.UpSampling(nd.array(x), scale=2, sample_type="bilinear")


def test_makeloss_is_a_loss_head_for_custom_losses_in_module_programs():
    data, label = mx.sym.Variable("data"), mx.sym.Variable("label")
    fc = mx.sym.FullyConnected(data, num_hidden=1, name="fc")
    loss = mx.sym.MakeLoss(mx.sym.square(mx.sym.reshape(fc, shape=(-1,)) - label), normalization="batch")
    X = rs.standard_normal((64, 3))
    Y = X @ np.array([1.0, -2.0, 0.5])
    ex = loss.simple_bind(mx.cpu(), data=(4, 3), label=(4,))
    ex.forward(is_train=True, data=nd.array(X[:4]), label=nd.array(Y[:4]))
    ex.backward(out_grads=nd.zeros(4))   # a loss head: the head gradient is ignored, as MXNet's
    w = ex.arg_dict["fc_weight"].asnumpy()
    pred = X[:4] @ w.T[:, 0] + ex.arg_dict["fc_bias"].asnumpy()
    np.testing.assert_allclose(ex.outputs[0].asnumpy(), (pred - Y[:4]) ** 2, rtol=1e-4)
    np.testing.assert_allclose(ex.grad_dict["fc_weight"].asnumpy()[0], (2 * (pred - Y[:4]) / 4) @ X[:4], rtol=1e-4)
    it = mx.io.NDArrayIter(X, Y, batch_size=16, label_name="label")
    mod = mx.mod.Module(loss, data_names=["data"], label_names=["label"], context=mx.cpu())
    # Module rescales by 1/batch_size and normalization="batch" divides again: an lr to match
    mod.fit(it, num_epoch=60, optimizer="sgd", optimizer_params={"learning_rate": 3.0},
            eval_metric=mx.metric.Loss())
    np.testing.assert_allclose(mod.get_params()[0]["fc_weight"].asnumpy()[0], [1.0, -2.0, 0.5], atol=0.05)


@pytest.mark.parametrize("hybridize", [False, True])
def test_gelu_is_the_erf_form(hybridize):
    x = np.linspace(-4, 4, 17)
    layer = nn.GELU()
    if hybridize:
        layer.hybridize()
    want = 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))
    np.testing.assert_allclose(layer(nd.array(x, dtype="float64")).asnumpy(), want, rtol=1e-12, atol=1e-14)
    _fd_check(lambda a: nd.LeakyReLU(a, act_type="gelu"), x)


def test_symbol_methods_eval_attributes_and_constants():
    a, b = mx.sym.var("a"), mx.sym.var("b")
    c = (a + b).relu().sqrt().transpose()
    (out,) = c.eval(ctx=mx.cpu(), a=nd.ones((2, 3)), b=nd.ones((2, 3)) * 3)
    np.testing.assert_allclose(out.asnumpy(), np.full((3, 2), 2.0))
    assert c.infer_type(a="float32") == ([np.float32, np.float32], [np.float32], [])
    fc = mx.sym.FullyConnected(a, num_hidden=4, name="fc")
    assert fc.attr("num_hidden") == "4" and fc.attr("nothing") is None
    assert fc.list_attr() == {"num_hidden": "4"} and fc.attr_dict() == {"fc": {"num_hidden": "4"}}
    assert fc.get_children().list_outputs() == ["a", "fc_weight", "fc_bias"]   # variables named as MXNet's
    assert '"op": "Cast"' in fc.astype("float64").tojson()
    # sym's + is _Plus (elemwise_add): equal shapes only, so the (1, 2) row joins by broadcast_add
    d = mx.sym.broadcast_add(mx.sym.ones((2, 2)) + mx.sym.full((2, 2), 3), mx.sym.arange(0, 2).reshape((1, 2)))
    np.testing.assert_allclose(d.eval()[0].asnumpy(), [[4.0, 5.0], [4.0, 5.0]])
