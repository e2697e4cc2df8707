"""gluon beyond the named classic programs: grouped and dilated convolutions (composed of the shared conv2d),
the model zoo's MobileNet/SqueezeNet/DenseNet/Inception, the remaining losses, Block hooks and summary,
Trainer states and the rnn modifier cells; values against NumPy by hand, gradients by float64 finite
differences."""
import os

import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd
from frameworks.hybrid.gluon import nn, rnn
from tests.frameworks.hybrid.test_hybrid_ops import _fd_check

rs = np.random.RandomState(11)


def _conv_numpy(x, w, b, stride=1, pad=0, dilate=1, groups=1):
    """Direct convolution by definition: out[n, o, i, j] = sum over the group's c, kh, kw."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - dilate * (kh - 1) - 1) // stride + 1
    ow = (wd + 2 * pad - dilate * (kw - 1) - 1) // stride + 1
    out = np.zeros((n, o, oh, ow))
    per = o // groups
    for oc in range(o):
        g = oc // per
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, g * cg:(g + 1) * cg, i * stride:i * stride + dilate * (kh - 1) + 1:dilate,
                           j * stride:j * stride + dilate * (kw - 1) + 1:dilate]
                out[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3)) + (b[oc] if b is not None else 0)
    return out


@pytest.mark.parametrize("groups,dilate,stride,pad", [(2, 1, 1, 1), (4, 1, 2, 1), (1, 2, 1, 2), (2, (2, 3), 1, 2)])
def test_grouped_and_dilated_convolution_match_the_definition(groups, dilate, stride, pad):
    x = rs.standard_normal((2, 4, 7, 8))
    w = rs.standard_normal((4, 4 // groups, 3, 3))
    b = rs.standard_normal(4)
    d = dilate if isinstance(dilate, tuple) else (dilate, dilate)
    y = nd.Convolution(nd.array(x, dtype="float64"), nd.array(w, dtype="float64"), nd.array(b, dtype="float64"),
                       kernel=(3, 3), num_filter=4, stride=(stride, stride), pad=(pad, pad), dilate=d,
                       num_group=groups)
    if d[0] == d[1]:
        np.testing.assert_allclose(y.asnumpy(), _conv_numpy(x, w, b, stride, pad, d[0], groups), rtol=1e-10, atol=1e-10)
    _fd_check(lambda x, w, b: nd.Convolution(x, w, b, kernel=(3, 3), num_filter=4, stride=(stride, stride),
                                             pad=(pad, pad), dilate=d, num_group=groups), x, w, b)


def test_depthwise_conv2d_layer_and_conv1d_dilation_hybridized_equal_imperative():
    net = nn.HybridSequential()
    net.add(nn.Conv2D(6, 3, padding=1, groups=6, use_bias=False), nn.Conv2D(4, 3, dilation=2, padding=2))
    net.initialize(mx.init.Xavier())
    x = nd.array(rs.standard_normal((2, 6, 5, 5)))
    y0 = net(x)
    assert net[0].weight.shape == (6, 1, 3, 3) and y0.shape == (2, 4, 5, 5)
    net.hybridize()
    np.testing.assert_allclose(net(x).asnumpy(), y0.asnumpy(), rtol=1e-5, atol=1e-6)
    c1 = nn.Conv1D(3, 3, dilation=2, groups=3, in_channels=3)
    c1.initialize()
    x1 = rs.standard_normal((2, 3, 9))
    w1 = c1.weight.data().asnumpy()
    ref = _conv_numpy(x1[:, :, None, :], w1[:, :, None, :], c1.bias.data().asnumpy(), dilate=2, groups=3)
    np.testing.assert_allclose(c1(nd.array(x1)).asnumpy(), ref[:, :, 0, :], rtol=1e-5, atol=1e-5)


def test_num_group_that_does_not_divide_the_channels_raises_mxneterror():
    with pytest.raises(mx.MXNetError, match="num_group 3 must divide"):
        nd.Convolution(nd.ones((1, 4, 5, 5)), nd.ones((6, 1, 3, 3)), kernel=(3, 3), num_filter=6, num_group=3,
                       no_bias=True)


# ---------------------------------------------------------------- model zoo

# trainable parameter counts of the same architectures as torchvision and Keras publish them (Gluon's
# MobileNetV2 adds a 1x1 expansion conv + BN (1088) to the t=1 block and has no classifier bias (-1000))
ZOO = {"squeezenet1.0": (224, 1248424), "squeezenet1.1": (224, 1235496), "densenet121": (224, 7978856),
       "inceptionv3": (299, 23834568), "mobilenet1.0": (32, 4231976), "mobilenetv2_1.0": (32, 3504960)}


@pytest.mark.parametrize("name", list(ZOO))
def test_model_zoo_architectures_have_the_published_parameter_counts(name):
    size, count = ZOO[name]
    net = gluon.model_zoo.vision.get_model(name)
    net.initialize()
    assert net(nd.ones((1, 3, size, size))).shape == (1, 1000)
    trainable = [p for p in net.collect_params().values() if p.grad_req != 'null']
    assert sum(int(np.prod(p.shape)) for p in trainable) == count


def _train_mobilenet_v2(hybridize, steps=3):
    mx.random.seed(3)
    net = gluon.model_zoo.vision.mobilenet_v2_0_25(classes=5)
    net.initialize(mx.init.Xavier())
    if hybridize:
        net.hybridize()
    x, y = nd.random.uniform(shape=(4, 3, 32, 32)), nd.array([1, 3, 0, 2])
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.01})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    losses = []
    for _ in range(steps):
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(4)
        losses.append(loss.mean().asscalar())
    return net, losses


def test_mobilenet_v2_trains_hybridized_as_imperative_and_names_its_parameters_as_mxnet():
    net, losses = _train_mobilenet_v2(hybridize=True)
    names = [n[len(net.prefix):] for n in net.collect_params().keys()]   # the prefix counts instances
    assert net.prefix.startswith('mobilenetv2') and names[0] == 'features_conv0_weight'
    assert names[-1] == 'output_pred_weight' and 'features_linearbottleneck16_batchnorm2_running_mean' in names
    _, imperative = _train_mobilenet_v2(hybridize=False)
    assert np.isfinite(losses).all()
    np.testing.assert_allclose(losses, imperative, rtol=1e-4)
    dw = net.features[3].out[3].weight   # a depthwise conv: (channels, 1, 3, 3)
    assert dw.shape[1:] == (1, 3, 3) and np.abs(dw.grad().asnumpy()).sum() > 0
    with pytest.raises(mx.MXNetError, match="pretrained weights are not downloaded"):
        gluon.model_zoo.vision.get_model('mobilenet1.0', pretrained=True)
    with pytest.raises(ValueError, match="Model mobilenet3.0 is not supported"):
        gluon.model_zoo.vision.get_model('mobilenet3.0')


# ---------------------------------------------------------------- losses

def test_triplet_poisson_and_sdml_losses_match_their_formulas_and_finite_differences():
    p, pos, neg = rs.standard_normal((3, 4)), rs.standard_normal((3, 4)), rs.standard_normal((3, 4))
    got = gluon.loss.TripletLoss(margin=0.5)(nd.array(p), nd.array(pos), nd.array(neg)).asnumpy()
    want = np.maximum(((pos - p) ** 2 - (neg - p) ** 2).sum(axis=1) + 0.5, 0)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    _fd_check(lambda a, b, c: gluon.loss.TripletLoss(margin=3.0)(a, b, c), p, pos, neg)

    target = rs.randint(0, 5, (3, 4)).astype(float)
    got = gluon.loss.PoissonNLLLoss()(nd.array(p), nd.array(target)).asnumpy()
    np.testing.assert_allclose(got, (np.exp(p) - target * p).mean(), rtol=1e-5)
    rate = rs.uniform(0.5, 2, (3, 4))
    full = gluon.loss.PoissonNLLLoss(from_logits=False, compute_full=True)(nd.array(rate), nd.array(target + 1))
    t = target + 1
    stirling = np.where(t > 1, t * np.log(t) - t + 0.5 * np.log(2 * np.pi * t), 0)
    np.testing.assert_allclose(full.asnumpy(), (rate - t * np.log(rate + 1e-8) + stirling).mean(), rtol=1e-5)
    _fd_check(lambda a: gluon.loss.PoissonNLLLoss()(a, nd.array(target, dtype="float64")), p)

    x1, x2 = rs.standard_normal((4, 3)), rs.standard_normal((4, 3))
    got = gluon.loss.SDMLLoss(smoothing_parameter=0.3)(nd.array(x1), nd.array(x2)).asnumpy()
    d = ((x1[:, None, :] - x2[None, :, :]) ** 2).sum(axis=2)
    logp = -d - np.log(np.exp(-d).sum(axis=1, keepdims=True))
    labels = np.where(np.eye(4) > 0, 0.7, 0.3 / 3)
    np.testing.assert_allclose(got, (labels * (np.log(labels + 1e-12) - logp)).mean(axis=1), rtol=1e-5)


def _ctc_by_enumeration(scores, label, blank):
    """-log of the summed probability of every path (one class per step) that collapses to `label`."""
    import itertools
    T, C = scores.shape
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    total = 0.0
    for path in itertools.product(range(C), repeat=T):
        collapsed = [k for i, k in enumerate(path) if (i == 0 or k != path[i - 1]) and k != blank]
        if collapsed == list(label):
            total += np.prod([p[t, k] for t, k in enumerate(path)])
    return -np.log(total)


def test_ctc_loss_equals_the_sum_over_all_alignments_and_finite_differences():
    T, N, C = 5, 3, 4
    pred = rs.standard_normal((N, T, C))
    label = np.array([[0, 1, -1], [2, 2, -1], [1, 0, 2]], dtype=float)   # padded with -1; blank is C - 1 = 3
    got = gluon.loss.CTCLoss()(nd.array(pred, dtype="float64"), nd.array(label)).asnumpy()
    want = [_ctc_by_enumeration(pred[n], [int(k) for k in label[n] if k >= 0], blank=C - 1) for n in range(N)]
    np.testing.assert_allclose(got, want, rtol=1e-8)
    # lengths given: sample 1 uses 4 steps and one label, layout TNC
    lengths = nd.array([5, 4, 5])
    got = gluon.loss.CTCLoss(layout='TNC')(nd.array(pred.transpose(1, 0, 2), dtype="float64"), nd.array(label),
                                           lengths, nd.array([2, 1, 3])).asnumpy()
    np.testing.assert_allclose(got[1], _ctc_by_enumeration(pred[1, :4], [2], blank=C - 1), rtol=1e-8)
    np.testing.assert_allclose(got[[0, 2]], [want[0], want[2]], rtol=1e-8)
    _fd_check(lambda x: gluon.loss.CTCLoss()(x, nd.array(label)), pred)
    # blank_label 'first': blank is class 0, labels 1.., padding 0; the same problem with the classes rotated
    rotated = np.roll(pred, 1, axis=2).transpose(1, 0, 2)
    first = nd.CTCLoss(nd.array(rotated), nd.array(label + 1), blank_label='first').asnumpy()
    np.testing.assert_allclose(first, want, rtol=1e-5)


def test_ctc_loss_hybridized_equals_imperative():
    pred = nd.array(rs.standard_normal((2, 6, 5)))
    label = nd.array([[1, 3, 3], [0, -1, -1]])
    loss = gluon.loss.CTCLoss()
    imperative = loss(pred, label).asnumpy()
    loss.hybridize()
    np.testing.assert_allclose(loss(pred, label).asnumpy(), imperative, rtol=1e-5)


# ---------------------------------------------------------------- Block API

def test_forward_hooks_fire_around_each_call_and_detach():
    net = nn.HybridSequential()
    net.add(nn.Dense(4, activation='relu'), nn.Dense(2))
    net.initialize()
    seen = []
    pre = net[0].register_forward_pre_hook(lambda block, inputs: seen.append(('pre', block.name, inputs[0].shape)))
    post = net[1].register_forward_hook(lambda block, inputs, out: seen.append(('post', out.shape)))
    x = nd.ones((3, 5))
    y = net(x)
    assert seen == [('pre', net[0].name, (3, 5)), ('post', (3, 2))]
    assert type(net[0]).__name__ == 'Dense' and isinstance(net[0], nn.Dense)
    with post:
        pass   # leaving the handle's context detaches it
    pre.detach()
    net(x)
    assert len(seen) == 2
    np.testing.assert_allclose(net(x).asnumpy(), y.asnumpy())
    # a hybridized block's own hooks run on every call
    net.hybridize()
    calls = []
    net.register_forward_hook(lambda b, i, o: calls.append(o.shape))
    net(x)
    net(x)
    assert calls == [(3, 2), (3, 2)]


def test_apply_visits_children_first_and_summary_prints_mxnets_table(capsys):
    net = nn.HybridSequential()
    net.add(nn.Dense(4, in_units=5), nn.BatchNorm(in_channels=4), nn.Dense(2, in_units=4))
    net.initialize()
    order = []
    assert net.apply(lambda b: order.append(type(b).__name__)) is net
    assert order == ['Dense', 'BatchNorm', 'Dense', 'HybridSequential']
    net.summary(nd.ones((3, 5)))
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ['Layer', '(type)', 'Output', 'Shape', 'Param', '#']
    rows = [line.split() for line in out[3:7]]
    assert rows == [['Input', '(3,', '5)', '0'], ['Dense-1', '(3,', '4)', '24'], ['BatchNorm-2', '(3,', '4)', '16'],
                    ['Dense-3', '(3,', '2)', '10']]
    assert '   Total params: 50' in out and '   Trainable params: 42' in out
    assert '   Non-trainable params: 8' in out and 'Unique parameters in model: 50' in out
    net.hybridize()
    with pytest.raises(AssertionError, match="must not be hybridized to print summary"):
        net.summary(nd.ones((3, 5)))


def test_utils_check_sha1_and_download_without_network(tmp_path):
    f = tmp_path / "w.bin"
    f.write_bytes(b"abc")
    assert gluon.utils.check_sha1(str(f), "a9993e364706816aba3e25717850c26c9cd0d89d")
    assert not gluon.utils.check_sha1(str(f), "0" * 40)
    assert gluon.utils.download("http://example.com/w.bin", path=str(tmp_path)) == str(f)
    with pytest.raises(mx.MXNetError, match="does not download.*missing.*place it at"):
        gluon.utils.download("http://example.com/x.bin", path=str(tmp_path))
    with pytest.raises(mx.MXNetError, match="does not match the expected sha1"):
        gluon.utils.download("http://example.com/w.bin", path=str(tmp_path), sha1_hash="0" * 40)


def _adam_steps(net, trainer, x, y, steps):
    for _ in range(steps):
        with autograd.record():
            loss = gluon.loss.L2Loss()(net(x), y)
        loss.backward()
        trainer.step(x.shape[0])


def test_trainer_save_states_then_load_states_continues_adam_exactly(tmp_path):
    x, y = nd.array(rs.standard_normal((4, 3))), nd.array(rs.standard_normal((4, 2)))
    net = nn.Dense(2, in_units=3)
    net.initialize()
    trainer = gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': 0.1})
    _adam_steps(net, trainer, x, y, 3)
    net.save_parameters(str(tmp_path / "net.params"))
    trainer.save_states(str(tmp_path / "trainer.states"))
    _adam_steps(net, trainer, x, y, 2)

    resumed = nn.Dense(2, in_units=3)
    resumed.load_parameters(str(tmp_path / "net.params"))
    trainer2 = gluon.Trainer(resumed.collect_params(), 'adam', {'learning_rate': 0.1})
    trainer2.load_states(str(tmp_path / "trainer.states"))
    _adam_steps(resumed, trainer2, x, y, 2)
    np.testing.assert_allclose(resumed.weight.data().asnumpy(), net.weight.data().asnumpy(), rtol=1e-6)
    # a fresh Trainer without the states takes a different (bias-corrected from t=1) path
    fresh = nn.Dense(2, in_units=3)
    fresh.load_parameters(str(tmp_path / "net.params"))
    _adam_steps(fresh, gluon.Trainer(fresh.collect_params(), 'adam', {'learning_rate': 0.1}), x, y, 2)
    assert not np.allclose(fresh.weight.data().asnumpy(), net.weight.data().asnumpy(), rtol=1e-6)
    other = gluon.Trainer(nn.Dense(2, in_units=3, prefix='o_').collect_params(), 'sgd', {'momentum': 0.9})
    for p in other._params:
        p.initialize()
    with pytest.raises(mx.MXNetError, match="another optimizer"):
        other.load_states(str(tmp_path / "trainer.states"))


def test_constant_parameter_is_left_alone_by_autograd_and_trainer():
    class Scale(gluon.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.const = self.params.get_constant('const', [[1, 2], [3, 4]])
                self.w = self.params.get('w', shape=(2, 2), init=mx.init.One())

        def hybrid_forward(self, F, x, const, w):
            return F.dot(x, const * w)

    block = Scale()
    assert isinstance(block.const, gluon.Constant) and repr(block.const).startswith('Constant scale')
    block.initialize()
    np.testing.assert_allclose(block.const.data().asnumpy(), [[1, 2], [3, 4]])
    with pytest.warns(UserWarning, match='does not support grad_req other than "null"'):
        block.collect_params().setattr('grad_req', 'write')
    trainer = gluon.Trainer(block.collect_params(), 'sgd', {'learning_rate': 0.5})
    assert [p.name for p in trainer._params] == [block.w.name]
    block.hybridize()
    with autograd.record():
        out = block(nd.ones((1, 2))).sum()
    out.backward()
    trainer.step(1)
    np.testing.assert_allclose(block.const.data().asnumpy(), [[1, 2], [3, 4]])
    np.testing.assert_allclose(block.w.data().asnumpy(), 1 - 0.5 * np.array([[1, 2], [3, 4]]))
    c = gluon.Constant('c', nd.array([1.5, 2.5]))
    assert c.grad_req == 'null' and c.shape == (2,)
    assert block.collect_params().list_ctx() == [mx.cpu()]


# ---------------------------------------------------------------- rnn

def _copy_params(src, dst, mapping):
    for s, d in mapping.items():
        getattr(dst, d).set_data(getattr(src, s).data())


@pytest.mark.parametrize("layer", ["GRU", "RNN"])
def test_bidirectional_unrolled_layers_equal_a_forward_and_a_reversed_layer(layer):
    T, N, C, H = 4, 3, 5, 6
    x = nd.array(rs.standard_normal((N, T, C)))
    bi = getattr(gluon.rnn, layer)(H, num_layers=2, layout='NTC', bidirectional=True)
    bi.initialize(mx.init.Xavier())
    h0 = nd.array(rs.standard_normal((4, N, H)))
    out, (hT,) = bi(x, [h0])
    assert out.shape == (N, T, 2 * H) and hT.shape == (4, N, H)
    assert bi.r1_i2h_weight.shape[1] == 2 * H
    # layer 0 by hand: a forward layer and a layer over the reversed steps, states l0 then r0
    fwd, bwd = (getattr(gluon.rnn, layer)(H, layout='NTC', input_size=C) for _ in range(2))
    for net in (fwd, bwd):
        net.initialize()
    names = ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias")
    _copy_params(bi, fwd, {f"l0_{n}": f"l0_{n}" for n in names})
    _copy_params(bi, bwd, {f"r0_{n}": f"l0_{n}" for n in names})
    f_out, (f_h,) = fwd(x, [h0[0:1]])
    b_out, (b_h,) = bwd(nd.flip(x, axis=1), [h0[1:2]])
    layer0 = nd.concat(f_out, nd.flip(b_out, axis=1), dim=2)
    np.testing.assert_allclose(hT[0].asnumpy(), f_h[0].asnumpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hT[1].asnumpy(), b_h[0].asnumpy(), rtol=1e-5, atol=1e-6)
    top = getattr(gluon.rnn, layer)(H, layout='NTC', bidirectional=True, input_size=2 * H)
    top.initialize()
    _copy_params(bi, top, {f"{d}1_{n}": f"{d}0_{n}" for d in "lr" for n in names})
    np.testing.assert_allclose(top(layer0, [h0[2:]])[0].asnumpy(), out.asnumpy(), rtol=1e-5, atol=1e-6)
    bi.hybridize()
    np.testing.assert_allclose(bi(x, [h0])[0].asnumpy(), out.asnumpy(), rtol=1e-5, atol=1e-6)


def test_unroll_with_valid_length_masks_outputs_and_keeps_each_samples_last_state():
    cell = gluon.rnn.LSTMCell(4, input_size=3)
    cell.initialize()
    x = nd.array(rs.standard_normal((2, 5, 3)))
    valid = nd.array([3, 5])
    outputs, states = cell.unroll(5, x, layout='NTC', valid_length=valid)
    assert outputs.shape == (2, 5, 4)   # merged when valid_length is given, as MXNet
    for n, length in enumerate([3, 5]):
        alone, alone_states = cell.unroll(length, x[n:n + 1, :length], layout='NTC', merge_outputs=True)
        np.testing.assert_allclose(outputs[n, :length].asnumpy(), alone[0].asnumpy(), rtol=1e-5, atol=1e-6)
        assert np.all(outputs[n, length:].asnumpy() == 0)
        for s, a in zip(states, alone_states):
            np.testing.assert_allclose(s[n].asnumpy(), a[0].asnumpy(), rtol=1e-5, atol=1e-6)
    listed, _ = cell.unroll(5, x, layout='NTC', valid_length=valid, merge_outputs=False)
    assert len(listed) == 5 and listed[0].shape == (2, 4)


def test_bidirectional_cell_unrolls_both_directions_with_valid_length():
    l_cell, r_cell = gluon.rnn.GRUCell(3, input_size=2), gluon.rnn.GRUCell(3, input_size=2)
    bi = gluon.rnn.BidirectionalCell(l_cell, r_cell)
    bi.initialize()
    x = nd.array(rs.standard_normal((4, 2, 2)))            # TNC
    valid = nd.array([2, 4])
    out, states = bi.unroll(4, x, layout='TNC', merge_outputs=True, valid_length=valid)
    assert out.shape == (4, 2, 6) and len(states) == 2
    for n, length in enumerate([2, 4]):
        seq = x[:length, n:n + 1]
        lo, ls = l_cell.unroll(length, seq, layout='TNC', merge_outputs=True)
        ro, rs_ = r_cell.unroll(length, nd.flip(seq, axis=0), layout='TNC', merge_outputs=True)
        want = np.concatenate([lo.asnumpy(), ro.asnumpy()[::-1]], axis=2)[:, 0]
        np.testing.assert_allclose(out[:length, n].asnumpy(), want, rtol=1e-5, atol=1e-6)
        assert np.all(out[length:, n].asnumpy() == 0)
        np.testing.assert_allclose(states[1][n].asnumpy(), rs_[0][0].asnumpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(NotImplementedError, match="cannot be stepped"):
        bi(x[0], bi.begin_state(batch_size=2))


def test_zoneout_and_residual_modifier_cells():
    base = gluon.rnn.RNNCell(3, input_size=3)
    zone = gluon.rnn.ZoneoutCell(base, zoneout_outputs=0.5, zoneout_states=0.5)
    assert zone.prefix == base.prefix + 'zoneout' and zone.params is base.params
    zone.initialize()
    with pytest.raises(AssertionError, match="base cell cannot be called directly"):
        base.begin_state(batch_size=2)
    x = nd.array(rs.standard_normal((2, 4, 3)))
    plain, _ = base.unroll(4, x, begin_state=zone.begin_state(batch_size=2), merge_outputs=True)
    out, _ = zone.unroll(4, x, merge_outputs=True)            # predict mode: no zoneout
    np.testing.assert_allclose(out.asnumpy(), plain.asnumpy(), rtol=1e-6)
    mx.random.seed(1)
    with autograd.train_mode():
        zoned, _ = zone.unroll(4, x, merge_outputs=True)
    z = zoned.asnumpy()
    assert np.all(z[:, 0][plain.asnumpy()[:, 0] != z[:, 0]] == 0)   # step 0 keeps the zero "previous output"
    assert 0 < (z != plain.asnumpy()).mean() < 1
    res = gluon.rnn.ResidualCell(gluon.rnn.GRUCell(3, input_size=3))
    res.initialize()
    y, _ = res(x[:, 0], res.begin_state(batch_size=2))
    g, _ = res.base_cell(x[:, 0], res.begin_state(batch_size=2))
    np.testing.assert_allclose(y.asnumpy(), g.asnumpy() + x[:, 0].asnumpy(), rtol=1e-6)


def test_a_custom_hybrid_recurrent_cell_unrolls_and_hybridizes():
    class ExampleCell(gluon.rnn.HybridRecurrentCell):   # the shape of MXNet's docs' custom cell
        def __init__(self, hidden, **kwargs):
            super().__init__(**kwargs)
            self._hidden = hidden
            with self.name_scope():
                self.w = self.params.get('w', shape=(hidden, hidden))

        def state_info(self, batch_size=0):
            return [{'shape': (batch_size, self._hidden), '__layout__': 'NC'}]

        def hybrid_forward(self, F, inputs, states, w):
            h = F.tanh(inputs + F.dot(states[0], w))
            return h, [h]

    cell = ExampleCell(3)
    cell.initialize()
    x = nd.array(rs.standard_normal((2, 4, 3)))
    out, states = cell.unroll(4, x, merge_outputs=True)
    h, w = np.zeros((2, 3)), cell.w.data().asnumpy()
    for t in range(4):
        h = np.tanh(x[:, t].asnumpy() + h @ w)
    np.testing.assert_allclose(states[0].asnumpy(), h, rtol=1e-5, atol=1e-6)
    assert isinstance(gluon.rnn.LSTMCell(2), gluon.rnn.HybridRecurrentCell)


def test_sequence_ops_match_numpy_and_finite_differences():
    x = rs.standard_normal((4, 3, 2))
    n = np.array([2, 4, 1])
    got = nd.SequenceMask(nd.array(x), nd.array(n), use_sequence_length=True, value=-1.0).asnumpy()
    want = np.where(np.arange(4)[:, None, None] < n[None, :, None], x, -1.0)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_allclose(nd.SequenceLast(nd.array(x), nd.array(n), use_sequence_length=True).asnumpy(),
                               x[n - 1, np.arange(3)], rtol=1e-6)
    rev = nd.SequenceReverse(nd.array(x), nd.array(n), use_sequence_length=True).asnumpy()
    for j in range(3):
        np.testing.assert_allclose(rev[:n[j], j], x[:n[j], j][::-1], rtol=1e-6)
        np.testing.assert_allclose(rev[n[j]:, j], x[n[j]:, j], rtol=1e-6)
    lengths = nd.array(n)
    _fd_check(lambda a: nd.SequenceMask(a, lengths, use_sequence_length=True, value=2.0), x)
    _fd_check(lambda a: nd.SequenceLast(a.transpose((1, 0, 2)), lengths, use_sequence_length=True, axis=1), x)
    _fd_check(lambda a: nd.SequenceReverse(a, lengths, use_sequence_length=True), x)


# ---------------------------------------------------------------- data

def test_resize_is_opencvs_bilinear_and_keeps_the_dtype():
    from frameworks.hybrid.gluon.data.vision import transforms
    img = nd.array(np.array([[0, 100], [200, 300]], dtype=np.float32)[:, :, None])
    up = transforms.Resize(4)(img).asnumpy()[:, :, 0]
    # cv2.resize(img, (4, 4)) (INTER_LINEAR, half-pixel centres, clamped borders)
    np.testing.assert_allclose(up, [[0, 25, 75, 100], [50, 75, 125, 150], [150, 175, 225, 250],
                                    [200, 225, 275, 300]])
    big = rs.randint(0, 256, (4, 6, 3)).astype(np.uint8)
    down = transforms.Resize((3, 2))(nd.array(big, dtype=np.uint8))
    assert down.shape == (2, 3, 3) and down.dtype == np.uint8
    want = big.astype(float).reshape(2, 2, 3, 2, 3).mean(axis=(1, 3))   # exact 2x2 block means
    np.testing.assert_array_equal(down.asnumpy(), np.floor(want + 0.5).astype(np.uint8))
    assert transforms.Resize(2, keep_ratio=True)(nd.array(big)).shape == (2, 3, 3)   # short edge 4 -> 2
    nearest = transforms.Resize((3, 2), interpolation=0)(nd.array(big)).asnumpy()
    np.testing.assert_array_equal(nearest, big[::2, ::2])
    batch = transforms.Resize((3, 2))(nd.array(np.stack([big, big]), dtype=np.uint8))
    assert batch.shape == (2, 2, 3, 3)
    with pytest.raises(mx.MXNetError, match="interpolation 2 is not supported"):
        transforms.Resize(3, interpolation=2)(nd.array(big))


def test_crop_and_color_transforms_in_a_compose_pipeline():
    from frameworks.hybrid.gluon.data.vision import transforms
    mx.random.seed(4)
    img = nd.array(rs.randint(0, 256, (12, 10, 3)).astype(np.uint8), dtype=np.uint8)
    crop = transforms.RandomResizedCrop(8)(img)
    assert crop.shape == (8, 8, 3) and crop.dtype == np.uint8
    np.testing.assert_array_equal(transforms.CropResize(2, 3, 4, 5)(img).asnumpy(), img.asnumpy()[3:8, 2:6])
    x = img.asnumpy().astype(np.float32)
    mx.random.seed(9)
    bright = transforms.RandomBrightness(0.5)(nd.array(x)).asnumpy()
    alpha = bright.ravel()[x.ravel() > 0][0] / x.ravel()[x.ravel() > 0][0]
    assert 0.5 <= alpha <= 1.5
    np.testing.assert_allclose(bright, x * alpha, rtol=1e-5)
    sat = transforms.RandomSaturation(0.0)(nd.array(x)).asnumpy()
    np.testing.assert_allclose(sat, x)
    gray = x @ np.array([0.299, 0.587, 0.114])
    mx.random.seed(2)
    contrast = transforms.RandomContrast(0.3)(nd.array(x)).asnumpy()
    a = 1 + np.random.RandomState(2).uniform(-0.3, 0.3)
    np.testing.assert_allclose(contrast, x * a + gray.mean() * (1 - a), rtol=1e-5)
    pipeline = transforms.Compose([transforms.RandomResizedCrop(8), transforms.RandomFlipLeftRight(),
                                   transforms.RandomColorJitter(0.4, 0.4, 0.4), transforms.RandomLighting(0.1),
                                   transforms.ToTensor(),
                                   transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    dataset = gluon.data.ArrayDataset(np.stack([img.asnumpy()] * 5), np.arange(5))
    loader = gluon.data.DataLoader(dataset.transform_first(pipeline), batch_size=2, last_batch='discard')
    batches = list(loader)
    assert len(batches) == 2 and batches[0][0].shape == (2, 3, 8, 8) and batches[0][0].dtype == np.float32
    with pytest.raises(mx.MXNetError, match="hue != 0 is not supported"):
        transforms.RandomColorJitter(hue=0.1)


def test_dataset_filter_shard_take_sample_and_eager_transform():
    data = gluon.data.SimpleDataset(list(range(10)))
    assert list(data.filter(lambda x: x % 3 == 0)) == [0, 3, 6, 9]
    shards = [list(data.shard(3, i)) for i in range(3)]
    assert shards == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert list(data.take(4)) == [0, 1, 2, 3] and len(data.take(None)) == 10
    assert list(data.sample(gluon.data.FilterSampler(lambda x: x > 7, data))) == [8, 9]
    with pytest.raises(TypeError, match="Expected gluon.data.Sampler"):
        data.sample([1, 2])
    calls = []
    eager = data.transform(lambda x: calls.append(x) or x * 2, lazy=False)
    assert len(calls) == 10 and eager[3] == 6 and len(calls) == 10
    pairs = gluon.data.ArrayDataset(np.arange(6), np.arange(6) * 10).transform_first(lambda x: x + 100)
    loader = gluon.data.DataLoader(pairs.take(5), batch_size=2, last_batch='rollover')
    first = [b[0].asnumpy().tolist() for b in loader]
    assert first == [[100, 101], [102, 103]]
    assert [b[0].asnumpy().tolist() for b in loader][0] == [104, 100]   # the rolled-over sample leads
    assert isinstance(gluon.data.sampler.SequentialSampler(3), gluon.data.Sampler)


def _deconv_numpy(x, w, stride, pad, dilate, groups, adj=0):
    """Transposed convolution by definition: each input pixel scatters w * x into the output."""
    n, c, h, wd = x.shape
    _, og, kh, kw = w.shape
    oh = (h - 1) * stride - 2 * pad + dilate * (kh - 1) + 1 + adj
    ow = (wd - 1) * stride - 2 * pad + dilate * (kw - 1) + 1 + adj
    full = np.zeros((n, og * groups, oh + 2 * pad, ow + 2 * pad))
    cg = c // groups
    for ci in range(c):
        g = ci // cg
        for i in range(h):
            for j in range(wd):
                for a in range(kh):
                    for b in range(kw):
                        full[:, g * og:(g + 1) * og, i * stride + a * dilate, j * stride + b * dilate] += \
                            x[:, ci, i, j][:, None] * w[ci, :, a, b][None, :]
    return full[:, :, pad:pad + oh, pad:pad + ow]


@pytest.mark.parametrize("groups,dilate,stride,pad", [(2, 1, 2, 1), (1, 2, 1, 1), (2, 2, 2, 0)])
def test_grouped_and_dilated_deconvolution_match_the_definition(groups, dilate, stride, pad):
    x = rs.standard_normal((2, 4, 3, 3))
    w = rs.standard_normal((4, 6 // groups, 3, 3))
    y = nd.Deconvolution(nd.array(x, dtype="float64"), nd.array(w, dtype="float64"), kernel=(3, 3), num_filter=6,
                         stride=(stride, stride), pad=(pad, pad), dilate=(dilate, dilate), num_group=groups)
    np.testing.assert_allclose(y.asnumpy(), _deconv_numpy(x, w, stride, pad, dilate, groups), rtol=1e-10, atol=1e-10)
    _fd_check(lambda x, w: nd.Deconvolution(x, w, kernel=(3, 3), num_filter=6, stride=(stride, stride),
                                            pad=(pad, pad), dilate=(dilate, dilate), num_group=groups), x, w)


def test_conv1d_transpose_batchnorm_relu_and_the_contrib_layers():
    layer = nn.Conv1DTranspose(4, 3, strides=2, padding=1, output_padding=1, in_channels=2)
    layer.initialize()
    x = rs.standard_normal((2, 2, 5))
    y = layer(nd.array(x))
    assert y.shape == (2, 4, 10) and layer.weight.shape == (2, 4, 3)
    # the unpadded scatter is (5 - 1) * 2 + 3 = 11 wide; padding 1 drops its first column and output_padding 1
    # keeps its last one
    full = _deconv_numpy(x[:, :, None, :], layer.weight.data().asnumpy()[:, :, None, :], 2, 0, 1, 1)[:, :, 0]
    np.testing.assert_allclose(y.asnumpy(), full[..., 1:11] + layer.bias.data().asnumpy()[None, :, None],
                               rtol=1e-5, atol=1e-5)

    bnr = nn.BatchNormReLU(in_channels=3)
    bnr.initialize()
    z = nd.array(rs.standard_normal((4, 3, 2)))
    with autograd.record():
        out = bnr(z)
    norm = (z.asnumpy() - z.asnumpy().mean(axis=(0, 2), keepdims=True)) / np.sqrt(
        z.asnumpy().var(axis=(0, 2), keepdims=True) + 1e-5)
    np.testing.assert_allclose(out.asnumpy(), np.maximum(norm, 0), rtol=1e-4, atol=1e-5)
    assert bnr.prefix.startswith('batchnormrelu')

    from frameworks.hybrid.gluon.contrib import nn as cnn
    with pytest.warns(UserWarning, match="Caution using SyncBatchNorm"):
        sync = cnn.SyncBatchNorm(in_channels=3)
    sync.initialize()
    with autograd.record():
        np.testing.assert_allclose(sync(z).asnumpy(), norm, rtol=1e-4, atol=1e-5)
    emb = cnn.SparseEmbedding(10, 3)
    emb.initialize()
    ids = nd.array([1, 4, 1])
    with autograd.record():
        e = emb(ids)
    e.backward()
    g = emb.weight.grad().asnumpy()
    assert g[1].tolist() == [2, 2, 2] and g[4].tolist() == [1, 1, 1] and np.abs(g).sum() == 9
    assert nn.Embedding(5, 2, sparse_grad=True)._input_dim == 5

    shuffle = cnn.PixelShuffle3D((2, 1, 2))
    v = np.arange(2 * 8 * 2 * 3 * 2, dtype=float).reshape(2, 8, 2, 3, 2)
    got = shuffle(nd.array(v)).asnumpy()
    want = v.reshape(2, 2, 2, 1, 2, 2, 3, 2).transpose(0, 1, 5, 2, 6, 3, 7, 4).reshape(2, 2, 4, 3, 4)
    np.testing.assert_allclose(got, want)


@pytest.mark.parametrize("shape,axis", [((4, 3, 5), 1), ((2, 3, 2, 2, 2), 1), ((3, 5, 4), -1), ((4, 3, 2, 2), 3)])
def test_batchnorm_on_any_rank_and_axis_equals_the_per_channel_formula(shape, axis):
    x = rs.standard_normal(shape)
    c = shape[axis]
    gamma, beta = rs.uniform(0.5, 1.5, c), rs.standard_normal(c)

    def bn(x, g, b):
        return nd.BatchNorm(x, g, b, nd.zeros((c,), dtype="float64"), nd.ones((c,), dtype="float64"),
                            fix_gamma=False, eps=1e-5, axis=axis)
    with autograd.train_mode():
        got = bn(nd.array(x, dtype="float64"), nd.array(gamma, dtype="float64"), nd.array(beta, dtype="float64"))
    other = tuple(i for i in range(len(shape)) if i != axis % len(shape))
    view = [1] * len(shape)
    view[axis] = c
    mean, var = x.mean(axis=other, keepdims=True), x.var(axis=other, keepdims=True)
    want = (x - mean) / np.sqrt(var + 1e-5) * gamma.reshape(view) + beta.reshape(view)
    np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-8, atol=1e-8)
    _fd_check(bn, x, gamma, beta)


# ---------------------------------------------------------------- 3-D layers

def _conv3d_numpy(x, w, b, stride, pad, dilate, groups):
    n, c, d, h, wd = x.shape
    o, cg, kd, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0)) + ((pad, pad),) * 3)
    size = [(s + 2 * pad - dilate * (k - 1) - 1) // stride + 1 for s, k in zip((d, h, wd), (kd, kh, kw))]
    out = np.zeros((n, o) + tuple(size))
    per = o // groups
    for oc in range(o):
        g = oc // per
        for i, j, k in np.ndindex(*size):
            patch = xp[:, g * cg:(g + 1) * cg,
                       i * stride:i * stride + dilate * (kd - 1) + 1:dilate,
                       j * stride:j * stride + dilate * (kh - 1) + 1:dilate,
                       k * stride:k * stride + dilate * (kw - 1) + 1:dilate]
            out[:, oc, i, j, k] = (patch * w[oc]).sum(axis=(1, 2, 3, 4)) + b[oc]
    return out


@pytest.mark.parametrize("stride,pad,dilate,groups", [(1, 1, 1, 1), (2, 1, 1, 2), (1, 2, 2, 1)])
def test_conv3d_equals_the_definition_and_finite_differences(stride, pad, dilate, groups):
    x = rs.standard_normal((2, 4, 4, 5, 4))
    w = rs.standard_normal((2, 4 // groups, 2, 3, 2))
    b = rs.standard_normal(2)

    def conv(x, w, b):
        return nd.Convolution(x, w, b, kernel=(2, 3, 2), num_filter=2, stride=(stride,) * 3, pad=(pad,) * 3,
                              dilate=(dilate,) * 3, num_group=groups)
    got = conv(nd.array(x, dtype="float64"), nd.array(w, dtype="float64"), nd.array(b, dtype="float64"))
    np.testing.assert_allclose(got.asnumpy(), _conv3d_numpy(x, w, b, stride, pad, dilate, groups), rtol=1e-10,
                               atol=1e-10)
    _fd_check(conv, x, w, b)


@pytest.mark.parametrize("pool_type,ceil", [("max", False), ("avg", False), ("max", True)])
def test_3d_pooling_equals_the_windows_by_hand_and_finite_differences(pool_type, ceil):
    x = rs.standard_normal((1, 2, 5, 4, 5))

    def pool(x):
        return nd.Pooling(x, kernel=(3, 2, 2), stride=(2, 2, 2), pad=(1, 0, 0), pool_type=pool_type,
                          pooling_convention="full" if ceil else "valid")
    got = pool(nd.array(x, dtype="float64")).asnumpy()
    fill = -np.inf if pool_type == "max" else 0.0
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (0, 0), (0, 0)), constant_values=fill)
    od = (5 + 2 - 3) // 2 + 1
    oh, ow = (2, 3) if ceil else (2, 2)
    if ceil:   # the last width window starts at 4 and covers one column
        xp = np.pad(xp, ((0, 0), (0, 0), (0, 0), (0, 0), (0, 1)), constant_values=-np.inf)
    want = np.empty((1, 2, od, oh, ow))
    for i, j, k in np.ndindex(od, oh, ow):
        window = xp[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 2, 2 * k:2 * k + 2]
        want[:, :, i, j, k] = window.max(axis=(2, 3, 4)) if pool_type == "max" else window.sum(axis=(2, 3, 4)) / 12
    np.testing.assert_allclose(got, want, rtol=1e-10)
    _fd_check(pool, x)


def test_lipnet_network_runs_with_ctc_loss():
    # example/gluon/lipnet/models/network.py, its layers as written (channels and sizes made small)
    class LipNet(nn.HybridBlock):
        def __init__(self, dr_rate, **kwargs):
            super(LipNet, self).__init__(**kwargs)
            with self.name_scope():
                self.conv1 = nn.Conv3D(8, kernel_size=(3, 5, 5), strides=(1, 2, 2), padding=(1, 2, 2))
                self.bn1 = nn.InstanceNorm(in_channels=8)
                self.dr1 = nn.Dropout(dr_rate, axes=(1, 2))
                self.pool1 = nn.MaxPool3D((1, 2, 2), (1, 2, 2))
                self.conv2 = nn.Conv3D(8, kernel_size=(3, 3, 3), strides=(1, 1, 1), padding=(1, 2, 2))
                self.bn2 = nn.InstanceNorm(in_channels=8)
                self.dr2 = nn.Dropout(dr_rate, axes=(1, 2))
                self.pool2 = nn.MaxPool3D((1, 2, 2), (1, 2, 2))
                self.gru1 = gluon.rnn.GRU(16, bidirectional=True)
                self.dense = nn.Dense(27 + 1, flatten=False)

        def hybrid_forward(self, F, x):
            out = self.pool1(self.dr1(F.relu(self.bn1(self.conv1(x)))))
            out = self.pool2(self.dr2(F.relu(self.bn2(self.conv2(out)))))
            out = F.transpose(out, (2, 0, 1, 3, 4))
            out = out.reshape((0, 0, -1))
            out = self.gru1(out)
            out = self.dense(out)
            out = F.log_softmax(out, axis=2)
            out = F.transpose(out, (1, 0, 2))
            return out

    mx.random.seed(0)
    net = LipNet(0.5)
    net.initialize(mx.init.Xavier())
    net.hybridize()
    loss_fn = gluon.loss.CTCLoss()
    trainer = gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': 0.01})
    x = nd.random.uniform(shape=(2, 3, 6, 16, 16))
    y = nd.array([[3, 5, 1, -1], [2, 2, -1, -1]])
    losses = []
    for _ in range(3):
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(2)
        losses.append(loss.mean().asscalar())
    assert net(x).shape == (2, 6, 28) and np.isfinite(losses).all() and losses[-1] < losses[0]


def test_dropout_axes_shares_one_mask_entry_along_those_axes():
    mx.random.seed(7)
    x = nd.ones((4, 3, 5))
    with autograd.train_mode():
        y = nn.Dropout(0.5, axes=(1,))(x).asnumpy()
    assert set(np.unique(y)) <= {0.0, 2.0} and 0 < (y == 0).mean() < 1
    assert np.all(y == y[:, :1, :])   # the same along axis 1
    _fd_check(lambda a: (mx.random.seed(5), nd.Dropout(a, p=0.3, axes=(0, 2)))[1], rs.standard_normal((3, 4, 2)))


# ---------------------------------------------------------------- example/gluon/actor_critic

class _CartPoleLike:
    """A stand-in for gym's CartPole-v0: a 4-number state and an episode that ends after a few steps."""

    def __init__(self, seed):
        self._rs = np.random.RandomState(seed)

    def reset(self):
        self._t = 0
        return self._rs.uniform(-0.05, 0.05, 4)

    def step(self, action):
        self._t += 1
        return self._rs.uniform(-0.05, 0.05, 4) + action * 0.01, 1.0, self._t >= 6 + self._rs.randint(4), {}


