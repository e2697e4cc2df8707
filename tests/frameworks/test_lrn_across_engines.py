"""One input through each engine's local response normalisation, in each framework's own parameters
(torch/MXNet/Caffe divide alpha by the window, TF does not and counts a radius): the same numbers, and the
same through each engine's transposed convolution (each framework's weight layout)."""
import numpy as np

import frameworks.dynamic_tape as torch
import frameworks.static_graph as tf
from frameworks import layer_config as caffe
from frameworks.dynamic_tape.nn import functional as F
from frameworks.hybrid import nd

R = np.random.RandomState(21)
X = R.standard_normal((2, 7, 3, 4)) * 2
SIZE, ALPHA, BETA, K = 5, 0.2, 0.75, 2.0


def test_lrn_is_the_same_on_every_engine():
    torch_y = F.local_response_norm(torch.from_numpy(X), SIZE, alpha=ALPHA, beta=BETA, k=K).numpy()
    mx_y = nd.LRN(nd.array(X, dtype="float64"), nsize=SIZE, alpha=ALPHA, beta=BETA, knorm=K).asnumpy()
    with tf.Graph().as_default():
        y = tf.nn.lrn(tf.constant(X.transpose(0, 2, 3, 1)), depth_radius=SIZE // 2, bias=K, alpha=ALPHA / SIZE,
                      beta=BETA)
        with tf.Session() as sess:
            tf_y = sess.run(y).transpose(0, 3, 1, 2)
    text = ('layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 dim: 7 dim: 3 dim: 4 } } }\n'
            f'layer {{ name: "n" type: "LRN" bottom: "x" top: "y" lrn_param {{ local_size: {SIZE} alpha: {ALPHA} '
            f'beta: {BETA} k: {K} }} }}\n')
    net = caffe.Net(caffe.parse_prototxt(text, caffe.caffe_pb2.NetParameter()), caffe.TEST, dtype=np.float64)
    net.blobs["x"].data[...] = X
    net.forward()
    for name, y in (("hybrid", mx_y), ("static_graph", tf_y), ("layer_config", net.blobs["y"].data)):
        np.testing.assert_allclose(y, torch_y, rtol=1e-12, err_msg=name)


def test_conv_transpose_is_the_same_on_every_engine():
    x, w = R.standard_normal((2, 3, 4, 4)), R.standard_normal((3, 2, 4, 4))   # (in, out, kh, kw)
    torch_y = F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), stride=2, padding=1).numpy()
    mx_y = nd.Deconvolution(nd.array(x, dtype="float64"), nd.array(w, dtype="float64"), kernel=(4, 4),
                            num_filter=2, stride=(2, 2), pad=(1, 1)).asnumpy()
    with tf.Graph().as_default():   # 'SAME' with an even total: one pixel of padding on each side
        y = tf.nn.conv2d_transpose(tf.constant(x), tf.constant(w.transpose(2, 3, 1, 0)), [2, 2, 8, 8],
                                   [1, 1, 2, 2], "SAME", data_format="NCHW")
        with tf.Session() as sess:
            tf_y = sess.run(y)
    for name, y in (("hybrid", mx_y), ("static_graph", tf_y)):
        np.testing.assert_allclose(y, torch_y, rtol=1e-12, atol=1e-12, err_msg=name)
