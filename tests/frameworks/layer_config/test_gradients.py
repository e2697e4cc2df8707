"""Every layer's backward against central differences of the net's loss, in float64, through the Net."""
import numpy as np
import pytest

from frameworks.kernels.gradcheck import numerical_grad

from .helpers import input_layer, net_from_text


def build(inputs, body, top="y", loss_layer=True, **kw):
    """Inputs + the layer(s) under test + a loss sum(top * w), w fixed and random (unless body has a loss)."""
    # force_backward: inputs are data, so only a forced backward gives them a diff to compare
    text = "force_backward: true\n" + "".join(input_layer(n, a.shape) for n, a in inputs.items()) + body
    net = net_from_text(text, **kw)
    for n, a in inputs.items():
        net.blobs[n].data[...] = a
    if loss_layer:
        shape = net.blobs[top].shape
        text += input_layer("w", shape)
        text += (f'layer {{ name: "weigh" type: "Eltwise" bottom: "{top}" bottom: "w" top: "yw" '
                 'eltwise_param { operation: PROD } }\n'
                 'layer { name: "loss" type: "Reduction" bottom: "yw" top: "loss" loss_weight: 1 }\n')
        net = net_from_text(text, **kw)
        for n, a in inputs.items():
            net.blobs[n].data[...] = a
        net.blobs["w"].data[...] = np.random.RandomState(7).standard_normal(shape)
    return net


def check(net, wrt, params=True, rtol=1e-5, atol=1e-7):
    net.forward_backward()
    analytic = {n: net.blobs[n].diff.copy() for n in wrt}
    pgrads = {}
    if params:
        pgrads = {(l, i): b.diff.copy() for l, bs in net.params.items() for i, b in enumerate(bs)}

    def loss():
        return net.forward_from_to()
    for n in wrt:
        np.testing.assert_allclose(analytic[n], numerical_grad(loss, net.blobs[n].data), rtol=rtol, atol=atol,
                                   err_msg=f"bottom {n}")
    for (l, i), g in pgrads.items():
        np.testing.assert_allclose(g, numerical_grad(loss, net.params[l][i].data), rtol=rtol, atol=atol,
                                   err_msg=f"param {l}/{i}")


RS = np.random.RandomState(0)


def x(*shape):
    return RS.standard_normal(shape)