def test_actor_critic_example_runs_as_written():
    from itertools import count
    import frameworks.hybrid.ndarray as F

    env = _CartPoleLike(543)
    gamma = 0.99

    class Policy(gluon.Block):
        def __init__(self, **kwargs):
            super(Policy, self).__init__(**kwargs)
            with self.name_scope():
                self.dense = nn.Dense(16, in_units=4, activation='relu')
                self.action_pred = nn.Dense(2, in_units=16)
                self.value_pred = nn.Dense(1, in_units=16)

        def forward(self, x):
            x = self.dense(x)
            probs = self.action_pred(x)
            values = self.value_pred(x)
            return F.softmax(probs), values

    net = Policy()
    net.initialize(mx.init.Uniform(0.02))
    trainer = gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': 3e-2})
    loss = gluon.loss.L1Loss()
    before = net.action_pred.weight.data().asnumpy().copy()
    for epoch in count(1):
        state = env.reset()
        rewards, values, heads, actions = [], [], [], []
        with autograd.record():
            for t in range(10000):
                state = mx.nd.array(np.expand_dims(state, 0))
                prob, value = net(state)
                action, logp = mx.nd.sample_multinomial(prob, get_prob=True)
                state, reward, done, _ = env.step(action.asnumpy()[0])
                rewards.append(reward)
                values.append(value)
                actions.append(action.asnumpy()[0])
                heads.append(logp)
                if done:
                    break
            R = 0
            for i in range(len(rewards) - 1, -1, -1):
                R = rewards[i] + gamma * R
                rewards[i] = R
            rewards = np.array(rewards)
            rewards -= rewards.mean()
            rewards /= rewards.std() + np.finfo(rewards.dtype).eps
            L = sum([loss(value, mx.nd.array([r])) for r, value in zip(rewards, values)])
            final_nodes = [L]
            for logp, r, v in zip(heads, rewards, values):
                reward = r - v.asnumpy()[0, 0]
                final_nodes.append(logp * (-reward))
            autograd.backward(final_nodes)
        trainer.step(t)
        if epoch == 3:
            break
    assert not np.allclose(net.action_pred.weight.data().asnumpy(), before)
    assert np.isfinite(net.value_pred.weight.data().asnumpy()).all()


