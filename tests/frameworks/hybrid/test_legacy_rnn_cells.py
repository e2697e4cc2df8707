"""mx.rnn's symbolic cells (MXNet 1.x's legacy RNN API): each cell's step against NumPy, unroll's merge and
layout handling, the stacked/bidirectional/modifier cells, begin_state fed as variables, weight
(un)packing and the RNN checkpoints, FusedRNNCell.unfuse."""
import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import nd

sigmoid = lambda z: 1 / (1 + np.exp(-z))


def _run(sym, rs, **shapes):
    """Forward of sym with random arguments (inputs given by shape), returning outputs and arguments."""
    ex = sym.simple_bind(mx.cpu(), **shapes)
    for k, a in ex.arg_dict.items():
        a[:] = rs.standard_normal(a.shape) * 0.5
    outs = [o.asnumpy() for o in ex.forward()]
    return outs, {k: v.asnumpy() for k, v in ex.arg_dict.items()}


def _lstm_np(x, p, prefix, h, c):
    g = x @ p[prefix + "i2h_weight"].T + p[prefix + "i2h_bias"] + h @ p[prefix + "h2h_weight"].T + p[prefix + "h2h_bias"]
    i, f, cc, o = np.split(g, 4, axis=1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(cc)
    return sigmoid(o) * np.tanh(c), c


def test_lstm_and_gru_cells_unrolled_match_numpy():
    rs = np.random.RandomState(0)
    data = mx.sym.var("data")
    cell = mx.rnn.LSTMCell(5, prefix="l_")
    outputs, states = cell.unroll(3, inputs=data, merge_outputs=True)      # NTC
    assert cell.state_info == [{'shape': (0, 5), '__layout__': 'NC'}] * 2
    assert sorted(outputs.list_arguments()) == ["data", "l_h2h_bias", "l_h2h_weight", "l_i2h_bias", "l_i2h_weight"]
    (out, h_last, c_last), p = _run(mx.sym.Group([outputs] + states), rs, data=(2, 3, 4))
    h = c = np.zeros((2, 5))
    for t in range(3):
        h, c = _lstm_np(p["data"][:, t], p, "l_", h, c)
        np.testing.assert_allclose(out[:, t], h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c_last, c, rtol=1e-5, atol=1e-6)

    gru = mx.rnn.GRUCell(4, prefix="g_")
    outs, _ = gru.unroll(2, inputs=mx.sym.var("x"), layout="TNC", merge_outputs=False)
    assert isinstance(outs, list) and len(outs) == 2
    (o0, o1), p = _run(mx.sym.Group(outs), rs, x=(2, 3, 6))
    h = np.zeros((3, 4))
    for t, o in enumerate((o0, o1)):
        ir, iz, io = np.split(p["x"][t] @ p["g_i2h_weight"].T + p["g_i2h_bias"], 3, axis=1)
        hr, hz, ho = np.split(h @ p["g_h2h_weight"].T + p["g_h2h_bias"], 3, axis=1)
        r, z = sigmoid(ir + hr), sigmoid(iz + hz)
        h = (1 - z) * np.tanh(io + r * ho) + z * h
        np.testing.assert_allclose(o, h, rtol=1e-5, atol=1e-6)


def test_stacked_bidirectional_residual_and_dropout_cells():
    rs = np.random.RandomState(1)
    stack = mx.rnn.SequentialRNNCell()
    stack.add(mx.rnn.BidirectionalCell(mx.rnn.RNNCell(3, prefix="f_"), mx.rnn.RNNCell(3, prefix="b_"),
                                       output_prefix="bi_"))
    stack.add(mx.rnn.DropoutCell(0.5))
    stack.add(mx.rnn.ResidualCell(mx.rnn.RNNCell(6, activation="relu", prefix="r_")))
    outputs, states = stack.unroll(4, inputs=mx.sym.var("data"), merge_outputs=True)
    assert len(states) == 3
    (out,), p = _run(outputs, rs, data=(2, 4, 5))   # inference: dropout is the identity
    x = p["data"]
    fw, bw = [], []
    h = np.zeros((2, 3))
    for t in range(4):
        h = np.tanh(x[:, t] @ p["f_i2h_weight"].T + p["f_i2h_bias"] + h @ p["f_h2h_weight"].T + p["f_h2h_bias"])
        fw.append(h)
    h = np.zeros((2, 3))
    for t in reversed(range(4)):
        h = np.tanh(x[:, t] @ p["b_i2h_weight"].T + p["b_i2h_bias"] + h @ p["b_h2h_weight"].T + p["b_h2h_bias"])
        bw.insert(0, h)
    bi = np.concatenate([np.stack(fw, 1), np.stack(bw, 1)], axis=2)
    h = np.zeros((2, 6))
    for t in range(4):
        h = np.maximum(bi[:, t] @ p["r_i2h_weight"].T + p["r_i2h_bias"] + h @ p["r_h2h_weight"].T + p["r_h2h_bias"], 0)
        np.testing.assert_allclose(out[:, t], h + bi[:, t], rtol=1e-5, atol=1e-6)
    with pytest.raises(NotImplementedError, match="Bidirectional cannot be stepped"):
        stack._cells[0](mx.sym.var("x"), [])


def test_begin_state_as_variables_feeds_the_module_states_and_zoneout_runs():
    cell = mx.rnn.ZoneoutCell(mx.rnn.LSTMCell(4, prefix="z_"), zoneout_outputs=0.3, zoneout_states=0.2)
    begin = cell.begin_state(init_sym=mx.sym.Variable)   # a modifier cell names it init_sym, as MXNet's
    assert [s.name for s in begin] == ["z_begin_state_0", "z_begin_state_1"]
    outputs, states = cell.unroll(3, inputs=mx.sym.var("data"), begin_state=begin, merge_outputs=True)
    net = mx.sym.MakeLoss(mx.sym.sum(outputs))
    mod = mx.mod.Module(net, data_names=("data",), label_names=None, state_names=[s.name for s in begin])
    mod.bind([("data", (2, 3, 5)), ("z_begin_state_0", (2, 4)), ("z_begin_state_1", (2, 4))])
    mod.init_params(mx.init.Xavier())
    mod.set_states(value=0.5)
    mod.forward(mx.io.DataBatch([nd.ones((2, 3, 5)), nd.ones((2, 4)) * 0.5, nd.ones((2, 4)) * 0.5]), is_train=True)
    mod.backward()
    assert np.isfinite(mod.get_outputs()[0].asnumpy()).all()
    with pytest.raises(AssertionError, match="modifier cell"):
        cell.base_cell.begin_state()


def test_unpack_pack_and_rnn_checkpoints(tmp_path):
    cell = mx.rnn.LSTMCell(3, prefix="l0_")
    rs = np.random.RandomState(2)
    args = {"l0_i2h_weight": nd.array(rs.standard_normal((12, 4))), "l0_i2h_bias": nd.array(rs.standard_normal(12)),
            "l0_h2h_weight": nd.array(rs.standard_normal((12, 3))), "l0_h2h_bias": nd.array(rs.standard_normal(12))}
    unpacked = cell.unpack_weights(args)
    assert sorted(unpacked) == sorted(f"l0_{g}{gate}_{kind}" for g in ("i2h", "h2h")
                                      for gate in ("_i", "_f", "_c", "_o") for kind in ("weight", "bias"))
    np.testing.assert_allclose(unpacked["l0_i2h_f_weight"].asnumpy(), args["l0_i2h_weight"].asnumpy()[3:6])
    packed = cell.pack_weights(unpacked)
    for k, v in args.items():
        np.testing.assert_allclose(packed[k].asnumpy(), v.asnumpy())
    outputs, _ = cell.unroll(2, inputs=mx.sym.var("data"), merge_outputs=True)
    prefix = str(tmp_path / "rnn")
    mx.rnn.do_rnn_checkpoint(cell, prefix, period=1)(0, outputs, args, {})
    assert "l0_i2h_c_weight" in mx.model.load_checkpoint(prefix, 1)[1]    # saved unpacked
    _, arg, _ = mx.rnn.load_rnn_checkpoint(cell, prefix, 1)
    np.testing.assert_allclose(arg["l0_h2h_weight"].asnumpy(), args["l0_h2h_weight"].asnumpy())


def test_fused_cell_unfuses_into_the_cells_its_weights_unpack_to():
    fused = mx.rnn.FusedRNNCell(4, num_layers=2, mode="gru", bidirectional=True, prefix="gru_")
    stack = fused.unfuse()
    outputs, _ = stack.unroll(3, inputs=mx.sym.var("data"), merge_outputs=True)
    arg_shapes, out_shapes, _ = outputs.infer_shape(data=(2, 3, 5))
    assert out_shapes == [(2, 3, 8)]
    shapes = dict(zip(outputs.list_arguments(), arg_shapes))
    rs = np.random.RandomState(3)
    stacked = {k: nd.array(rs.standard_normal(s)) for k, s in shapes.items() if k != "data"}
    # the unfused cells' weights pack into cuDNN's one vector and back
    unpacked = {}
    for cell in stack._cells:
        unpacked.update(cell.unpack_weights({k: v for k, v in stacked.items() if k.startswith(cell._cells[0]._prefix)
                                             or k.startswith(cell._cells[1]._prefix)}))
    vector = fused.pack_weights(unpacked)["gru_parameters"]
    assert vector.shape == ((5 + 4 + 2) * 4 * 3 * 2 + (4 * 2 + 4 + 2) * 4 * 3 * 2,)
    again = fused.unpack_weights({"gru_parameters": vector})
    for k, v in unpacked.items():
        np.testing.assert_allclose(again[k].asnumpy(), v.asnumpy())


@pytest.mark.parametrize("mode,bidirectional", [("lstm", True), ("gru", False), ("rnn_tanh", True),
                                                ("rnn_relu", False)])
def test_fused_cell_unrolls_as_its_unfused_cells_with_its_packed_vector(mode, bidirectional):
    fused = mx.rnn.FusedRNNCell(3, num_layers=2, mode=mode, bidirectional=bidirectional, get_next_state=True,
                                prefix="f_")
    outputs, states = fused.unroll(4, inputs=mx.sym.var("data"), layout="TNC", merge_outputs=True)
    net = mx.sym.Group([outputs] + states)
    assert net.list_arguments() == ["data", "f_parameters"]
    d = 2 if bidirectional else 1
    _, out_shapes, _ = net.infer_shape(data=(4, 2, 5))
    assert out_shapes == [(4, 2, 3 * d)] + [(2 * d, 2, 3)] * len(states)
    # initialized by FusedRNN through Module.init_params: forget-gate biases 1, the other biases 0
    mod = mx.mod.Module(mx.sym.MakeLoss(mx.sym.sum(outputs)), label_names=None)
    mod.bind([("data", (4, 2, 5))])
    mod.init_params(mx.init.Xavier())
    vector = mod.get_params()[0]["f_parameters"]
    unpacked = fused.unpack_weights({"f_parameters": vector})
    for name, value in unpacked.items():
        if name.endswith("_bias"):
            expected = 1.0 if mode == "lstm" and name.endswith("_f_bias") else 0.0
            assert (value.asnumpy() == expected).all(), name
        else:
            assert value.asnumpy().std() > 0, name
    # the same numbers as the unfused stack holding the unpacked weights
    rs = np.random.RandomState(4)
    x = nd.array(rs.standard_normal((4, 2, 5)))
    vector = nd.array(rs.standard_normal(vector.shape) * 0.4)
    fused_out = net.bind(mx.cpu(), {"data": x, "f_parameters": vector}).forward()
    stack = fused.unfuse()
    s_out, s_states = stack.unroll(4, inputs=mx.sym.var("data"), layout="TNC", merge_outputs=True)
    # (per gate unpacked from the vector, packed per cell: what load_rnn_checkpoint(stack, ...) does)
    args = dict(stack.pack_weights(fused.unpack_weights({"f_parameters": vector})), data=x)
    flat = []
    for st in s_states:
        flat.extend(st if isinstance(st, list) else [st])
    unfused = mx.sym.Group([s_out] + flat).bind(mx.cpu(), args).forward()
    np.testing.assert_allclose(fused_out[0].asnumpy(), unfused[0].asnumpy(), rtol=1e-5, atol=1e-6)
    n = len(states)
    for i in range(n):   # state i of every (layer, direction), stacked
        np.testing.assert_allclose(fused_out[1 + i].asnumpy(),
                                   np.stack([u.asnumpy() for u in unfused[1 + i::n]]), rtol=1e-5, atol=1e-6)


def test_fused_cell_gradient_of_its_packed_vector_by_finite_differences():
    from tests.frameworks.hybrid.test_sym_contrib_control_flow import _fd_check_symbol
    fused = mx.rnn.FusedRNNCell(2, num_layers=1, mode="lstm", bidirectional=True, prefix="f_")
    outputs, _ = fused.unroll(3, inputs=mx.sym.var("data"), layout="TNC", merge_outputs=True)
    size = outputs.infer_shape(data=(3, 2, 2))[0][1][0]
    rs = np.random.RandomState(5)
    _fd_check_symbol(outputs, {"data": rs.standard_normal((3, 2, 2)), "f_parameters": rs.standard_normal(size) * 0.5})


def test_convolutional_cells_unroll_over_images():
    # input_shape is one step's (batch, channels, height, width), as MXNet's tests give it
    for make, gates in ((mx.rnn.ConvRNNCell, 1), (mx.rnn.ConvLSTMCell, 4), (mx.rnn.ConvGRUCell, 3)):
        cell = make(input_shape=(1, 3, 8, 8), num_hidden=4, h2h_kernel=(3, 3), i2h_kernel=(3, 3), i2h_pad=(1, 1))
        outputs, states = cell.unroll(2, inputs=mx.sym.var("data"), merge_outputs=True)
        arg_shapes, out_shapes, _ = outputs.infer_shape(data=(2, 2, 3, 8, 8))
        shapes = dict(zip(outputs.list_arguments(), arg_shapes))
        prefix = cell._prefix
        assert out_shapes == [(2, 2, 4, 8, 8)] and len(states) == (2 if gates == 4 else 1)
        assert shapes[prefix + "i2h_weight"] == (4 * gates, 3, 3, 3)
        assert shapes[prefix + "h2h_weight"] == (4 * gates, 4, 3, 3)
        out = outputs.simple_bind(mx.cpu(), data=(2, 2, 3, 8, 8)).forward()[0]
        assert np.isfinite(out.asnumpy()).all()
    assert mx.rnn.ConvLSTMCell((1, 3, 8, 8), 4)._prefix == "ConvLSTM_"


@pytest.mark.parametrize("mode,bidirectional", [("lstm", True), ("gru", False)])
def test_sym_rnn_with_a_packed_vector_equals_the_fused_cell(mode, bidirectional):
    # mx.sym.RNN(data, parameters, state, state_cell): the sequence length is not needed to build it
    rnn = mx.sym.RNN(data=mx.sym.var("data"), parameters=mx.sym.var("f_parameters"), state=mx.sym.var("s"),
                     state_cell=mx.sym.var("c") if mode == "lstm" else None, state_size=3, num_layers=2, mode=mode,
                     bidirectional=bidirectional, state_outputs=True, name="rnn")
    n = 2 if mode == "lstm" else 1
    assert rnn.list_outputs() == ["rnn_output", "rnn_state_output", "rnn_statecell_output"][:1 + n]
    d = 2 if bidirectional else 1
    arg_shapes, out_shapes, _ = rnn.infer_shape(data=(4, 2, 5))   # the states' shapes follow from data's
    assert dict(zip(rnn.list_arguments(), arg_shapes))["s"] == (2 * d, 2, 3)
    fused = mx.rnn.FusedRNNCell(3, num_layers=2, mode=mode, bidirectional=bidirectional, get_next_state=True,
                                prefix="f_")
    begin = [mx.sym.var("s")] + ([mx.sym.var("c")] if mode == "lstm" else [])
    outputs, states = fused.unroll(4, inputs=mx.sym.var("data"), begin_state=begin, layout="TNC",
                                   merge_outputs=True)
    rs = np.random.RandomState(6)
    shapes = dict(zip(rnn.list_arguments(), arg_shapes))
    values = {k: nd.array(rs.standard_normal(v) * 0.5) for k, v in shapes.items()}
    got = [o.asnumpy() for o in rnn.bind(mx.cpu(), values).forward()]
    want = [o.asnumpy() for o in mx.sym.Group([outputs] + states).bind(mx.cpu(), values).forward()]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    # another sequence length binds the same symbol
    assert rnn.infer_shape(data=(7, 2, 5))[1][0] == (7, 2, 3 * d)


def test_sym_rnn_gradients_by_finite_differences():
    from tests.frameworks.hybrid.test_sym_contrib_control_flow import _fd_check_symbol
    rnn = mx.sym.RNN(data=mx.sym.var("data"), parameters=mx.sym.var("w"), state=mx.sym.var("h"),
                     state_cell=mx.sym.var("c"), state_size=2, num_layers=1, mode="lstm", state_outputs=True)
    shapes = dict(zip(rnn.list_arguments(), rnn.infer_shape(data=(3, 2, 2))[0]))
    rs = np.random.RandomState(8)
    _fd_check_symbol(rnn, {k: rs.standard_normal(v) * 0.5 for k, v in shapes.items()})