CASES = {
    "InnerProduct": ({"a": x(3, 2, 2)}, 'layer { name: "l" type: "InnerProduct" bottom: "a" top: "y" '
                     'inner_product_param { num_output: 3 weight_filler { type: "gaussian" } '
                     'bias_filler { type: "gaussian" } } }'),
    "InnerProduct_axis2": ({"a": x(2, 3, 4)}, 'layer { name: "l" type: "InnerProduct" bottom: "a" top: "y" '
                           'inner_product_param { num_output: 2 axis: 2 weight_filler { type: "xavier" } } '
                           '}'),
    "Convolution": ({"a": x(2, 2, 5, 5)}, 'layer { name: "l" type: "Convolution" bottom: "a" top: "y" '
                    'convolution_param { num_output: 3 kernel_size: 3 pad: 1 stride: 2 '
                    'weight_filler { type: "msra" } bias_filler { type: "uniform" } } }'),
    "Pooling_ceil": ({"a": x(2, 2, 5, 5)}, 'layer { name: "l" type: "Pooling" bottom: "a" top: "y" '
                     'pooling_param { pool: MAX kernel_size: 2 stride: 2 } }'),
    "Pooling_floor": ({"a": x(1, 2, 5, 5)}, 'layer { name: "l" type: "Pooling" bottom: "a" top: "y" '
                      'pooling_param { pool: MAX kernel_size: 3 stride: 2 round_mode: FLOOR } }'),
    "ReLU": ({"a": x(3, 4)}, 'layer { name: "l" type: "ReLU" bottom: "a" top: "y" }'),
    "Sigmoid": ({"a": x(3, 4)}, 'layer { name: "l" type: "Sigmoid" bottom: "a" top: "y" }'),
    "TanH": ({"a": x(3, 4)}, 'layer { name: "l" type: "TanH" bottom: "a" top: "y" }'),
    "Clip": ({"a": x(3, 4)}, 'layer { name: "l" type: "Clip" bottom: "a" top: "y" clip_param { min: -0.5 '
                             'max: 0.7 } }'),
    "Log": ({"a": np.abs(x(3, 4)) + 0.5}, 'layer { name: "l" type: "Log" bottom: "a" top: "y" }'),
    "Power": ({"a": np.abs(x(3, 4)) + 0.5}, 'layer { name: "l" type: "Power" bottom: "a" top: "y" '
              'power_param { power: 3 } }'),
    "Eltwise_PROD": ({"a": x(2, 3), "b": x(2, 3), "c": x(2, 3)},
                     'layer { name: "l" type: "Eltwise" bottom: "a" bottom: "b" bottom: "c" top: "y" '
                     'eltwise_param { operation: PROD } }'),
    "Eltwise_SUM": ({"a": x(2, 3), "b": x(2, 3)},
                    'layer { name: "l" type: "Eltwise" bottom: "a" bottom: "b" top: "y" }'),
    "Eltwise_MAX": ({"a": x(2, 3), "b": x(2, 3)},
                    'layer { name: "l" type: "Eltwise" bottom: "a" bottom: "b" top: "y" '
                    'eltwise_param { operation: MAX } }'),
    "Concat": ({"a": x(2, 3), "b": x(2, 1)}, 'layer { name: "l" type: "Concat" bottom: "a" bottom: "b" '
                                             'top: "y" }'),
    "Flatten": ({"a": x(2, 3, 2)}, 'layer { name: "l" type: "Flatten" bottom: "a" top: "y" }'),
    "Reshape": ({"a": x(2, 6)}, 'layer { name: "l" type: "Reshape" bottom: "a" top: "y" '
                'reshape_param { shape { dim: 0 dim: 3 dim: -1 } } }'),
    "Reduction_MEAN": ({"a": x(2, 3, 2)}, 'layer { name: "l" type: "Reduction" bottom: "a" top: "y" '
                       'reduction_param { operation: MEAN axis: 1 coeff: -2 } }'),
    "Pooling_AVE_pad": ({"a": x(2, 2, 5, 5)}, 'layer { name: "l" type: "Pooling" bottom: "a" top: "y" '
                        'pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }'),
    "Pooling_MAX_pad": ({"a": x(1, 2, 5, 5)}, 'layer { name: "l" type: "Pooling" bottom: "a" top: "y" '
                        'pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 } }'),
    "Pooling_global_AVE": ({"a": x(2, 3, 4, 5)}, 'layer { name: "l" type: "Pooling" bottom: "a" top: "y" '
                           'pooling_param { pool: AVE global_pooling: true } }'),
    "ReLU_leaky": ({"a": x(3, 4)}, 'layer { name: "l" type: "ReLU" bottom: "a" top: "y" '
                   'relu_param { negative_slope: 0.1 } }'),
    "AbsVal": ({"a": x(3, 4)}, 'layer { name: "l" type: "AbsVal" bottom: "a" top: "y" }'),
    "ELU": ({"a": x(3, 4)}, 'layer { name: "l" type: "ELU" bottom: "a" top: "y" elu_param { alpha: 0.5 } }'),
    "BNLL": ({"a": 3 * x(3, 4)}, 'layer { name: "l" type: "BNLL" bottom: "a" top: "y" }'),
    "Exp": ({"a": x(3, 4)}, 'layer { name: "l" type: "Exp" bottom: "a" top: "y" '
            'exp_param { base: 2 scale: 0.5 shift: 0.25 } }'),
    "PReLU": ({"a": x(2, 3, 2, 2)}, 'layer { name: "l" type: "PReLU" bottom: "a" top: "y" '
              'prelu_param { filler { type: "gaussian" } } }'),
    "PReLU_shared_inplace": ({"a": x(2, 3, 2)}, 'layer { name: "c" type: "Power" bottom: "a" top: "y" } '
                             'layer { name: "l" type: "PReLU" bottom: "y" top: "y" prelu_param { '
                             'channel_shared: true } }'),
    "Power_affine": ({"a": np.abs(x(3, 4)) + 0.5}, 'layer { name: "l" type: "Power" bottom: "a" top: "y" '
                     'power_param { power: 2 scale: 0.5 shift: 1 } }'),
    "Log_base": ({"a": np.abs(x(3, 4)) + 0.5}, 'layer { name: "l" type: "Log" bottom: "a" top: "y" '
                 'log_param { base: 2 scale: 2 shift: 0.5 } }'),
    "Softmax": ({"a": x(2, 3, 2)}, 'layer { name: "l" type: "Softmax" bottom: "a" top: "y" }'),
    "Eltwise_SUM_coeff": ({"a": x(2, 3), "b": x(2, 3), "c": x(2, 3)},
                          'layer { name: "l" type: "Eltwise" bottom: "a" bottom: "b" bottom: "c" top: "y" '
                          'eltwise_param { operation: SUM coeff: 1 coeff: -1 coeff: 0.5 } }'),
    "Scale_bias": ({"a": x(2, 3, 2, 2)}, 'layer { name: "l" type: "Scale" bottom: "a" top: "y" '
                   'scale_param { bias_term: true filler { type: "gaussian" } bias_filler { type: "gaussian" '
                   '} } }'),
    "Scale_bottom": ({"a": x(2, 3, 2), "s": x(3)}, 'layer { name: "l" type: "Scale" bottom: "a" bottom: "s" '
                     'top: "y" }'),
    "Bias": ({"a": x(2, 3, 2)}, 'layer { name: "l" type: "Bias" bottom: "a" top: "y" '
             'bias_param { filler { type: "gaussian" } } }'),
    "Deconvolution": ({"a": x(2, 3, 3, 3)}, 'layer { name: "l" type: "Deconvolution" bottom: "a" top: "y" '
                      'convolution_param { num_output: 2 kernel_size: 4 pad: 1 stride: 2 '
                      'weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } } }'),
    "LRN_across": ({"a": x(2, 6, 3, 3)}, 'layer { name: "l" type: "LRN" bottom: "a" top: "y" '
                   'lrn_param { local_size: 3 alpha: 0.5 beta: 0.75 k: 2 } }'),
    "LRN_within": ({"a": x(2, 2, 5, 4)}, 'layer { name: "l" type: "LRN" bottom: "a" top: "y" '
                   'lrn_param { local_size: 3 alpha: 0.5 beta: 0.75 norm_region: WITHIN_CHANNEL } }'),
    "BatchNorm": ({"a": x(4, 3, 2, 2)}, 'layer { name: "l" type: "BatchNorm" bottom: "a" top: "y" }'),
    "BatchNorm_2d": ({"a": x(5, 3)}, 'layer { name: "l" type: "BatchNorm" bottom: "a" top: "y" '
                     'batch_norm_param { eps: 0.001 } }'),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_layer_backward_matches_finite_differences(case):
    inputs, body = CASES[case]
    check(build(inputs, body), wrt=list(inputs))


def test_slice_backward_with_a_silenced_top():
    body = ('layer { name: "l" type: "Slice" bottom: "a" top: "p" top: "y" slice_param { axis: 0 '
            'slice_point: 1 } }'
            'layer { name: "s" type: "Silence" bottom: "p" }')
    check(build({"a": x(3, 2)}, body), wrt=["a"])


def test_embed_gradient_reaches_the_weights_only():
    ids = np.array([[0, 2], [2, 1]], dtype=np.float64)
    body = ('layer { name: "l" type: "Embed" bottom: "ids" top: "y" embed_param { input_dim: 3 num_output: 2 '
            'weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } } }')
    net = build({"ids": ids}, body)
    check(net, wrt=[])
    assert not net.blobs["ids"].has_diff(), "ids are data: no gradient may be computed for them"


def test_lstm_backward_matches_finite_differences():
    cont = np.ones((3, 2))
    cont[0] = 0
    body = ('layer { name: "l" type: "LSTM" bottom: "a" bottom: "cont" top: "y" recurrent_param { '
            'num_output: 2 '
            'weight_filler { type: "uniform" min: -0.5 max: 0.5 } bias_filler { type: "uniform" } } }')
    net = build({"a": x(3, 2, 3), "cont": cont}, body)
    check(net, wrt=["a"])
    assert not net.blobs["cont"].has_diff()


@pytest.mark.parametrize("body,inputs", [
    ('layer { name: "l" type: "SoftmaxWithLoss" bottom: "a" bottom: "t" top: "loss" }',
     {"a": x(4, 3), "t": np.array([0., 2., 1., 2.])}),
    ('layer { name: "l" type: "SoftmaxWithLoss" bottom: "a" bottom: "t" top: "loss" softmax_param { axis: '
     '2 } }',
     {"a": x(2, 2, 3), "t": np.array([[0., 2.], [1., 1.]])}),
    ('layer { name: "l" type: "EuclideanLoss" bottom: "a" bottom: "b" top: "loss" loss_weight: 3 }',
     {"a": x(3, 2), "b": x(3, 2)}),
    ('layer { name: "l" type: "SoftmaxWithLoss" bottom: "a" bottom: "t" top: "loss" '
     'loss_param { ignore_label: 1 normalization: BATCH_SIZE } }',
     {"a": x(2, 3, 2), "t": np.array([[0., 2.], [1., 1.]])}),
    ('layer { name: "l" type: "SigmoidCrossEntropyLoss" bottom: "a" bottom: "t" top: "loss" }',
     {"a": x(3, 4), "t": (RS.uniform(size=(3, 4)) > 0.5).astype(float)}),
], ids=["softmax", "softmax_axis2", "euclidean", "softmax_axis1_ignore_batch", "sigmoid_ce"])
def test_loss_backward_matches_finite_differences(body, inputs):
    net = build(inputs, body, loss_layer=False)
    check(net, wrt=[n for n in inputs if n != "t"], params=False)


def test_euclidean_loss_is_caffes_half_mean():
    a, b = x(4, 3), x(4, 3)
    net = build({"a": a, "b": b}, 'layer { name: "l" type: "EuclideanLoss" bottom: "a" bottom: "b" top: '
                                  '"loss" }',
                loss_layer=False)
    np.testing.assert_allclose(net.forward_from_to(), ((a - b) ** 2).sum() / (2 * 4))


def test_dropout_backward_uses_the_forward_mask():
    # the mask is drawn once per forward: finite differences through forward_from_to would redraw it, so
    # compare with the mask read off the forward instead
    a = x(4, 5)
    net = build({"a": a}, 'layer { name: "l" type: "Dropout" bottom: "a" top: "y" dropout_param { '
                          'dropout_ratio: 0.4 } }')
    net.forward_backward()
    y = net.blobs["y"].data
    kept = y != 0
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(y[kept], a[kept] / 0.6)
    np.testing.assert_allclose(net.blobs["a"].diff, kept * net.blobs["w"].data / 0.6)


def test_new_neuron_layers_compute_caffes_formulas():
    from .helpers import net_from_text
    a = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0]])
    text = input_layer("a", a.shape) + (
        'layer { name: "elu" type: "ELU" bottom: "a" top: "elu" elu_param { alpha: 0.5 } }\n'
        'layer { name: "bnll" type: "BNLL" bottom: "a" top: "bnll" }\n'
        'layer { name: "exp" type: "Exp" bottom: "a" top: "exp" exp_param { base: 2 scale: 0.5 shift: 1 } }\n'
        'layer { name: "prelu" type: "PReLU" bottom: "a" top: "prelu" prelu_param { channel_shared: true } }\n')
    net = net_from_text(text)
    net.blobs["a"].data[...] = a
    net.forward()
    np.testing.assert_allclose(net.blobs["elu"].data, np.where(a > 0, a, 0.5 * (np.exp(a) - 1)), rtol=1e-12)
    np.testing.assert_allclose(net.blobs["bnll"].data, np.log1p(np.exp(a)), rtol=1e-12)
    np.testing.assert_allclose(net.blobs["exp"].data, 2.0 ** (1 + 0.5 * a), rtol=1e-12)
    np.testing.assert_allclose(net.blobs["prelu"].data, np.where(a > 0, a, 0.25 * a), rtol=1e-12)
    assert net.params["prelu"][0].data.shape == (1,)


