"""Classic Module/Symbol-API programs as MXNet 1.x users wrote them (only the import changed), checked
against NumPy: checkpoint-and-resume with optimizer states (common/fit.py's --load-epoch), SGD momentum
under MultiFactorScheduler, state_names, a hand-written loop over get_updater (the bayesian-methods and
reinforcement-learning examples), mx.model.FeedForward (the oldest examples), and the Symbol tutorial's
composition, name prefixes, pickling and default contexts."""
import logging
import pickle

import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid.base import MXNetError

rs = np.random.RandomState(5)


def _mlp(num_classes=3):
    data = mx.sym.Variable("data")
    fc1 = mx.sym.FullyConnected(data, name="fc1", num_hidden=8)
    act = mx.sym.Activation(fc1, name="relu1", act_type="relu")
    fc2 = mx.sym.FullyConnected(act, name="fc2", num_hidden=num_classes)
    return mx.sym.SoftmaxOutput(fc2, name="softmax")


def _data(n=40, d=5, classes=3, seed=0):
    r = np.random.RandomState(seed)
    X = r.standard_normal((n, d)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.float32) + (X[:, 1] > 0.5)
    return X, np.minimum(y, classes - 1)


def test_checkpoint_with_optimizer_states_and_resume_equals_one_run(tmp_path):
    """Two epochs, a checkpoint with the Adam states, then Module.load(..., load_optimizer_states=True)
    and two more epochs: the same parameters as four epochs in one go (Adam's moments and its step count
    carried over)."""
    X, y = _data()
    prefix = str(tmp_path / "mlp")
    init = mx.mod.Module(_mlp())
    init.bind(data_shapes=[("data", (10, 5))], label_shapes=[("softmax_label", (10,))])
    mx.random.seed(1)
    init.init_params(mx.init.Xavier())
    arg0, aux0 = init.get_params()

    def run(mod, begin, end, **kw):
        it = mx.io.NDArrayIter(X, y, batch_size=10, shuffle=False)
        mod.fit(it, num_epoch=end, begin_epoch=begin, optimizer="adam",
                optimizer_params={"learning_rate": 0.01}, **kw)

    one = mx.mod.Module(_mlp())
    run(one, 0, 4, arg_params=arg0, aux_params=aux0)

    first = mx.mod.Module(_mlp())
    run(first, 0, 2, arg_params=arg0, aux_params=aux0)
    first.save_checkpoint(prefix, 2, save_optimizer_states=True)
    assert (tmp_path / "mlp-0002.states").exists()

    resumed = mx.mod.Module.load(prefix, 2, load_optimizer_states=True)
    run(resumed, 2, 4)
    for k, v in one.get_params()[0].items():
        np.testing.assert_allclose(resumed.get_params()[0][k].asnumpy(), v.asnumpy(), rtol=1e-6, atol=1e-7)

    # without the states Adam restarts its moments: the parameters differ
    fresh = mx.mod.Module.load(prefix, 2)
    run(fresh, 2, 4)
    assert not np.allclose(fresh.get_params()[0]["fc1_weight"].asnumpy(), one.get_params()[0]["fc1_weight"].asnumpy())

    # the checkpoint as common/fit.py's --load-epoch reads it
    sym, arg_params, aux_params = mx.model.load_checkpoint(prefix, 2)
    assert sym.list_arguments() == _mlp().list_arguments()
    np.testing.assert_array_equal(arg_params["fc2_bias"].asnumpy(), first.get_params()[0]["fc2_bias"].asnumpy())
    assert mx.model.load_params(prefix, 2)[0].keys() == arg_params.keys()
    with pytest.raises(MXNetError):
        mx.mod.Module.load(prefix, 3)