def test_sample_multinomial_get_prob_is_the_log_probability_of_each_draw():
    mx.random.seed(3)
    p = nd.array([[0.2, 0.8], [0.6, 0.4]])
    p.attach_grad()
    with autograd.record():
        draws, logp = nd.sample_multinomial(p, shape=5, get_prob=True)
    logp.backward()
    d = draws.asnumpy().astype(int)
    assert d.shape == (2, 5) and logp.shape == (2, 5)
    np.testing.assert_allclose(logp.asnumpy(), np.log(p.asnumpy()[np.arange(2)[:, None], d]), rtol=1e-6)
    want = np.zeros((2, 2))
    for row in range(2):
        for k in d[row]:
            want[row, k] += 1 / p.asnumpy()[row, k]
    np.testing.assert_allclose(p.grad.asnumpy(), want, rtol=1e-5)


def test_lr_mult_and_wd_mult_scale_each_parameters_update():
    x, y = nd.array(rs.standard_normal((4, 3))), nd.array(rs.standard_normal((4, 2)))

    def run(lr_mult=None, wd_mult=None, lr=0.1, wd=0.0, optimizer='sgd'):
        mx.random.seed(0)
        net = nn.Dense(2, in_units=3, prefix='m_')
        net.initialize(mx.init.Normal(0.5))
        if lr_mult is not None:
            net.collect_params('.*weight').setattr('lr_mult', lr_mult)
        if wd_mult is not None:
            net.weight.wd_mult = wd_mult
        trainer = gluon.Trainer(net.collect_params(), optimizer, {'learning_rate': lr, 'wd': wd})
        w0 = net.weight.data().asnumpy().copy()
        b0 = net.bias.data().asnumpy().copy()
        with autograd.record():   # one step: the gradients are the same in every run
            loss = gluon.loss.L2Loss()(net(x), y)
        loss.backward()
        trainer.step(4)
        return w0, b0, net.weight.data().asnumpy(), net.bias.data().asnumpy()

    w0, b0, w, b = run(lr_mult=0.0)
    np.testing.assert_array_equal(w, w0)          # frozen (embedding_learning's pretrained base: 0.01)
    assert not np.allclose(b, b0)
    _, _, w_plain, b_plain = run()
    np.testing.assert_allclose(b, b_plain, rtol=1e-6)
    # an SGD step of lr * 2 equals lr_mult=2's
    _, _, w_double, _ = run(lr_mult=2.0)
    w0, _, w_lr, _ = run(lr=0.2)
    np.testing.assert_allclose(w_double, w_lr, rtol=1e-5)
    # wd_mult=0 on the weight under wd: as if wd were 0 for it
    _, _, w_nowd, b_wd = run(wd_mult=0.0, wd=0.5)
    _, _, w_zero, _ = run(wd=0.0)
    np.testing.assert_allclose(w_nowd, w_zero, rtol=1e-6)
    assert gluon.Parameter('p', lr_mult=3).lr_mult == 3.0


