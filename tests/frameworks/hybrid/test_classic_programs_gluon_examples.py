"""MXNet 1.x's example/gluon programs, near verbatim (their calls, kwargs and idioms; synthetic data in place
of the downloads, a few steps), with only the import changed: word_language_model (model.py's RNNModel in
every mode, train.py's loop), mnist/mnist.py, dc_gan/dcgan.py's generator and discriminator, and
super_resolution/super_resolution.py's net and loop."""
import math

import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon
from frameworks.hybrid.gluon import nn, rnn


# ---------------------------------------------------------------- example/gluon/word_language_model/model.py

class RNNModel(gluon.HybridBlock):
    """A model with an encoder, recurrent layer, and a decoder."""

    def __init__(self, mode, vocab_size, num_embed, num_hidden,
                 num_layers, dropout=0.5, tie_weights=False, **kwargs):
        super(RNNModel, self).__init__(**kwargs)
        with self.name_scope():
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(vocab_size, num_embed,
                                        weight_initializer=mx.init.Uniform(0.1))
            if mode == 'rnn_relu':
                self.rnn = rnn.RNN(num_hidden, num_layers, dropout=dropout,
                                   input_size=num_embed)
            elif mode == 'rnn_tanh':
                self.rnn = rnn.RNN(num_hidden, num_layers, 'tanh', dropout=dropout,
                                   input_size=num_embed)
            elif mode == 'lstm':
                self.rnn = rnn.LSTM(num_hidden, num_layers, dropout=dropout,
                                    input_size=num_embed)
            elif mode == 'gru':
                self.rnn = rnn.GRU(num_hidden, num_layers, dropout=dropout,
                                   input_size=num_embed)
            else:
                raise ValueError("Invalid mode %s. Options are rnn_relu, "
                                 "rnn_tanh, lstm, and gru"%mode)

            if tie_weights:
                self.decoder = nn.Dense(vocab_size, in_units=num_hidden,
                                        params=self.encoder.params)
            else:
                self.decoder = nn.Dense(vocab_size, in_units=num_hidden)

            self.num_hidden = num_hidden

    def hybrid_forward(self, F, inputs, hidden):
        emb = self.drop(self.encoder(inputs))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output.reshape((-1, self.num_hidden)))
        return decoded, hidden

    def begin_state(self, *args, **kwargs):
        return self.rnn.begin_state(*args, **kwargs)


def _corpus(ntokens, n, seed=0):
    """Token t is mostly followed by (t + 1) % ntokens: something for the model to learn."""
    rs = np.random.RandomState(seed)
    ids = [0]
    for _ in range(n - 1):
        ids.append((ids[-1] + 1) % ntokens if rs.rand() < 0.9 else rs.randint(ntokens))
    return np.array(ids, dtype=np.float32)


@pytest.mark.parametrize("mode,hybridize,tied", [("lstm", True, False), ("lstm", False, False), ("gru", False, False),
                                                 ("gru", True, True), ("rnn_tanh", True, False),
                                                 ("rnn_relu", False, False)])
