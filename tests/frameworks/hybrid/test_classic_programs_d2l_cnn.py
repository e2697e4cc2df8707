"""Dive into Deep Learning, MXNet 1.x edition (d2l-ai/d2l-en v0.6.0), chapter "Convolutional Neural
Networks": lenet.md, alexnet.md (with its own FashionMNIST loader over gdata.vision), vgg.md, nin.md,
googlenet.md (Inception), batch-norm.md (from scratch and nn.BatchNorm), resnet.md (Residual) and
densenet.md, each run as written but for the imports: the book's layer-by-layer shape walk at its input
size, then its training loop (d2l.train_ch5) on a few seeded synthetic images at a smaller size and fewer
epochs than the book's."""
import gzip
import os
import struct
import sys
import time

import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, init, nd
from frameworks.hybrid.gluon import data as gdata, loss as gloss, nn
from tests.frameworks.hybrid import _d2l as d2l


def _walk(net, shape, capsys):
    """The book's `for layer in net: X = layer(X); print(...)`; returns {name: shape} in order."""
    X = nd.random.uniform(shape=shape)
    net.initialize()
    for layer in net:
        X = layer(X)
        print(layer.name, 'output shape:\t', X.shape)
    out = capsys.readouterr().out.splitlines()
    return [tuple(int(d) for d in line.split('\t')[1].strip(' ()').split(',') if d.strip()) for line in out]


def _trains(capsys):
    """d2l.train_ch5's printed losses: finite and falling."""
    lines = [l for l in capsys.readouterr().out.splitlines() if l.startswith('epoch')]
    losses = [float(l.split('loss ')[1].split(',')[0]) for l in lines]
    assert losses and all(np.isfinite(losses)), lines
    return losses