def test_export_and_symbolblock_imports_round_trip_grouped_dilated_and_3d_layers(tmp_path):
    net = nn.HybridSequential()
    net.add(nn.Conv2D(4, 3, padding=2, dilation=2, in_channels=4), nn.Conv2D(4, 3, padding=1, groups=4),
            nn.BatchNorm(), nn.Conv2DTranspose(2, 4, strides=2, padding=1, groups=2), nn.GlobalAvgPool2D(),
            nn.Flatten())
    net.initialize(mx.init.Xavier())
    net.hybridize()
    x = nd.array(rs.standard_normal((2, 4, 6, 6)))
    y = net(x)
    sym_file, params_file = net.export(str(tmp_path / "grouped"))
    loaded = gluon.SymbolBlock.imports(sym_file, ['data'], params_file)
    np.testing.assert_allclose(loaded(x).asnumpy(), y.asnumpy(), rtol=1e-5, atol=1e-6)
    net3 = nn.HybridSequential()
    net3.add(nn.Conv3D(2, (2, 3, 3), padding=(0, 1, 1), in_channels=1), nn.MaxPool3D((1, 2, 2)))
    net3.initialize()
    net3.hybridize()
    v = nd.array(rs.standard_normal((1, 1, 3, 4, 4)))
    out3 = net3(v)
    sym3, params3 = net3.export(str(tmp_path / "three"))
    loaded3 = gluon.SymbolBlock.imports(sym3, ['data'], params3)
    np.testing.assert_allclose(loaded3(v).asnumpy(), out3.asnumpy(), rtol=1e-5, atol=1e-6)


