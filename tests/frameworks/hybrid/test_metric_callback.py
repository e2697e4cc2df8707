"""mx.metric's NegativeLogLikelihood, PearsonCorrelation, MCC and register; mx.callback's
log_train_metric, ProgressBar, LogValidationMetricsCallback and module_checkpoint, through Module.fit."""
import logging

import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import nd
from frameworks.hybrid.base import MXNetError


def test_more_metrics_as_mxnet_computes_them():
    m = mx.metric.create("nll_loss")
    m.update([nd.array([0, 1])], [nd.array([[0.5, 0.5], [0.2, 0.8]])])
    assert m.get()[0] == "nll-loss"
    np.testing.assert_allclose(m.get()[1], -(np.log(0.5) + np.log(0.8)) / 2, rtol=1e-6)
    m = mx.metric.create("pearsonr")
    m.update([nd.array([1, 2, 3])], [nd.array([1, 2, 4])])
    np.testing.assert_allclose(m.get()[1], np.corrcoef([1, 2, 4], [1, 2, 3])[0, 1], rtol=1e-6)
    m = mx.metric.MCC()
    m.update([nd.array([0, 1, 1, 0, 1])], [nd.array([[.9, .1], [.2, .8], [.7, .3], [.4, .6], [.1, .9]])])
    tp, fp, fn, tn = 2, 1, 1, 1
    np.testing.assert_allclose(m.get()[1], (tp * tn - fp * fn) / np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)))
    with pytest.raises(MXNetError, match="binary"):
        m.update([nd.array([0, 1, 2])], [nd.array([[1, 0, 0]] * 3)])

    @mx.metric.register
    class HalfAccuracy(mx.metric.Accuracy):
        def get(self):
            return self.name, super().get()[1] / 2
    assert isinstance(mx.metric.create("halfaccuracy"), HalfAccuracy)


def test_callbacks_through_module_fit(tmp_path, caplog):
    data = mx.sym.Variable("data")
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(data, num_hidden=2, name="fc"), name="softmax")
    rs = np.random.RandomState(0)
    X = rs.standard_normal((40, 3))
    y = (X[:, 0] > 0).astype(np.float32)
    train = mx.io.NDArrayIter(X, y, batch_size=10)
    mod = mx.mod.Module(net, context=mx.cpu())
    prefix = str(tmp_path / "mlp")
    with caplog.at_level(logging.INFO):
        mod.fit(train, eval_data=mx.io.NDArrayIter(X, y, batch_size=10), num_epoch=2, eval_metric="acc",
                batch_end_callback=[mx.callback.log_train_metric(2), mx.callback.ProgressBar(4, length=10)],
                eval_end_callback=mx.callback.LogValidationMetricsCallback(),
                epoch_end_callback=mx.callback.module_checkpoint(mod, prefix, period=2))
    text = caplog.text
    assert "Iter[0] Batch[2] Train-accuracy=" in text and "[=====-----] 50%" in text
    assert "Epoch[1] Validation-accuracy=" in text
    sym, args, aux = mx.model.load_checkpoint(prefix, 2)
    np.testing.assert_allclose(args["fc_weight"].asnumpy(), mod.get_params()[0]["fc_weight"].asnumpy())


def test_module_save_and_load_params(tmp_path):
    data = mx.sym.Variable("data")
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(data, num_hidden=2, name="fc"), name="softmax")
    mod = mx.mod.Module(net, context=mx.cpu())
    mod.bind(data_shapes=[("data", (4, 3))], label_shapes=[("softmax_label", (4,))])
    mod.init_params(mx.init.Xavier())
    fname = str(tmp_path / "mlp.params")
    mod.save_params(fname)
    other = mx.mod.Module(net, context=mx.cpu())
    other.bind(data_shapes=[("data", (4, 3))], label_shapes=[("softmax_label", (4,))])
    other.init_params(mx.init.Zero())
    other.load_params(fname)
    np.testing.assert_allclose(other.get_params()[0]["fc_weight"].asnumpy(), mod.get_params()[0]["fc_weight"].asnumpy())


def test_csv_and_prefetching_iterators_and_the_refused_record_iterator(tmp_path):
    rs = np.random.RandomState(1)
    X, y = rs.standard_normal((10, 6)).round(3), rs.randint(0, 2, 10)
    np.savetxt(tmp_path / "x.csv", X, delimiter=",")
    np.savetxt(tmp_path / "y.csv", y, delimiter=",")
    it = mx.io.CSVIter(data_csv=str(tmp_path / "x.csv"), data_shape=(2, 3), label_csv=str(tmp_path / "y.csv"),
                       batch_size=4)
    batches = list(it)
    assert len(batches) == 3 and batches[-1].pad == 2   # round_batch: the last batch filled from the start
    np.testing.assert_allclose(batches[0].data[0].asnumpy(), X[:4].reshape(4, 2, 3), rtol=1e-6)
    assert batches[0].label[0].asnumpy().tolist() == y[:4].tolist()
    with pytest.raises(MXNetError, match="6 values per row"):
        mx.io.CSVIter(data_csv=str(tmp_path / "x.csv"), data_shape=(5,))
    pre = mx.io.PrefetchingIter(mx.io.NDArrayIter(X, y, batch_size=5))
    assert [b.data[0].shape for b in pre] == [(5, 6), (5, 6)]
    with pytest.raises(MXNetError, match="NDArrayIter"):
        mx.io.ImageRecordIter(path_imgrec="train.rec", data_shape=(3, 32, 32), batch_size=4)