def test_lenet(capsys):
    nd.random.seed(0)
    mx.random.seed(0)
    net = nn.Sequential()
    net.add(nn.Conv2D(channels=6, kernel_size=5, padding=2, activation='sigmoid'),
            nn.AvgPool2D(pool_size=2, strides=2),
            nn.Conv2D(channels=16, kernel_size=5, activation='sigmoid'),
            nn.AvgPool2D(pool_size=2, strides=2),
            # Dense will transform the input of the shape (batch size, channel,
            # height, width) into the input of the shape (batch size,
            # channel * height * width) automatically by default
            nn.Dense(120, activation='sigmoid'),
            nn.Dense(84, activation='sigmoid'),
            nn.Dense(10))
    shapes = _walk(net, (1, 1, 28, 28), capsys)
    assert shapes == [(1, 6, 28, 28), (1, 6, 14, 14), (1, 16, 10, 10), (1, 16, 5, 5), (1, 120), (1, 84), (1, 10)]

    batch_size = 16
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size=batch_size)

    def try_gpu():
        try:
            ctx = mx.gpu()
            _ = nd.zeros((1,), ctx=ctx)
        except mx.base.MXNetError:
            ctx = mx.cpu()
        return ctx

    ctx = try_gpu()

    def evaluate_accuracy(data_iter, net, ctx):
        acc_sum, n = nd.array([0], ctx=ctx), 0
        for X, y in data_iter:
            # If ctx is the GPU, copy the data to the GPU.
            X, y = X.as_in_context(ctx), y.as_in_context(ctx).astype('float32')
            acc_sum += (net(X).argmax(axis=1) == y).sum()
            n += y.size
        return acc_sum.asscalar() / n

    def train_ch5(net, train_iter, test_iter, batch_size, trainer, ctx,
                  num_epochs):
        print('training on', ctx)
        loss = gloss.SoftmaxCrossEntropyLoss()
        for epoch in range(num_epochs):
            train_l_sum, train_acc_sum, n, start = 0.0, 0.0, 0, time.time()
            for X, y in train_iter:
                X, y = X.as_in_context(ctx), y.as_in_context(ctx)
                with autograd.record():
                    y_hat = net(X)
                    l = loss(y_hat, y).sum()
                l.backward()
                trainer.step(batch_size)
                y = y.astype('float32')
                train_l_sum += l.asscalar()
                train_acc_sum += (y_hat.argmax(axis=1) == y).sum().asscalar()
                n += y.size
            test_acc = evaluate_accuracy(test_iter, net, ctx)
            print('epoch %d, loss %.4f, train acc %.3f, test acc %.3f, '
                  'time %.1f sec'
                  % (epoch + 1, train_l_sum / n, train_acc_sum / n, test_acc,
                     time.time() - start))

    lr, num_epochs = 0.9, 5
    net.initialize(force_reinit=True, ctx=ctx, init=init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': lr})
    train_ch5(net, train_iter, test_iter, batch_size, trainer, ctx, num_epochs)
    assert len(_trains(capsys)) == 5


def _fashion_mnist_files(root, n=16, seed=0):
    """Fashion-MNIST's four idx .gz files (n 28x28 uint8 images and their labels) in `root`."""
    os.makedirs(root)
    rng = np.random.RandomState(seed)
    for prefix in ('train', 't10k'):
        images = rng.randint(0, 256, (n, 28, 28)).astype(np.uint8)
        labels = rng.randint(0, 10, n).astype(np.uint8)
        with gzip.open(os.path.join(root, f'{prefix}-images-idx3-ubyte.gz'), 'wb') as f:
            f.write(struct.pack('>IIII', 2051, n, 28, 28) + images.tobytes())
        with gzip.open(os.path.join(root, f'{prefix}-labels-idx1-ubyte.gz'), 'wb') as f:
            f.write(struct.pack('>II', 2049, n) + labels.tobytes())


def test_alexnet_with_its_fashion_mnist_loader(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv('HOME', str(tmp_path))
    _fashion_mnist_files(str(tmp_path / '.mxnet' / 'datasets' / 'fashion-mnist'), n=8)
    nd.random.seed(0)
    net = nn.Sequential()
    # Here, we use a larger 11 x 11 window to capture objects. At the same time,
    # we use a stride of 4 to greatly reduce the height and width of the output.
    # Here, the number of output channels is much larger than that in LeNet
    net.add(nn.Conv2D(96, kernel_size=11, strides=4, activation='relu'),
            nn.MaxPool2D(pool_size=3, strides=2),
            # Make the convolution window smaller, set padding to 2 for consistent
            # height and width across the input and output, and increase the
            # number of output channels
            nn.Conv2D(256, kernel_size=5, padding=2, activation='relu'),
            nn.MaxPool2D(pool_size=3, strides=2),
            # Use three successive convolutional layers and a smaller convolution
            # window. Except for the final convolutional layer, the number of
            # output channels is further increased. Pooling layers are not used to
            # reduce the height and width of input after the first two
            # convolutional layers
            nn.Conv2D(384, kernel_size=3, padding=1, activation='relu'),
            nn.Conv2D(384, kernel_size=3, padding=1, activation='relu'),
            nn.Conv2D(256, kernel_size=3, padding=1, activation='relu'),
            nn.MaxPool2D(pool_size=3, strides=2),
            # Here, the number of outputs of the fully connected layer is several
            # times larger than that in LeNet. Use the dropout layer to mitigate
            # overfitting
            nn.Dense(4096, activation="relu"), nn.Dropout(0.5),
            nn.Dense(4096, activation="relu"), nn.Dropout(0.5),
            # Output layer. Since we are using Fashion-MNIST, the number of
            # classes is 10, instead of 1000 as in the paper
            nn.Dense(10))
    shapes = _walk(net, (1, 1, 224, 224), capsys)
    assert shapes[:3] == [(1, 96, 54, 54), (1, 96, 26, 26), (1, 256, 26, 26)]
    assert shapes[7:] == [(1, 256, 5, 5), (1, 4096), (1, 4096), (1, 4096), (1, 4096), (1, 10)]

    # This function has been saved in the d2l package for future use
    def load_data_fashion_mnist(batch_size, resize=None, root=os.path.join(
            '~', '.mxnet', 'datasets', 'fashion-mnist')):
        root = os.path.expanduser(root)  # Expand the user path '~'.
        transformer = []
        if resize:
            transformer += [gdata.vision.transforms.Resize(resize)]
        transformer += [gdata.vision.transforms.ToTensor()]
        transformer = gdata.vision.transforms.Compose(transformer)
        mnist_train = gdata.vision.FashionMNIST(root=root, train=True)
        mnist_test = gdata.vision.FashionMNIST(root=root, train=False)
        num_workers = 0 if sys.platform.startswith('win32') else 4
        train_iter = gdata.DataLoader(
            mnist_train.transform_first(transformer), batch_size, shuffle=True,
            num_workers=num_workers)
        test_iter = gdata.DataLoader(
            mnist_test.transform_first(transformer), batch_size, shuffle=False,
            num_workers=num_workers)
        return train_iter, test_iter

    batch_size = 8
    train_iter, test_iter = load_data_fashion_mnist(batch_size, resize=224)
    X, y = next(iter(train_iter))
    assert X.shape == (8, 1, 224, 224) and X.dtype == np.float32 and 0 <= X.min().asscalar() <= X.max().asscalar() <= 1
    lr, num_epochs, ctx = 0.01, 1, d2l.try_gpu()
    net.initialize(force_reinit=True, ctx=ctx, init=init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': lr})
    d2l.train_ch5(net, train_iter, test_iter, batch_size, trainer, ctx,
                  num_epochs)
    _trains(capsys)


def test_vgg(capsys):
    nd.random.seed(0)

    def vgg_block(num_convs, num_channels):
        blk = nn.Sequential()
        for _ in range(num_convs):
            blk.add(nn.Conv2D(num_channels, kernel_size=3,
                              padding=1, activation='relu'))
        blk.add(nn.MaxPool2D(pool_size=2, strides=2))
        return blk

    conv_arch = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))

    def vgg(conv_arch):
        net = nn.Sequential()
        # The convolutional layer part
        for (num_convs, num_channels) in conv_arch:
            net.add(vgg_block(num_convs, num_channels))
        # The fully connected layer part
        net.add(nn.Dense(4096, activation='relu'), nn.Dropout(0.5),
                nn.Dense(4096, activation='relu'), nn.Dropout(0.5),
                nn.Dense(10))
        return net

    ratio = 4
    small_conv_arch = [(pair[0], pair[1] // ratio) for pair in conv_arch]
    net = vgg(small_conv_arch)
    shapes = _walk(net, (1, 1, 224, 224), capsys)
    assert shapes[:5] == [(1, 16, 112, 112), (1, 32, 56, 56), (1, 64, 28, 28), (1, 128, 14, 14), (1, 128, 7, 7)]
    assert shapes[-1] == (1, 10)

    net = vgg(small_conv_arch)
    lr, num_epochs, batch_size, ctx = 0.05, 1, 8, d2l.try_gpu()
    net.initialize(ctx=ctx, init=init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': lr})
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size, resize=32, num_examples=16)
    d2l.train_ch5(net, train_iter, test_iter, batch_size, trainer, ctx,
                  num_epochs)
    _trains(capsys)


def test_network_in_network(capsys):
    nd.random.seed(0)

    def nin_block(num_channels, kernel_size, strides, padding):
        blk = nn.Sequential()
        blk.add(nn.Conv2D(num_channels, kernel_size,
                          strides, padding, activation='relu'),
                nn.Conv2D(num_channels, kernel_size=1, activation='relu'),
                nn.Conv2D(num_channels, kernel_size=1, activation='relu'))
        return blk

    net = nn.Sequential()
    net.add(nin_block(96, kernel_size=11, strides=4, padding=0),
            nn.MaxPool2D(pool_size=3, strides=2),
            nin_block(256, kernel_size=5, strides=1, padding=2),
            nn.MaxPool2D(pool_size=3, strides=2),
            nin_block(384, kernel_size=3, strides=1, padding=1),
            nn.MaxPool2D(pool_size=3, strides=2),
            nn.Dropout(0.5),
            # There are 10 label classes
            nin_block(10, kernel_size=3, strides=1, padding=1),
            # The global average pooling layer automatically sets the window shape
            # to the height and width of the input
            nn.GlobalAvgPool2D(),
            # Transform the four-dimensional output into two-dimensional output
            # with a shape of (batch size, 10)
            nn.Flatten())
    shapes = _walk(net, (1, 1, 96, 96), capsys)
    assert shapes == [(1, 96, 22, 22), (1, 96, 10, 10), (1, 256, 10, 10), (1, 256, 4, 4), (1, 384, 4, 4),
                      (1, 384, 1, 1), (1, 384, 1, 1), (1, 10, 1, 1), (1, 10, 1, 1), (1, 10)]

    lr, num_epochs, batch_size, ctx = 0.1, 1, 8, d2l.try_gpu()
    net.initialize(force_reinit=True, ctx=ctx, init=init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': lr})
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size, resize=96, num_examples=16)
    d2l.train_ch5(net, train_iter, test_iter, batch_size, trainer, ctx,
                  num_epochs)
    _trains(capsys)


def test_googlenet_inception(capsys):
    nd.random.seed(0)

    class Inception(nn.Block):
        # c1 - c4 are the number of output channels for each layer in the path
        def __init__(self, c1, c2, c3, c4, **kwargs):
            super(Inception, self).__init__(**kwargs)
            # Path 1 is a single 1 x 1 convolutional layer
            self.p1_1 = nn.Conv2D(c1, kernel_size=1, activation='relu')
            # Path 2 is a 1 x 1 convolutional layer followed by a 3 x 3
            # convolutional layer
            self.p2_1 = nn.Conv2D(c2[0], kernel_size=1, activation='relu')
            self.p2_2 = nn.Conv2D(c2[1], kernel_size=3, padding=1,
                                  activation='relu')
            # Path 3 is a 1 x 1 convolutional layer followed by a 5 x 5
            # convolutional layer
            self.p3_1 = nn.Conv2D(c3[0], kernel_size=1, activation='relu')
            self.p3_2 = nn.Conv2D(c3[1], kernel_size=5, padding=2,
                                  activation='relu')
            # Path 4 is a 3 x 3 maximum pooling layer followed by a 1 x 1
            # convolutional layer
            self.p4_1 = nn.MaxPool2D(pool_size=3, strides=1, padding=1)
            self.p4_2 = nn.Conv2D(c4, kernel_size=1, activation='relu')

        def forward(self, x):
            p1 = self.p1_1(x)
            p2 = self.p2_2(self.p2_1(x))
            p3 = self.p3_2(self.p3_1(x))
            p4 = self.p4_2(self.p4_1(x))
            # Concatenate the outputs on the channel dimension
            return nd.concat(p1, p2, p3, p4, dim=1)

    b1 = nn.Sequential()
    b1.add(nn.Conv2D(64, kernel_size=7, strides=2, padding=3, activation='relu'),
           nn.MaxPool2D(pool_size=3, strides=2, padding=1))
    b2 = nn.Sequential()
    b2.add(nn.Conv2D(64, kernel_size=1, activation='relu'),
           nn.Conv2D(192, kernel_size=3, padding=1, activation='relu'),
           nn.MaxPool2D(pool_size=3, strides=2, padding=1))
    b3 = nn.Sequential()
    b3.add(Inception(64, (96, 128), (16, 32), 32),
           Inception(128, (128, 192), (32, 96), 64),
           nn.MaxPool2D(pool_size=3, strides=2, padding=1))
    b4 = nn.Sequential()
    b4.add(Inception(192, (96, 208), (16, 48), 64),
           Inception(160, (112, 224), (24, 64), 64),
           Inception(128, (128, 256), (24, 64), 64),
           Inception(112, (144, 288), (32, 64), 64),
           Inception(256, (160, 320), (32, 128), 128),
           nn.MaxPool2D(pool_size=3, strides=2, padding=1))
    b5 = nn.Sequential()
    b5.add(Inception(256, (160, 320), (32, 128), 128),
           Inception(384, (192, 384), (48, 128), 128),
           nn.GlobalAvgPool2D())

    net = nn.Sequential()
    net.add(b1, b2, b3, b4, b5, nn.Dense(10))
    shapes = _walk(net, (1, 1, 96, 96), capsys)
    assert shapes == [(1, 64, 24, 24), (1, 192, 12, 12), (1, 480, 6, 6), (1, 832, 3, 3), (1, 1024, 1, 1), (1, 10)]

    lr, num_epochs, batch_size, ctx = 0.1, 1, 4, d2l.try_gpu()
    net.initialize(force_reinit=True, ctx=ctx, init=init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': lr})
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size, resize=32, num_examples=8)
    d2l.train_ch5(net, train_iter, test_iter, batch_size, trainer, ctx,
                  num_epochs)
    _trains(capsys)


def test_batch_norm_from_scratch_and_concise(capsys):
    nd.random.seed(0)

    def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum):
        # Use autograd to determine whether the current mode is training mode or
        # prediction mode
        if not autograd.is_training():
            # If it is the prediction mode, directly use the mean and variance
            # obtained from the incoming moving average
            X_hat = (X - moving_mean) / nd.sqrt(moving_var + eps)
        else:
            assert len(X.shape) in (2, 4)
            if len(X.shape) == 2:
                # When using a fully connected layer, calculate the mean and
                # variance on the feature dimension
                mean = X.mean(axis=0)
                var = ((X - mean) ** 2).mean(axis=0)
            else:
                # When using a two-dimensional convolutional layer, calculate the
                # mean and variance on the channel dimension (axis=1). Here we
                # need to maintain the shape of X, so that the broadcast
                # operation can be carried out later
                mean = X.mean(axis=(0, 2, 3), keepdims=True)
                var = ((X - mean) ** 2).mean(axis=(0, 2, 3), keepdims=True)
            # In training mode, the current mean and variance are used for the
            # standardization
            X_hat = (X - mean) / nd.sqrt(var + eps)
            # Update the mean and variance of the moving average
            moving_mean = momentum * moving_mean + (1.0 - momentum) * mean
            moving_var = momentum * moving_var + (1.0 - momentum) * var
        Y = gamma * X_hat + beta  # Scale and shift
        return Y, moving_mean, moving_var

    class BatchNorm(nn.Block):
        def __init__(self, num_features, num_dims, **kwargs):
            super(BatchNorm, self).__init__(**kwargs)
            if num_dims == 2:
                shape = (1, num_features)
            else:
                shape = (1, num_features, 1, 1)
            # The scale parameter and the shift parameter involved in gradient
            # finding and iteration are initialized to 0 and 1 respectively
            self.gamma = self.params.get('gamma', shape=shape, init=init.One())
            self.beta = self.params.get('beta', shape=shape, init=init.Zero())
            # All the variables not involved in gradient finding and iteration are
            # initialized to 0 on the CPU
            self.moving_mean = nd.zeros(shape)
            self.moving_var = nd.zeros(shape)

        def forward(self, X):
            # If X is not on the CPU, copy moving_mean and moving_var to the
            # device where X is located
            if self.moving_mean.context != X.context:
                self.moving_mean = self.moving_mean.copyto(X.context)
                self.moving_var = self.moving_var.copyto(X.context)
            # Save the updated moving_mean and moving_var
            Y, self.moving_mean, self.moving_var = batch_norm(
                X, self.gamma.data(), self.beta.data(), self.moving_mean,
                self.moving_var, eps=1e-5, momentum=0.9)
            return Y

    net = nn.Sequential()
    net.add(nn.Conv2D(6, kernel_size=5),
            BatchNorm(6, num_dims=4),
            nn.Activation('sigmoid'),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Conv2D(16, kernel_size=5),
            BatchNorm(16, num_dims=4),
            nn.Activation('sigmoid'),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Dense(120),
            BatchNorm(120, num_dims=2),
            nn.Activation('sigmoid'),
            nn.Dense(84),
            BatchNorm(84, num_dims=2),
            nn.Activation('sigmoid'),
            nn.Dense(10))

    lr, num_epochs, batch_size, ctx = 1.0, 3, 16, d2l.try_gpu()
    net.initialize(ctx=ctx, init=init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': lr})
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
    d2l.train_ch5(net, train_iter, test_iter, batch_size, trainer, ctx,
                  num_epochs)
    _trains(capsys)
    gamma, beta = net[1].gamma.data().reshape((-1,)), net[1].beta.data().reshape((-1,))
    assert gamma.shape == beta.shape == (6,) and (gamma != 1).asnumpy().any()   # learned
    assert (net[1].moving_var.asnumpy() > 0).all()   # the moving statistics were updated

    net = nn.Sequential()
    net.add(nn.Conv2D(6, kernel_size=5),
            nn.BatchNorm(),
            nn.Activation('sigmoid'),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Conv2D(16, kernel_size=5),
            nn.BatchNorm(),
            nn.Activation('sigmoid'),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Dense(120),
            nn.BatchNorm(),
            nn.Activation('sigmoid'),
            nn.Dense(84),
            nn.BatchNorm(),
            nn.Activation('sigmoid'),
            nn.Dense(10))

    net.initialize(ctx=ctx, init=init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': lr})
    d2l.train_ch5(net, train_iter, test_iter, batch_size, trainer, ctx,
                  num_epochs)
    _trains(capsys)
    assert net[1].running_var.data().shape == (6,)
    assert (net[1].running_mean.data() != 0).asnumpy().any()


def test_resnet(capsys):
    nd.random.seed(0)

    class Residual(nn.Block):
        def __init__(self, num_channels, use_1x1conv=False, strides=1, **kwargs):
            super(Residual, self).__init__(**kwargs)
            self.conv1 = nn.Conv2D(num_channels, kernel_size=3, padding=1,
                                   strides=strides)
            self.conv2 = nn.Conv2D(num_channels, kernel_size=3, padding=1)
            if use_1x1conv:
                self.conv3 = nn.Conv2D(num_channels, kernel_size=1,
                                       strides=strides)
            else:
                self.conv3 = None
            self.bn1 = nn.BatchNorm()
            self.bn2 = nn.BatchNorm()

        def forward(self, X):
            Y = nd.relu(self.bn1(self.conv1(X)))
            Y = self.bn2(self.conv2(Y))
            if self.conv3:
                X = self.conv3(X)
            return nd.relu(Y + X)

    blk = Residual(3)
    blk.initialize()
    X = nd.random.uniform(shape=(4, 3, 6, 6))
    assert blk(X).shape == (4, 3, 6, 6)
    blk = Residual(6, use_1x1conv=True, strides=2)
    blk.initialize()
    assert blk(X).shape == (4, 6, 3, 3)

    net = nn.Sequential()
    net.add(nn.Conv2D(64, kernel_size=7, strides=2, padding=3),
            nn.BatchNorm(), nn.Activation('relu'),
            nn.MaxPool2D(pool_size=3, strides=2, padding=1))

    def resnet_block(num_channels, num_residuals, first_block=False):
        blk = nn.Sequential()
        for i in range(num_residuals):
            if i == 0 and not first_block:
                blk.add(Residual(num_channels, use_1x1conv=True, strides=2))
            else:
                blk.add(Residual(num_channels))
        return blk

    net.add(resnet_block(64, 2, first_block=True),
            resnet_block(128, 2),
            resnet_block(256, 2),
            resnet_block(512, 2))
    net.add(nn.GlobalAvgPool2D(), nn.Dense(10))
    shapes = _walk(net, (1, 1, 96, 96), capsys)
    assert shapes == [(1, 64, 48, 48), (1, 64, 48, 48), (1, 64, 48, 48), (1, 64, 24, 24), (1, 64, 24, 24),
                      (1, 128, 12, 12), (1, 256, 6, 6), (1, 512, 3, 3), (1, 512, 1, 1), (1, 10)]

    lr, num_epochs, batch_size, ctx = 0.05, 1, 4, d2l.try_gpu()
    net.initialize(force_reinit=True, ctx=ctx, init=init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': lr})
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size, resize=32, num_examples=8)
    d2l.train_ch5(net, train_iter, test_iter, batch_size, trainer, ctx,
                  num_epochs)
    _trains(capsys)
    # the d2l package's own copy (d2l.resnet18, its Residual) builds and runs too
    net = d2l.resnet18(10)
    net.initialize(init=init.Xavier())
    assert net(nd.random.uniform(shape=(2, 3, 32, 32))).shape == (2, 10)


def test_densenet(capsys):
    nd.random.seed(0)

    def conv_block(num_channels):
        blk = nn.Sequential()
        blk.add(nn.BatchNorm(), nn.Activation('relu'),
                nn.Conv2D(num_channels, kernel_size=3, padding=1))
        return blk

    class DenseBlock(nn.Block):
        def __init__(self, num_convs, num_channels, **kwargs):
            super(DenseBlock, self).__init__(**kwargs)
            self.net = nn.Sequential()
            for _ in range(num_convs):
                self.net.add(conv_block(num_channels))

        def forward(self, X):
            for blk in self.net:
                Y = blk(X)
                # Concatenate the input and output of each block on the channel
                # dimension
                X = nd.concat(X, Y, dim=1)
            return X

    blk = DenseBlock(2, 10)
    blk.initialize()
    X = nd.random.uniform(shape=(4, 3, 8, 8))
    Y = blk(X)
    assert Y.shape == (4, 23, 8, 8)

    def transition_block(num_channels):
        blk = nn.Sequential()
        blk.add(nn.BatchNorm(), nn.Activation('relu'),
                nn.Conv2D(num_channels, kernel_size=1),
                nn.AvgPool2D(pool_size=2, strides=2))
        return blk

    blk = transition_block(10)
    blk.initialize()
    assert blk(Y).shape == (4, 10, 4, 4)

    net = nn.Sequential()
    net.add(nn.Conv2D(64, kernel_size=7, strides=2, padding=3),
            nn.BatchNorm(), nn.Activation('relu'),
            nn.MaxPool2D(pool_size=3, strides=2, padding=1))

    # Num_channels: the current number of channels
    num_channels, growth_rate = 64, 32
    num_convs_in_dense_blocks = [4, 4, 4, 4]

    for i, num_convs in enumerate(num_convs_in_dense_blocks):
        net.add(DenseBlock(num_convs, growth_rate))
        # This is the number of output channels in the previous dense block
        num_channels += num_convs * growth_rate
        # A transition layer that haves the number of channels is added between
        # the dense blocks
        if i != len(num_convs_in_dense_blocks) - 1:
            net.add(transition_block(num_channels // 2))

    net.add(nn.BatchNorm(), nn.Activation('relu'), nn.GlobalAvgPool2D(),
            nn.Dense(10))

    lr, num_epochs, batch_size, ctx = 0.1, 1, 4, d2l.try_gpu()
    net.initialize(ctx=ctx, init=init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': lr})
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size, resize=32, num_examples=8)
    d2l.train_ch5(net, train_iter, test_iter, batch_size, trainer, ctx,
                  num_epochs)
    _trains(capsys)
    assert net(nd.random.uniform(shape=(1, 1, 32, 32))).shape == (1, 10)


def test_transposed_convolution():
    # computer-vision/tranposed-conv.md of the nd edition (d2l-ai/d2l-en e2174f95): init.Constant(NDArray)
    # sets the kernel; the book's printed values
    def trans_conv(X, K):
        h, w = K.shape
        Y = nd.zeros((X.shape[0] + h - 1, X.shape[1] + w - 1))
        for i in range(X.shape[0]):
            for j in range(X.shape[1]):
                Y[i: i + h, j: j + w] += X[i, j] * K
        return Y

    X = nd.array([[0, 1], [2, 3]])
    K = nd.array([[0, 1], [2, 3]])
    assert trans_conv(X, K).asnumpy().tolist() == [[0, 0, 1], [0, 4, 6], [4, 12, 9]]

    X, K = X.reshape((1, 1, 2, 2)), K.reshape((1, 1, 2, 2))
    tconv = nn.Conv2DTranspose(1, kernel_size=2)
    tconv.initialize(init.Constant(K))
    assert tconv(X).asnumpy().tolist() == [[[[0, 0, 1], [0, 4, 6], [4, 12, 9]]]]
    tconv = nn.Conv2DTranspose(1, kernel_size=2, padding=1)
    tconv.initialize(init.Constant(K))
    assert tconv(X).asnumpy().tolist() == [[[[4]]]]
    tconv = nn.Conv2DTranspose(1, kernel_size=2, strides=2)
    tconv.initialize(init.Constant(K))
    assert tconv(X).asnumpy().tolist() == [[[[0, 0, 0, 1], [0, 0, 2, 3], [0, 2, 0, 3], [4, 6, 6, 9]]]]

    X = nd.random.uniform(shape=(1, 10, 16, 16))
    conv = nn.Conv2D(20, kernel_size=5, padding=2, strides=3)
    tconv = nn.Conv2DTranspose(10, kernel_size=5, padding=2, strides=3)
    conv.initialize()
    tconv.initialize()
    assert tconv(conv(X)).shape == X.shape

    X = nd.arange(9).reshape((3, 3))
    K = nd.array([[0, 1], [2, 3]])

    def corr2d(X, K):
        h, w = K.shape
        Y = nd.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                Y[i, j] = (X[i: i + h, j: j + w] * K).sum()
        return Y

    Y = corr2d(X, K)

    def kernel2matrix(K):
        k, W = nd.zeros(5), nd.zeros((4, 9))
        k[:2], k[3:5] = K[0, :], K[1, :]
        W[0, :5], W[1, 1:6], W[2, 3:8], W[3, 4:] = k, k, k, k
        return W

    W = kernel2matrix(K)
    assert (Y == nd.dot(W, X.reshape((-1))).reshape((2, 2))).asnumpy().all()
    X = nd.array([[0, 1], [2, 3]])
    Y = trans_conv(X, K)
    assert (Y == nd.dot(W.T, X.reshape((-1))).reshape((3, 3))).asnumpy().all()
