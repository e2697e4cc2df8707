"""Layer values as Caffe defines them: BatchNorm's moving sums and scale factor, loss normalization and
ignore_label, Accuracy top_k, pooling's pad counting and round-up size, ArgMax, Dropout in TEST, HDF5Data."""
import numpy as np
import pytest

from frameworks import kernels as K
from frameworks import layer_config as caffe

from .helpers import input_layer, net_from_text, write

RS = np.random.RandomState(5)


def test_batch_norm_keeps_caffes_moving_sums_and_uses_them_with_global_stats():
    text = input_layer("x", (6, 2, 3, 3)) + 'layer { name: "bn" type: "BatchNorm" bottom: "x" top: "y" ' \
                                            'batch_norm_param { moving_average_fraction: 0.9 } }'
    net = net_from_text(text)
    mean, var, factor = net.params["bn"]
    batches = [RS.standard_normal((6, 2, 3, 3)) * 2 + 1 for _ in range(3)]
    s_mean, s_var, s_factor = np.zeros(2), np.zeros(2), 0.0
    m = 6 * 9
    for b in batches:
        net.forward(x=b)
        mu, v = b.mean(axis=(0, 2, 3)), b.var(axis=(0, 2, 3))
        s_factor = 0.9 * s_factor + 1
        s_mean = mu + 0.9 * s_mean
        s_var = v * m / (m - 1) + 0.9 * s_var
        y = (b - mu[None, :, None, None]) / np.sqrt(v[None, :, None, None] + 1e-5)
        np.testing.assert_allclose(net.blobs["y"].data, y, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(factor.data, [s_factor])
    np.testing.assert_allclose(mean.data, s_mean, rtol=1e-10)
    np.testing.assert_allclose(var.data, s_var, rtol=1e-10)
    assert net._param_specs[0].lr_mult == 0 and len(net.learnable_params) == 3
    # TEST (use_global_stats by default): the sums over the factor, nothing updated
    test = net_from_text(text, phase=caffe.TEST)
    for a, b in zip(test.params["bn"], net.params["bn"]):
        a.data[...] = b.data
    out = test.forward(x=batches[0])["y"]
    expect = (batches[0] - (s_mean / s_factor)[None, :, None, None]) / \
        np.sqrt((s_var / s_factor)[None, :, None, None] + 1e-5)
    np.testing.assert_allclose(out, expect, rtol=1e-6)
    np.testing.assert_allclose(test.params["bn"][2].data, [s_factor])


def test_batch_norm_refuses_a_learning_rate():
    with pytest.raises(caffe.LayerConfigError, match="lr_mult must be 0"):
        net_from_text(input_layer("x", (2, 3)) + 'layer { name: "bn" type: "BatchNorm" bottom: "x" top: "x" '
                                                 'param { lr_mult: 1 } }')


@pytest.mark.parametrize("norm,divisor", [("VALID", 3), ("FULL", 4), ("BATCH_SIZE", 2), ("NONE", 1)])
def test_softmax_with_loss_normalization_and_ignore_label(norm, divisor):
    logits = RS.standard_normal((2, 3, 2))       # (N, C, positions): the class axis is 1, as in Caffe
    labels = np.array([[0, 2], [1, 2]], float)
    net = net_from_text(input_layer("a", logits.shape) + input_layer("t", labels.shape) +
                        'layer { name: "l" type: "SoftmaxWithLoss" bottom: "a" bottom: "t" top: "loss" top: "prob" '
                        f'loss_param {{ ignore_label: 1 normalization: {norm} }} }}')
    out = net.forward(a=logits, t=labels)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    nll = -np.log([p[0, 0, 0], p[0, 2, 1], p[1, 2, 1]]).sum()   # label 1 at (1, 0) ignored
    np.testing.assert_allclose(out["loss"], nll / divisor, rtol=1e-10)
    np.testing.assert_allclose(out["prob"], p, rtol=1e-10)


def test_accuracy_top_k_ignore_label_and_ties():
    scores = np.array([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4], [0.9, 0.05, 0.05], [0.2, 0.3, 0.5]])
    labels = np.array([2, 0, 1, 2], float)
    def acc(param):
        net = net_from_text(input_layer("s", scores.shape) + input_layer("l", labels.shape) +
                            f'layer {{ name: "a" type: "Accuracy" bottom: "s" bottom: "l" top: "acc" '
                            f'accuracy_param {{ {param} }} }}', phase=caffe.TEST)
        return float(net.forward(s=scores, l=labels)["acc"])
    assert acc("") == 0.25                      # only the last row's label scores highest
    assert acc("top_k: 2") == 0.5               # row 0 too; row 1's label ties with 1 and loses
    assert acc("top_k: 2 ignore_label: 1") == pytest.approx(2 / 3)