def test_contrib_lstmp_cell_equals_its_formula_and_variational_dropout_reuses_its_masks():
    from frameworks.hybrid.gluon.contrib import rnn as crnn
    cell = crnn.LSTMPCell(5, 3)
    cell.initialize(mx.init.Xavier())
    x = nd.array(rs.standard_normal((2, 4, 2)))
    out, (r, c) = cell.unroll(4, x, merge_outputs=True)
    assert out.shape == (2, 4, 3) and r.shape == (2, 3) and c.shape == (2, 5)
    wi, wh, wr = (getattr(cell, n).data().asnumpy() for n in ("i2h_weight", "h2h_weight", "h2r_weight"))
    bi, bh = cell.i2h_bias.data().asnumpy(), cell.h2h_bias.data().asnumpy()
    sig = lambda v: 1 / (1 + np.exp(-v))   # noqa: E731
    rr, cc = np.zeros((2, 3)), np.zeros((2, 5))
    for t in range(4):
        g = x[:, t].asnumpy() @ wi.T + bi + rr @ wh.T + bh
        i, f, gg, o = np.split(g, 4, axis=1)
        cc = sig(f) * cc + sig(i) * np.tanh(gg)
        rr = (sig(o) * np.tanh(cc)) @ wr.T
        np.testing.assert_allclose(out[:, t].asnumpy(), rr, rtol=1e-5, atol=1e-6)

    base = gluon.rnn.RNNCell(4, input_size=4, activation='relu')
    var = crnn.VariationalDropoutCell(base, drop_inputs=0.5, drop_outputs=0.5)
    var.initialize(mx.init.One())
    mx.random.seed(8)
    ones = nd.ones((3, 5, 4))
    with autograd.train_mode():
        y, _ = var.unroll(5, ones, merge_outputs=True)
    masks_in, masks_out = var.drop_inputs_mask.asnumpy(), var.drop_outputs_mask.asnumpy()
    assert set(np.unique(masks_in)) <= {0.0, 2.0} and set(np.unique(masks_out)) <= {0.0, 2.0}
    zero_out = masks_out == 0
    assert zero_out.any() and np.all(y.asnumpy()[:, :, :][np.broadcast_to(zero_out[:, None, :], y.shape)] == 0)
    with autograd.predict_mode():
        plain, _ = var.unroll(5, ones, merge_outputs=True)
    assert np.all(plain.asnumpy() > 0)


