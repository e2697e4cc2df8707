"""MXNet 1.x's example/gluon/sn_gan (spectral-normalised GAN): model.py's SNConv2D (a Block with its own
weight and power-iteration vector `u`, nd.L2Normalization, `if sigma == 0.`, set_data under autograd.pause),
the generator and the descriptor verbatim, and train.py's loop (Adam with beta1 and clip_gradient,
CustomMetric, detach) with only the imports changed; a random batch stands in for CIFAR-10, two iterations."""
import numpy as np

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd
from frameworks.hybrid.gluon import Block

EPSILON = 1e-08
POWER_ITERATION = 1


class SNConv2D(Block):
    """ Customized Conv2D to feed the conv with the weight that we apply spectral normalization """

    def __init__(self, num_filter, kernel_size,
                 strides, padding, in_channels,
                 ctx=mx.cpu(), iterations=1):

        super(SNConv2D, self).__init__()

        self.num_filter = num_filter
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.in_channels = in_channels
        self.iterations = iterations
        self.ctx = ctx

        with self.name_scope():
            # init the weight
            self.weight = self.params.get('weight', shape=(
                num_filter, in_channels, kernel_size, kernel_size))
            self.u = self.params.get(
                'u', init=mx.init.Normal(), shape=(1, num_filter))

    def _spectral_norm(self):
        """ spectral normalization """
        w = self.params.get('weight').data(self.ctx)
        w_mat = nd.reshape(w, [w.shape[0], -1])

        _u = self.u.data(self.ctx)
        _v = None

        for _ in range(POWER_ITERATION):
            _v = nd.L2Normalization(nd.dot(_u, w_mat))
            _u = nd.L2Normalization(nd.dot(_v, w_mat.T))

        sigma = nd.sum(nd.dot(_u, w_mat) * _v)
        if sigma == 0.:
            sigma = EPSILON

        with autograd.pause():
            self.u.set_data(_u)

        return w / sigma

    def forward(self, x):
        # x shape is batch_size x in_channels x height x width
        return nd.Convolution(
            data=x,
            weight=self._spectral_norm(),
            kernel=(self.kernel_size, self.kernel_size),
            pad=(self.padding, self.padding),
            stride=(self.strides, self.strides),
            num_filter=self.num_filter,
            no_bias=True
        )


def get_generator():
    """ construct and return generator """
    g_net = gluon.nn.Sequential()
    with g_net.name_scope():

        g_net.add(gluon.nn.Conv2DTranspose(
            channels=512, kernel_size=4, strides=1, padding=0, use_bias=False))
        g_net.add(gluon.nn.BatchNorm())
        g_net.add(gluon.nn.LeakyReLU(0.2))

        g_net.add(gluon.nn.Conv2DTranspose(
            channels=256, kernel_size=4, strides=2, padding=1, use_bias=False))
        g_net.add(gluon.nn.BatchNorm())
        g_net.add(gluon.nn.LeakyReLU(0.2))

        g_net.add(gluon.nn.Conv2DTranspose(
            channels=128, kernel_size=4, strides=2, padding=1, use_bias=False))
        g_net.add(gluon.nn.BatchNorm())
        g_net.add(gluon.nn.LeakyReLU(0.2))

        g_net.add(gluon.nn.Conv2DTranspose(
            channels=64, kernel_size=4, strides=2, padding=1, use_bias=False))
        g_net.add(gluon.nn.BatchNorm())
        g_net.add(gluon.nn.LeakyReLU(0.2))

        g_net.add(gluon.nn.Conv2DTranspose(channels=3, kernel_size=4, strides=2, padding=1, use_bias=False))
        g_net.add(gluon.nn.Activation('tanh'))

    return g_net


