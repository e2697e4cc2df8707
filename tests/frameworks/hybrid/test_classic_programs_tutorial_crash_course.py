"""MXNet 1.x's 60-minute crash course, parts 1-3 (docs/python_docs/python/tutorials/getting-started/
crash-course/1-ndarray.md, 2-nn.md, 3-autograd.md), as written but for the import: NDArray basics, LeNet
and a mixed Block printed as MXNet prints them, and autograd through Python control flow."""
import numpy as np

from frameworks.hybrid import autograd, nd
from frameworks.hybrid.gluon import nn


def test_crash_course_ndarray():
    x = nd.array(((1, 2, 3), (5, 6, 7)))
    assert repr(x) == "\n[[1. 2. 3.]\n [5. 6. 7.]]\n<NDArray 2x3 @cpu(0)>"
    x = nd.ones((2, 3))
    y = nd.random.uniform(-1, 1, (2, 3))
    assert ((y.asnumpy() >= -1) & (y.asnumpy() < 1)).all()
    x = nd.full((2, 3), 2.0)
    assert (x.shape, x.size, x.dtype) == ((2, 3), 6, np.float32)
    np.testing.assert_allclose((x * y).asnumpy(), 2 * y.asnumpy())
    np.testing.assert_allclose(y.exp().asnumpy(), np.exp(y.asnumpy()), rtol=1e-6)
    np.testing.assert_allclose(nd.dot(x, y.T).asnumpy(), 2 * y.asnumpy().sum(1)[None].repeat(2, 0), rtol=1e-5)
    assert y[1, 2].shape == (1,)   # MXNet 1.x: one element indexes as shape (1,)
    assert y[:, 1:3].shape == (2, 2)
    y[:, 1:3] = 2
    y[1:2, 0:2] = 4
    np.testing.assert_array_equal(y.asnumpy()[:, 1:], [[2, 2], [4, 2]])
    assert y.asnumpy()[1, 0] == 4
    a = x.asnumpy()
    assert type(a) is np.ndarray
    assert repr(nd.array(a)) == "\n[[2. 2. 2.]\n [2. 2. 2.]]\n<NDArray 2x3 @cpu(0)>"


def test_crash_course_nn(capsys):
    layer = nn.Dense(2)
    assert repr(layer) == "Dense(None -> 2, linear)"
    layer.initialize()
    x = nd.random.uniform(-1, 1, (3, 4))
    assert layer(x).shape == (3, 2) and layer.weight.data().shape == (2, 4)

    net = nn.Sequential()
    net.add(  # Similar to Dense, it is not necessary to specify the input channels
        nn.Conv2D(channels=6, kernel_size=5, activation='relu'),
        nn.MaxPool2D(pool_size=2, strides=2),
        nn.Conv2D(channels=16, kernel_size=3, activation='relu'),
        nn.MaxPool2D(pool_size=2, strides=2),
        nn.Dense(120, activation="relu"),
        nn.Dense(84, activation="relu"),
        nn.Dense(10))
    pool = ("MaxPool2D(size=(2, 2), stride=(2, 2), padding=(0, 0), ceil_mode=False, global_pool=False, "
            "pool_type=max, layout=NCHW)")
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Conv2D(None -> 6, kernel_size=(5, 5), stride=(1, 1), Activation(relu))\n"
        f"  (1): {pool}\n"
        "  (2): Conv2D(None -> 16, kernel_size=(3, 3), stride=(1, 1), Activation(relu))\n"
        f"  (3): {pool}\n"
        "  (4): Dense(None -> 120, Activation(relu))\n"
        "  (5): Dense(None -> 84, Activation(relu))\n"
        "  (6): Dense(None -> 10, linear)\n)")
    net.initialize()
    x = nd.random.uniform(shape=(4, 1, 28, 28))
    y = net(x)
    assert y.shape == (4, 10)
    assert (net[0].weight.data().shape, net[5].bias.data().shape) == ((6, 1, 5, 5), (84,))

    class MixMLP(nn.Block):
        def __init__(self, **kwargs):
            # Run `nn.Block`'s init method
            super(MixMLP, self).__init__(**kwargs)
            self.blk = nn.Sequential()
            self.blk.add(nn.Dense(3, activation='relu'),
                         nn.Dense(4, activation='relu'))
            self.dense = nn.Dense(5)

        def forward(self, x):
            y = nd.relu(self.blk(x))
            print(y)
            return self.dense(y)

    net = MixMLP()
    assert repr(net) == ("MixMLP(\n  (blk): Sequential(\n    (0): Dense(None -> 3, Activation(relu))\n"
                         "    (1): Dense(None -> 4, Activation(relu))\n  )\n  (dense): Dense(None -> 5, linear)\n)")
    net.initialize()
    x = nd.random.uniform(shape=(2, 2))
    assert net(x).shape == (2, 5)
    assert capsys.readouterr().out.endswith("<NDArray 2x4 @cpu(0)>\n")
    assert net.blk[1].weight.data().shape == (4, 3)


def test_crash_course_autograd():
    x = nd.array([[1, 2], [3, 4]])
    x.attach_grad()
    with autograd.record():
        y = 2 * x * x
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [[4, 8], [12, 16]])

    def f(a):
        b = a * 2
        while b.norm().asscalar() < 1000:
            b = b * 2
        if b.sum().asscalar() >= 0:
            c = b[0]
        else:
            c = b[1]
        return c

    a = nd.random.uniform(shape=2)
    a.attach_grad()
    with autograd.record():
        c = f(a)
    c.backward()
    # c is linear in a: its gradient is c / a on the chosen element, 0 on the other
    grad, ratio = a.grad.asnumpy(), (c / a).asnumpy()
    np.testing.assert_allclose(grad[0], ratio[0], rtol=1e-6)
    assert grad[1] == 0
