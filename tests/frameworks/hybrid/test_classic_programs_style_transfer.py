"""MXNet 1.x's example/gluon/style_transfer (MSG-Net): net.py's layers verbatim (its own InstanceNorm
block over F.InstanceNorm, reflection padding through F.pad(mode='reflect'), F.UpSampling nearest, the
Inspiration layer's batch_dot/SwapAxis/broadcast_to, Blocks holding Sequentials) and main.py's training
step, with only the imports changed; the pretrained VGG16 (downloaded weights) is replaced by two small
conv stages, the images by random arrays, the sizes made small."""
import numpy as np

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon
from frameworks.hybrid.gluon import nn, Block, HybridBlock, Parameter  # noqa: F401  (net.py's imports)
from frameworks.hybrid.base import numeric_types  # noqa: F401
import frameworks.hybrid.ndarray as F


# ---------------------------------------------------------------- example/gluon/style_transfer/net.py

class InstanceNorm(HybridBlock):
    def __init__(self, axis=1, momentum=0.9, epsilon=1e-5, center=True, scale=False,
                 beta_initializer='zeros', gamma_initializer='ones',
                 in_channels=0, **kwargs):
        super(InstanceNorm, self).__init__(**kwargs)
        self._kwargs = {'eps': epsilon}
        if in_channels != 0:
            self.in_channels = in_channels
        self.gamma = self.params.get('gamma', grad_req='write' if scale else 'null',
                                     shape=(in_channels,), init=gamma_initializer,
                                     allow_deferred_init=True)
        self.beta = self.params.get('beta', grad_req='write' if center else 'null',
                                    shape=(in_channels,), init=beta_initializer,
                                    allow_deferred_init=True)

    def hybrid_forward(self, F, x, gamma, beta):
        return F.InstanceNorm(x, gamma, beta,
                           name='fwd', **self._kwargs)

    def __repr__(self):
        s = '{name}({content}'
        if hasattr(self, 'in_channels'):
            s += ', in_channels={0}'.format(self.in_channels)
        s += ')'
        return s.format(name=self.__class__.__name__,
                        content=', '.join(['='.join([k, v.__repr__()])
                                           for k, v in self._kwargs.items()]))


class ReflectancePadding(HybridBlock):
    def __init__(self, pad_width=None, **kwargs):
        super(ReflectancePadding, self).__init__(**kwargs)
        self.pad_width = pad_width
        
    def forward(self, x):
        return F.pad(x, mode='reflect', pad_width=self.pad_width)

    
class Bottleneck(Block):
    """ Pre-activation residual block
    Identity Mapping in Deep Residual Networks
    ref https://arxiv.org/abs/1603.05027
    """
    def __init__(self, inplanes, planes, stride=1, downsample=None, norm_layer=InstanceNorm):
        super(Bottleneck, self).__init__()
        self.expansion = 4
        self.downsample = downsample
        if self.downsample is not None:
            self.residual_layer = nn.Conv2D(in_channels=inplanes, 
                                            channels=planes * self.expansion,
                                            kernel_size=1, strides=(stride, stride))
        self.conv_block = nn.Sequential()
        with self.conv_block.name_scope():
            self.conv_block.add(norm_layer(in_channels=inplanes))
            self.conv_block.add(nn.Activation('relu'))
            self.conv_block.add(nn.Conv2D(in_channels=inplanes, channels=planes, 
                                 kernel_size=1))
            self.conv_block.add(norm_layer(in_channels=planes))
            self.conv_block.add(nn.Activation('relu'))
            self.conv_block.add(ConvLayer(planes, planes, kernel_size=3, 
                stride=stride))
            self.conv_block.add(norm_layer(in_channels=planes))
            self.conv_block.add(nn.Activation('relu'))
            self.conv_block.add(nn.Conv2D(in_channels=planes, 
                                 channels=planes * self.expansion, 
                                 kernel_size=1))
        
    def forward(self, x):
        if self.downsample is not None:
            residual = self.residual_layer(x)
        else:
            residual = x
        return residual + self.conv_block(x)


