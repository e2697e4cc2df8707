"""Caffe's own examples run as published (paths and lengths aside): examples/mnist's LeNet on an LMDB of
Datum records through `stylebench-caffe train`, the pycaffe LeNet notebook's loop, and a Python loss layer
with pycaffe's setup/reshape/forward/backward interface and its (1,)-shaped top."""
import os
import sys

import numpy as np
import pytest

from frameworks import layer_config as caffe
from frameworks.layer_config.tools import main

from .helpers import write_lmdb

HERE = os.path.join(os.path.dirname(__file__), "examples")
lmdb = pytest.importorskip("lmdb")


def _digits(n, seed):
    """Synthetic 28x28 'digits': class k lights a 4-row band at row 2k (+ noise), uint8 as MNIST's."""
    rs = np.random.RandomState(seed)
    labels = rs.randint(0, 10, n)
    images = rs.randint(0, 60, (n, 1, 28, 28)).astype(np.uint8)
    for img, k in zip(images, labels):
        img[0, 2 * k:2 * k + 4, 4:24] = 250
    return images, labels


@pytest.fixture
def lenet(tmp_path):
    write_lmdb(tmp_path / "train_lmdb", *_digits(256, 0))
    write_lmdb(tmp_path / "test_lmdb", *_digits(200, 1))
    with open(os.path.join(HERE, "lenet_train_test.prototxt")) as f:
        net = f.read().replace("$TRAIN_LMDB", str(tmp_path / "train_lmdb")).replace(
            "$TEST_LMDB", str(tmp_path / "test_lmdb"))
    (tmp_path / "lenet_train_test.prototxt").write_text(net)
    with open(os.path.join(HERE, "lenet_solver.prototxt")) as f:
        solver = f.read().replace("$NET", str(tmp_path / "lenet_train_test.prototxt")).replace(
            "$PREFIX", str(tmp_path / "lenet"))
    (tmp_path / "lenet_solver.prototxt").write_text(solver)
    return tmp_path


def test_lenet_trains_from_the_command_line_with_caffes_log_and_snapshots(lenet, capsys):
    assert main(["train", "--solver", str(lenet / "lenet_solver.prototxt")]) == 0
    out = capsys.readouterr().out
    for line in ("Solving LeNet", "Learning Rate Policy: inv", "Iteration 0, Testing net (#0)",
                 "    Test net output #0: accuracy = ", "    Test net output #1: loss = ",
                 "Iteration 0, loss = ", "    Train net output #0: loss = ", "Iteration 2, lr = 0.00999",
                 f"Snapshotting to binary proto file {lenet}/lenet_iter_4.caffemodel",
                 f"Snapshotting solver state to binary proto file {lenet}/lenet_iter_8.solverstate",
                 "Iteration 8, Testing net (#0)", "Optimization Done."):
        assert line in out, line
    # the weights file is a NetParameter real Caffe reads: every learnable layer with its blobs
    model = caffe.caffe_pb2.NetParameter()
    model.ParseFromString((lenet / "lenet_iter_8.caffemodel").read_bytes())
    shapes = {lp.name: [tuple(b.shape.dim) for b in lp.blobs] for lp in model.layer if lp.blobs}
    assert shapes == {"conv1": [(20, 1, 5, 5), (20,)], "conv2": [(50, 20, 5, 5), (50,)],
                      "ip1": [(500, 800), (500,)], "ip2": [(10, 500), (10,)]}
    # resume from the iteration-4 state: training continues at 4, the lr policy with it
    assert main(["train", "--solver", str(lenet / "lenet_solver.prototxt"),
                 "--snapshot", str(lenet / "lenet_iter_4.solverstate")]) == 0
    out = capsys.readouterr().out
    assert "Iteration 4, Testing net (#0)" in out and "Iteration 6, loss = " in out
    assert "Iteration 2, loss" not in out
    # and the test tool scores the snapshot on the TEST phase's LMDB
    assert main(["test", "--model", str(lenet / "lenet_train_test.prototxt"),
                 "--weights", str(lenet / "lenet_iter_8.caffemodel"), "--iterations", "2"]) == 0
    assert "accuracy = " in capsys.readouterr().out


