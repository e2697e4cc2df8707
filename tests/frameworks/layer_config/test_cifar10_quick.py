"""BVLC/caffe examples/cifar10: cifar10_quick_train_test.prototxt with cifar10_quick_solver.prototxt
(momentum SGD, weight decay, lr_mult 1/2, gaussian fillers, MAX then AVE pooling with Caffe's round-up
sizes, snapshot_format: HDF5), trained through `stylebench-caffe train` on a synthetic CIFAR-shaped LMDB
with a mean.binaryproto, as train_quick.sh runs it; only paths and lengths change."""
import os

import numpy as np
import pytest

from frameworks import layer_config as caffe
from frameworks.layer_config.tools import main

from .helpers import write_lmdb

HERE = os.path.join(os.path.dirname(__file__), "examples")
lmdb = pytest.importorskip("lmdb")


def _images(n, seed):
    """3x32x32 uint8 'photos': class k brightens one channel in one quadrant-ish band."""
    rs = np.random.RandomState(seed)
    labels = rs.randint(0, 10, n)
    images = rs.randint(0, 100, (n, 3, 32, 32)).astype(np.uint8)
    for img, k in zip(images, labels):
        img[k % 3, 3 * k:3 * k + 4, :] = 250
    return images, labels


@pytest.fixture
def cifar(tmp_path):
    train, test = _images(200, 0), _images(100, 1)
    write_lmdb(tmp_path / "cifar10_train_lmdb", *train)
    write_lmdb(tmp_path / "cifar10_test_lmdb", *test)
    mean = train[0].astype(np.float64).mean(axis=0)   # compute_image_mean's (1, C, H, W) blob
    (tmp_path / "mean.binaryproto").write_bytes(caffe.io.array_to_blobproto(mean[None]).SerializeToString())
    with open(os.path.join(HERE, "cifar10_quick_train_test.prototxt")) as f:
        net = f.read().replace("$TRAIN_LMDB", str(tmp_path / "cifar10_train_lmdb")).replace(
            "$TEST_LMDB", str(tmp_path / "cifar10_test_lmdb")).replace("$MEAN", str(tmp_path / "mean.binaryproto")
                                                                       ).replace("batch_size: 100", "batch_size: 20")
    (tmp_path / "cifar10_quick_train_test.prototxt").write_text(net)
    with open(os.path.join(HERE, "cifar10_quick_solver.prototxt")) as f:
        solver = f.read()
    for key, value in (("$NET", tmp_path / "cifar10_quick_train_test.prototxt"), ("$TEST_ITER", 1),
                       ("$TEST_INTERVAL", 6), ("$DISPLAY", 2), ("$MAX_ITER", 6),
                       ("$PREFIX", tmp_path / "cifar10_quick")):
        solver = solver.replace(key, str(value))
    solver = solver.replace("solver_mode: GPU", "solver_mode: CPU")   # the edit the tutorial asks of CPU users
    (tmp_path / "cifar10_quick_solver.prototxt").write_text(solver)
    return tmp_path


def test_cifar10_quick_trains_from_the_command_line(cifar, capsys):
    assert main(["train", "--solver", str(cifar / "cifar10_quick_solver.prototxt")]) == 0
    out = capsys.readouterr().out
    for line in ("Solving CIFAR10_quick", "Learning Rate Policy: fixed", "Iteration 0, Testing net (#0)",
                 "Iteration 2, lr = 0.001", "Optimization Done."):
        assert line in out, line
    assert os.path.exists(cifar / "cifar10_quick_iter_6.caffemodel.h5")
    assert os.path.exists(cifar / "cifar10_quick_iter_6.solverstate.h5")


def test_cifar10_quick_shapes_fillers_and_first_loss(cifar):
    net = caffe.Net(str(cifar / "cifar10_quick_train_test.prototxt"), caffe.TRAIN)
    # Caffe's pooling rounds up: 32 -> 16 -> 8 -> 4, so ip1 sees 64 * 4 * 4
    assert [tuple(net.blobs[b].data.shape) for b in ("conv1", "pool1", "pool2", "pool3", "ip1", "ip2")] == [
        (20, 32, 32, 32), (20, 32, 16, 16), (20, 32, 8, 8), (20, 64, 4, 4), (20, 64), (20, 10)]
    assert net.params["ip1"][0].data.shape == (64, 1024)
    w = net.params["conv1"][0].data
    assert abs(w.std() - 0.0001) < 0.00001 and not net.params["conv1"][1].data.any()
    out = net.forward()
    # ip2's std-0.1 weights on tiny activations: the first loss is close to log(10)
    assert out["loss"] == pytest.approx(np.log(10), abs=0.05)
    ip2 = net.blobs["ip2"].data.astype(np.float64)
    z = ip2 - ip2.max(1, keepdims=True)
    labels = net.blobs["label"].data.astype(int)
    ref = -(z[np.arange(20), labels] - np.log(np.exp(z).sum(1))).mean()
    assert out["loss"] == pytest.approx(ref, rel=1e-5)


def test_hdf5_snapshot_has_caffes_layout_and_resumes_the_trajectory(cifar, capsys):
    import h5py
    solver_file = str(cifar / "cifar10_quick_solver.prototxt")
    assert main(["train", "--solver", solver_file]) == 0
    assert "Snapshotting to HDF5 file " in capsys.readouterr().out
    with h5py.File(cifar / "cifar10_quick_iter_6.caffemodel.h5", "r") as f:
        assert sorted(f["data"]) == ["conv1", "conv2", "conv3", "ip1", "ip2"]
        assert f["data/ip1/0"].shape == (64, 1024) and f["data/ip1/1"].shape == (64,)
    with h5py.File(cifar / "cifar10_quick_iter_6.solverstate.h5", "r") as f:
        assert int(f["iter"][()]) == 6 and len(f["history"]) == 10
        assert f["learned_net"][()].decode().endswith("cifar10_quick_iter_6.caffemodel.h5")
    # resuming reads the weights the state names and the momentum history back, then trains on to 10
    longer = open(solver_file).read().replace("max_iter: 6", "max_iter: 10").replace("snapshot: 6", "snapshot: 0")
    (cifar / "longer.prototxt").write_text(longer)
    resumed = caffe.get_solver(str(cifar / "longer.prototxt"))
    resumed.restore(str(cifar / "cifar10_quick_iter_6.solverstate.h5"))
    assert resumed.iter == 6
    with h5py.File(cifar / "cifar10_quick_iter_6.caffemodel.h5", "r") as f:
        np.testing.assert_array_equal(resumed.net.params["conv1"][0].data, f["data/conv1/0"][()])
    with h5py.File(cifar / "cifar10_quick_iter_6.solverstate.h5", "r") as f:
        np.testing.assert_array_equal(np.asarray(resumed.history[0]), f["history/0"][()])
    resumed.solve()
    assert resumed.iter == 10
    with pytest.raises(caffe.LayerConfigError, match="not a Caffe HDF5 solver state"):
        (cifar / "bad.h5").write_bytes(b"not hdf5")
        resumed.restore(str(cifar / "bad.h5"))