def test_pooling_pads_count_in_the_average_and_the_size_rounds_up():
    a = np.arange(25.0).reshape(1, 1, 5, 5)
    net = net_from_text(input_layer("a", a.shape) + 'layer { name: "p" type: "Pooling" bottom: "a" top: "y" '
                        'pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }')
    y = net.forward(a=a)["y"]
    assert y.shape == (1, 1, 3, 3)
    assert y[0, 0, 0, 0] == pytest.approx((0 + 1 + 5 + 6) / 9)     # the pad counts: / 9, not / 4
    net = net_from_text(input_layer("a", (1, 1, 6, 6)) + 'layer { name: "p" type: "Pooling" bottom: "a" '
                        'top: "y" pooling_param { pool: MAX kernel_size: 3 stride: 2 } }')
    assert net.blobs["y"].shape == (1, 1, 3, 3)   # ceil((6 - 3) / 2) + 1
    g = net_from_text(input_layer("a", (2, 3, 4, 5)) + 'layer { name: "p" type: "Pooling" bottom: "a" '
                      'top: "y" pooling_param { pool: AVE global_pooling: true } }')
    b = RS.standard_normal((2, 3, 4, 5))
    np.testing.assert_allclose(g.forward(a=b)["y"], b.mean(axis=(2, 3), keepdims=True))
    # one mean over the plane (the window's sum / H * W), to the bit the global_avg_pool2d kernel's
    np.testing.assert_array_equal(g.forward(a=b)["y"], K.global_avg_pool2d.forward(np, b, keepdims=True)[0])


def test_argmax_with_and_without_axis():
    a = np.array([[[1.0, 5.0, 3.0], [7.0, 0.0, 2.0]]])
    net = net_from_text(input_layer("a", a.shape) + 'layer { name: "m" type: "ArgMax" bottom: "a" top: "y" '
                        'argmax_param { out_max_val: true top_k: 2 } }')
    np.testing.assert_array_equal(net.forward(a=a)["y"], [[[3, 1], [7, 5]]])
    net = net_from_text(input_layer("a", a.shape) + 'layer { name: "m" type: "ArgMax" bottom: "a" top: "y" '
                        'argmax_param { axis: 2 } }')
    np.testing.assert_array_equal(net.forward(a=a)["y"], [[[1], [0]]])


def test_dropout_is_the_identity_in_test_and_differs_per_iteration_in_train():
    body = input_layer("a", (50,)) + 'layer { name: "d" type: "Dropout" bottom: "a" top: "a" }'
    a = np.ones(50)
    np.testing.assert_array_equal(net_from_text(body, phase=caffe.TEST).forward(a=a)["a"], a)
    train = net_from_text(body)
    first = train.forward(a=a)["a"].copy()
    second = train.forward(a=a)["a"]
    assert set(np.unique(first)) == {0.0, 2.0} and not np.array_equal(first, second)


def test_hdf5_data_serves_rows_file_after_file(tmp_path):
    h5py = pytest.importorskip("h5py")
    for i in range(2):
        with h5py.File(tmp_path / f"part{i}.h5", "w") as f:
            f["data"] = np.arange(6.0).reshape(3, 2) + 10 * i
            f["label"] = np.arange(3.0) + 10 * i
    listing = write(tmp_path, "train.txt", f"{tmp_path}/part0.h5\n{tmp_path}/part1.h5\n")
    net = net_from_text('layer { name: "h" type: "HDF5Data" top: "data" top: "label" '
                        f'hdf5_data_param {{ source: "{listing}" batch_size: 2 }} }}')
    labels = [net.forward()["label"].tolist() for _ in range(4)]
    assert labels == [[0, 1], [2, 10], [11, 12], [0, 1]]
    assert net.blobs["data"].shape == (2, 2)
    with pytest.raises(caffe.LayerConfigError, match="has no dataset 'nope'"):
        net_from_text('layer { name: "h" type: "HDF5Data" top: "nope" '
                      f'hdf5_data_param {{ source: "{listing}" batch_size: 2 }} }}')