def test_word_language_model(mode, hybridize, tied):
    mx.random.seed(1)
    context = mx.cpu(0)
    ntokens, emsize, nhid, nlayers, bptt, batch_size = 20, 16, 16, 2, 5, 4
    # train.py's defaults; the plain RNNs a smaller step: at lr 20 their training is chaotic, and whether six
    # epochs learn hung on the CPU's rounding (rnn_tanh rose 3.0 -> 4.4 with OpenBLAS's Haswell kernels)
    lr, clip = 20 if mode in ("lstm", "gru") else 5, 0.25
    corpus = _corpus(ntokens, 4 * 5 * 12 + 1)
    # train.py's data: (batch_size, bptt) pieces transposed to (bptt, batch_size) ('TNC')
    xs = corpus[:-1].reshape(-1, bptt)
    ys = corpus[1:].reshape(-1, bptt)
    train_data = gluon.data.DataLoader(gluon.data.ArrayDataset(xs, ys), batch_size=batch_size,
                                       last_batch='discard')

    model = RNNModel(mode, ntokens, emsize, nhid, nlayers, 0.2, tied)
    if hybridize:
        model.hybridize()
    model.initialize(mx.init.Xavier(), ctx=context)
    trainer = gluon.Trainer(model.collect_params(), 'sgd',
                            {'learning_rate': lr,
                             'momentum': 0,
                             'wd': 0})
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    if hybridize:
        loss.hybridize()

    def detach(hidden):
        if isinstance(hidden, (tuple, list)):
            hidden = [i.detach() for i in hidden]
        else:
            hidden = hidden.detach()
        return hidden

    def eval(data_source):
        total_L = 0.0
        ntotal = 0
        hidden = model.begin_state(func=mx.nd.zeros, batch_size=batch_size, ctx=context)
        for i, (data, target) in enumerate(data_source):
            data = data.as_in_context(context).T
            target = target.as_in_context(context).T.reshape((-1, 1))
            output, hidden = model(data, hidden)
            L = loss(output, target)
            total_L += mx.nd.sum(L).asscalar()
            ntotal += L.size
        return total_L / ntotal

    first = eval(train_data)
    for epoch in range(12 if mode == "lstm" else 6):   # (the LSTM's gates start slower at these steps)
        hidden = model.begin_state(func=mx.nd.zeros, batch_size=batch_size, ctx=context)
        for i, (data, target) in enumerate(train_data):
            data = data.as_in_context(context).T
            target = target.as_in_context(context).T.reshape((-1, 1))
            hidden = detach(hidden)
            with autograd.record():
                output, hidden = model(data, hidden)
                # Here L is a vector of size batch_size * bptt size
                L = loss(output, target)
                L = L / (bptt * batch_size)
                L.backward()

            grads = [p.grad(context) for p in model.collect_params().values()]
            gluon.utils.clip_global_norm(grads, clip)

            trainer.step(1)
        assert len(hidden) == (2 if mode == "lstm" else 1) and hidden[0].shape == (nlayers, batch_size, nhid)
    last = eval(train_data)
    assert math.isfinite(last) and last < 0.85 * first, (first, last)
    if tied:
        assert model.decoder.weight is model.encoder.weight


