"""MXNet 1.x's NDArray tutorials (docs/python_docs/python/tutorials/packages/ndarray/01-ndarray-intro.md,
02-ndarray-operations.md, gotchas_numpy_in_mxnet.md), as written but for the import: creation, printed
reprs, in-place updates keeping id(), out=, slicing and slice assignment, broadcasting, the reshape that
fails (6 elements into (3, 1): MXNet's size check), NumPy round trips, nd.pad for full_like-style padding,
and the loss buffer that keeps the previous step's loss."""
import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd


def test_ndarray_intro(capsys):
    x = nd.array([1, 2, 3])
    print(x)
    y = nd.array([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]])
    print(y)
    assert capsys.readouterr().out == ("\n[1. 2. 3.]\n<NDArray 3 @cpu(0)>\n"
                                       "\n[[1. 2. 3. 4.]\n [1. 2. 3. 4.]\n [1. 2. 3. 4.]]\n<NDArray 3x4 @cpu(0)>\n")
    x = nd.empty((3, 3))
    assert x.shape == (3, 3)
    x = nd.full((3, 3), 7)
    print(x)
    x = nd.zeros((3, 10))
    x = nd.ones((3, 4))
    y = nd.random_normal(0, 1, shape=(3, 4))
    z = nd.zeros_like(y)
    assert capsys.readouterr().out == "\n[[7. 7. 7.]\n [7. 7. 7.]\n [7. 7. 7.]]\n<NDArray 3x3 @cpu(0)>\n"
    assert (y.shape, y.size, y.dtype, z.asnumpy().sum()) == ((3, 4), 12, np.float32, 0)
    a = nd.array([1, 2, 3])
    b = nd.array([1, 2, 3], dtype=np.int32)
    c = nd.array([1.2, 2.3], dtype=np.float16)
    assert (a.dtype, b.dtype, c.dtype) == (np.float32, np.int32, np.float16)
    assert y.context == mx.cpu(0) and str(y.context) == "cpu(0)"


def test_ndarray_operations(capsys):
    x = nd.ones((3, 4))
    y = nd.random_normal(0, 1, shape=(3, 4))
    x = x + y
    np.testing.assert_allclose(x.asnumpy(), 1 + y.asnumpy())

    x = nd.array([1, 2, 3])
    y = nd.array([2, 2, 2])
    np.testing.assert_array_equal((x * y).asnumpy(), [2, 4, 6])
    np.testing.assert_allclose(nd.exp(x).asnumpy(), np.exp([1, 2, 3]), rtol=1e-6)
    assert nd.dot(x, y.T).asscalar() == 12

    before = id(y)
    y = y + x
    assert id(y) != before   # y = y + x makes a new array

    z = nd.zeros_like(x)
    before = id(z)
    z[:] = x + y
    assert id(z) == before
    np.testing.assert_array_equal(z.asnumpy(), [4, 6, 8])
    nd.elemwise_add(x, y, out=z)
    assert id(z) == before
    np.testing.assert_array_equal(z.asnumpy(), [4, 6, 8])
    before = id(x)
    x += y
    assert id(x) == before
    np.testing.assert_array_equal(x.asnumpy(), [4, 6, 8])

    x = nd.array([1, 2, 3])
    s = x[1:3]
    np.testing.assert_array_equal(s.asnumpy(), [2, 3])
    x = nd.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    s = x[1:3]
    np.testing.assert_array_equal(s.asnumpy(), [[5, 6, 7, 8], [9, 10, 11, 12]])
    x[2] = 9.0
    x[0, 2] = 9.0
    x[1:2, 1:3] = 5.0
    print('replaced range of elements with x[1:2,1:3] = 5.0, x=', x)
    assert capsys.readouterr().out == ("replaced range of elements with x[1:2,1:3] = 5.0, x= \n"
                                       "[[1. 2. 9. 4.]\n [5. 5. 5. 8.]\n [9. 9. 9. 9.]]\n<NDArray 3x4 @cpu(0)>\n")

    x = nd.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    np.testing.assert_array_equal(x[1:2, 1:3].asnumpy(), [[6, 7]])
    np.testing.assert_array_equal(x[:, :1].asnumpy(), [[1], [5], [9]])
    np.testing.assert_array_equal(x[:1, :].asnumpy(), [[1, 2, 3, 4]])
    np.testing.assert_array_equal(x[:, 3:].asnumpy(), [[4], [8], [12]])
    np.testing.assert_array_equal(x[2:, :].asnumpy(), [[9, 10, 11, 12]])

    x = nd.ones(shape=(3, 6))
    y = nd.arange(6)
    np.testing.assert_array_equal((x + y).asnumpy(), np.ones((3, 6)) + np.arange(6))
    # the tutorial's next block reshapes 6 elements into (3, 1): MXNet refuses, as here
    with pytest.raises(mx.MXNetError, match="Target shape size is different to source"):
        y = y.reshape((3, 1))
    with pytest.raises(mx.MXNetError, match="Target shape size is different to source"):
        y = nd.arange(6).reshape((3, 1))
    np.testing.assert_array_equal((x + nd.arange(3).reshape((3, 1))).asnumpy(),
                                  np.ones((3, 6)) + np.arange(3)[:, None])

    a = x.asnumpy()
    assert type(a) is np.ndarray
    y = nd.array(a)
    a[0, 0] = 5   # the converted arrays do not share memory
    assert y[0, 0].asscalar() == 1 and x[0, 0].asscalar() == 1