def test_module_sgd_momentum_under_multifactor_scheduler_is_mxnets_update():
    """A linear regression fit as the linear-regression tutorial writes it, with fit.py's lr schedule:
    every step equals MXNet's sgd_mom_update (mom = momentum * mom - lr * (g + wd * w); w += mom), the
    bias without weight decay (MXNet's wd_mult 0 for parameters not named *_weight or *_gamma)."""
    X = rs.standard_normal((8, 3)).astype(np.float32)
    Y = (X @ np.array([1.0, -2.0, 0.5]) + 0.3).astype(np.float32)
    data, label = mx.sym.Variable("data"), mx.sym.Variable("lin_reg_label")
    fc = mx.sym.FullyConnected(data, name="fc1", num_hidden=1)
    lro = mx.sym.LinearRegressionOutput(data=fc, label=label, name="lro")
    it = mx.io.NDArrayIter(X, Y, batch_size=4, shuffle=False, label_name="lin_reg_label")
    w0, b0 = rs.standard_normal((1, 3)).astype(np.float32), np.zeros(1, np.float32)
    sched = mx.lr_scheduler.MultiFactorScheduler(step=[2, 5], factor=0.1)
    mod = mx.mod.Module(lro, data_names=["data"], label_names=["lin_reg_label"])
    mod.fit(it, num_epoch=4, optimizer="sgd", arg_params={"fc1_weight": mx.nd.array(w0), "fc1_bias": mx.nd.array(b0)},
            optimizer_params={"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01, "lr_scheduler": sched},
            eval_metric="mse")
    w, b = w0.astype(np.float64), b0.astype(np.float64)
    mw, mb = np.zeros_like(w), np.zeros_like(b)
    t = 0
    for _ in range(4):
        for i in range(0, 8, 4):
            t += 1
            lr = 0.1 * (0.1 if t > 2 else 1) * (0.1 if t > 5 else 1)
            x, yv = X[i:i + 4], Y[i:i + 4]
            g = (x @ w.T + b - yv[:, None]) / 4        # LinearRegressionOutput's gradient, rescale_grad 1/4
            mw = 0.9 * mw - lr * (g.T @ x + 0.01 * w)
            mb = 0.9 * mb - lr * g.sum(0)   # Module's optimizer decays only *_weight and *_gamma
            w, b = w + mw, b + mb
    arg, _ = mod.get_params()
    np.testing.assert_allclose(arg["fc1_weight"].asnumpy(), w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(arg["fc1_bias"].asnumpy(), b, rtol=1e-5, atol=1e-6)


def test_module_state_names_get_and_set_states():
    data, state = mx.sym.Variable("data"), mx.sym.Variable("state", shape=(3, 2))
    out = mx.sym.FullyConnected(data, name="fc", num_hidden=2) + state
    mod = mx.mod.Module(out, data_names=["data"], label_names=None, state_names=["state"])
    mod.bind(data_shapes=[("data", (3, 4))], for_training=False)
    mod.init_params(mx.init.Zero())
    assert "state" not in mod.get_params()[0]
    mod.set_states(value=1.5)
    mod.forward(mx.io.DataBatch([mx.nd.ones((3, 4))]), is_train=False)
    np.testing.assert_array_equal(mod.get_outputs()[0].asnumpy(), np.full((3, 2), 1.5))
    mod.set_states(states=[mx.nd.array(np.arange(6.0).reshape(3, 2))])
    mod.forward(mx.io.DataBatch([mx.nd.ones((3, 4))]), is_train=False)
    np.testing.assert_array_equal(mod.get_states()[0].asnumpy(), np.arange(6.0).reshape(3, 2))
    np.testing.assert_array_equal(mod.get_outputs()[0].asnumpy(), np.arange(6.0).reshape(3, 2))
    with pytest.raises(MXNetError):
        mod.set_states()
    with pytest.raises(MXNetError):
        mx.mod.Module(out, data_names=["data"], label_names=None, state_names=["hidden"])


def test_hand_written_loop_over_get_updater():
    """The bayesian-methods / DQN examples' loop: simple_bind, forward/backward, then
    updater(i, grad, weight) for each argument; SGD with momentum and wd as MXNet's formula, and the
    updater's states saved and restored."""
    X, y = _data(n=6)
    net = _mlp()
    exe = net.simple_bind(ctx=mx.cpu(), data=(6, 5), softmax_label=(6,))
    mx.random.seed(0)
    init = mx.init.Xavier()
    names = [n for n in net.list_arguments() if n not in ("data", "softmax_label")]
    for n in names:
        init(n, exe.arg_dict[n])
    optimizer = mx.optimizer.create("sgd", learning_rate=0.05, momentum=0.9, wd=1e-3, rescale_grad=1.0 / 6)
    updater = mx.optimizer.get_updater(optimizer)
    ref = {n: exe.arg_dict[n].asnumpy().astype(np.float64) for n in names}
    mom = {n: np.zeros_like(v) for n, v in ref.items()}
    for step in range(3):
        exe.arg_dict["data"][:] = X
        exe.arg_dict["softmax_label"][:] = y
        exe.forward(is_train=True)
        exe.backward()
        for i, n in enumerate(names):
            g = exe.grad_dict[n].asnumpy() / 6 + 1e-3 * ref[n]
            mom[n] = 0.9 * mom[n] - 0.05 * g
            ref[n] = ref[n] + mom[n]
            updater(i, exe.grad_dict[n], exe.arg_dict[n])
            np.testing.assert_allclose(exe.arg_dict[n].asnumpy(), ref[n], rtol=1e-5, atol=1e-6)
    restored = mx.optimizer.get_updater(mx.optimizer.create("sgd", learning_rate=0.05, momentum=0.9))
    restored.set_states(updater.get_states())
    assert sorted(restored.states) == list(range(len(names)))
    np.testing.assert_allclose(restored.states[0][0], updater.states[0][0])
    with pytest.raises(MXNetError):
        restored.set_states(b"not states")


def test_feedforward_create_predict_score_save_load(tmp_path, caplog):
    X, y = _data(n=60, seed=2)
    Xv, yv = _data(n=20, seed=3)
    mx.random.seed(4)
    with caplog.at_level(logging.INFO), pytest.warns(DeprecationWarning):
        model = mx.model.FeedForward.create(_mlp(), X=X, y=y, num_epoch=6, learning_rate=0.5, momentum=0.9,
                                            numpy_batch_size=20, eval_data=(Xv, yv),
                                            initializer=mx.init.Xavier(),
                                            epoch_end_callback=mx.callback.do_checkpoint(str(tmp_path / "ff")))
    assert "Epoch[5] Validation-accuracy" in caplog.text
    prob = model.predict(Xv)
    assert isinstance(prob, np.ndarray) and prob.shape == (20, 3)
    # the prediction is the network's forward pass over the learned parameters
    arg = {k: v.asnumpy() for k, v in model.arg_params.items()}
    h = np.maximum(Xv @ arg["fc1_weight"].T + arg["fc1_bias"], 0)
    z = h @ arg["fc2_weight"].T + arg["fc2_bias"]
    e = np.exp(z - z.max(1, keepdims=True))
    np.testing.assert_allclose(prob, e / e.sum(1, keepdims=True), rtol=1e-5, atol=1e-6)
    acc = model.score(mx.io.NDArrayIter(Xv, yv, batch_size=20))
    assert acc == pytest.approx(float((prob.argmax(1) == yv).mean()))
    train_acc = float((model.predict(X).argmax(1) == y).mean())
    assert train_acc > 0.8   # the labels are a threshold of two inputs: learnable
    out, data, label = model.predict(mx.io.NDArrayIter(Xv, yv, batch_size=8), return_data=True)
    assert out.shape == (20, 3) and data.shape == (20, 5) and label.shape == (20,)   # padding removed
    model.save(str(tmp_path / "saved"))
    with pytest.warns(DeprecationWarning):
        loaded = mx.model.FeedForward.load(str(tmp_path / "saved"), 6)
    np.testing.assert_allclose(loaded.predict(Xv), prob, rtol=1e-6)
    assert loaded.begin_epoch == 6
    assert (tmp_path / "ff-0006.params").exists()
    with pytest.raises(ValueError):
        with pytest.warns(DeprecationWarning):
            mx.model.FeedForward(_mlp(), num_epoch=1).fit(X)


def test_feedforward_epoch_size_and_iterator_input():
    X, y = _data(n=40)
    it = mx.io.NDArrayIter(X, y, batch_size=10)
    seen = []
    with pytest.warns(DeprecationWarning):
        model = mx.model.FeedForward(_mlp(), num_epoch=2, epoch_size=3, learning_rate=0.1)
    model.fit(it, batch_end_callback=lambda p: seen.append((p.epoch, p.nbatch)))
    assert seen == [(0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3)]


def test_symbol_tutorial_composition_prefix_pickle_and_contexts():
    data = mx.symbol.Variable("data")
    net1 = mx.symbol.FullyConnected(data=data, name="fc1", num_hidden=10)
    net2 = mx.symbol.Variable("data2")
    net2 = mx.symbol.FullyConnected(data=net2, name="fc2", num_hidden=10)
    composed = net2(data2=net1, name="composed")
    assert composed.list_arguments() == ["data", "fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias"]
    x = np.ones((2, 3), np.float32)
    args = {"data": mx.nd.array(x), "fc1_weight": mx.nd.ones((10, 3)), "fc1_bias": mx.nd.zeros(10),
            "fc2_weight": mx.nd.ones((10, 10)) * 0.1, "fc2_bias": mx.nd.ones(10)}
    np.testing.assert_allclose(composed.eval(**args)[0].asnumpy(), np.full((2, 10), 4.0))
    with pytest.raises(MXNetError):
        net2(data3=net1)

    net = mx.sym.Variable("data")
    for i in range(2):
        with mx.name.Prefix("layer%d_" % (i + 1)):
            net = mx.sym.FullyConnected(data=net, name="fc", num_hidden=100)
    assert net.list_arguments() == ["data", "layer1_fc_weight", "layer1_fc_bias", "layer2_fc_weight",
                                    "layer2_fc_bias"]
    with mx.name.NameManager():
        assert mx.sym.Activation(data, act_type="relu").name == "activation0"

    a = mx.nd.ones((2, 3)) * 2
    b = pickle.loads(pickle.dumps(a))
    assert isinstance(b, mx.nd.NDArray) and b.context == a.context
    np.testing.assert_array_equal(b.asnumpy(), a.asnumpy())

    with mx.Context(mx.cpu(0)):
        assert mx.nd.ones((1,)).context == mx.cpu(0)
    assert mx.Context(mx.gpu(1)).device_id == 1
    assert mx.current_context() == mx.cpu()


def test_executor_reshape_output_dict_and_debug_str():
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    c = 2 * a + b
    texec = c.bind(mx.cpu(), {"a": mx.nd.ones((2, 1)), "b": mx.nd.ones((2, 1))})
    new = texec.reshape(allow_up_sizing=True, a=(4, 2), b=(4, 2))
    new.arg_dict["a"][:] = 3
    np.testing.assert_array_equal(new.forward()[0].asnumpy(), np.full((4, 2), 6.0))
    np.testing.assert_array_equal(texec.forward()[0].asnumpy(), np.full((2, 1), 3.0))
    assert list(texec.output_dict) == c.list_outputs()
    with pytest.raises(MXNetError, match="allow_up_sizing"):
        texec.reshape(a=(4, 2), b=(4, 2))
    with pytest.raises(MXNetError):
        texec.reshape(allow_up_sizing=True, a=(4, 2))   # b cannot follow: its shape is not inferable
    d = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=3, name="fc")
    dexec = d.simple_bind(mx.cpu(), data=(2, 4))
    with pytest.raises(MXNetError, match="partial_shaping"):
        dexec.reshape(allow_up_sizing=True, data=(2, 5))   # fc_weight would change without being named
    assert dexec.reshape(data=(1, 4)).arg_dict["fc_weight"] is dexec.arg_dict["fc_weight"]
    same = texec.reshape(a=(2, 1), b=(2, 1))
    assert same.arg_dict["a"] is texec.arg_dict["a"]   # unchanged shapes share their arrays
    text = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=3, name="fc").debug_str()
    assert "Op:FullyConnected, Name=fc" in text and "num_hidden=3" in text and "Variable:fc_weight" in text
    with pytest.raises(MXNetError):
        c.gradient(["a"])