def test_unrolled_layers_equal_their_cells():
    """GRU / RNN layers (TNC and NTC) compute what their cells unrolled step by step compute."""
    mx.random.seed(3)
    x = mx.nd.random.normal(shape=(5, 3, 4))   # (T, N, C)
    for layer, cell in ((rnn.GRU(6, input_size=4), rnn.GRUCell(6, input_size=4)),
                        (rnn.RNN(6, activation='tanh', input_size=4), rnn.RNNCell(6, input_size=4)),
                        (rnn.LSTM(6, input_size=4), rnn.LSTMCell(6, input_size=4))):
        layer.initialize()
        cell.initialize()
        for name in ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias"):
            getattr(cell, name).set_data(mx.nd.random.uniform(-0.5, 0.5, shape=getattr(cell, name).shape))
            getattr(layer, "l0_" + name).set_data(getattr(cell, name).data())
        outputs, states = cell.unroll(5, x, layout='TNC', merge_outputs=True)
        np.testing.assert_allclose(layer(x).asnumpy(), outputs.asnumpy(), rtol=1e-5, atol=1e-6)
        ntc = type(layer)(6, layout='NTC', input_size=4, **({"activation": "tanh"} if isinstance(layer, rnn.RNN)
                                                             else {}))
        ntc.initialize()
        for name in ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias"):
            getattr(ntc, "l0_" + name).set_data(getattr(cell, name).data())
        out, hidden = ntc(x.swapaxes(0, 1), ntc.begin_state(batch_size=3))
        np.testing.assert_allclose(out.asnumpy(), outputs.swapaxes(0, 1).asnumpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(hidden[0].asnumpy()[0], states[0].asnumpy(), rtol=1e-5, atol=1e-6)


def test_sequential_rnn_cell_unroll_trains():
    """The cell API as the Gluon RNN tutorial writes it: SequentialRNNCell of cells with dropout and a
    residual connection, unrolled over NTC input."""
    mx.random.seed(0)
    model = rnn.SequentialRNNCell()
    with model.name_scope():
        model.add(rnn.LSTMCell(8))
        model.add(rnn.DropoutCell(0.1))
        model.add(rnn.ResidualCell(rnn.GRUCell(8)))
    model.initialize(mx.init.Xavier())
    head = nn.Dense(1, flatten=False)
    head.initialize()
    params = model.collect_params()
    params.update(head.collect_params())
    trainer = gluon.Trainer(params, 'adam', {'learning_rate': 0.02})
    rs = np.random.RandomState(0)
    x = mx.nd.array(rs.standard_normal((16, 7, 3)))
    y = mx.nd.array(np.cumsum(rs.standard_normal((16, 7, 3)), axis=1)[:, :, :1] * 0 + x.asnumpy()[:, :, :1])
    l2 = gluon.loss.L2Loss()
    losses = []
    for _ in range(30):
        states = model.begin_state(batch_size=16)
        with autograd.record():
            outputs, states = model.unroll(7, x, states, layout='NTC', merge_outputs=True)
            L = l2(head(outputs), y)
        L.backward()
        trainer.step(16)
        losses.append(L.mean().asscalar())
    assert len(states) == 3 and outputs.shape == (16, 7, 8)
    assert losses[-1] < 0.5 * losses[0], losses


# ---------------------------------------------------------------- example/gluon/mnist/mnist.py

def _write_mnist(root, n, seed=0, prefix="train"):
    """MNIST's own idx .gz files (what gluon.data.vision.MNIST reads): class k is a bright patch at place k."""
    import gzip
    import struct
    rs = np.random.RandomState(seed)
    labels = rs.randint(0, 10, n).astype(np.uint8)
    images = rs.randint(0, 60, (n, 28, 28)).astype(np.uint8)
    for i, k in enumerate(labels):
        r, c = divmod(int(k), 5)
        images[i, 4 + 10 * r:10 + 10 * r, 2 + 5 * c:8 + 5 * c] = 250
    name = "train" if prefix == "train" else "t10k"
    with gzip.open(root / f"{name}-labels-idx1-ubyte.gz", "wb") as f:
        f.write(struct.pack(">II", 2049, n) + labels.tobytes())
    with gzip.open(root / f"{name}-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">IIII", 2051, n, 28, 28) + images.tobytes())


def test_gluon_mnist_example(tmp_path, monkeypatch):
    _write_mnist(tmp_path, 300, 0, "train")
    _write_mnist(tmp_path, 100, 1, "test")
    monkeypatch.chdir(tmp_path)
    import logging
    batch_size, epochs, lr, momentum, log_interval = 50, 3, 0.1, 0.9, 2
    mx.random.seed(7)
    np.random.seed(7)

    # define network
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Dense(128, activation='relu'))
        net.add(nn.Dense(64, activation='relu'))
        net.add(nn.Dense(10))

    # data
    def transformer(data, label):
        data = data.reshape((-1,)).astype(np.float32)/255
        return data, label

    train_data = gluon.data.DataLoader(
        gluon.data.vision.MNIST('.', train=True, transform=transformer),
        batch_size=batch_size, shuffle=True, last_batch='discard')

    val_data = gluon.data.DataLoader(
        gluon.data.vision.MNIST('.', train=False, transform=transformer),
        batch_size=batch_size, shuffle=False)

    def test(ctx):
        metric = mx.metric.Accuracy()
        for data, label in val_data:
            data = data.as_in_context(ctx)
            label = label.as_in_context(ctx)
            output = net(data)
            metric.update([label], [output])

        return metric.get()

    def train(epochs, ctx):
        # Collect all parameters from net and its children, then initialize them.
        net.initialize(mx.init.Xavier(magnitude=2.24), ctx=ctx)
        # Trainer is for updating parameters with gradient.
        trainer = gluon.Trainer(net.collect_params(), 'sgd',
                                {'learning_rate': lr, 'momentum': momentum})
        metric = mx.metric.Accuracy()
        loss = gluon.loss.SoftmaxCrossEntropyLoss()

        for epoch in range(epochs):
            # reset data iterator and metric at begining of epoch.
            metric.reset()
            for i, (data, label) in enumerate(train_data):
                # Copy data to ctx if necessary
                data = data.as_in_context(ctx)
                label = label.as_in_context(ctx)
                # Start recording computation graph with record() section.
                # Recorded graphs can then be differentiated with backward.
                with autograd.record():
                    output = net(data)
                    L = loss(output, label)
                    L.backward()
                # take a gradient step with batch_size equal to data.shape[0]
                trainer.step(data.shape[0])
                # update metric at last.
                metric.update([label], [output])

                if i % log_interval == 0 and i > 0:
                    name, acc = metric.get()
                    logging.info('[Epoch %d Batch %d] Training: %s=%f'%(epoch, i, name, acc))

            name, acc = metric.get()
            name, val_acc = test(ctx)
        net.save_parameters('mnist.params')
        return val_acc

    ctx = mx.gpu(0) if mx.context.num_gpus() and False else mx.cpu()
    val_acc = train(epochs, ctx)
    assert val_acc > 0.8, val_acc
    assert len(train_data) == 6 and len(val_data) == 2
    twin = nn.Sequential()
    with twin.name_scope():
        twin.add(nn.Dense(128, activation='relu'), nn.Dense(64, activation='relu'), nn.Dense(10))
    twin.load_parameters('mnist.params', ctx=mx.cpu())
    x = next(iter(val_data))[0]
    np.testing.assert_allclose(twin(x).asnumpy(), net(x).asnumpy(), rtol=1e-6)


def test_missing_dataset_file_is_an_mxnet_error_naming_it(tmp_path):
    with pytest.raises(mx.MXNetError, match="train-labels-idx1-ubyte.gz not found.*ArrayDataset"):
        gluon.data.vision.MNIST(str(tmp_path), train=True)


# ---------------------------------------------------------------- example/gluon/dc_gan/dcgan.py

def test_dcgan_example():
    nz, ngf, ndf, nc, batch_size = 8, 4, 4, 3, 4
    ctx = mx.cpu()
    mx.random.seed(3)

    def get_netG():
        """Get net G"""
        # build the generator
        netG = nn.Sequential()
        with netG.name_scope():
            # input is Z, going into a convolution
            netG.add(nn.Conv2DTranspose(ngf * 8, 4, 1, 0, use_bias=False))
            netG.add(nn.BatchNorm())
            netG.add(nn.Activation('relu'))
            # state size. (ngf*8) x 4 x 4
            netG.add(nn.Conv2DTranspose(ngf * 4, 4, 2, 1, use_bias=False))
            netG.add(nn.BatchNorm())
            netG.add(nn.Activation('relu'))
            # state size. (ngf*4) x 8 x 8
            netG.add(nn.Conv2DTranspose(ngf * 2, 4, 2, 1, use_bias=False))
            netG.add(nn.BatchNorm())
            netG.add(nn.Activation('relu'))
            # state size. (ngf*2) x 16 x 16
            netG.add(nn.Conv2DTranspose(ngf, 4, 2, 1, use_bias=False))
            netG.add(nn.BatchNorm())
            netG.add(nn.Activation('relu'))
            # state size. (ngf) x 32 x 32
            netG.add(nn.Conv2DTranspose(nc, 4, 2, 1, use_bias=False))
            netG.add(nn.Activation('tanh'))
            # state size. (nc) x 64 x 64

        return netG

    def get_netD():
        """Get the netD"""
        # build the discriminator
        netD = nn.Sequential()
        with netD.name_scope():
            # input is (nc) x 64 x 64
            netD.add(nn.Conv2D(ndf, 4, 2, 1, use_bias=False))
            netD.add(nn.LeakyReLU(0.2))
            # state size. (ndf) x 32 x 32
            netD.add(nn.Conv2D(ndf * 2, 4, 2, 1, use_bias=False))
            netD.add(nn.BatchNorm())
            netD.add(nn.LeakyReLU(0.2))
            # state size. (ndf*2) x 16 x 16
            netD.add(nn.Conv2D(ndf * 4, 4, 2, 1, use_bias=False))
            netD.add(nn.BatchNorm())
            netD.add(nn.LeakyReLU(0.2))
            # state size. (ndf*4) x 8 x 8
            netD.add(nn.Conv2D(ndf * 8, 4, 2, 1, use_bias=False))
            netD.add(nn.BatchNorm())
            netD.add(nn.LeakyReLU(0.2))
            # state size. (ndf*8) x 4 x 4
            netD.add(nn.Conv2D(2, 4, 1, 0, use_bias=False))
            # state size. 2 x 1 x 1

        return netD

    netG, netD = get_netG(), get_netD()
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    netG.initialize(mx.init.Normal(0.02), ctx=ctx)
    netD.initialize(mx.init.Normal(0.02), ctx=ctx)
    trainerG = gluon.Trainer(netG.collect_params(), 'adam', {'learning_rate': 0.0002, 'beta1': 0.5})
    trainerD = gluon.Trainer(netD.collect_params(), 'adam', {'learning_rate': 0.0002, 'beta1': 0.5})

    real_label = mx.nd.ones((batch_size,), ctx=ctx)
    fake_label = mx.nd.zeros((batch_size,), ctx=ctx)
    metric = mx.metric.Accuracy()
    rs = np.random.RandomState(0)
    train_data = gluon.data.DataLoader(
        gluon.data.ArrayDataset(rs.uniform(-1, 1, (8, nc, 64, 64)).astype(np.float32), np.zeros(8)),
        batch_size, shuffle=True, last_batch='discard')
    for epoch in range(1):
        for data, _ in train_data:
            data = data.as_in_context(ctx)
            noise = mx.nd.random.normal(0, 1, shape=(batch_size, nz, 1, 1), ctx=ctx)

            with autograd.record():
                output = netD(data)
                # reshape output from (opt.batch_size, 2, 1, 1) to (opt.batch_size, 2)
                output = output.reshape((batch_size, 2))
                errD_real = loss(output, real_label)

            metric.update([real_label, ], [output, ])

            with autograd.record():
                fake = netG(noise)
                output = netD(fake.detach())
                output = output.reshape((batch_size, 2))
                errD_fake = loss(output, fake_label)
                errD = errD_real + errD_fake

            errD.backward()
            metric.update([fake_label,], [output,])

            trainerD.step(batch_size)

            with autograd.record():
                output = netD(fake)
                output = output.reshape((-1, 2))
                errG = loss(output, real_label)

            errG.backward()

            trainerG.step(batch_size)

            name, acc = metric.get()
            assert fake.shape == (batch_size, nc, 64, 64)
            assert np.isfinite(mx.nd.mean(errD).asscalar()) and np.isfinite(mx.nd.mean(errG).asscalar())
    assert netG[0].weight.shape == (nz, ngf * 8, 4, 4)   # Conv2DTranspose: (in_channels, channels, k, k)
    assert metric.num_inst == 4 * batch_size


# ---------------------------------------------------------------- example/gluon/super_resolution/super_resolution.py

def test_super_resolution_example(tmp_path):
    from frameworks.hybrid import autograd as ag
    from frameworks.hybrid.gluon.contrib import nn as contrib_nn
    upscale_factor, batch_size = 3, 4
    mx.random.seed(5)
    ctx = [mx.cpu()]

    class SuperResolutionNet(gluon.HybridBlock):
        def __init__(self, upscale_factor):
            super(SuperResolutionNet, self).__init__()
            with self.name_scope():
                self.conv1 = nn.Conv2D(64, (5, 5), strides=(1, 1), padding=(2, 2), activation='relu')
                self.conv2 = nn.Conv2D(64, (3, 3), strides=(1, 1), padding=(1, 1), activation='relu')
                self.conv3 = nn.Conv2D(32, (3, 3), strides=(1, 1), padding=(1, 1), activation='relu')
                self.conv4 = nn.Conv2D(upscale_factor ** 2, (3, 3), strides=(1, 1), padding=(1, 1))
                self.pxshuf = contrib_nn.PixelShuffle2D(upscale_factor)

        def hybrid_forward(self, F, x):
            x = self.conv1(x)
            x = self.conv2(x)
            x = self.conv3(x)
            x = self.conv4(x)
            x = self.pxshuf(x)
            return x

    # synthetic pairs: smooth targets (8 x 3) x (8 x 3) and their 8 x 8 block means
    rs = np.random.RandomState(0)
    hi = rs.uniform(0, 1, (12, 1, 8, 1, 8, 1)).repeat(3, axis=3).repeat(3, axis=5).reshape(12, 1, 24, 24)
    lo = hi.reshape(12, 1, 8, 3, 8, 3).mean(axis=(3, 5))
    train_data = mx.io.NDArrayIter(lo.astype(np.float32), hi.astype(np.float32), batch_size, shuffle=True)
    net = SuperResolutionNet(upscale_factor)
    metric = mx.metric.MSE()

    net.initialize(mx.init.Orthogonal(), ctx=ctx)
    # re-initialize conv4's weight to be Orthogonal
    net.conv4.initialize(mx.init.Orthogonal(scale=1), force_reinit=True, ctx=ctx)
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': 0.001})
    loss = gluon.loss.L2Loss()
    mses = []
    for i in range(8):
        train_data.reset()
        for batch in train_data:
            data = gluon.utils.split_and_load(batch.data[0], ctx_list=ctx, batch_axis=0)
            label = gluon.utils.split_and_load(batch.label[0], ctx_list=ctx, batch_axis=0)
            outputs = []
            with ag.record():
                for x, y in zip(data, label):
                    z = net(x)
                    L = loss(z, y)
                    L.backward()
                    outputs.append(z)
            trainer.step(batch.data[0].shape[0])
            metric.update(label, outputs)

        name, acc = metric.get()
        metric.reset()
        mses.append(acc)
    assert name == 'mse' and mses[-1] < 0.5 * mses[0], mses
    net.save_parameters(str(tmp_path / 'superres.params'))
    out_img_y = mx.nd.reshape(net(mx.nd.array(lo[:1])), shape=(-3, -2)).asnumpy()
    assert out_img_y.shape == (1, 24, 24)


def test_orthogonal_and_msra_initializers():
    dense = nn.Dense(9, in_units=32)
    dense.initialize(mx.init.Orthogonal(scale=1))
    w = dense.weight.data().asnumpy()
    np.testing.assert_allclose(w @ w.T, np.eye(9), atol=1e-5)
    np.testing.assert_array_equal(dense.bias.data().asnumpy(), np.zeros(9))
    dense.initialize(mx.init.MSRAPrelu(factor_type='in', slope=0), force_reinit=True)
    assert 0.15 < dense.weight.data().asnumpy().std() < 0.35   # sqrt(2 / 32) = 0.25
    with pytest.raises(ValueError, match="rnd_type"):
        mx.init.Xavier(rnd_type='bogus')


# ---------------------------------------------------------------- docs crash-course/4-train.md

def test_crash_course_train_tutorial(tmp_path, monkeypatch):
    """The crash course's training step by step (FashionMNIST from its default root under ~/.mxnet, here
    synthetic files; the plotting left out)."""
    root = tmp_path / ".mxnet" / "datasets" / "fashion-mnist"
    root.mkdir(parents=True)
    _write_mnist(root, 512, 0, "train")
    _write_mnist(root, 256, 1, "test")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    mx.random.seed(0)
    np.random.seed(0)

    from frameworks.hybrid import nd, gluon, init, autograd
    from frameworks.hybrid.gluon import nn
    from frameworks.hybrid.gluon.data.vision import datasets, transforms
    import time

    mnist_train = datasets.FashionMNIST(train=True)
    X, y = mnist_train[0]
    assert X.shape == (28, 28, 1) and X.dtype == np.uint8 and isinstance(y, (int, np.integer))
    X, y = mnist_train[0:10]
    assert X.shape == (10, 28, 28, 1) and X[0].reshape((28, 28)).asnumpy().shape == (28, 28)

    transformer = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize(0.13, 0.31)])
    mnist_train = mnist_train.transform_first(transformer)

    batch_size = 256
    train_data = gluon.data.DataLoader(
        mnist_train, batch_size=batch_size, shuffle=True, num_workers=4)

    for data, label in train_data:
        assert data.shape == (256, 1, 28, 28) and label.shape == (256,)
        break

    mnist_valid = gluon.data.vision.FashionMNIST(train=False)
    valid_data = gluon.data.DataLoader(
        mnist_valid.transform_first(transformer),
        batch_size=batch_size, num_workers=4)

    net = nn.Sequential()
    net.add(nn.Conv2D(channels=6, kernel_size=5, activation='relu'),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Conv2D(channels=16, kernel_size=3, activation='relu'),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Flatten(),
            nn.Dense(120, activation="relu"),
            nn.Dense(84, activation="relu"),
            nn.Dense(10))
    net.initialize(init=init.Xavier())

    softmax_cross_entropy = gluon.loss.SoftmaxCrossEntropyLoss()

    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})

    def acc(output, label):
        # output: (batch, num_output) float32 ndarray
        # label: (batch, ) int32 ndarray
        return (output.argmax(axis=1) ==
                label.astype('float32')).mean().asscalar()

    for epoch in range(4):
        train_loss, train_acc, valid_acc = 0., 0., 0.
        tic = time.time()
        for data, label in train_data:
            # forward + backward
            with autograd.record():
                output = net(data)
                loss = softmax_cross_entropy(output, label)
            loss.backward()
            # update parameters
            trainer.step(batch_size)
            # calculate training metrics
            train_loss += loss.mean().asscalar()
            train_acc += acc(output, label)
        # calculate validation accuracy
        for data, label in valid_data:
            valid_acc += acc(net(data), label)
        print("Epoch %d: loss %.3f, train acc %.3f, test acc %.3f, in %.1f sec" % (
                epoch, train_loss/len(train_data), train_acc/len(train_data),
                valid_acc/len(valid_data), time.time()-tic))
    assert valid_acc / len(valid_data) > 0.8, valid_acc / len(valid_data)
    net.save_parameters('net.params')


