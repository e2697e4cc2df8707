"""MXNet 1.x's Module-API programs, near verbatim with only the import changed: example/module/mnist_mlp.py
(MNISTIter over MNIST's idx files, the intermediate-level loop, fit, iter_predict, predict, score) and
example/image-classification's symbols (mlp, lenet) trained through common/fit.py's calls
(MultiFactorScheduler in optimizer_params, Xavier gaussian/in/2, top-k metric, Speedometer,
do_checkpoint, kvstore object, allow_missing)."""
import logging
import struct

import numpy as np
import pytest

import frameworks.hybrid as mx


def _digits(n, seed):
    """(labels, images): n 28x28 uint8 noise images, each with a bright block placed by its label."""
    rs = np.random.RandomState(seed)
    labels = rs.randint(0, 10, n).astype(np.uint8)
    images = rs.randint(0, 60, (n, 28, 28)).astype(np.uint8)
    for i, k in enumerate(labels):
        r, c = divmod(int(k), 5)
        images[i, 4 + 10 * r:10 + 10 * r, 2 + 5 * c:8 + 5 * c] = 250
    return labels, images


def _write_idx(path, n, seed):
    labels, images = _digits(n, seed)
    (path / f"{'train' if seed == 0 else 't10k'}-labels-idx1-ubyte").write_bytes(
        struct.pack(">II", 2049, n) + labels.tobytes())
    (path / f"{'train' if seed == 0 else 't10k'}-images-idx3-ubyte").write_bytes(
        struct.pack(">IIII", 2051, n, 28, 28) + images.tobytes())


def test_module_mnist_mlp_example(tmp_path, caplog):
    basedir = tmp_path
    (basedir / "data").mkdir()
    _write_idx(basedir / "data", 1000, 0)
    _write_idx(basedir / "data", 200, 1)
    import os

    data = mx.symbol.Variable('data')
    fc1 = mx.symbol.FullyConnected(data, name='fc1', num_hidden=128)
    act1 = mx.symbol.Activation(fc1, name='relu1', act_type="relu")
    fc2 = mx.symbol.FullyConnected(act1, name = 'fc2', num_hidden = 64)
    act2 = mx.symbol.Activation(fc2, name='relu2', act_type="relu")
    fc3 = mx.symbol.FullyConnected(act2, name='fc3', num_hidden=10)
    softmax = mx.symbol.SoftmaxOutput(fc3, name = 'softmax')

    n_epoch = 2
    batch_size = 100

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

    mod = mx.mod.Module(softmax)
    mod.bind(data_shapes=train_dataiter.provide_data, label_shapes=train_dataiter.provide_label)
    mod.init_params()

    mod.init_optimizer(optimizer_params={'learning_rate':0.01, 'momentum': 0.9})
    metric = mx.metric.create('acc')

    for i_epoch in range(n_epoch):
        for i_iter, batch in enumerate(train_dataiter):
            mod.forward(batch)
            mod.update_metric(metric, batch.label)

            mod.backward()
            mod.update()

        for name, val in metric.get_name_value():
            print('epoch %03d: %s=%f' % (i_epoch, name, val))
        metric.reset()
        train_dataiter.reset()

    logging.basicConfig(level=logging.DEBUG)
    train_dataiter.reset()
    mod = mx.mod.Module(softmax)
    with caplog.at_level(logging.INFO):
        mod.fit(train_dataiter, eval_data=val_dataiter,
                optimizer_params={'learning_rate':0.1, 'momentum': 0.9}, num_epoch=n_epoch + 12)  # (few batches: more steps)
    assert "Epoch[13] Validation-accuracy" in caplog.text

    for preds, i_batch, batch in mod.iter_predict(val_dataiter):
        pred_label = preds[0].asnumpy().argmax(axis=1)
        label = batch.label[0].asnumpy().astype('int32')

    preds = mod.predict(val_dataiter)
    assert preds.shape == (200, 10)

    preds = mod.predict(val_dataiter, merge_batches=False)
    val_dataiter.reset()
    acc_sum = 0.0; acc_cnt = 0
    for i, batch in enumerate(val_dataiter):
        pred_label = preds[i][0].asnumpy().argmax(axis=1)
        label = batch.label[0].asnumpy().astype('int32')
        acc_sum += (label == pred_label).sum()
        acc_cnt += len(pred_label)
    assert acc_sum / acc_cnt > 0.7, acc_sum / acc_cnt

    mod.score(val_dataiter, metric)
    (name, val), = metric.get_name_value()
    assert name == 'accuracy' and val > 0.7


# ---------------------------------------------------------------- example/image-classification/symbols

