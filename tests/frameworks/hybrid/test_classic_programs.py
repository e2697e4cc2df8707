"""The classic MXNet 1.x programs, written as their authors did with only the import changed (synthetic
data instead of downloads, a few steps): the Gluon crash course LeNet (Sequential and
HybridSequential, save/load, export + SymbolBlock.imports), the Gluon word language model, a custom
HybridBlock with BatchNorm, a Symbol-API MLP with simple_bind, and a Module-API MLP with
fit/score/predict."""
import logging

import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, init, nd
from frameworks.hybrid.gluon import nn, rnn


def _images(n=64, seed=0):
    """10 classes of 28x28 images, each class a bright 6x6 patch at its own place, plus noise."""
    rs = np.random.RandomState(seed)
    labels = rs.randint(0, 10, n)
    x = rs.uniform(0, 0.3, (n, 1, 28, 28)).astype(np.float32)
    for i, k in enumerate(labels):
        r, c = divmod(k, 5)
        x[i, 0, 4 + 10 * r:10 + 10 * r, 2 + 5 * c:8 + 5 * c] += 1.0
    return x, labels.astype(np.float32)   # float32 labels, as every MXNet example has them


def _crash_course_lenet(net, tmp_path, hybridize):
    mx.random.seed(42)
    np.random.seed(42)
    x, y = _images(96)
    train_data = gluon.data.DataLoader(gluon.data.ArrayDataset(x[:64], y[:64]), batch_size=16, shuffle=True)
    valid_data = gluon.data.DataLoader(gluon.data.ArrayDataset(x[64:], y[64:]), batch_size=16, shuffle=False)
    batch_size = 16
    with net.name_scope():
        net.add(nn.Conv2D(channels=6, kernel_size=5, activation='relu'),
                nn.MaxPool2D(pool_size=2, strides=2),
                nn.Conv2D(channels=16, kernel_size=3, activation='relu'),
                nn.AvgPool2D(pool_size=2, strides=2),
                nn.BatchNorm(),
                nn.Flatten(),
                nn.Dense(120, activation="relu"),
                nn.Dropout(0.2),
                nn.Dense(84, activation="relu"),
                nn.Dense(10))
    net.initialize(init=init.Xavier())
    if hybridize:
        net.hybridize()
    softmax_cross_entropy = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})

    def acc(output, label):
        # output: (batch, num_output) float32 ndarray; label: (batch, ) float32 ndarray
        return (output.argmax(axis=1) == label.astype('float32')).mean().asscalar()

    losses = []
    for epoch in range(6):
        train_loss, train_acc, valid_acc = 0., 0., 0.
        for data, label in train_data:
            with autograd.record():
                output = net(data)
                loss = softmax_cross_entropy(output, label)
            loss.backward()
            trainer.step(batch_size)
            train_loss += loss.mean().asscalar()
            train_acc += acc(output, label)
        for data, label in valid_data:
            valid_acc += acc(net(data), label)
        losses.append(train_loss / len(train_data))
        print("Epoch %d: loss %.3f, train acc %.3f, test acc %.3f" % (
            epoch, losses[-1], train_acc / len(train_data), valid_acc / len(valid_data)))
    assert losses[-1] < 0.5 * losses[0]
    assert valid_acc / len(valid_data) > 0.5
    net.save_parameters(str(tmp_path / 'net.params'))
    return net, x[64:]


