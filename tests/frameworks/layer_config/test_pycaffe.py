"""pycaffe flows: NetSpec (L, P, to_proto, shared weights), net surgery into a fully convolutional net,
forward/backward with start/end, blob and net reshape, caffe.io's Transformer and proto helpers."""
import numpy as np
import pytest

from frameworks import layer_config as caffe
from frameworks.layer_config import layers as L, params as P

from .helpers import write


def lenet(lmdb, batch_size):
    """The LeNet of pycaffe's 01-learning-lenet notebook, written with NetSpec."""
    n = caffe.NetSpec()
    n.data, n.label = L.Data(batch_size=batch_size, backend=P.Data.LMDB, source=lmdb,
                             transform_param=dict(scale=1. / 255), ntop=2)
    n.conv1 = L.Convolution(n.data, kernel_size=5, num_output=20, weight_filler=dict(type='xavier'))
    n.pool1 = L.Pooling(n.conv1, kernel_size=2, stride=2, pool=P.Pooling.MAX)
    n.conv2 = L.Convolution(n.pool1, kernel_size=5, num_output=50, weight_filler=dict(type='xavier'))
    n.pool2 = L.Pooling(n.conv2, kernel_size=2, stride=2, pool=P.Pooling.MAX)
    n.fc1 = L.InnerProduct(n.pool2, num_output=500, weight_filler=dict(type='xavier'))
    n.relu1 = L.ReLU(n.fc1, in_place=True)
    n.score = L.InnerProduct(n.relu1, num_output=10, weight_filler=dict(type='xavier'))
    n.loss = L.SoftmaxWithLoss(n.score, n.label)
    return n.to_proto()


def test_netspec_lenet_is_the_prototxt_the_notebook_writes(tmp_path):
    proto = lenet("mnist/mnist_train_lmdb", 64)
    text = str(proto)
    assert [(lp.name, lp.type) for lp in proto.layer] == [
        ("data", "Data"), ("conv1", "Convolution"), ("pool1", "Pooling"), ("conv2", "Convolution"),
        ("pool2", "Pooling"), ("fc1", "InnerProduct"), ("relu1", "ReLU"), ("score", "InnerProduct"),
        ("loss", "SoftmaxWithLoss")]
    relu = proto.layer[6]
    assert list(relu.bottom) == ["fc1"] and list(relu.top) == ["fc1"]   # in place
    assert list(proto.layer[7].bottom) == ["fc1"]
    assert proto.layer[0].data_param.backend == caffe.caffe_pb2.DataParameter.LMDB
    assert proto.layer[2].pooling_param.pool == caffe.caffe_pb2.PoolingParameter.MAX
    assert 'weight_filler {\n      type: "xavier"' in text and "scale: 0.00392156" in text
    # the text parses back to the same message
    again = caffe.parse_prototxt(text, caffe.caffe_pb2.NetParameter())
    assert again == proto


def test_netspec_shared_weights_and_auto_names():
    n = caffe.NetSpec()
    n.a, n.b = L.DummyData(shape=dict(dim=[2, 3]), data_filler=dict(type="gaussian"), ntop=2)
    n.fa = L.InnerProduct(n.a, num_output=4, param=[dict(name="w"), dict(name="bias")])
    n.fb = L.InnerProduct(n.b, num_output=4, param=[dict(name="w"), dict(name="bias")])
    n.loss = L.EuclideanLoss(n.fa, n.fb)
    unnamed = L.Sigmoid(L.TanH(n.fa))
    proto = n.to_proto()
    net = caffe.Net(proto, caffe.TRAIN)
    assert net.params["fa"][0] is net.params["fb"][0] and len(net.learnable_params) == 2
    auto = unnamed.to_proto()
    assert [lp.name for lp in auto.layer][-2:] == ["TanH1", "Sigmoid1"]
    with pytest.raises(AttributeError, match="'nope'"):
        L.InnerProduct(n.a, nope=1).to_proto()
    assert P.Eltwise.PROD == caffe.caffe_pb2.EltwiseParameter.PROD


DEPLOY = '''name: "small"
input: "data"
input_shape { dim: 1 dim: 1 dim: %d dim: %d }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "gaussian" std: 0.3 } } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
%s
'''
FC = 'layer { name: "fc" type: "InnerProduct" bottom: "conv1" top: "fc" inner_product_param { num_output: 5 } }'
FC_CONV = ('layer { name: "fc-conv" type: "Convolution" bottom: "conv1" top: "fc-conv" '
           'convolution_param { num_output: 5 kernel_size: 4 } }')