# ---------------------------------------------------------------- contrib.estimator

def test_estimator_fit_with_validation_checkpoints_and_a_custom_handler(tmp_path, capsys):
    from frameworks.hybrid.gluon.contrib.estimator import estimator
    from frameworks.hybrid.gluon.contrib.estimator.event_handler import (CheckpointHandler, EarlyStoppingHandler,
                                                                         EpochEnd, TrainBegin, TrainEnd)
    mx.random.seed(2)
    X = rs.standard_normal((40, 5)).astype(np.float32)
    Y = (X[:, 0] > 0).astype(np.float32)
    train = gluon.data.DataLoader(gluon.data.ArrayDataset(X[:32], Y[:32]), batch_size=8, shuffle=True)
    val = gluon.data.DataLoader(gluon.data.ArrayDataset(X[32:], Y[32:]), batch_size=8)
    net = nn.Dense(2)
    net.initialize(init=mx.init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.5})

    class LossRecordHandler(TrainBegin, TrainEnd, EpochEnd):   # the fit API tutorial's handler
        def __init__(self):
            super(LossRecordHandler, self).__init__()
            self.loss_history = {}

        def epoch_end(self, estimator, *args, **kwargs):
            for metric in estimator.train_metrics:
                if isinstance(metric, mx.metric.Loss):
                    loss_name, loss_val = metric.get()
                    self.loss_history.setdefault(loss_name, []).append(loss_val)

    train_acc = mx.metric.Accuracy()
    est = estimator.Estimator(net=net, loss=gluon.loss.SoftmaxCrossEntropyLoss(), train_metrics=train_acc,
                              trainer=trainer, context=mx.cpu())
    assert [m.name for m in est.train_metrics] == ['training accuracy']
    assert [m.name for m in est.val_metrics] == ['validation accuracy']
    with pytest.warns(UserWarning, match="`greater` operator"):
        checkpoint = CheckpointHandler(model_dir=str(tmp_path), model_prefix='my_model', monitor=train_acc,
                                       save_best=True, max_checkpoints=2)
    record = LossRecordHandler()
    est.fit(train_data=train, val_data=val, epochs=4, event_handlers=[checkpoint, record])
    out = capsys.readouterr().out
    assert 'Train for 4 epochs.' in out and '[Epoch 3] Finished' in out   # the train metrics, as MXNet logs
    names = sorted(os.listdir(tmp_path))
    assert names == ['my_model-best.params', 'my_model-best.states', 'my_model-epoch2batch12.params',
                     'my_model-epoch2batch12.states', 'my_model-epoch3batch16.params', 'my_model-epoch3batch16.states']
    assert record.loss_history == {}   # train_metrics given: no Loss metric is added, as MXNet
    best = nn.Dense(2)
    best.load_parameters(str(tmp_path / 'my_model-best.params'))
    assert 0.5 < est.val_metrics[0].get()[1] <= 1.0

    # defaults: Accuracy + Loss metrics, SGD trainer; fit by batches; early stopping on the loss
    net2 = nn.Dense(2, in_units=5)
    with pytest.warns(UserWarning, match="No trainer specified"):
        est2 = estimator.Estimator(net=net2, loss=gluon.loss.SoftmaxCrossEntropyLoss(), initializer=mx.init.One())
    assert [m.name for m in est2.train_metrics] == ['training accuracy', 'training softmaxcrossentropyloss']
    est2.fit(train_data=train, batches=3)
    assert est2.train_metrics[0].num_inst == 24
    loss_metric = est2.train_metrics[1]
    stopper = EarlyStoppingHandler(monitor=loss_metric, mode='max', patience=1)   # a loss that falls never 'improves'
    est2.fit(train_data=train, epochs=10, event_handlers=[stopper])
    assert stopper.stopped_epoch == 1
    with pytest.raises(ValueError, match="exactly one type of iteration"):
        est2.fit(train_data=train, epochs=1, batches=2)
    with pytest.raises(ValueError, match="outside of the known training and validation metrics"):
        est2.fit(train_data=train, epochs=1, event_handlers=[EarlyStoppingHandler(monitor=mx.metric.Accuracy(),
                                                                                  mode='min')])


