"""sym.Pooling's stride defaults to 1 in every dimension, as MXNet's operator (gluon's pooling layers pass
their strides, pool_size by default): example/image-classification/symbols/inception-v4.py's InceptionA
block pools 3x3 with pad 1 and no stride, keeping 35x35 so its branches concatenate."""
import numpy as np

import frameworks.hybrid as mx
from frameworks.hybrid import nd


def Conv(data, num_filter, kernel=(1, 1), stride=(1, 1), pad=(0, 0), name=None, suffix=''):
    conv = mx.sym.Convolution(data=data, num_filter=num_filter, kernel=kernel, stride=stride, pad=pad, no_bias=True, name='%s%s_conv2d' %(name, suffix))
    bn = mx.sym.BatchNorm(data=conv, name='%s%s_batchnorm' %(name, suffix), fix_gamma=True)
    act = mx.sym.Activation(data=bn, act_type='relu', name='%s%s_relu' %(name, suffix))

    return act


def InceptionA(input, name=None):
    p1 = mx.sym.Pooling(input, kernel=(3, 3), pad=(1, 1), pool_type='avg', name='%s_avgpool_1' %name)
    c1 = Conv(p1, 96, kernel=(1, 1), pad=(0, 0), name='%s_conv1_1*1' %name)

    c2 = Conv(input, 96, kernel=(1, 1), pad=(0, 0), name='%s_conv2_1*1' %name)

    c3 = Conv(input, 64, kernel=(1, 1), pad=(0, 0), name='%s_conv3_1*1' %name)
    c3 = Conv(c3, 96, kernel=(3, 3), pad=(1, 1), name='%s_conv4_3*3' %name)

    c4 = Conv(input, 64, kernel=(1, 1), pad=(0, 0), name='%s_conv5_1*1' % name)
    c4 = Conv(c4, 96, kernel=(3, 3), pad=(1, 1), name='%s_conv6_3*3' % name)
    c4 = Conv(c4, 96, kernel=(3, 3), pad=(1, 1), name='%s_conv7_3*3' %name)

    concat = mx.sym.Concat(*[c1, c2, c3, c4], name='%s_concat_1' %name)

    return concat


def test_inception_v4_block_pools_with_stride_one():
    block = InceptionA(mx.sym.var("data"), name="in1A")
    assert block.infer_shape(data=(1, 8, 35, 35))[1] == [(1, 384, 35, 35)]


def test_pooling_default_stride_is_one():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    out = nd.Pooling(nd.array(x), kernel=(2, 2), pool_type="max").asnumpy()
    np.testing.assert_array_equal(out[0, 0], [[5, 6, 7], [9, 10, 11], [13, 14, 15]])
    # a given stride and global pooling as before
    assert nd.Pooling(nd.array(x), kernel=(2, 2), stride=(2, 2), pool_type="max").shape == (1, 1, 2, 2)
    assert nd.Pooling(nd.array(x), global_pool=True, pool_type="max").asnumpy().ravel().tolist() == [15.0]
    assert nd.Pooling(nd.array(x.reshape(1, 1, 16)), kernel=(3,), pool_type="avg").shape == (1, 1, 14)