class UpBottleneck(Block):
    """ Up-sample residual block (from MSG-Net paper)
    Enables passing identity all the way through the generator
    ref https://arxiv.org/abs/1703.06953
    """
    def __init__(self, inplanes, planes, stride=2, norm_layer=InstanceNorm):
        super(UpBottleneck, self).__init__()
        self.expansion = 4
        self.residual_layer = UpsampleConvLayer(inplanes, planes * self.expansion,
                                                      kernel_size=1, stride=1, upsample=stride)
        self.conv_block = nn.Sequential()
        with self.conv_block.name_scope():
            self.conv_block.add(norm_layer(in_channels=inplanes))
            self.conv_block.add(nn.Activation('relu'))
            self.conv_block.add(nn.Conv2D(in_channels=inplanes, channels=planes, 
                                kernel_size=1))
            self.conv_block.add(norm_layer(in_channels=planes))
            self.conv_block.add(nn.Activation('relu'))
            self.conv_block.add(UpsampleConvLayer(planes, planes, kernel_size=3, stride=1, upsample=stride))
            self.conv_block.add(norm_layer(in_channels=planes))
            self.conv_block.add(nn.Activation('relu'))
            self.conv_block.add(nn.Conv2D(in_channels=planes, 
                                channels=planes * self.expansion, 
                                kernel_size=1))

    def forward(self, x):
        return  self.residual_layer(x) + self.conv_block(x)


class ConvLayer(Block):
    def __init__(self, in_channels, out_channels, kernel_size, stride):
        super(ConvLayer, self).__init__()
        padding = int(np.floor(kernel_size / 2))
        self.pad = ReflectancePadding(pad_width=(0,0,0,0,padding,padding,padding,padding))
        self.conv2d = nn.Conv2D(in_channels=in_channels, channels=out_channels, 
                                kernel_size=kernel_size, strides=(stride,stride),
                                padding=0)

    def forward(self, x):
        x = self.pad(x)
        out = self.conv2d(x)
        return out


class UpsampleConvLayer(Block):
    """UpsampleConvLayer
    Upsamples the input and then does a convolution. This method gives better results
    compared to ConvTranspose2d.
    ref: http://distill.pub/2016/deconv-checkerboard/
    """

    def __init__(self, in_channels, out_channels, kernel_size, 
            stride, upsample=None):
        super(UpsampleConvLayer, self).__init__()
        self.upsample = upsample
        self.reflection_padding = int(np.floor(kernel_size / 2))
        self.conv2d = nn.Conv2D(in_channels=in_channels, 
                                channels=out_channels, 
                                kernel_size=kernel_size, strides=(stride,stride),
                                padding=self.reflection_padding)

    def forward(self, x):
        if self.upsample:
            x = F.UpSampling(x, scale=self.upsample, sample_type='nearest')
        out = self.conv2d(x)
        return out


def gram_matrix(y):
    (b, ch, h, w) = y.shape
    features = y.reshape((b, ch, w * h))
    #features_t = F.SwapAxis(features,1, 2)
    gram = F.batch_dot(features, features, transpose_b=True) / (ch * h * w)
    return gram


class GramMatrix(Block):
    def forward(self, x):
        gram = gram_matrix(x)
        return gram

class Net(Block):
    def __init__(self, input_nc=3, output_nc=3, ngf=64, 
                 norm_layer=InstanceNorm, n_blocks=6, gpu_ids=[]):
        super(Net, self).__init__()
        self.gpu_ids = gpu_ids
        self.gram = GramMatrix()

        block = Bottleneck
        upblock = UpBottleneck
        expansion = 4

        with self.name_scope():
            self.model1 = nn.Sequential()
            self.ins = Inspiration(ngf*expansion)
            self.model = nn.Sequential()

            self.model1.add(ConvLayer(input_nc, 64, kernel_size=7, stride=1))
            self.model1.add(norm_layer(in_channels=64))
            self.model1.add(nn.Activation('relu'))
            self.model1.add(block(64, 32, 2, 1, norm_layer))
            self.model1.add(block(32*expansion, ngf, 2, 1, norm_layer))


            self.model.add(self.model1)
            self.model.add(self.ins)

            for i in range(n_blocks):
                self.model.add(block(ngf*expansion, ngf, 1, None, norm_layer))
        
            self.model.add(upblock(ngf*expansion, 32, 2, norm_layer))
            self.model.add(upblock(32*expansion, 16, 2, norm_layer))
            self.model.add(norm_layer(in_channels=16*expansion))
            self.model.add(nn.Activation('relu'))
            self.model.add(ConvLayer(16*expansion, output_nc, kernel_size=7, stride=1))


    def set_target(self, Xs):
        F = self.model1(Xs)
        G = self.gram(F)
        self.ins.set_target(G)

    def forward(self, input):
        return self.model(input)


