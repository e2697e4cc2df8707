"""Module over a list of contexts, as data-parallel programs write it (contexts = [mx.cpu(i) for i in
range(n)]): MXNet splits each batch over them and sums the gradients, the whole batch's update; here the
batch runs on the first, giving that same update. Mixed device types are refused."""
import numpy as np
import pytest

import frameworks.hybrid as mx


def _fit(context):
    rs = np.random.RandomState(0)
    data = mx.sym.var("data")
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(data, num_hidden=3, name="fc"), name="softmax")
    it = mx.io.NDArrayIter(rs.standard_normal((24, 4)), rs.randint(0, 3, 24), batch_size=8)
    mx.random.seed(3)
    mod = mx.mod.Module(net, context=context)
    mod.fit(it, num_epoch=2, optimizer_params={"learning_rate": 0.5, "momentum": 0.9},
            initializer=mx.init.Xavier())
    return mod.get_params()[0]["fc_weight"].asnumpy()


def test_a_context_list_trains_as_the_whole_batch_on_one_device():
    np.testing.assert_array_equal(_fit([mx.cpu(0), mx.cpu(1)]), _fit(mx.cpu()))
    with pytest.raises(mx.MXNetError, match="mix device types"):
        mx.mod.Module(mx.sym.var("data"), context=[mx.cpu(), mx.gpu()])


def test_base_module_is_mxnets_abstract_interface():
    class Custom(mx.mod.BaseModule):
        pass
    mod = Custom()
    for call in (lambda: mod.forward(None), lambda: mod.get_params(), lambda: mod.data_names,
                 lambda: mod.update_metric(None, None)):
        with pytest.raises(NotImplementedError):
            call()
    seq = mx.mod.SequentialModule().add(mx.mod.Module(mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=2),
                                                      label_names=None))
    seq.bind([("data", (3, 4))])
    seq.init_params()
    assert seq.get_states(merge_multi_context=False) == []     # a module without states, as MXNet's