def mlp_get_symbol(num_classes=10, **kwargs):
    data = mx.symbol.Variable('data')
    data = mx.sym.Flatten(data=data)
    fc1  = mx.symbol.FullyConnected(data = data, name='fc1', num_hidden=128)
    act1 = mx.symbol.Activation(data = fc1, name='relu1', act_type="relu")
    fc2  = mx.symbol.FullyConnected(data = act1, name = 'fc2', num_hidden = 64)
    act2 = mx.symbol.Activation(data = fc2, name='relu2', act_type="relu")
    fc3  = mx.symbol.FullyConnected(data = act2, name='fc3', num_hidden=num_classes)
    mlp  = mx.symbol.SoftmaxOutput(data = fc3, name = 'softmax')
    return mlp


def lenet_get_symbol(num_classes=10, add_stn=False, **kwargs):
    data = mx.symbol.Variable('data')
    # first conv
    conv1 = mx.symbol.Convolution(data=data, kernel=(5,5), num_filter=20)
    tanh1 = mx.symbol.Activation(data=conv1, act_type="tanh")
    pool1 = mx.symbol.Pooling(data=tanh1, pool_type="max",
                              kernel=(2,2), stride=(2,2))
    # second conv
    conv2 = mx.symbol.Convolution(data=pool1, kernel=(5,5), num_filter=50)
    tanh2 = mx.symbol.Activation(data=conv2, act_type="tanh")
    pool2 = mx.symbol.Pooling(data=tanh2, pool_type="max",
                              kernel=(2,2), stride=(2,2))
    # first fullc
    flatten = mx.symbol.Flatten(data=pool2)
    fc1 = mx.symbol.FullyConnected(data=flatten, num_hidden=500)
    tanh3 = mx.symbol.Activation(data=fc1, act_type="tanh")
    # second fullc
    fc2 = mx.symbol.FullyConnected(data=tanh3, num_hidden=num_classes)
    # loss
    lenet = mx.symbol.SoftmaxOutput(data=fc2, name='softmax')
    return lenet


def _images(n, seed):
    rs = np.random.RandomState(seed)
    labels = rs.randint(0, 10, n)
    x = rs.uniform(0, 0.3, (n, 1, 28, 28)).astype(np.float32)
    for i, k in enumerate(labels):
        r, c = divmod(k, 5)
        x[i, 0, 4 + 10 * r:10 + 10 * r, 2 + 5 * c:8 + 5 * c] += 1.0
    return x, labels.astype(np.float32)


@pytest.mark.parametrize("network,lr,optimizer", [(mlp_get_symbol, 0.1, 'sgd'), (lenet_get_symbol, 0.05, 'nag'),
                                                   (mlp_get_symbol, 0.1, 'lbsgd')])
def test_image_classification_fit(network, lr, optimizer, tmp_path, caplog):
    """common/fit.py's fit(), as train_mnist.py calls it (lr_step_epochs '2', lr_factor 0.1)."""
    mx.random.seed(0)
    np.random.seed(0)
    batch_size, num_epochs, disp_batches = 32, 3, 2
    x, y = _images(160, 0)
    vx, vy = _images(64, 1)
    train = mx.io.NDArrayIter(x, y, batch_size, shuffle=True)
    val = mx.io.NDArrayIter(vx, vy, batch_size)
    kv = mx.kvstore.create('device')
    epoch_size = 160 // batch_size
    steps = [epoch_size * 2]
    lr_scheduler = mx.lr_scheduler.MultiFactorScheduler(step=steps, factor=0.1, base_lr=lr)
    model = mx.mod.Module(context=mx.cpu(), symbol=network())
    optimizer_params = {
        'learning_rate': lr,
        'wd': 0.0001,
        'lr_scheduler': lr_scheduler,
        'multi_precision': True}
    has_momentum = {'sgd', 'dcasgd', 'nag', 'signum', 'lbsgd'}
    if optimizer in has_momentum:
        optimizer_params['momentum'] = 0.9
    initializer = mx.init.Xavier(rnd_type='gaussian', factor_type="in", magnitude=2)
    eval_metrics = ['accuracy']
    eval_metrics.append(mx.metric.create('top_k_accuracy', top_k=5))
    batch_end_callbacks = [mx.callback.Speedometer(batch_size, disp_batches)]
    checkpoint = mx.callback.do_checkpoint(str(tmp_path / 'lenet'))
    with caplog.at_level(logging.INFO):
        model.fit(train,
                  begin_epoch=0,
                  num_epoch=num_epochs,
                  eval_data=val,
                  eval_metric=eval_metrics,
                  kvstore=kv,
                  optimizer=optimizer,
                  optimizer_params=optimizer_params,
                  initializer=initializer,
                  arg_params=None,
                  aux_params=None,
                  batch_end_callback=batch_end_callbacks,
                  epoch_end_callback=checkpoint,
                  allow_missing=True,
                  monitor=None)
    assert "Validation-top_k_accuracy_5" in caplog.text and "samples/sec" in caplog.text
    assert abs(lr_scheduler.base_lr - lr * 0.1) < 1e-12            # one drop after step 10
    score = dict(model.score(val, ['acc']))
    assert score['accuracy'] > 0.7, score
    sym, arg_params, aux_params = mx.model.load_checkpoint(str(tmp_path / 'lenet'), num_epochs)
    assert sym.tojson() == model.symbol.tojson() and set(arg_params) == set(model.get_params()[0])


