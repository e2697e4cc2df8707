"""MXNet 1.x's Gluon naming tutorial (docs/python_docs/python/tutorials/packages/gluon/blocks/naming.md), as
written but for the import and alexnet(pretrained=True) (no download: pretrained=False, the same names):
block prefixes, parameter names, name scopes (model zoo's prefix='' features count in the parent's
scope), the load error between differently-prefixed models, and save/load_parameters by structure."""
import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import gluon


def test_naming_tutorial(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with mx.name.NameManager():   # a fresh process's counters, as the tutorial starts with
        mydense = gluon.nn.Dense(100, prefix='mydense_')
        print(mydense.prefix)
        dense0 = gluon.nn.Dense(100)
        print(dense0.prefix)
        dense1 = gluon.nn.Dense(100)
        print(dense1.prefix)
        print(dense0.collect_params())
        assert capsys.readouterr().out == (
            "mydense_\ndense0_\ndense1_\n"
            "dense0_ (\n"
            "  Parameter dense0_weight (shape=(100, 0), dtype=float32)\n"
            "  Parameter dense0_bias (shape=(100,), dtype=float32)\n"
            ")\n")

        class Model(gluon.Block):
            def __init__(self, **kwargs):
                super(Model, self).__init__(**kwargs)
                with self.name_scope():
                    self.dense0 = gluon.nn.Dense(20)
                    self.dense1 = gluon.nn.Dense(20)
                    self.mydense = gluon.nn.Dense(20, prefix='mydense_')

            def forward(self, x):
                x = mx.nd.relu(self.dense0(x))
                x = mx.nd.relu(self.dense1(x))
                return mx.nd.relu(self.mydense(x))

        model0 = Model()
        model0.initialize()
        model0(mx.nd.zeros((1, 20)))
        print(model0.prefix)
        print(model0.dense0.prefix)
        print(model0.dense1.prefix)
        print(model0.mydense.prefix)
        model1 = Model()
        print(model1.prefix)
        print(model1.dense0.prefix)
        print(model1.dense1.prefix)
        print(model1.mydense.prefix)
        assert capsys.readouterr().out.split() == [
            "model0_", "model0_dense0_", "model0_dense1_", "model0_mydense_",
            "model1_", "model1_dense0_", "model1_dense1_", "model1_mydense_"]

        net = gluon.nn.Sequential()
        with net.name_scope():
            net.add(gluon.nn.Dense(20))
            net.add(gluon.nn.Dense(20))
        print(net.prefix)
        print(net[0].prefix)
        print(net[1].prefix)

        net = gluon.nn.Sequential()
        with net.name_scope():
            net.add(gluon.model_zoo.vision.alexnet(pretrained=False))
            net.add(gluon.model_zoo.vision.alexnet(pretrained=False))
        print(net.prefix, net[0].prefix, net[1].prefix)
        assert capsys.readouterr().out == ("sequential0_\nsequential0_dense0_\nsequential0_dense1_\n"
                                           "sequential1_ sequential1_alexnet0_ sequential1_alexnet1_\n")

        print(model0.collect_params(), '\n')
        print(model1.collect_params())
        out = capsys.readouterr().out
        assert "  Parameter model0_mydense_weight (shape=(20, 20), dtype=float32)\n" in out
        assert "  Parameter model1_dense0_weight (shape=(20, 0), dtype=float32)\n" in out

        model0.collect_params().save('model.params')
        try:
            model1.collect_params().load('model.params', mx.cpu())
        except Exception as e:
            print(e)
        assert capsys.readouterr().out == (
            "Parameter 'model1_dense0_weight' is missing in file: model.params, which contains parameters: "
            "'model0_dense0_weight', 'model0_dense0_bias', 'model0_dense1_weight', 'model0_dense1_bias', "
            "'model0_mydense_weight', 'model0_mydense_bias'. Please make sure source and target networks have "
            "the same prefix.For more info on naming, please see "
            "https://mxnet.io/api/python/docs/tutorials/packages/gluon/blocks/naming.html\n")

        model0.save_parameters('model.params')
        model1.load_parameters('model.params')
        print(mx.nd.load('model.params').keys())
        assert capsys.readouterr().out == ("dict_keys(['dense0.weight', 'dense0.bias', 'dense1.weight', "
                                           "'dense1.bias', 'mydense.weight', 'mydense.bias'])\n")
        x = mx.nd.random.uniform(shape=(2, 20))
        np.testing.assert_array_equal(model1(x).asnumpy(), model0(x).asnumpy())

        alexnet = gluon.model_zoo.vision.alexnet(pretrained=False)
        print(alexnet.output)
        print(alexnet.output.prefix)
        with alexnet.name_scope():
            alexnet.output = gluon.nn.Dense(100)
        alexnet.output.initialize()
        print(alexnet.output)
        print(alexnet.output.prefix)
        assert capsys.readouterr().out == ("Dense(None -> 1000, linear)\nalexnet0_dense2_\n"
                                           "Dense(None -> 100, linear)\nalexnet0_dense3_\n")


def test_model_zoo_features_share_the_parent_scope(tmp_path):
    # the names alexnet's pretrained files hold: features' two Dense then the output, one count
    with mx.name.NameManager():
        net = gluon.model_zoo.vision.alexnet()
    names = list(net.collect_params().keys())
    assert names[-6:] == ['alexnet0_dense0_weight', 'alexnet0_dense0_bias', 'alexnet0_dense1_weight',
                          'alexnet0_dense1_bias', 'alexnet0_dense2_weight', 'alexnet0_dense2_bias']
    assert len(names) == len(set(names)) == 16
    # Block.load_parameters' missing and extra errors, in MXNet's words (names elided past 7)
    seq = gluon.nn.Sequential()
    for _ in range(4):
        seq.add(gluon.nn.Dense(2, in_units=2))
    seq.initialize()
    path = str(tmp_path / 'seq.params')
    seq.save_parameters(path)
    other = gluon.nn.Dense(2, in_units=2, prefix='other_')
    other.initialize()
    with pytest.raises(ValueError) as e:
        other.load_parameters(path, allow_missing=True)
    assert str(e.value) == (f"Parameter '0.weight' loaded from file '{path}' is not present in ParameterDict, "
                            "which contains parameters 'weight', 'bias'. Set ignore_extra=True to ignore. ")
    bigger = gluon.nn.Sequential()
    for _ in range(5):
        bigger.add(gluon.nn.Dense(2, in_units=2))
    with pytest.raises(AssertionError) as e:
        bigger.load_parameters(path)
    assert str(e.value) == (f"Parameter '4.weight' is missing in file '{path}', which contains parameters: "
                            "'0.weight', '0.bias', '1.weight', ..., '2.weight', '2.bias', '3.weight', '3.bias'. "
                            "Set allow_missing=True to ignore missing parameters.")
