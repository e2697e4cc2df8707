"""Net behaviour: in-place layers, blob reuse, backward pruning, phases, shared params, pycaffe API, DOT."""
import numpy as np

from frameworks import layer_config as caffe

from .helpers import input_layer, net_from_text

MLP = (input_layer("x", (4, 3)) + input_layer("t", (4, 2)) +
       'layer { name: "ip1" type: "InnerProduct" bottom: "x" top: "h" '
       'inner_product_param { num_output: 5 weight_filler { type: "gaussian" } } }\n'
       'layer { name: "relu" type: "ReLU" bottom: "h" top: "%s" }\n'
       'layer { name: "ip2" type: "InnerProduct" bottom: "%s" top: "y" '
       'inner_product_param { num_output: 2 weight_filler { type: "gaussian" } } }\n'
       'layer { name: "loss" type: "EuclideanLoss" bottom: "y" bottom: "t" top: "loss" }\n')


def _run(net, x, t):
    net.blobs["x"].data[...] = x
    net.blobs["t"].data[...] = t
    loss = net.forward_backward()
    return loss, {k: [b.diff.copy() for b in v] for k, v in net.params.items()}


def test_in_place_relu_gives_the_same_numbers_with_fewer_blobs():
    rs = np.random.RandomState(0)
    x, t = rs.standard_normal((4, 3)), rs.standard_normal((4, 2))
    in_place = net_from_text(MLP % ("h", "h"), dtype=np.float32)
    separate = net_from_text(MLP % ("r", "r"), dtype=np.float32)
    assert len(in_place.blobs) == len(separate.blobs) - 1
    loss_a, grads_a = _run(in_place, x, t)
    loss_b, grads_b = _run(separate, x, t)
    assert loss_a == loss_b
    for k in grads_a:
        for ga, gb in zip(grads_a[k], grads_b[k]):
            np.testing.assert_array_equal(ga, gb)


def test_blobs_keep_their_memory_across_iterations_and_inputs_get_no_diff():
    net = net_from_text(MLP % ("h", "h"), dtype=np.float32)
    rs = np.random.RandomState(1)
    _run(net, rs.standard_normal((4, 3)), rs.standard_normal((4, 2)))
    before = {n: b.data for n, b in net.blobs.items()}
    _run(net, rs.standard_normal((4, 3)), rs.standard_normal((4, 2)))
    for n in ("x", "t", "h", "y"):   # written in place by their kernels (out=) or by the caller
        assert net.blobs[n].data is before[n], n
    assert not net.blobs["x"].has_diff() and not net.blobs["t"].has_diff()
    assert net.records[net.layer_names.index("ip1")].bottom_need_backward == [False]


def test_inner_product_writes_its_weight_gradient_into_the_param_diff():
    # as Caffe's GEMM into weight_diff: a steady-state step allocates no second weight-sized array
    net = net_from_text(MLP % ("h", "h"), dtype=np.float32)
    rs = np.random.RandomState(2)
    _run(net, rs.standard_normal((4, 3)), rs.standard_normal((4, 2)))
    diffs = {name: [b.diff for b in blobs] for name, blobs in net.params.items()}
    loss, grads = _run(net, rs.standard_normal((4, 3)), rs.standard_normal((4, 2)))
    for name in ("ip1", "ip2"):
        assert net.params[name][0].diff is diffs[name][0], name
    # and the numbers are the gradient of this step, not an accumulation with the last one
    fresh = net_from_text(MLP % ("h", "h"), dtype=np.float32)
    for name in ("ip1", "ip2"):
        for b_new, b_old in zip(fresh.params[name], net.params[name]):
            b_new.data[...] = b_old.data
    rs = np.random.RandomState(2)
    rs.standard_normal((4, 3)), rs.standard_normal((4, 2))
    _, fresh_grads = _run(fresh, rs.standard_normal((4, 3)), rs.standard_normal((4, 2)))
    for name in grads:
        for a, b in zip(grads[name], fresh_grads[name]):
            np.testing.assert_array_equal(a, b)


def test_smaller_batch_reuses_the_blob_allocation():
    net = net_from_text(MLP % ("h", "h"), dtype=np.float32)
    buf = net.blobs["h"]._buf
    net.blobs["x"].reshape(2, 3)
    net.blobs["t"].reshape(2, 2)
    net.forward()
    assert net.blobs["h"].shape == (2, 5) and net.blobs["h"]._buf is buf


def test_layers_off_the_loss_path_do_not_run_backward():
    text = (MLP % ("h", "h")) + ('layer { name: "side" type: "InnerProduct" bottom: "h" top: "side" '
                                 'inner_product_param { num_output: 1 } }\n')
    net = net_from_text(text)
    assert not net.records[net.layer_names.index("side")].need_backward
    assert "side" in net.outputs and "loss" in net.outputs
    split = [n for n in net.layer_names if n.endswith("_split")]
    assert split, "a blob read by two layers gets a Split layer"
    net.forward_backward()   # the split sums only the diffs that exist