def test_pycaffe_lenet_notebook_loop_learns(lenet):
    caffe.set_mode_cpu()
    solver = caffe.SGDSolver(str(lenet / "lenet_solver.prototxt"))
    assert [(k, v.data.shape) for k, v in solver.net.blobs.items()][:3] == [
        ("data", (64, 1, 28, 28)), ("label", (64,)), ("conv1", (64, 20, 24, 24))]
    assert [(k, v[0].data.shape) for k, v in solver.net.params.items()] == [
        ("conv1", (20, 1, 5, 5)), ("conv2", (50, 20, 5, 5)), ("ip1", (500, 800)), ("ip2", (10, 500))]
    solver.net.forward()
    solver.test_nets[0].forward()
    assert solver.test_nets[0].blobs["data"].data.shape == (100, 1, 28, 28)
    losses = []
    for _ in range(25):
        solver.step(1)
        losses.append(float(solver.net.blobs["loss"].data))
    assert solver.iter == 25
    correct = 0
    for _ in range(2):
        solver.test_nets[0].forward()
        correct += sum(solver.test_nets[0].blobs["ip2"].data.argmax(1) == solver.test_nets[0].blobs["label"].data)
    assert correct / 200 > 0.5 and np.mean(losses[-5:]) < losses[0]


PYLOSS = '''
from frameworks import layer_config as caffe
import numpy as np


class EuclideanLossLayer(caffe.Layer):
    """pycaffe's Python-layer interface: setup, reshape (a (1,) top), forward, backward."""

    def setup(self, bottom, top):
        if len(bottom) != 2:
            raise Exception("Need two inputs to compute distance.")

    def reshape(self, bottom, top):
        if bottom[0].count != bottom[1].count:
            raise Exception("Inputs must have the same dimension.")
        self.diff = np.zeros_like(bottom[0].data, dtype=np.float32)
        top[0].reshape(1)

    def forward(self, bottom, top):
        self.diff[...] = bottom[0].data - bottom[1].data
        top[0].data[...] = np.sum(self.diff ** 2) / bottom[0].num / 2.

    def backward(self, top, propagate_down, bottom):
        for i in range(2):
            if propagate_down[i]:
                bottom[i].diff[...] = (1 if i == 0 else -1) * self.diff / bottom[i].num
'''

LINREG = '''name: 'LinearRegressionExample'
layer { type: 'DummyData' name: 'x' top: 'x'
        dummy_data_param { shape: { dim: 10 dim: 3 dim: 2 } data_filler: { type: 'gaussian' } } }
layer { type: 'DummyData' name: 'y' top: 'y'
        dummy_data_param { shape: { dim: 10 dim: 3 dim: 2 } data_filler: { type: 'gaussian' } } }
layer { type: 'InnerProduct' name: 'ipx' top: 'ipx' bottom: 'x'
        inner_product_param { num_output: 10 weight_filler { type: 'xavier' } } }
layer { type: 'InnerProduct' name: 'ipy' top: 'ipy' bottom: 'y'
        inner_product_param { num_output: 10 weight_filler { type: 'xavier' } } }
layer { type: '%s' name: 'loss' top: 'loss' bottom: 'ipx' bottom: 'ipy'
        %s loss_weight: 1 }
'''


def test_python_loss_layer_with_a_1_shaped_top_equals_euclidean_loss(tmp_path, monkeypatch):
    (tmp_path / "pyloss.py").write_text(PYLOSS)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("pyloss", None)
    (tmp_path / "py.prototxt").write_text(
        LINREG % ("Python", "python_param { module: 'pyloss' layer: 'EuclideanLossLayer' }"))
    (tmp_path / "cc.prototxt").write_text(LINREG % ("EuclideanLoss", ""))
    py = caffe.Net(str(tmp_path / "py.prototxt"), caffe.TRAIN)
    cc = caffe.Net(str(tmp_path / "cc.prototxt"), caffe.TRAIN)
    assert py.layers[-1].type == "Python" and py.blobs["loss"].data.shape == (1,)
    for name in ("ipx", "ipy"):
        for a, b in zip(py.params[name], cc.params[name]):
            b.data[...] = a.data
    out_py, out_cc = py.forward(), cc.forward()
    np.testing.assert_allclose(out_py["loss"], [out_cc["loss"]], rtol=1e-5)
    py.backward()
    cc.backward()
    for name in ("ipx", "ipy"):
        np.testing.assert_allclose(py.params[name][0].diff, cc.params[name][0].diff, rtol=1e-4, atol=1e-6)
    # and a solver trains it: the (1,)-shaped loss adds to the solver's loss like a scalar
    (tmp_path / "s.prototxt").write_text(f'net: "{tmp_path}/py.prototxt"\nbase_lr: 0.01\nlr_policy: "fixed"\n')
    solver = caffe.get_solver(str(tmp_path / "s.prototxt"))
    solver.step(3)
    assert isinstance(solver.loss, float) and np.isfinite(solver.loss)