class Inspiration(Block):
    """ Inspiration Layer (from MSG-Net paper)
    tuning the featuremap with target Gram Matrix
    ref https://arxiv.org/abs/1703.06953
    """
    def __init__(self, C, B=1):
        super(Inspiration, self).__init__()
        # B is equal to 1 or input mini_batch
        self.C = C
        self.weight = self.params.get('weight', shape=(1,C,C),
                                      init=mx.initializer.Uniform(),
                                      allow_deferred_init=True)
        self.gram = F.random.uniform(shape=(B, C, C))

    def set_target(self, target):
        self.gram = target

    def forward(self, X):
        # input X is a 3D feature map
        self.P = F.batch_dot(F.broadcast_to(self.weight.data(), shape=(self.gram.shape)), self.gram)
        return F.batch_dot(F.SwapAxis(self.P,1,2).broadcast_to((X.shape[0], self.C, self.C)), X.reshape((0,0,X.shape[2]*X.shape[3]))).reshape(X.shape)

    def __repr__(self):
        return self.__class__.__name__ + '(' \
            + 'N x ' + str(self.C) + ')'


class SmallFeatures(Block):
    """Stands in for net.Vgg16 (pretrained weights are a download): a list of feature maps, as vgg(x)."""

    def __init__(self):
        super(SmallFeatures, self).__init__()
        self.conv1 = nn.Conv2D(in_channels=3, channels=8, kernel_size=3, strides=1, padding=1)
        self.conv2 = nn.Conv2D(in_channels=8, channels=16, kernel_size=3, strides=1, padding=1)

    def forward(self, X):
        h = F.Activation(self.conv1(X), act_type='relu')
        relu1 = h
        h = F.Pooling(h, pool_type='max', kernel=(2, 2), stride=(2, 2))
        h = F.Activation(self.conv2(h), act_type='relu')
        return [relu1, h]


def test_style_transfer_net_trains_as_main_py():
    mx.random.seed(0)
    batch_size, size, content_weight, style_weight = 2, 16, 1.0, 5.0
    ctx = mx.cpu(0)
    vgg = SmallFeatures()
    vgg.initialize(ctx=ctx)
    style_model = Net(ngf=8, n_blocks=1)
    style_model.initialize(init=mx.initializer.MSRAPrelu(), ctx=ctx)
    trainer = gluon.Trainer(style_model.collect_params(), 'adam', {'learning_rate': 1e-3})
    mse_loss = gluon.loss.L2Loss()
    rs = np.random.RandomState(0)
    style_image = F.array(rs.uniform(0, 255, (1, 3, size, size)))
    totals = []
    for batch_id in range(3):
        x = F.array(rs.uniform(0, 255, (batch_size, 3, size, size)))
        n_batch = len(x)
        features_style = vgg(style_image)
        gram_style = [gram_matrix(y) for y in features_style]
        f_xc_c = vgg(x)[1]
        with autograd.record():
            style_model.set_target(style_image)
            y = style_model(x)
            features_y = vgg(y)
            content_loss = 2 * content_weight * mse_loss(features_y[1], f_xc_c)
            style_loss = 0.
            for m in range(len(features_y)):
                gram_y = gram_matrix(features_y[m])
                _, C, _ = gram_style[m].shape
                gram_s = F.expand_dims(gram_style[m], 0).broadcast_to((batch_size, 1, C, C))
                style_loss = style_loss + 2 * style_weight * mse_loss(gram_y, gram_s[:n_batch, :, :])
            total_loss = content_loss + style_loss
            total_loss.backward()
        trainer.step(batch_size)
        mx.nd.waitall()
        assert y.shape == x.shape
        totals.append(float((content_loss[0] + style_loss[0]).asnumpy()[0]))
    assert np.all(np.isfinite(totals))
    ins = style_model.ins
    assert ins.weight.shape == (1, 32, 32) and float(np.abs(ins.weight.grad().asnumpy()).sum()) > 0
    norm = style_model.model1[1]
    assert norm.gamma.grad_req == 'null' and norm.beta.grad_req == 'write'   # net.py's scale=False