@pytest.mark.parametrize("legacy", [False, True])
def test_contrastive_loss_is_caffes(legacy):
    """The siamese example's loss: value against NumPy; the gradient is Caffe's (d + 1e-4 in the dissimilar
    pairs' denominator), so against finite differences it holds to that epsilon."""
    from .helpers import net_from_text
    rs = np.random.RandomState(3)
    a, b = rs.standard_normal((6, 3, 1, 1)) * 0.4, rs.standard_normal((6, 3, 1, 1)) * 0.4
    y = np.array([1.0, 0.0, 1.0, 0.0, 0.0, 1.0])
    text = "force_backward: true\n" + input_layer("a", a.shape) + input_layer("b", b.shape) + \
        input_layer("y", y.shape) + ('layer { name: "loss" type: "ContrastiveLoss" bottom: "a" bottom: "b" '
                                     f'bottom: "y" top: "loss" contrastive_loss_param {{ margin: 1.5 '
                                     f'legacy_version: {str(legacy).lower()} }} }}')
    net = net_from_text(text)
    for k, v in (("a", a), ("b", b), ("y", y)):
        net.blobs[k].data[...] = v
    loss = net.forward()["loss"]
    d2 = ((a - b) ** 2).reshape(6, 3).sum(1)
    dis = np.maximum(1.5 - d2, 0) if legacy else np.maximum(1.5 - np.sqrt(d2), 0) ** 2
    np.testing.assert_allclose(loss, np.where(y > 0, d2, dis).sum() / 12, rtol=1e-12)
    net.backward()
    def f():
        return net.forward()["loss"].item()
    ga = numerical_grad(f, net.blobs["a"].data)
    np.testing.assert_allclose(net.blobs["a"].diff, ga, rtol=1e-3 if not legacy else 1e-6, atol=1e-6)
    np.testing.assert_allclose(net.blobs["b"].diff, -net.blobs["a"].diff, rtol=1e-12)