def test_gotchas_numpy_in_mxnet(capsys):
    # NumPy has full_like() operator
    np_y = np.full_like(a=np.arange(6, dtype=int), fill_value=10)
    # NDArray doesn't have it, but we can replace it with
    # creating an array of ones and then multiplying by fill_value
    nd_y = nd.ones(shape=(6,)) * 10
    assert np.array_equal(np_y, nd_y.asnumpy())

    def pad_array(data, max_length):
        # expand dimensions to 4, because nd.pad can work only with 4 dims
        data_expanded = data.reshape(1, 1, 1, data.shape[0])
        # pad all 4 dimensions with constant value of 0
        data_padded = nd.pad(data_expanded,
                             mode='constant',
                             pad_width=[0, 0, 0, 0, 0, 0, 0, max_length - data.shape[0]],
                             constant_value=0)
        # remove temporary dimensions
        data_reshaped_back = data_padded.reshape(max_length)
        return data_reshaped_back

    print(pad_array(nd.array([1, 2, 3]), max_length=10))
    assert capsys.readouterr().out == "\n[1. 2. 3. 0. 0. 0. 0. 0. 0. 0.]\n<NDArray 10 @cpu(0)>\n"

    class LossBuffer(object):
        """
        Simple buffer for storing loss value
        """
        def __init__(self):
            self._loss = None

        def new_loss(self, loss):
            ret = self._loss
            self._loss = loss
            return ret

        @property
        def loss(self):
            return self._loss

    net = gluon.nn.Dense(10)
    ce = gluon.loss.SoftmaxCELoss()
    net.initialize()

    data = nd.random.uniform(shape=(1024, 100))
    label = nd.array(np.random.randint(0, 10, (1024,)), dtype='int32')
    train_dataset = gluon.data.ArrayDataset(data, label)
    train_data = gluon.data.DataLoader(train_dataset, batch_size=128, shuffle=True, num_workers=2)

    trainer = gluon.Trainer(net.collect_params(), optimizer='sgd')
    loss_buffer = LossBuffer()

    for data, label in train_data:
        with autograd.record():
            out = net(data)
            # This call saves new loss and returns previous loss
            prev_loss = loss_buffer.new_loss(ce(out, label))

        loss_buffer.loss.backward()
        trainer.step(data.shape[0])

        if prev_loss is not None:
            print("Loss: {}".format(np.mean(prev_loss.asnumpy())))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 7 and all(line.startswith("Loss: 2.") for line in lines)