def test_distributed_kvstore_and_monitor_are_refused_naming_the_alternative():
    with pytest.raises(mx.MXNetError, match="use 'local' or 'device'"):
        mx.kv.create('dist_sync')
    kv = mx.kv.create('local')
    kv.init(3, mx.nd.ones((2, 3)))
    kv.push(3, [mx.nd.ones((2, 3)) * 2, mx.nd.ones((2, 3)) * 4])
    out = mx.nd.zeros((2, 3))
    kv.pull(3, out=out)
    np.testing.assert_array_equal(out.asnumpy(), np.full((2, 3), 6.0))
    kv.set_optimizer(mx.optimizer.SGD(learning_rate=0.5))
    kv.push(3, mx.nd.ones((2, 3)))
    kv.pull(3, out=out)
    np.testing.assert_array_equal(out.asnumpy(), np.full((2, 3), 5.5))
    assert kv.type == 'local' and kv.rank == 0 and kv.num_workers == 1


def test_linear_regression_tutorial():
    """docs/tutorials/python/linear-regression.md (MXNet 1.5), verbatim but for the plot: the Module API
    with LinearRegressionOutput, and the tutorial's own assertion on the validation MSE."""
    import numpy as np

    # Fix the random seed
    mx.random.seed(42)
    np.random.seed(42)

    #Training data
    train_data = np.random.uniform(0, 1, [100, 2])
    train_label = np.array([train_data[i][0] + 2 * train_data[i][1] for i in range(100)])
    batch_size = 1

    #Evaluation Data
    eval_data = np.array([[7,2],[6,10],[12,2]])
    eval_label = np.array([11,26,16])

    train_iter = mx.io.NDArrayIter(train_data, train_label, batch_size, shuffle=True, label_name='lin_reg_label')
    eval_iter = mx.io.NDArrayIter(eval_data, eval_label, batch_size, shuffle=False, label_name='lin_reg_label')

    X = mx.sym.Variable('data')
    Y = mx.symbol.Variable('lin_reg_label')
    fully_connected_layer  = mx.sym.FullyConnected(data=X, name='fc1', num_hidden = 1)
    lro = mx.sym.LinearRegressionOutput(data=fully_connected_layer, label=Y, name="lro")

    model = mx.mod.Module(
        symbol = lro ,
        data_names=['data'],
        label_names = ['lin_reg_label']# network structure
    )

    model.fit(train_iter, eval_iter,
                optimizer_params={'learning_rate':0.01, 'momentum': 0.9},
                num_epoch=20,
                eval_metric='mse',
                batch_end_callback = mx.callback.Speedometer(batch_size, 2))

    assert model.predict(eval_iter).asnumpy().shape == (3, 1)

    metric = mx.metric.MSE()
    mse = model.score(eval_iter, metric)
    print("Achieved {0:.6f} validation MSE".format(mse[0][1]))
    assert model.score(eval_iter, metric)[0][1] < 0.01001, "Achieved MSE (%f) is larger than expected (0.01001)" % model.score(eval_iter, metric)[0][1]
    w = model.get_params()[0]['fc1_weight'].asnumpy()
    np.testing.assert_allclose(w, [[1, 2]], atol=0.05)


def test_regression_output_gradients_are_mxnets():
    """LinearRegressionOutput / LogisticRegressionOutput / MAERegressionOutput backward: (out - label) (or
    its sign) * grad_scale / outputs per sample, ignoring the head gradient."""
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]], dtype=np.float32)
    y = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]], dtype=np.float32)
    sig = 1 / (1 + np.exp(-x))
    for op, out, grad in ((mx.sym.LinearRegressionOutput, x, x - y),
                          (mx.sym.LogisticRegressionOutput, sig, sig - y),
                          (mx.sym.MAERegressionOutput, x, np.sign(x - y))):
        net = op(mx.sym.var('data'), name='out', grad_scale=2.0)
        assert net.list_arguments() == ['data', 'out_label']
        ex = net.simple_bind(mx.cpu(), data=x.shape, grad_req={'data': 'write', 'out_label': 'null'})
        ex.forward(is_train=True, data=mx.nd.array(x), out_label=mx.nd.array(y))
        np.testing.assert_allclose(ex.outputs[0].asnumpy(), out, rtol=1e-6)
        ex.backward([mx.nd.ones(x.shape) * 7])
        np.testing.assert_allclose(ex.grad_dict['data'].asnumpy(), grad * 2.0 / 3, rtol=1e-6)