@pytest.mark.parametrize("container", ["Sequential", "HybridSequential"])
def test_crash_course_lenet_trains_and_round_trips(container, tmp_path):
    hybrid = container == "HybridSequential"
    net, x = _crash_course_lenet(getattr(nn, container)(), tmp_path, hybrid)
    expected = net(nd.array(x)).asnumpy()   # predict mode: Dropout off, BatchNorm's running statistics
    # the crash course's predict step: a fresh net, load_parameters
    again = getattr(nn, container)()
    with again.name_scope():
        again.add(nn.Conv2D(channels=6, kernel_size=5, activation='relu'), nn.MaxPool2D(pool_size=2, strides=2),
                  nn.Conv2D(channels=16, kernel_size=3, activation='relu'), nn.AvgPool2D(pool_size=2, strides=2),
                  nn.BatchNorm(), nn.Flatten(), nn.Dense(120, activation="relu"), nn.Dropout(0.2),
                  nn.Dense(84, activation="relu"), nn.Dense(10))
    again.load_parameters(str(tmp_path / 'net.params'))
    np.testing.assert_allclose(again(nd.array(x)).asnumpy(), expected, rtol=1e-5, atol=1e-6)
    if hybrid:
        net.export(str(tmp_path / 'lenet'), epoch=1)
        assert (tmp_path / 'lenet-symbol.json').exists() and (tmp_path / 'lenet-0001.params').exists()
        deserialized_net = gluon.SymbolBlock.imports(str(tmp_path / 'lenet-symbol.json'), ['data'],
                                                     str(tmp_path / 'lenet-0001.params'))
        np.testing.assert_allclose(deserialized_net(nd.array(x)).asnumpy(), expected, rtol=1e-5, atol=1e-6)


def test_truncated_parameter_file_raises_mxnet_error_naming_it(tmp_path):
    net = nn.Dense(3, in_units=2)
    net.initialize()
    path = tmp_path / 'net.params'
    net.save_parameters(str(path))
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(mx.base.MXNetError, match="net.params"):
        net.load_parameters(str(path))
    np.save(str(tmp_path / 'bare.npy'), np.ones(3))   # an array file, not an archive of named arrays
    with pytest.raises(mx.base.MXNetError, match="bare.npy"):
        mx.nd.load(str(tmp_path / 'bare.npy'))
    (tmp_path / 'garbage.params').write_bytes(b"not a parameter file at all")
    with pytest.raises(mx.base.MXNetError, match="garbage.params"):
        net.load_parameters(str(tmp_path / 'garbage.params'))
    with pytest.raises(mx.base.MXNetError, match="missing.params"):
        net.load_parameters(str(tmp_path / 'missing.params'))


class RNNModel(gluon.Block):
    """A model with an encoder, recurrent layer, and a decoder (example/gluon/word_language_model)."""

    def __init__(self, mode, vocab_size, num_embed, num_hidden, num_layers, dropout=0.5, tie_weights=False,
                 **kwargs):
        super(RNNModel, self).__init__(**kwargs)
        with self.name_scope():
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(vocab_size, num_embed, weight_initializer=mx.init.Uniform(0.1))
            if mode == 'lstm':
                self.rnn = rnn.LSTM(num_hidden, num_layers, dropout=dropout, input_size=num_embed)
            else:
                raise ValueError("Invalid mode %s. Options are rnn_relu, rnn_tanh, lstm, and gru" % mode)
            self.decoder = nn.Dense(vocab_size, in_units=num_hidden)
            self.num_hidden = num_hidden

    def forward(self, inputs, hidden):
        emb = self.drop(self.encoder(inputs))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output.reshape((-1, self.num_hidden)))
        return decoded, hidden

    def begin_state(self, *args, **kwargs):
        return self.rnn.begin_state(*args, **kwargs)