def test_ndarray_storage_split_v2_and_inplace_mod():
    x = mx.nd.arange(12).reshape((6, 2))
    assert x.stype == "default" and x.tostype("default").shape == (6, 2)
    with pytest.raises(MXNetError):
        x.tostype("csr")
    parts = mx.nd.split_v2(x, [1, 4])
    assert [p.shape for p in parts] == [(1, 2), (3, 2), (2, 2)]
    np.testing.assert_array_equal(parts[1].asnumpy(), x.asnumpy()[1:4])
    assert [p.shape for p in x.split_v2(3, axis=0)] == [(2, 2)] * 3
    with pytest.raises(MXNetError):
        x.split_v2(4)
    x %= 5
    np.testing.assert_array_equal(x.asnumpy().ravel(), np.arange(12) % 5)


def test_variable_attributes_attr_scope_and_a_variables_own_init():
    with mx.AttrScope(ctx_group="dev1"):
        with mx.AttrScope(stage="2"):
            w = mx.sym.Variable("fc_weight", init=mx.init.Constant(0.5), lr_mult=0.1, __layout__="NC")
    assert w.attr("ctx_group") == "dev1" and w.attr("stage") == "2"
    assert w.attr("__lr_mult__") == "0.1" and w.attr("__layout__") == "NC"
    data = mx.sym.Variable("data", attr={"mood": "angry"})
    assert data.list_attr() == {"mood": "angry"}
    net = mx.sym.FullyConnected(data, weight=w, num_hidden=2, name="fc")
    net = mx.sym.load_json(net.tojson())   # the attributes travel in the JSON
    mod = mx.mod.Module(net, label_names=None)
    mod.bind(data_shapes=[("data", (1, 3))], for_training=False)
    mod.init_params(mx.init.Xavier())
    arg, _ = mod.get_params()
    np.testing.assert_array_equal(arg["fc_weight"].asnumpy(), np.full((2, 3), 0.5))   # its own init wins
    np.testing.assert_array_equal(arg["fc_bias"].asnumpy(), np.zeros(2))
    with pytest.raises(ValueError):
        mx.sym.Variable("x", mood="calm")
    with pytest.raises(ValueError):
        mx.AttrScope(group=4)
    assert mx.init.create('["xavier", {"magnitude": 2.0}]').magnitude == 2.0