def test_phase_filtering_with_include_rules():
    text = (MLP % ("h", "h")) + ('layer { name: "acc" type: "Accuracy" bottom: "y" bottom: "t2" top: "acc" '
                                 'include { phase: TEST } }\n') + input_layer("t2", (4,))
    # Accuracy reads t2 which is declared after it: only valid when the layer is filtered out (TRAIN)
    train = net_from_text(text, phase=caffe.TRAIN)
    assert "acc" not in train.layer_dict


def test_shared_params_by_name_accumulate_both_gradients():
    text = (input_layer("a", (2, 3)) + input_layer("b", (2, 3)) +
            'layer { name: "f1" type: "InnerProduct" bottom: "a" top: "ya" param { name: "w" } '
            'inner_product_param { num_output: 2 bias_term: false weight_filler { type: "gaussian" } } }\n'
            'layer { name: "f2" type: "InnerProduct" bottom: "b" top: "yb" param { name: "w" } '
            'inner_product_param { num_output: 2 bias_term: false } }\n'
            'layer { name: "loss" type: "EuclideanLoss" bottom: "ya" bottom: "yb" top: "loss" }\n')
    net = net_from_text(text)
    assert net.params["f1"][0] is net.params["f2"][0]
    assert len(net.learnable_params) == 1
    rs = np.random.RandomState(2)
    a, b = rs.standard_normal((2, 3)), rs.standard_normal((2, 3))
    net.blobs["a"].data[...] = a
    net.blobs["b"].data[...] = b
    net.forward_backward()
    w = net.params["f1"][0].data
    d = (a - b) @ w.T / 2            # d loss / d ya
    np.testing.assert_allclose(net.params["f1"][0].diff, d.T @ a - d.T @ b)


def test_pycaffe_forward_backward_and_save_load(tmp_path):
    net = net_from_text(MLP % ("h", "h"))
    rs = np.random.RandomState(3)
    out = net.forward(x=rs.standard_normal((4, 3)), t=rs.standard_normal((4, 2)))
    assert set(out) == {"loss"} and out["loss"].shape == ()
    net.backward()
    net.save(str(tmp_path / "w.caffemodel"))
    again = caffe.Net(caffe.parse_prototxt(MLP % ("h", "h"), caffe.caffe_pb2.NetParameter()), caffe.TEST,
                      weights=str(tmp_path / "w.caffemodel"), dtype=np.float64)
    for k in net.params:
        for a, b in zip(net.params[k], again.params[k]):
            np.testing.assert_array_equal(a.data, b.data)


def test_memory_data_serves_batches_without_copies():
    text = ('layer { name: "mem" type: "MemoryData" top: "data" top: "label" '
            'memory_data_param { batch_size: 2 channels: 3 } }\n')
    net = net_from_text(text)
    data, labels = np.arange(12.0).reshape(4, 3), np.arange(4)
    net.set_input_arrays(data, labels)
    net.forward()
    np.testing.assert_array_equal(net.blobs["data"].data, data[:2])
    net.forward()
    np.testing.assert_array_equal(net.blobs["label"].data, labels[2:])
    assert np.shares_memory(net.blobs["data"].data, data)


def test_draw_to_dot_shows_layers_and_blobs_once():
    param = caffe.parse_prototxt(MLP % ("h", "h"), caffe.caffe_pb2.NetParameter())
    dot = caffe.to_dot(param)
    assert dot.startswith("digraph") and dot.count('label="h"') == 1
    assert "ip1\\n(InnerProduct)" in dot and '"blob_h" -> layer3' in dot


def test_dummy_data_and_accuracy():
    text = ('layer { name: "d" type: "DummyData" top: "s" top: "l" dummy_data_param { '
            'shape { dim: 4 dim: 3 } shape { dim: 4 } data_filler { type: "gaussian" } '
            'data_filler { type: "constant" value: 2 } } }\n'
            'layer { name: "acc" type: "Accuracy" bottom: "s" bottom: "l" top: "acc" }\n')
    net = net_from_text(text, phase=caffe.TEST)
    scores = net.blobs["s"].data
    assert scores.shape == (4, 3) and scores.std() > 0
    np.testing.assert_array_equal(net.blobs["l"].data, [2, 2, 2, 2])
    out = net.forward()
    assert float(out["acc"]) == np.mean(scores.argmax(axis=1) == 2)


def test_net_accepts_pycaffes_older_signature(tmp_path):
    path = tmp_path / "net.prototxt"
    path.write_text(MLP % ("h", "h"))
    net = caffe.Net(str(path), caffe.TRAIN)
    net.save(str(tmp_path / "w.npz"))
    again = caffe.Net(str(path), str(tmp_path / "w.npz"), caffe.TEST)   # Net(file, weights, phase)
    np.testing.assert_array_equal(again.params["ip1"][0].data, net.params["ip1"][0].data)
    assert again.phase == caffe.TEST