@pytest.mark.parametrize("hybridize", [False, True])
def test_word_language_model(hybridize):
    mx.random.seed(1)
    context = mx.cpu()
    ntokens, bptt, batch_size, clip, lr = 30, 6, 4, 0.25, 2.0
    # a corpus with structure: token t is mostly followed by (t + 1) % ntokens
    rs = np.random.RandomState(0)
    ids = [0]
    for _ in range(399):
        ids.append((ids[-1] + 1) % ntokens if rs.rand() < 0.9 else rs.randint(ntokens))
    corpus = nd.array(ids)

    def batchify(data, batch_size):
        """Reshape data into (num_example, batch_size)"""
        nbatch = data.shape[0] // batch_size
        data = data[:nbatch * batch_size]
        data = data.reshape((batch_size, nbatch)).T
        return data

    train_data = batchify(corpus, batch_size).as_in_context(context)
    model = RNNModel('lstm', ntokens, 16, 32, 2, 0.2)
    if hybridize:
        model.hybridize()
    model.collect_params().initialize(mx.init.Xavier(), ctx=context)
    trainer = gluon.Trainer(model.collect_params(), 'sgd', {'learning_rate': lr, 'momentum': 0, 'wd': 0})
    loss = gluon.loss.SoftmaxCrossEntropyLoss()

    def get_batch(source, i):
        seq_len = min(bptt, source.shape[0] - 1 - i)
        data = source[i:i + seq_len]
        target = source[i + 1:i + 1 + seq_len]
        return data, target.reshape((-1,))

    def detach(hidden):
        if isinstance(hidden, (tuple, list)):
            hidden = [i.detach() for i in hidden]
        else:
            hidden = hidden.detach()
        return hidden

    epoch_losses = []
    for epoch in range(8):
        total_L = 0.0
        hidden = model.begin_state(func=mx.nd.zeros, batch_size=batch_size, ctx=context)
        assert hidden[0].shape == (2, batch_size, 32)
        n = 0
        for ibatch, i in enumerate(range(0, train_data.shape[0] - 1, bptt)):
            data, target = get_batch(train_data, i)
            hidden = detach(hidden)
            with autograd.record():
                output, hidden = model(data, hidden)
                L = loss(output, target)
                L.backward()
            grads = [i.grad(context) for i in model.collect_params().values()]
            # Here gradient is for the whole batch.
            # So we multiply max_norm by batch_size and bptt size to balance it.
            gluon.utils.clip_global_norm(grads, clip * bptt * batch_size)
            trainer.step(batch_size)
            total_L += mx.nd.sum(L).asscalar()
            n += L.shape[0]
        epoch_losses.append(total_L / n)
    assert epoch_losses[-1] < 0.8 * epoch_losses[0], epoch_losses


class ConvBNBlock(gluon.HybridBlock):
    """A custom HybridBlock: its own Parameter from self.params.get, children made in name_scope."""

    def __init__(self, channels, **kwargs):
        super(ConvBNBlock, self).__init__(**kwargs)
        with self.name_scope():
            self.conv = nn.Conv2D(channels, kernel_size=3, padding=1, use_bias=False)
            self.bn = nn.BatchNorm()
            self.scale = self.params.get('scale', shape=(1,), init=mx.init.One())

    def hybrid_forward(self, F, x, scale):
        y = F.relu(self.bn(self.conv(x)))
        if autograd.is_training():
            y = F.Dropout(y, p=0.1)
        return F.broadcast_mul(y, scale)


@pytest.mark.parametrize("hybridize", [False, True])
def test_custom_hybrid_block_with_batchnorm(hybridize):
    mx.random.seed(3)
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(ConvBNBlock(4), nn.GlobalAvgPool2D(), nn.Dense(2))
    net.initialize(mx.init.Normal(0.5))
    if hybridize:
        net.hybridize()
    names = list(net.collect_params().keys())
    assert any(n.endswith('_convbnblock0_scale') for n in names)
    aux = net.collect_params('.*running_(mean|var)')
    assert len(aux) == 2 and all(p.grad_req == 'null' for p in aux.values())
    x = nd.random.normal(loc=2.0, scale=3.0, shape=(8, 3, 6, 6))
    y = nd.array(np.arange(8) % 2)
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.05})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    running_mean = aux[[k for k in aux.keys() if k.endswith('running_mean')][0]]
    before = np.zeros(4)  # running_mean starts at zeros (deferred until the first batch)
    with autograd.record():
        assert autograd.is_training()
        loss = loss_fn(net(x), y)
    loss.backward()
    trainer.step(8)
    moved = running_mean.data().asnumpy()
    assert np.abs(moved - before).max() > 0      # training updated the running statistics
    with autograd.predict_mode():
        assert not autograd.is_training()
    out1 = net(x).asnumpy()                       # predict mode: no update, deterministic
    np.testing.assert_array_equal(running_mean.data().asnumpy(), moved)
    np.testing.assert_array_equal(net(x).asnumpy(), out1)
    # a second step without backward: MXNet's stale-gradient error
    with pytest.raises(UserWarning, match="has not been updated by backward since last `step`"):
        trainer.step(8)
    trainer.step(8, ignore_stale_grad=True)       # skips the stale ones


