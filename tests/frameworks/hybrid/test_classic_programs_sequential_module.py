"""MXNet 1.x's example/module/sequential_module.py and example/module/python_loss.py, verbatim but for the
import, MNIST's idx files written with synthetic digits (as test_classic_programs_module does), the CPU
contexts the examples offer and a larger learning rate (and more epochs) on the small data: SequentialModule chaining a Module
without labels into one that takes them (take_labels, auto_wiring), and a PythonLossModule whose gradient
(the multi-class hinge loss's) is NumPy code; numba.jit, which the example imports only to speed that
function, is an identity here when numba is not installed."""
import logging
import os
import types

import numpy as np
import pytest

import frameworks.hybrid as mx
from tests.frameworks.hybrid.test_classic_programs_module import _write_idx

try:
    import numba
except ImportError:   # numba compiles mc_hinge_grad for speed; the function is plain Python either way
    numba = types.SimpleNamespace(jit=lambda f: f)


def _mnist(tmp_path):
    (tmp_path / "data").mkdir()
    _write_idx(tmp_path / "data", 1000, 0)
    _write_idx(tmp_path / "data", 200, 1)


def test_sequential_module_example(tmp_path, caplog):
    _mnist(tmp_path)
    # whether to demo model-parallelism + data parallelism
    demo_data_model_parallelism = False

    if demo_data_model_parallelism:
        contexts = [[mx.context.gpu(0), mx.context.gpu(1)], [mx.context.gpu(2), mx.context.gpu(3)]]
    else:
        contexts = [mx.context.cpu(), mx.context.cpu()]

    #--------------------------------------------------------------------------------
    # module 1
    #--------------------------------------------------------------------------------
    data = mx.symbol.Variable('data')
    fc1 = mx.symbol.FullyConnected(data, name='fc1', num_hidden=128)
    act1 = mx.symbol.Activation(fc1, name='relu1', act_type="relu")

    mod1 = mx.mod.Module(act1, label_names=[], context=contexts[0])

    #--------------------------------------------------------------------------------
    # module 2
    #--------------------------------------------------------------------------------
    data = mx.symbol.Variable('data')
    fc2 = mx.symbol.FullyConnected(data, name = 'fc2', num_hidden = 64)
    act2 = mx.symbol.Activation(fc2, name='relu2', act_type="relu")
    fc3 = mx.symbol.FullyConnected(act2, name='fc3', num_hidden=10)
    softmax = mx.symbol.SoftmaxOutput(fc3, name = 'softmax')

    mod2 = mx.mod.Module(softmax, context=contexts[1])

    #--------------------------------------------------------------------------------
    # Container module
    #--------------------------------------------------------------------------------
    mod_seq = mx.mod.SequentialModule()
    mod_seq.add(mod1).add(mod2, take_labels=True, auto_wiring=True)

    #--------------------------------------------------------------------------------
    # Training
    #--------------------------------------------------------------------------------
    n_epoch = 2
    batch_size = 100
    basedir = str(tmp_path)

    train_dataiter = mx.io.MNISTIter(
            image=os.path.join(basedir, "data", "train-images-idx3-ubyte"),
            label=os.path.join(basedir, "data", "train-labels-idx1-ubyte"),
            data_shape=(784,),
            batch_size=batch_size, shuffle=True, flat=True, silent=False, seed=10)
    val_dataiter = mx.io.MNISTIter(
            image=os.path.join(basedir, "data", "t10k-images-idx3-ubyte"),
            label=os.path.join(basedir, "data", "t10k-labels-idx1-ubyte"),
            data_shape=(784,),
            batch_size=batch_size, shuffle=True, flat=True, silent=False)

    logging.basicConfig(level=logging.DEBUG)
    with caplog.at_level(logging.INFO):
        # (10 batches an epoch: a larger step and more epochs, as test_classic_programs_module's mnist_mlp)
        mod_seq.fit(train_dataiter, eval_data=val_dataiter,
                    optimizer_params={'learning_rate':0.1, 'momentum': 0.9}, num_epoch=n_epoch + 8)

    # both modules trained: mod2 fed mod1's output (auto-wired to its 'data'), mod1 the gradient from mod2
    assert mod1.data_shapes[0].shape == (100, 784) and mod2.data_shapes[0].shape == (100, 128)
    assert mod_seq.label_shapes[0].name == 'softmax_label' and mod1.label_shapes is None   # (MXNet's: bound without)
    arg, _ = mod_seq.get_params()
    assert sorted(arg) == ['fc1_bias', 'fc1_weight', 'fc2_bias', 'fc2_weight', 'fc3_bias', 'fc3_weight']
    val = [float(r.getMessage().split("=")[1]) for r in caplog.records if "Validation-accuracy" in r.getMessage()]
    assert len(val) == 10 and val[-1] > 0.8, val
    assert mod_seq.predict(val_dataiter).shape == (200, 10)


