"""NDArray.dtype is the NumPy scalar type, as MXNet 1.x's (numpy.float32, not numpy.dtype('float32'))."""
import numpy as np

import frameworks.hybrid as mx
from frameworks.hybrid import nd


def test_dtype_is_the_numpy_scalar_type_as_mxnet_programs_read_it():
    x = nd.ones((2, 3))
    assert x.dtype is np.float32 and x.dtype == np.float32 and x.dtype.__name__ == 'float32'
    assert np.dtype(x.dtype) == np.dtype('float32') and np.dtype(x.dtype).itemsize == 4
    assert x.astype('int32').dtype is np.int32 and x.astype(np.float16).dtype is np.float16
    assert nd.array(np.arange(3)).dtype is np.float32            # mx_real_t unless given
    assert nd.array([1, 2], dtype='int64').dtype is np.int64
    assert nd.zeros((2,), dtype=x.dtype).dtype is np.float32     # passed back as a dtype argument
    assert x.asnumpy().dtype == x.dtype and repr(x).endswith('<NDArray 2x3 @cpu(0)>')


def test_hybridized_blocks_and_executors_take_the_scalar_type_back():
    net = mx.gluon.nn.Dense(2, in_units=3, dtype='float64')
    net.initialize()
    net.hybridize()
    x = nd.ones((1, 3), dtype='float64')
    assert net(x).dtype is np.float64 and net(x).dtype is np.float64   # the cached graph's second call
    data = mx.sym.var('data')
    ex = mx.sym.FullyConnected(data, num_hidden=2, name='fc').simple_bind(mx.cpu(), data=(1, 3))
    assert ex.forward(is_train=False, data=nd.ones((1, 3)))[0].dtype is np.float32