def test_symbol_api_mlp_with_simple_bind():
    data = mx.sym.Variable('data')
    fc1 = mx.sym.FullyConnected(data=data, name='fc1', num_hidden=32)
    bn1 = mx.sym.BatchNorm(data=fc1, name='bn1', fix_gamma=False)
    act1 = mx.sym.Activation(data=bn1, name='relu1', act_type="relu")
    fc2 = mx.sym.FullyConnected(data=act1, name='fc2', num_hidden=4)
    mlp = mx.sym.SoftmaxOutput(data=fc2, name='softmax')
    assert mlp.list_arguments() == ['data', 'fc1_weight', 'fc1_bias', 'bn1_gamma', 'bn1_beta', 'fc2_weight',
                                    'fc2_bias', 'softmax_label']
    assert mlp.list_outputs() == ['softmax_output']
    assert mlp.list_auxiliary_states() == ['bn1_moving_mean', 'bn1_moving_var']
    arg_shapes, out_shapes, aux_shapes = mlp.infer_shape(data=(20, 10))
    assert arg_shapes[1] == (32, 10) and arg_shapes[-1] == (20,) and out_shapes == [(20, 4)]
    assert aux_shapes == [(32,), (32,)]
    mlp = mx.sym.load_json(mlp.tojson())
    ex = mlp.simple_bind(ctx=mx.cpu(), data=(20, 10))
    rs = np.random.RandomState(0)
    init_ = mx.init.Xavier()
    for name, arr in ex.arg_dict.items():
        if name not in ('data', 'softmax_label'):
            init_(name, arr)
    for name, arr in ex.aux_dict.items():
        init_(name, arr)
    assert ex.aux_dict['bn1_moving_var'].asnumpy().tolist() == [1.0] * 32
    x = rs.randn(20, 10).astype('float32')
    label = (x[:, 0] > 0) + 2 * (x[:, 1] > 0)
    ex.arg_dict['data'][:] = x
    ex.arg_dict['softmax_label'][:] = label
    for _ in range(30):
        ex.forward(is_train=True)
        ex.backward()
        for name in ex.grad_dict:
            if name not in ('data', 'softmax_label'):
                ex.arg_dict[name][:] -= 0.1 * ex.grad_dict[name] / 20
    prob = ex.forward(is_train=False)[0].asnumpy()
    assert (prob.argmax(1) == label).mean() > 0.8
    assert np.abs(ex.aux_dict['bn1_moving_mean'].asnumpy()).max() > 0


def test_softmax_output_gradient_is_mxnets():
    x = mx.sym.var('data')
    for normalization, div in (('null', 1.0), ('batch', 3.0)):
        out = mx.sym.SoftmaxOutput(x, name='softmax', grad_scale=2.0, normalization=normalization)
        ex = out.simple_bind(mx.cpu(), data=(3, 4))
        d = np.random.RandomState(1).randn(3, 4).astype('float32')
        label = np.array([0, 3, 1], dtype='float32')
        ex.forward(is_train=True, data=d, softmax_label=label)
        ex.backward(out_grads=[nd.ones((3, 4)) * 7])   # a loss layer ignores the head gradient
        p = np.exp(d) / np.exp(d).sum(1, keepdims=True)
        np.testing.assert_allclose(ex.outputs[0].asnumpy(), p, rtol=1e-6)
        np.testing.assert_allclose(ex.grad_dict['data'].asnumpy(), 2.0 * (p - np.eye(4)[[0, 3, 1]]) / div,
                                   rtol=1e-5, atol=1e-7)