# We use numba.jit to implement the loss gradient.
@numba.jit
def mc_hinge_grad(scores, labels):
    scores = scores.asnumpy()
    labels = labels.asnumpy().astype(int)

    n, _ = scores.shape
    grad = np.zeros_like(scores)

    for i in range(n):
        score = 1 + scores[i] - scores[i, labels[i]]
        score[labels[i]] = 0
        ind_pred = score.argmax()
        grad[i, labels[i]] -= 1
        grad[i, ind_pred] += 1

    return grad


def test_python_loss_example(tmp_path, monkeypatch, caplog):
    _mnist(tmp_path)
    monkeypatch.chdir(tmp_path)
    n_epoch = 10
    batch_size = 100
    num_gpu = 0
    contexts = mx.context.cpu() if num_gpu < 1 else [mx.context.gpu(i) for i in range(num_gpu)]

    # build a MLP module
    data = mx.symbol.Variable('data')
    fc1 = mx.symbol.FullyConnected(data, name='fc1', num_hidden=128)
    act1 = mx.symbol.Activation(fc1, name='relu1', act_type="relu")
    fc2 = mx.symbol.FullyConnected(act1, name = 'fc2', num_hidden = 64)
    act2 = mx.symbol.Activation(fc2, name='relu2', act_type="relu")
    fc3 = mx.symbol.FullyConnected(act2, name='fc3', num_hidden=10)

    mlp = mx.mod.Module(fc3, context=contexts)
    loss = mx.mod.PythonLossModule(grad_func=mc_hinge_grad)

    mod = mx.mod.SequentialModule() \
            .add(mlp) \
            .add(loss, take_labels=True, auto_wiring=True)

    train_dataiter = mx.io.MNISTIter(
            image="data/train-images-idx3-ubyte",
            label="data/train-labels-idx1-ubyte",
            data_shape=(784,),
            batch_size=batch_size, shuffle=True, flat=True, silent=False, seed=10)
    val_dataiter = mx.io.MNISTIter(
            image="data/t10k-images-idx3-ubyte",
            label="data/t10k-labels-idx1-ubyte",
            data_shape=(784,),
            batch_size=batch_size, shuffle=True, flat=True, silent=False)

    logging.basicConfig(level=logging.DEBUG)
    with caplog.at_level(logging.INFO):
        mod.fit(train_dataiter, eval_data=val_dataiter,
                optimizer_params={'learning_rate':0.1, 'momentum': 0.9},   # (0.01: few batches here)
                num_epoch=n_epoch + 6)

    # the scores pass through the loss module unchanged; its gradient reached the MLP's weights
    assert loss.output_shapes == [('pyloss_output', (100, 10))]
    val = [float(r.getMessage().split("=")[1]) for r in caplog.records if "Validation-accuracy" in r.getMessage()]
    assert len(val) == 16 and val[-1] > 0.8, val


def test_python_loss_module_refuses_out_grads_and_reports_its_gradient():
    loss = mx.mod.PythonLossModule(grad_func=lambda s, l: -l.asnumpy()[:, None] * np.ones((2, 3)))
    loss.bind([('data', (2, 3))], [('softmax_label', (2,))])
    batch = mx.io.DataBatch([mx.nd.ones((2, 3))], [mx.nd.array([1, 2])])
    loss.forward(batch)
    loss.backward()
    np.testing.assert_allclose(loss.get_input_grads()[0].asnumpy(), [[-1, -1, -1], [-2, -2, -2]])
    with pytest.raises(AssertionError, match="out_grads should be None"):
        loss.backward(out_grads=[mx.nd.ones((2, 3))])
