"""LRN (both norm regions) against Caffe's own definitions, and a cifar10_full-style net (conv, pool, relu,
LRN ACROSS_CHANNELS, as examples/cifar10/cifar10_full_train_test.prototxt) taking solver steps; Deconvolution's
top shape as Caffe computes it."""
import numpy as np
import pytest

from frameworks import layer_config as caffe

from .helpers import input_layer, net_from_text

R = np.random.RandomState(5)


def _lrn_net(shape, lrn_param):
    text = input_layer("data", shape) + ('layer { name: "norm1" type: "LRN" bottom: "data" top: "norm1" '
                                         f'lrn_param {{ {lrn_param} }} }}\n')
    return net_from_text(text)


def test_across_channels_matches_caffe_s_formula():
    x = R.standard_normal((2, 7, 3, 3)) * 3
    net = _lrn_net(x.shape, "local_size: 5 alpha: 0.001 beta: 0.75 k: 2")
    net.blobs["data"].data[...] = x
    net.forward()
    alpha = 0.001   # the decimal the prototxt wrote, as the engine reads float fields
    want = np.empty_like(x)
    for c in range(7):
        lo, hi = max(0, c - 2), min(7, c + 3)
        want[:, c] = x[:, c] * (2 + alpha / 5 * (x[:, lo:hi] ** 2).sum(axis=1)) ** -0.75
    np.testing.assert_allclose(net.blobs["norm1"].data, want, rtol=1e-12)


def test_within_channel_matches_caffe_s_composition():
    """split, Power (square), AVE Pooling (pad (size - 1) / 2, so every window counts size^2), Power
    (1 + alpha * x)^-beta, Eltwise PROD: k plays no part, as in Caffe."""
    x = R.standard_normal((1, 2, 5, 6))
    net = _lrn_net(x.shape, "local_size: 3 alpha: 0.5 beta: 0.75 k: 7 norm_region: WITHIN_CHANNEL")
    net.blobs["data"].data[...] = x
    net.forward()
    sq = np.pad(x * x, [(0, 0), (0, 0), (1, 1), (1, 1)])
    avg = sum(sq[:, :, i:i + 5, j:j + 6] for i in range(3) for j in range(3)) / 9
    np.testing.assert_allclose(net.blobs["norm1"].data, x * (1 + 0.5 * avg) ** -0.75, rtol=1e-12)


def test_even_local_size_is_refused_as_caffe_does():
    with pytest.raises(caffe.LayerConfigError, match="LRN only supports odd values for local_size"):
        _lrn_net((1, 4, 2, 2), "local_size: 4")


CIFAR10_FULL = """
name: "CIFAR10_full"
force_backward: false
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 4 dim: 3 dim: 16 dim: 16 } } }
layer { name: "label" type: "Input" top: "label" input_param { shape { dim: 4 } } }
layer {
  name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  param { lr_mult: 1 } param { lr_mult: 2 }
  convolution_param { num_output: 8 pad: 2 kernel_size: 5 stride: 1
    weight_filler { type: "gaussian" std: 0.0001 } bias_filler { type: "constant" } }
}
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1"
  pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
layer { name: "relu1" type: "ReLU" bottom: "pool1" top: "pool1" }
layer { name: "norm1" type: "LRN" bottom: "pool1" top: "norm1"
  lrn_param { local_size: 3 alpha: 5e-05 beta: 0.75 norm_region: WITHIN_CHANNEL } }
layer {
  name: "conv2" type: "Convolution" bottom: "norm1" top: "conv2"
  param { lr_mult: 1 } param { lr_mult: 2 }
  convolution_param { num_output: 8 pad: 2 kernel_size: 5 stride: 1
    weight_filler { type: "gaussian" std: 0.01 } bias_filler { type: "constant" } }
}
layer { name: "relu2" type: "ReLU" bottom: "conv2" top: "conv2" }
layer { name: "pool2" type: "Pooling" bottom: "conv2" top: "pool2"
  pooling_param { pool: AVE kernel_size: 3 stride: 2 } }
layer { name: "norm2" type: "LRN" bottom: "pool2" top: "norm2"
  lrn_param { local_size: 3 alpha: 5e-05 beta: 0.75 norm_region: ACROSS_CHANNELS } }
layer {
  name: "ip1" type: "InnerProduct" bottom: "norm2" top: "ip1"
  param { lr_mult: 1 decay_mult: 250 } param { lr_mult: 2 decay_mult: 0 }
  inner_product_param { num_output: 10 weight_filler { type: "gaussian" std: 0.01 }
    bias_filler { type: "constant" } }
}
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip1" bottom: "label" top: "loss" }
"""


def test_cifar10_full_style_net_with_lrn_trains(tmp_path):
    net_path = tmp_path / "cifar10_full.prototxt"
    net_path.write_text(CIFAR10_FULL)
    solver_path = tmp_path / "solver.prototxt"
    solver_path.write_text(f'net: "{net_path}"\nbase_lr: 0.01\nmomentum: 0.9\nweight_decay: 0.004\n'
                           'lr_policy: "fixed"\nmax_iter: 3\nsolver_mode: CPU\n')
    solver = caffe.SGDSolver(str(solver_path))
    net = solver.net
    net.blobs["data"].data[...] = R.standard_normal((4, 3, 16, 16))
    net.blobs["label"].data[...] = [0, 3, 7, 9]
    before = net.params["conv1"][0].data.copy()
    solver.step(2)
    assert np.isfinite(net.blobs["loss"].data).all()
    assert not np.array_equal(before, net.params["conv1"][0].data)
    assert net.blobs["norm2"].data.shape == net.blobs["pool2"].data.shape


def test_deconvolution_top_shape_and_weight_layout():
    text = input_layer("data", (2, 3, 4, 5)) + (
        'layer { name: "up" type: "Deconvolution" bottom: "data" top: "up" '
        'convolution_param { num_output: 6 kernel_size: 4 stride: 2 pad: 1 bias_term: false } }\n')
    net = net_from_text(text)
    assert net.blobs["up"].shape == (2, 6, 8, 10)   # stride * (in - 1) + kernel - 2 * pad
    assert net.params["up"][0].data.shape == (3, 6, 4, 4)