# ---------------------------------------------------------------- example/gluon/image_classification.py

@pytest.mark.parametrize("model", ["resnet18_v1", "resnet50_v2", "vgg11_bn"])
def test_image_classification_example_with_the_model_zoo(model):
    """image_classification.py's get_model and train loop (split_and_load, ag.backward over the per-device
    losses, CompositeEvalMetric of Accuracy and TopKAccuracy(5), Trainer with a kvstore object)."""
    from frameworks.hybrid import autograd as ag
    from frameworks.hybrid.gluon.model_zoo import vision as models
    from frameworks.hybrid.metric import Accuracy, TopKAccuracy, CompositeEvalMetric
    mx.random.seed(0)
    classes, batch_size, lr, wd, momentum, dtype = 10, 4, 0.05, 1e-4, 0.9, 'float32'
    metric = CompositeEvalMetric([Accuracy(), TopKAccuracy(5)])
    kv = mx.kv.create('device')
    ctx = [mx.cpu()]

    def get_model(model, ctx):
        """Model initialization."""
        kwargs = {'ctx': ctx, 'pretrained': False, 'classes': classes}
        if model.startswith('resnet'):
            kwargs['thumbnail'] = True
        elif model.startswith('vgg'):
            kwargs['batch_norm'] = True

        net = models.get_model(model, **kwargs)
        if model in ['alexnet']:
            net.initialize(mx.init.Normal())
        else:
            net.initialize(mx.init.Xavier(magnitude=2))
        net.cast(dtype)
        return net

    net = get_model(model, ctx)
    net.hybridize()
    rs = np.random.RandomState(0)
    size = 32 if model.startswith("vgg") else 8
    train_data = mx.io.NDArrayIter(rs.uniform(-1, 1, (8, 3, size, size)).astype(np.float32),
                                   rs.randint(0, classes, 8).astype(np.float32), batch_size, shuffle=True)
    net.collect_params().reset_ctx(ctx)
    trainer = gluon.Trainer(net.collect_params(), 'sgd',
                            optimizer_params={'learning_rate': lr,
                                              'wd': wd,
                                              'momentum': momentum,
                                              'multi_precision': True},
                            kvstore=kv)
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    for epoch in range(1):
        train_data.reset()
        metric.reset()
        for i, batch in enumerate(train_data):
            data = gluon.utils.split_and_load(batch.data[0].astype(dtype), ctx_list=ctx, batch_axis=0)
            label = gluon.utils.split_and_load(batch.label[0].astype(dtype), ctx_list=ctx, batch_axis=0)
            outputs = []
            Ls = []
            with ag.record():
                for x, y in zip(data, label):
                    z = net(x)
                    L = loss(z, y)
                    # store the loss and do backward after we have done forward
                    # on all GPUs for better speed on multiple GPUs.
                    Ls.append(L)
                    outputs.append(z)
                ag.backward(Ls)
            trainer.step(batch.data[0].shape[0])
            metric.update(label, outputs)
        name, acc = metric.get()
        assert name == ['accuracy', 'top_k_accuracy_5'] and 0 <= acc[0] <= acc[1] <= 1
    assert outputs[0].shape == (batch_size, classes)
    assert all(np.isfinite(p.data().asnumpy()).all() for p in net.collect_params().values())
    with pytest.raises(mx.MXNetError, match="pretrained weights are not downloaded"):
        models.get_model(model, pretrained=True)
    with pytest.raises(ValueError, match="(?s)Model mobilenet2.0 is not supported.*mobilenet1.0"):
        models.get_model('mobilenet2.0')