def test_net_surgery_transplants_inner_product_weights_into_a_fully_convolutional_net(tmp_path):
    net = caffe.Net(write(tmp_path, "fc.prototxt", DEPLOY % (6, 6, FC)), caffe.TEST)
    net.params["fc"][0].data[...] = np.random.RandomState(0).standard_normal((5, 64))
    net.params["fc"][1].data[...] = np.arange(5)
    net.save(str(tmp_path / "fc.caffemodel"))
    full = caffe.Net(write(tmp_path, "conv.prototxt", DEPLOY % (8, 8, FC_CONV)), caffe.TEST,
                     weights=str(tmp_path / "fc.caffemodel"))   # conv1 is copied, fc-conv has no source
    np.testing.assert_array_equal(full.params["conv1"][0].data, net.params["conv1"][0].data)
    # the notebook's surgery: flat copies of the fc weights into the conv kernels
    full.params["fc-conv"][0].data.flat = net.params["fc"][0].data.flat
    full.params["fc-conv"][1].data[...] = net.params["fc"][1].data
    image = np.random.RandomState(1).standard_normal((1, 1, 8, 8)).astype(np.float32)
    out = full.forward(data=image)["fc-conv"]
    assert out.shape == (1, 5, 3, 3)
    for y, x in ((0, 0), (2, 1)):
        crop = net.forward(data=image[:, :, y:y + 6, x:x + 6])["fc"]
        np.testing.assert_allclose(out[0, :, y, x], crop[0], rtol=1e-4, atol=1e-5)
    full.save(str(tmp_path / "full.caffemodel"))
    assert caffe.Net(str(tmp_path / "conv.prototxt"), str(tmp_path / "full.caffemodel"), caffe.TEST) \
        .params["fc-conv"][0].data.shape == (5, 4, 4, 4)


def test_forward_and_backward_between_layers_and_reshape(tmp_path):
    net = caffe.Net(write(tmp_path, "fc.prototxt", DEPLOY % (6, 6, FC)), caffe.TEST)
    assert net.inputs == ["data"] and net.outputs == ["fc"]
    assert net.top_names["relu1"] == ["conv1"] and net.bottom_names["fc"] == ["conv1"]
    assert [layer.type for layer in net.layers] == ["Input", "Convolution", "ReLU", "InnerProduct"]
    net.blobs["data"].data[...] = 1.0
    out = net.forward(end="conv1")
    assert set(out) == {"conv1"} and out["conv1"].shape == (1, 4, 4, 4)
    out = net.forward(start="fc", blobs=["conv1"])
    assert set(out) == {"fc", "conv1"}
    diffs = net.backward(start="fc", end="fc", fc=np.ones((1, 5), np.float32))
    assert set(diffs) == {"conv1"}
    np.testing.assert_allclose(diffs["conv1"].reshape(-1), net.params["fc"][0].data.sum(0), rtol=1e-5)
    net.blobs["data"].reshape(3, 1, 6, 6)
    net.reshape()
    assert net.blobs["conv1"].data.shape == (3, 4, 4, 4) and net.blobs["fc"].data.shape == (3, 5)


def test_io_transformer_round_trip_and_proto_helpers():
    t = caffe.io.Transformer({"data": (1, 3, 4, 5)})
    t.set_transpose("data", (2, 0, 1))
    t.set_channel_swap("data", (2, 1, 0))
    t.set_raw_scale("data", 255)
    t.set_mean("data", np.array([10.0, 20.0, 30.0]))
    image = np.random.RandomState(0).uniform(size=(4, 5, 3))
    x = t.preprocess("data", image)
    assert x.shape == (3, 4, 5) and x.dtype == np.float32
    np.testing.assert_allclose(x[0], image[:, :, 2] * 255 - 10, rtol=1e-5)
    np.testing.assert_allclose(t.deprocess("data", x), image, rtol=1e-5, atol=1e-6)
    assert t.preprocess("data", np.zeros((8, 10, 3))).shape == (3, 4, 5)   # resized to the input
    with pytest.raises(ValueError, match="Mean channels incompatible"):
        t.set_mean("data", np.zeros(4))
    with pytest.raises(Exception, match="is not one of the net inputs"):
        t.preprocess("label", image)
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(caffe.io.blobproto_to_array(caffe.io.array_to_blobproto(a)), a)
    d = caffe.io.array_to_datum(a.astype(np.uint8), 7)
    assert d.label == 7 and d.channels == 2 and d.data == a.astype(np.uint8).tobytes()
    np.testing.assert_array_equal(caffe.io.datum_to_array(d), a)
    np.testing.assert_array_equal(caffe.io.datum_to_array(caffe.io.array_to_datum(a / 2)), a / 2)
    with pytest.raises(ValueError, match="Incorrect array shape"):
        caffe.io.array_to_datum(np.zeros((2, 2)))


def test_lstm_cells_unrolled_net_shares_one_set_of_weights_over_every_step():
    from workloads.lstm_cells import layer_config as lc, spec
    proto = lc.unrolled_net("small")
    T = spec.SIZES["small"]["T"]
    assert sum(lp.type == "InnerProduct" for lp in proto.layer) == 2 * T + 1
    assert {lp.param[0].name for lp in proto.layer if lp.name.startswith("gx_")} == {"W_xc"}
    trainer = lc.build("small")
    net = trainer.solver.net
    assert len(net.learnable_params) == 7   # emb, W_xc, b_ih, W_hc, b_hh, logits weight and bias
    assert net.params[f"gh_{T}"][0] is net.params["gh_1"][0]
    assert sum(lp.type == "Split" for lp in net.param.layer) == 2 * (T - 1)   # h_t, c_t read twice but at T