def test_the_multi_device_loop_over_cpu_contexts_equals_one_context():
    # MXNet's data-parallel idiom: split_and_load over contexts, one loss per slice, autograd.backward(list)
    x, y = rs.standard_normal((8, 5)).astype(np.float32), rs.randint(0, 3, 8).astype(np.float32)

    def train(ctx):
        mx.random.seed(1)
        net = nn.Dense(3, in_units=5)
        net.initialize(mx.init.Xavier(), ctx=ctx)
        trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.3, 'momentum': 0.9})
        loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
        for _ in range(3):
            data = gluon.utils.split_and_load(nd.array(x), ctx_list=ctx, batch_axis=0)
            label = gluon.utils.split_and_load(nd.array(y), ctx_list=ctx, batch_axis=0)
            with autograd.record():
                losses = [loss_fn(net(X), Y) for X, Y in zip(data, label)]
            autograd.backward(losses)
            trainer.step(8)
        return net.weight.data().asnumpy(), [d.context for d in data]

    many, contexts = train([mx.cpu(0), mx.cpu(1)])
    one, _ = train([mx.cpu(0)])
    assert contexts == [mx.cpu(0), mx.cpu(1)]
    np.testing.assert_allclose(many, one, rtol=1e-5, atol=1e-6)
    with pytest.raises(mx.MXNetError, match="2 GPU contexts"):
        gluon.utils.split_and_load(nd.ones((4, 2)), ctx_list=[mx.gpu(0), mx.gpu(1)])


def test_rnn_layer_and_transposed_conv_reprs_as_mxnet_prints_them():
    assert repr(rnn.LSTM(4, layout='NTC', input_size=2)) == 'LSTM(2 -> 4, NTC)'
    assert repr(rnn.GRU(4, num_layers=2, dropout=0.1, bidirectional=True)) == \
        'GRU(None -> 4, TNC, num_layers=2, dropout=0.1, bidirectional)'
    assert repr(rnn.RNN(4, num_layers=2, input_size=3)) == 'RNN(3 -> 4, TNC, num_layers=2)'
    # weight (in_channels, channels / groups, kh, kw), printed shape[1] -> shape[0] as MXNet's _Conv does
    assert repr(nn.Conv2DTranspose(4, 3, strides=2, padding=1, output_padding=1, in_channels=2)) == \
        'Conv2DTranspose(4 -> 2, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))'
    assert repr(nn.Conv1DTranspose(4, 3, use_bias=False, activation='relu')) == \
        'Conv1DTranspose(4 -> 0, kernel_size=(3,), stride=(1,), bias=False, Activation(relu))'