def test_data_layer_subtracts_a_binaryproto_mean_and_crops_at_the_centre_in_test(tmp_path):
    images, labels = _digits(4, 2)
    write_lmdb(tmp_path / "db", images, labels)
    mean = images.astype(np.float64).mean(axis=0)
    (tmp_path / "mean.binaryproto").write_bytes(
        caffe.io.array_to_blobproto(mean[None]).SerializeToString())   # (1, C, H, W), as compute_image_mean
    net = caffe.Net(caffe.parse_prototxt(
        'layer { name: "d" type: "Data" top: "data" top: "label" '
        f'transform_param {{ mean_file: "{tmp_path}/mean.binaryproto" crop_size: 24 scale: 0.5 }} '
        f'data_param {{ source: "{tmp_path}/db" batch_size: 3 backend: LMDB }} }}',
        caffe.caffe_pb2.NetParameter()), caffe.TEST)
    out = net.forward()
    assert out["data"].shape == (3, 1, 24, 24)
    np.testing.assert_allclose(out["data"], ((images[:3] - mean) * 0.5)[:, :, 2:26, 2:26], rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(out["label"], labels[:3])
    out = net.forward()   # the cursor wraps around after the last record
    np.testing.assert_array_equal(out["label"], [labels[3], labels[0], labels[1]])


def test_data_layer_names_a_record_that_is_not_a_datum(tmp_path):
    env = lmdb.open(str(tmp_path / "bad"), map_size=1 << 20)
    with env.begin(write=True) as txn:
        txn.put(b"00000000", b"\xff\xff\xff garbage")
    env.close()
    with pytest.raises(caffe.LayerConfigError, match=r"layer 'd' \(Data\): record b'00000000' .* is not a Datum"):
        caffe.Net(caffe.parse_prototxt(
            f'layer {{ name: "d" type: "Data" top: "data" data_param {{ source: "{tmp_path}/bad" batch_size: 1 '
            'backend: LMDB } }', caffe.caffe_pb2.NetParameter()), caffe.TEST)


SCALE_LAYER = '''
from frameworks import layer_config as caffe


class LearnedScale(caffe.Layer):
    """y = w * x with one learnable scalar declared by self.blobs.add_blob, its diff written by hand."""

    def setup(self, bottom, top):
        self.blobs.add_blob(1)
        self.blobs[0].data[...] = float(self.param_str)

    def reshape(self, bottom, top):
        top[0].reshape(*bottom[0].data.shape)

    def forward(self, bottom, top):
        top[0].data[...] = self.blobs[0].data * bottom[0].data

    def backward(self, top, propagate_down, bottom):
        self.blobs[0].diff[...] += (top[0].diff * bottom[0].data).sum()
        if propagate_down[0]:
            bottom[0].diff[...] = self.blobs[0].data * top[0].diff
'''


def test_python_layer_with_a_learnable_blob_is_trained_by_the_solver(tmp_path, monkeypatch):
    (tmp_path / "learned_scale.py").write_text(SCALE_LAYER)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("learned_scale", None)
    (tmp_path / "net.prototxt").write_text(
        'layer { name: "d" type: "DummyData" top: "x" top: "t" dummy_data_param { shape { dim: 8 } '
        'data_filler { type: "gaussian" std: 1 } } }\n'
        'layer { name: "s" type: "Python" bottom: "x" top: "y" python_param { module: "learned_scale" '
        'layer: "LearnedScale" param_str: "0.5" } }\n'
        'layer { name: "loss" type: "EuclideanLoss" bottom: "y" bottom: "t" top: "loss" }\n')
    (tmp_path / "s.prototxt").write_text(f'net: "{tmp_path}/net.prototxt"\nbase_lr: 0.5\nlr_policy: "fixed"\n')
    solver = caffe.get_solver(str(tmp_path / "s.prototxt"))
    w = solver.net.params["s"][0]
    x, t = solver.net.blobs["x"].data.copy(), solver.net.blobs["t"].data
    for _ in range(2):   # the diff restarts at zero each iteration though the layer adds to it
        before = float(w.data[0])
        solver.step(1)
        grad = ((before * x - t) * x).sum() / 8
        assert float(w.data[0]) == pytest.approx(before - 0.5 * grad, rel=1e-5)