def test_module_api_mnist_mlp_fit_score_predict(tmp_path, caplog):
    np.random.seed(0)
    rs = np.random.RandomState(0)
    X = rs.randn(600, 20).astype('float32')
    Y = ((X[:, 0] > 0) + 2 * (X[:, 1] > 0)).astype('float32')
    batch_size = 100
    train_iter = mx.io.NDArrayIter(X[:500], Y[:500], batch_size, shuffle=True)
    val_iter = mx.io.NDArrayIter(X[500:], Y[500:], batch_size)
    data = mx.sym.var('data')
    data = mx.sym.flatten(data=data) if hasattr(mx.sym, 'flatten') else mx.sym.Flatten(data=data)
    fc1 = mx.sym.FullyConnected(data=data, num_hidden=64)
    act1 = mx.sym.Activation(data=fc1, act_type="relu")
    fc2 = mx.sym.FullyConnected(data=act1, num_hidden=32)
    act2 = mx.sym.Activation(data=fc2, act_type="relu")
    fc3 = mx.sym.FullyConnected(data=act2, num_hidden=4)
    mlp = mx.sym.SoftmaxOutput(data=fc3, name='softmax')
    mlp_model = mx.mod.Module(symbol=mlp, context=mx.cpu())
    with caplog.at_level(logging.INFO):
        mlp_model.fit(train_iter,  # train data
                      eval_data=val_iter,  # validation data
                      optimizer='sgd',  # use SGD to train
                      optimizer_params={'learning_rate': 0.5},  # use fixed learning rate
                      eval_metric='acc',  # report accuracy during training
                      initializer=mx.init.Xavier(factor_type="in", magnitude=2.34),
                      batch_end_callback=mx.callback.Speedometer(batch_size, 2),
                      num_epoch=25)  # train for at most 25 dataset passes
    assert "Epoch[24] Validation-accuracy" in caplog.text and "samples/sec" in caplog.text
    prob = mlp_model.predict(val_iter)
    assert prob.shape == (100, 4)
    acc = mx.metric.Accuracy()
    mlp_model.score(val_iter, acc)
    assert acc.get()[1] > 0.8
    np.testing.assert_allclose(acc.get()[1], (prob.asnumpy().argmax(1) == Y[500:]).mean())
    mlp_model.save_checkpoint(str(tmp_path / 'mlp'), 25)
    sym, arg_params, aux_params = mx.model.load_checkpoint(str(tmp_path / 'mlp'), 25)
    again = mx.mod.Module(symbol=sym, context=mx.cpu())
    again.bind(data_shapes=val_iter.provide_data, label_shapes=val_iter.provide_label, for_training=False)
    again.set_params(arg_params, aux_params)
    np.testing.assert_allclose(again.predict(val_iter).asnumpy(), prob.asnumpy(), rtol=1e-6)


def test_module_api_intermediate_level_loop():
    """The Module tutorial's own training loop: bind, init_params, init_optimizer, then forward,
    update_metric, backward, update per batch."""
    rs = np.random.RandomState(1)
    X = rs.randn(400, 16).astype('float32')
    Y = (X[:, :4].sum(axis=1) > 0).astype('float32')
    batch_size = 40
    train_iter = mx.io.NDArrayIter(X, Y, batch_size, shuffle=True)
    net = mx.sym.Variable('data')
    net = mx.sym.FullyConnected(net, name='fc1', num_hidden=64)
    net = mx.sym.Activation(net, name='relu1', act_type="relu")
    net = mx.sym.FullyConnected(net, name='fc2', num_hidden=2)
    net = mx.sym.SoftmaxOutput(net, name='softmax')
    mod = mx.mod.Module(symbol=net, context=mx.cpu(), data_names=['data'], label_names=['softmax_label'])
    # allocate memory given the input data and label shapes
    mod.bind(data_shapes=train_iter.provide_data, label_shapes=train_iter.provide_label)
    # initialize parameters by uniform random numbers
    mod.init_params(initializer=mx.init.Uniform(scale=.1))
    # use SGD with learning rate 0.1 to train
    mod.init_optimizer(optimizer='sgd', optimizer_params=(('learning_rate', 0.1), ))
    # use accuracy as the metric
    metric = mx.metric.create('acc')
    accs = []
    for epoch in range(5):
        train_iter.reset()
        metric.reset()
        for batch in train_iter:
            mod.forward(batch, is_train=True)       # compute predictions
            mod.update_metric(metric, batch.label)  # accumulate prediction accuracy
            mod.backward()                          # compute gradients
            mod.update()                            # update parameters
        accs.append(metric.get()[1])
        print('Epoch %d, Training %s' % (epoch, metric.get()))
    assert accs[-1] > 0.9 and accs[-1] > accs[0]
    assert mod.get_params()[0]['fc1_bias'].shape == (64,)
