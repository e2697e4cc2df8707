"""mx.mon.Monitor as MXNet's programs use it (example/cnn_chinese_text_classification's norm statistic through
Module.fit(monitor=...), install on a bound executor): every op output matching the pattern at the
monitored batches, then the matching arguments, each statistic the function's value on that array."""
import logging

import numpy as np

import frameworks.hybrid as mx
from frameworks.hybrid import nd


def _net():
    data = mx.sym.var("data")
    fc1 = mx.sym.FullyConnected(data, num_hidden=4, name="fc1")
    act = mx.sym.Activation(fc1, act_type="relu", name="relu1")
    return mx.sym.SoftmaxOutput(mx.sym.FullyConnected(act, num_hidden=2, name="fc2"), name="softmax")


def test_monitor_through_module_fit_logs_outputs_and_weights(caplog):
    def norm_stat(d):
        return mx.nd.norm(d) / np.sqrt(d.size)
    mon = mx.mon.Monitor(2, norm_stat, pattern=".*output|.*weight")
    rs = np.random.RandomState(0)
    it = mx.io.NDArrayIter(rs.standard_normal((40, 3)), rs.randint(0, 2, 40), batch_size=10)
    mod = mx.mod.Module(_net())
    with caplog.at_level(logging.INFO):
        mod.fit(it, num_epoch=1, monitor=mon, optimizer_params={"learning_rate": 0.1})
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Batch:")]
    # batches 1 and 3 of 4 (every 2nd, counting from the first): outputs, then the weights after the update
    steps = sorted({int(line.split()[1]) for line in lines})
    assert steps == [1, 3]
    names = [line.split()[2] for line in lines if int(line.split()[1]) == 3]
    assert names == ["fc1_output", "relu1_output", "fc2_output", "softmax_output", "fc1_weight", "fc2_weight"]
    # two near-equal class probabilities: softmax's norm over sqrt(size) is near 0.5
    soft = [float(line.split()[3]) for line in lines if line.split()[2] == "softmax_output"]
    assert all(abs(v - 0.5) < 0.05 for v in soft), soft
    assert mod.score(it, "acc")[0][1] >= 0   # the monitored executor still trains and scores


def test_monitor_on_an_executor_sees_the_forward_values_and_keeps_backward():
    net = _net()
    ex = net.simple_bind(mx.cpu(), data=(5, 3))
    rs = np.random.RandomState(1)
    for k, a in ex.arg_dict.items():
        a[:] = rs.standard_normal(a.shape)
    mon = mx.mon.Monitor(1, lambda x: x.sum(), pattern="relu1_output", sort=True)
    mon.install(ex)
    mon.tic()
    ex.forward(is_train=True)
    ex.backward()
    res = mon.toc()
    fc1 = ex.arg_dict["data"].asnumpy() @ ex.arg_dict["fc1_weight"].asnumpy().T + ex.arg_dict["fc1_bias"].asnumpy()
    assert [k for _, k, _ in res] == ["relu1_output"]
    assert abs(float(res[0][2]) - np.maximum(fc1, 0).sum()) < 1e-4
    # the gradients are as without a monitor
    plain = net.simple_bind(mx.cpu(), data=(5, 3))
    plain.copy_params_from({k: v for k, v in ex.arg_dict.items()})
    plain.forward(is_train=True)
    plain.backward()
    np.testing.assert_allclose(plain.grad_dict["fc1_weight"].asnumpy(), ex.grad_dict["fc1_weight"].asnumpy())
    assert not mon.toc()   # not activated: nothing