def test_module_lr_mult_and_wd_mult_from_the_variables():
    """sym.var(lr_mult=..., wd_mult=...) scale that parameter's step in Module training, as MXNet's
    Optimizer reads them from the symbol."""
    X = rs.standard_normal((4, 3)).astype(np.float32)
    Y = rs.standard_normal(4).astype(np.float32)
    data = mx.sym.Variable("data")
    w = mx.sym.Variable("fc_weight", lr_mult=0.5)
    b = mx.sym.Variable("fc_bias", wd_mult=2.0)
    net = mx.sym.LinearRegressionOutput(mx.sym.FullyConnected(data, weight=w, bias=b, num_hidden=1, name="fc"),
                                        name="lro")
    w0, b0 = rs.standard_normal((1, 3)).astype(np.float32), np.ones(1, np.float32)
    mod = mx.mod.Module(net, label_names=["lro_label"])
    mod.fit(mx.io.NDArrayIter(X, Y, batch_size=4, label_name="lro_label"), num_epoch=1,
            arg_params={"fc_weight": mx.nd.array(w0), "fc_bias": mx.nd.array(b0)},
            optimizer_params={"learning_rate": 0.1, "wd": 0.1}, eval_metric="mse")
    g = (X @ w0.T + b0 - Y[:, None]) / 4
    arg, _ = mod.get_params()
    np.testing.assert_allclose(arg["fc_weight"].asnumpy(), w0 - 0.05 * (g.T @ X + 0.1 * w0), rtol=1e-5)
    np.testing.assert_allclose(arg["fc_bias"].asnumpy(), b0 - 0.1 * (g.sum(0) + 0.2 * b0), rtol=1e-5)