def get_descriptor(ctx):
    """ construct and return descriptor """
    d_net = gluon.nn.Sequential()
    with d_net.name_scope():

        d_net.add(SNConv2D(num_filter=64, kernel_size=4, strides=2, padding=1, in_channels=3, ctx=ctx))
        d_net.add(gluon.nn.LeakyReLU(0.2))

        d_net.add(SNConv2D(num_filter=128, kernel_size=4, strides=2, padding=1, in_channels=64, ctx=ctx))
        d_net.add(gluon.nn.LeakyReLU(0.2))

        d_net.add(SNConv2D(num_filter=256, kernel_size=4, strides=2, padding=1, in_channels=128, ctx=ctx))
        d_net.add(gluon.nn.LeakyReLU(0.2))

        d_net.add(SNConv2D(num_filter=512, kernel_size=4, strides=2, padding=1, in_channels=256, ctx=ctx))
        d_net.add(gluon.nn.LeakyReLU(0.2))

        d_net.add(SNConv2D(num_filter=1, kernel_size=4, strides=1, padding=0, in_channels=512, ctx=ctx))

    return d_net


def facc(label, pred):
    """ evaluate accuracy """
    pred = pred.ravel()
    label = label.ravel()
    return ((pred > 0.5) == label).mean()


def test_sn_gan_trains_as_written():
    BATCH_SIZE, Z_DIM, LEARNING_RATE, BETA, CLIP_GRADIENT = 2, 100, 0.0002, 0.5, 10.0
    CTX = mx.cpu()
    mx.random.seed(17)
    train_data = [(nd.random.uniform(-1, 1, shape=(BATCH_SIZE, 3, 64, 64)), nd.zeros(BATCH_SIZE))
                  for _ in range(2)]
    g_net = get_generator()
    d_net = get_descriptor(CTX)
    loss = gluon.loss.SigmoidBinaryCrossEntropyLoss()
    g_net.collect_params().initialize(mx.init.Xavier(), ctx=CTX)
    d_net.collect_params().initialize(mx.init.Xavier(), ctx=CTX)
    g_trainer = gluon.Trainer(
        g_net.collect_params(), 'Adam', {'learning_rate': LEARNING_RATE, 'beta1': BETA, 'clip_gradient': CLIP_GRADIENT})
    d_trainer = gluon.Trainer(
        d_net.collect_params(), 'Adam', {'learning_rate': LEARNING_RATE, 'beta1': BETA, 'clip_gradient': CLIP_GRADIENT})
    g_net.collect_params().zero_grad()
    d_net.collect_params().zero_grad()
    metric = mx.metric.CustomMetric(facc)
    real_label = nd.ones(BATCH_SIZE, CTX)
    fake_label = nd.zeros(BATCH_SIZE, CTX)
    u_before = d_net[0].u.data().asnumpy().copy()
    for epoch in range(1):
        for i, (d, _) in enumerate(train_data):
            data = d.as_in_context(CTX)
            noise = nd.normal(loc=0, scale=1, shape=(
                BATCH_SIZE, Z_DIM, 1, 1), ctx=CTX)
            with autograd.record():
                output = d_net(data).reshape((-1, 1))
                errD_real = loss(output, real_label)
                metric.update([real_label, ], [output, ])

                fake_image = g_net(noise)
                output = d_net(fake_image.detach()).reshape((-1, 1))
                errD_fake = loss(output, fake_label)
                errD = errD_real + errD_fake
                errD.backward()
                metric.update([fake_label, ], [output, ])

            d_trainer.step(BATCH_SIZE)
            with autograd.record():
                fake_image = g_net(noise)
                output = d_net(fake_image).reshape(-1, 1)
                errG = loss(output, real_label)
                errG.backward()

            g_trainer.step(BATCH_SIZE)
        name, acc = metric.get()
        metric.reset()
    assert fake_image.shape == (BATCH_SIZE, 3, 64, 64)
    assert np.isfinite(nd.mean(errD).asscalar()) and np.isfinite(nd.mean(errG).asscalar())
    assert name == 'facc' and 0 <= acc <= 1
    # the power iteration's vector moved: u = normalize(normalize(u W) W^T), unit length
    u = d_net[0].u.data().asnumpy()
    assert not np.allclose(u, u_before) and abs(np.linalg.norm(u) - 1) < 1e-4
