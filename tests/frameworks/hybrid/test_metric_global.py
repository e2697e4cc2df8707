"""MXNet 1.x's local and global metric statistics (Speedometer's auto_reset clears the local ones only,
so fit's epoch-end Train-* covers the whole epoch), PCC against its formula, and the alias decorators."""
import logging

import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid.base import MXNetError


def _batch(pred_ids, labels, k=3):
    return [mx.nd.array(labels)], [mx.nd.array(np.eye(k)[pred_ids])]


def test_reset_local_keeps_the_global_statistics():
    acc = mx.metric.Accuracy()
    acc.update(*_batch([0, 1], [0, 1]))
    acc.update(*_batch([0, 1], [1, 1]))
    acc.reset_local()
    acc.update(*_batch([2, 2], [0, 2]))
    assert acc.get() == ("accuracy", 0.5)
    assert acc.get_global() == ("accuracy", pytest.approx(4 / 6))
    comp = mx.metric.create(["acc", "mse"])
    comp.update(*_batch([0, 1], [0, 0]))
    comp.reset_local()
    comp.update(*_batch([1], [1]))
    assert comp.get_global_name_value()[0] == ("accuracy", pytest.approx(2 / 3))
    assert comp.get_name_value()[0] == ("accuracy", 1.0)
    acc.reset()
    assert np.isnan(acc.get_global()[1])


def test_speedometer_auto_reset_leaves_the_epochs_train_metric_global(caplog):
    X = np.random.RandomState(0).standard_normal((40, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.float32)
    data = mx.sym.Variable("data")
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(data, num_hidden=2, name="fc"), name="softmax")
    mod = mx.mod.Module(net)
    seen = []

    def record(param):   # the running accuracy after each batch, before Speedometer resets it
        seen.append(param.eval_metric.get_global()[1])
    with caplog.at_level(logging.INFO):
        mod.fit(mx.io.NDArrayIter(X, y, batch_size=10), num_epoch=1, optimizer_params={"learning_rate": 0.1},
                batch_end_callback=[record, mx.callback.Speedometer(10, frequent=2)])
    line = [r.getMessage() for r in caplog.records if "Train-accuracy" in r.getMessage() and "Epoch[0]" in r.getMessage()]
    assert line and float(line[0].split("=")[1]) == pytest.approx(seen[-1], abs=1e-6)


def test_pcc_is_the_multiclass_matthews_correlation():
    labels = np.array([0, 1, 2, 2, 1, 0, 3])
    preds = np.array([0, 2, 2, 1, 1, 0, 3])
    pcc = mx.metric.create("pcc")
    pcc.update([mx.nd.array(labels)], [mx.nd.array(np.eye(4)[preds])])
    c = np.zeros((4, 4))
    np.add.at(c, (preds, labels), 1)
    n, x, y = c.sum(), c.sum(1), c.sum(0)
    expected = (np.trace(c) * n - x @ y) / np.sqrt((n * n - x @ x) * (n * n - y @ y))
    assert pcc.get()[1] == pytest.approx(expected)
    binary = mx.metric.PCC()
    lab, pr = np.array([1, 0, 1, 1, 0]), np.array([1, 0, 0, 1, 1])
    binary.update([mx.nd.array(lab)], [mx.nd.array(pr)])
    tp, tn, fp, fn = 2, 1, 1, 1
    assert binary.get()[1] == pytest.approx((tp * tn - fp * fn) / np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)))
    with pytest.raises(MXNetError):
        mx.metric.Torch()


def test_alias_decorators_register_for_create():
    @mx.metric.alias("my_err")
    class MyErr(mx.metric.EvalMetric):
        def __init__(self):
            super().__init__("my_err")

        def update(self, labels, preds):
            self.sum_metric += 1
            self.num_inst += 1
    assert isinstance(mx.metric.create("my_err"), MyErr)

    @mx.init.alias("my_const")
    class MyConst(mx.init.Initializer):
        def _init_weight(self, name, arr):
            arr[:] = 3
    assert isinstance(mx.init.create("my_const"), MyConst)
