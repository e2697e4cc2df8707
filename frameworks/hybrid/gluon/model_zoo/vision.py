"""gluon.model_zoo.vision: ResNet V1/V2 (18-152), VGG (11-19, with or without BatchNorm) and AlexNet as
MXNet 1.x builds them (same blocks, prefixes and parameter names); get_model(name, classes=...).
pretrained=True and the models needing what the shared kernels lack (grouped convolutions: MobileNet;
Inception, DenseNet, SqueezeNet) raise MXNetError naming what to use."""
from ...base import MXNetError
from ...context import cpu
from .. import nn
from ..block import HybridBlock


def _no_pretrained(name, pretrained):
    if pretrained:
        raise MXNetError(f"{name}(pretrained=True): pretrained weights are not downloaded by this engine; build "
                         f"it with pretrained=False and load_parameters() from a local file")


def _conv3x3(channels, stride, in_channels):
    return nn.Conv2D(channels, kernel_size=3, strides=stride, padding=1, use_bias=False, in_channels=in_channels)


def _downsample_v1(channels, stride, in_channels):
    """V1 blocks' projection shortcut: a strided 1x1 convolution and BatchNorm."""
    downsample = nn.HybridSequential(prefix='')
    downsample.add(nn.Conv2D(channels, kernel_size=1, strides=stride, use_bias=False, in_channels=in_channels))
    downsample.add(nn.BatchNorm())
    return downsample


def _v1_output(F, x, residual, downsample):
    return F.Activation(x + (downsample(residual) if downsample else residual), act_type='relu')


class BasicBlockV1(HybridBlock):
    """ResNet V1's basic block (18, 34 layers)."""

    def __init__(self, channels, stride, downsample=False, in_channels=0, **kwargs):
        super(BasicBlockV1, self).__init__(**kwargs)
        self.body = nn.HybridSequential(prefix='')
        self.body.add(_conv3x3(channels, stride, in_channels))
        self.body.add(nn.BatchNorm())
        self.body.add(nn.Activation('relu'))
        self.body.add(_conv3x3(channels, 1, channels))
        self.body.add(nn.BatchNorm())
        self.downsample = _downsample_v1(channels, stride, in_channels) if downsample else None

    def hybrid_forward(self, F, x):
        return _v1_output(F, self.body(x), x, self.downsample)


class BottleneckV1(HybridBlock):
    """ResNet V1's bottleneck block (50, 101, 152 layers)."""

    def __init__(self, channels, stride, downsample=False, in_channels=0, **kwargs):
        super(BottleneckV1, self).__init__(**kwargs)
        self.body = nn.HybridSequential(prefix='')
        self.body.add(nn.Conv2D(channels // 4, kernel_size=1, strides=stride))
        self.body.add(nn.BatchNorm())
        self.body.add(nn.Activation('relu'))
        self.body.add(_conv3x3(channels // 4, 1, channels // 4))
        self.body.add(nn.BatchNorm())
        self.body.add(nn.Activation('relu'))
        self.body.add(nn.Conv2D(channels, kernel_size=1, strides=1))
        self.body.add(nn.BatchNorm())
        self.downsample = _downsample_v1(channels, stride, in_channels) if downsample else None

    def hybrid_forward(self, F, x):
        return _v1_output(F, self.body(x), x, self.downsample)


def _v2_start(block, F, x):
    """V2 blocks' pre-activation relu(bn1(x)) and the shortcut (projected from it when downsampling)."""
    out = F.Activation(block.bn1(x), act_type='relu')
    return out, (block.downsample(out) if block.downsample else x)


class BasicBlockV2(HybridBlock):
    """ResNet V2's basic block (pre-activation)."""

    def __init__(self, channels, stride, downsample=False, in_channels=0, **kwargs):
        super(BasicBlockV2, self).__init__(**kwargs)
        self.bn1 = nn.BatchNorm()
        self.conv1 = _conv3x3(channels, stride, in_channels)
        self.bn2 = nn.BatchNorm()
        self.conv2 = _conv3x3(channels, 1, channels)
        self.downsample = nn.Conv2D(channels, 1, stride, use_bias=False, in_channels=in_channels) \
            if downsample else None

    def hybrid_forward(self, F, x):
        x, residual = _v2_start(self, F, x)
        x = self.conv2(F.Activation(self.bn2(self.conv1(x)), act_type='relu'))
        return x + residual


class BottleneckV2(HybridBlock):
    """ResNet V2's bottleneck block (pre-activation)."""

    def __init__(self, channels, stride, downsample=False, in_channels=0, **kwargs):
        super(BottleneckV2, self).__init__(**kwargs)
        self.bn1 = nn.BatchNorm()
        self.conv1 = nn.Conv2D(channels // 4, kernel_size=1, strides=1, use_bias=False)
        self.bn2 = nn.BatchNorm()
        self.conv2 = _conv3x3(channels // 4, stride, channels // 4)
        self.bn3 = nn.BatchNorm()
        self.conv3 = nn.Conv2D(channels, kernel_size=1, strides=1, use_bias=False)
        self.downsample = nn.Conv2D(channels, 1, stride, use_bias=False, in_channels=in_channels) \
            if downsample else None

    def hybrid_forward(self, F, x):
        x, residual = _v2_start(self, F, x)
        x = self.conv2(F.Activation(self.bn2(self.conv1(x)), act_type='relu'))
        x = self.conv3(F.Activation(self.bn3(x), act_type='relu'))
        return x + residual


def _make_layer(block, layers, channels, stride, stage_index, in_channels=0):
    layer = nn.HybridSequential(prefix='stage%d_' % stage_index)
    with layer.name_scope():
        layer.add(block(channels, stride, channels != in_channels, in_channels=in_channels, prefix=''))
        for _ in range(layers - 1):
            layer.add(block(channels, 1, False, in_channels=channels, prefix=''))
    return layer


def _add_stem(features, channels, thumbnail):
    """ResNet's first layers: one 3x3 convolution (thumbnail), else 7x7/2, BatchNorm, relu, 3x3/2 max pool."""
    if thumbnail:
        features.add(_conv3x3(channels, 1, 0))
    else:
        features.add(nn.Conv2D(channels, 7, 2, 3, use_bias=False))
        features.add(nn.BatchNorm())
        features.add(nn.Activation('relu'))
        features.add(nn.MaxPool2D(3, 2, 1))


class ResNetV1(HybridBlock):
    """ResNet V1 (He et al. 2015); thumbnail=True starts with one 3x3 convolution (CIFAR-sized input)."""

    def __init__(self, block, layers, channels, classes=1000, thumbnail=False, **kwargs):
        super(ResNetV1, self).__init__(**kwargs)
        assert len(layers) == len(channels) - 1
        with self.name_scope():
            self.features = nn.HybridSequential(prefix='')
            _add_stem(self.features, channels[0], thumbnail)
            for i, num_layer in enumerate(layers):
                stride = 1 if i == 0 else 2
                self.features.add(_make_layer(block, num_layer, channels[i + 1], stride, i + 1,
                                              in_channels=channels[i]))
            self.features.add(nn.GlobalAvgPool2D())
            self.output = nn.Dense(classes, in_units=channels[-1])

    def hybrid_forward(self, F, x):
        x = self.features(x)
        return self.output(x)


class ResNetV2(HybridBlock):
    """ResNet V2 (He et al. 2016, pre-activation)."""

    def __init__(self, block, layers, channels, classes=1000, thumbnail=False, **kwargs):
        super(ResNetV2, self).__init__(**kwargs)
        assert len(layers) == len(channels) - 1
        with self.name_scope():
            self.features = nn.HybridSequential(prefix='')
            self.features.add(nn.BatchNorm(scale=False, center=False))
            _add_stem(self.features, channels[0], thumbnail)
            in_channels = channels[0]
            for i, num_layer in enumerate(layers):
                stride = 1 if i == 0 else 2
                self.features.add(_make_layer(block, num_layer, channels[i + 1], stride, i + 1,
                                              in_channels=in_channels))
                in_channels = channels[i + 1]
            self.features.add(nn.BatchNorm())
            self.features.add(nn.Activation('relu'))
            self.features.add(nn.GlobalAvgPool2D())
            self.features.add(nn.Flatten())
            self.output = nn.Dense(classes, in_units=in_channels)

    def hybrid_forward(self, F, x):
        x = self.features(x)
        return self.output(x)


resnet_spec = {18: ('basic_block', [2, 2, 2, 2], [64, 64, 128, 256, 512]),
               34: ('basic_block', [3, 4, 6, 3], [64, 64, 128, 256, 512]),
               50: ('bottle_neck', [3, 4, 6, 3], [64, 256, 512, 1024, 2048]),
               101: ('bottle_neck', [3, 4, 23, 3], [64, 256, 512, 1024, 2048]),
               152: ('bottle_neck', [3, 8, 36, 3], [64, 256, 512, 1024, 2048])}
resnet_net_versions = [ResNetV1, ResNetV2]
resnet_block_versions = [{'basic_block': BasicBlockV1, 'bottle_neck': BottleneckV1},
                         {'basic_block': BasicBlockV2, 'bottle_neck': BottleneckV2}]


def get_resnet(version, num_layers, pretrained=False, ctx=cpu(), root=None, **kwargs):
    """ResNet V`version` with `num_layers` (18, 34, 50, 101, 152)."""
    if num_layers not in resnet_spec:
        raise MXNetError(f"Invalid number of layers: {num_layers}. Options are {sorted(resnet_spec)}")
    if version not in (1, 2):
        raise MXNetError(f"Invalid resnet version: {version}. Options are 1 and 2.")
    _no_pretrained(f"resnet{num_layers}_v{version}", pretrained)
    block_type, layers, channels = resnet_spec[num_layers]
    return resnet_net_versions[version - 1](resnet_block_versions[version - 1][block_type], layers, channels,
                                            **kwargs)


def _resnet(version, n):
    def make(**kwargs):
        return get_resnet(version, n, **kwargs)
    make.__name__ = f"resnet{n}_v{version}"
    make.__doc__ = f"ResNet-{n} V{version}."
    return make


resnet18_v1, resnet34_v1, resnet50_v1, resnet101_v1, resnet152_v1 = (_resnet(1, n) for n in (18, 34, 50, 101, 152))
resnet18_v2, resnet34_v2, resnet50_v2, resnet101_v2, resnet152_v2 = (_resnet(2, n) for n in (18, 34, 50, 101, 152))


class AlexNet(HybridBlock):
    """AlexNet (Krizhevsky et al. 2012) as Gluon's model zoo builds it (224x224 input)."""

    def __init__(self, classes=1000, **kwargs):
        super(AlexNet, self).__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix='')
            with self.features.name_scope():
                self.features.add(nn.Conv2D(64, kernel_size=11, strides=4, padding=2, activation='relu'))
                self.features.add(nn.MaxPool2D(pool_size=3, strides=2))
                self.features.add(nn.Conv2D(192, kernel_size=5, padding=2, activation='relu'))
                self.features.add(nn.MaxPool2D(pool_size=3, strides=2))
                self.features.add(nn.Conv2D(384, kernel_size=3, padding=1, activation='relu'))
                self.features.add(nn.Conv2D(256, kernel_size=3, padding=1, activation='relu'))
                self.features.add(nn.Conv2D(256, kernel_size=3, padding=1, activation='relu'))
                self.features.add(nn.MaxPool2D(pool_size=3, strides=2))
                self.features.add(nn.Flatten())
                self.features.add(nn.Dense(4096, activation='relu'))
                self.features.add(nn.Dropout(0.5))
                self.features.add(nn.Dense(4096, activation='relu'))
                self.features.add(nn.Dropout(0.5))
            self.output = nn.Dense(classes)

    def hybrid_forward(self, F, x):
        x = self.features(x)
        return self.output(x)


def alexnet(pretrained=False, ctx=cpu(), root=None, **kwargs):
    _no_pretrained("alexnet", pretrained)
    return AlexNet(**kwargs)


vgg_spec = {11: ([1, 1, 2, 2, 2], [64, 128, 256, 512, 512]),
            13: ([2, 2, 2, 2, 2], [64, 128, 256, 512, 512]),
            16: ([2, 2, 3, 3, 3], [64, 128, 256, 512, 512]),
            19: ([2, 2, 4, 4, 4], [64, 128, 256, 512, 512])}


class VGG(HybridBlock):
    """VGG (Simonyan & Zisserman 2014), optionally with BatchNorm after each convolution."""

    def __init__(self, layers, filters, classes=1000, batch_norm=False, **kwargs):
        super(VGG, self).__init__(**kwargs)
        assert len(layers) == len(filters)
        from ... import initializer as init
        with self.name_scope():
            self.features = nn.HybridSequential(prefix='')
            for i, num in enumerate(layers):
                for _ in range(num):
                    self.features.add(nn.Conv2D(filters[i], kernel_size=3, padding=1,
                                                weight_initializer=init.Xavier(rnd_type='gaussian',
                                                                               factor_type='out', magnitude=2),
                                                bias_initializer='zeros'))
                    if batch_norm:
                        self.features.add(nn.BatchNorm())
                    self.features.add(nn.Activation('relu'))
                self.features.add(nn.MaxPool2D(strides=2))
            self.features.add(nn.Dense(4096, activation='relu', weight_initializer='normal',
                                       bias_initializer='zeros'))
            self.features.add(nn.Dropout(rate=0.5))
            self.features.add(nn.Dense(4096, activation='relu', weight_initializer='normal',
                                       bias_initializer='zeros'))
            self.features.add(nn.Dropout(rate=0.5))
            self.output = nn.Dense(classes, weight_initializer='normal', bias_initializer='zeros')

    def hybrid_forward(self, F, x):
        x = self.features(x)
        return self.output(x)


def get_vgg(num_layers, pretrained=False, ctx=cpu(), root=None, **kwargs):
    if num_layers not in vgg_spec:
        raise MXNetError(f"Invalid number of layers: {num_layers}. Options are {sorted(vgg_spec)}")
    _no_pretrained(f"vgg{num_layers}", pretrained)
    layers, filters = vgg_spec[num_layers]
    return VGG(layers, filters, **kwargs)


def _vgg(n, bn):
    def make(**kwargs):
        if bn:
            kwargs["batch_norm"] = True
        return get_vgg(n, **kwargs)
    make.__name__ = f"vgg{n}{'_bn' if bn else ''}"
    return make


vgg11, vgg13, vgg16, vgg19 = (_vgg(n, False) for n in (11, 13, 16, 19))
vgg11_bn, vgg13_bn, vgg16_bn, vgg19_bn = (_vgg(n, True) for n in (11, 13, 16, 19))

_MODELS = {f.__name__: f for f in (resnet18_v1, resnet34_v1, resnet50_v1, resnet101_v1, resnet152_v1,
                                   resnet18_v2, resnet34_v2, resnet50_v2, resnet101_v2, resnet152_v2,
                                   vgg11, vgg13, vgg16, vgg19, vgg11_bn, vgg13_bn, vgg16_bn, vgg19_bn, alexnet)}
_REFUSED = ("densenet121", "densenet161", "densenet169", "densenet201", "squeezenet1.0", "squeezenet1.1",
            "inceptionv3", "mobilenet1.0", "mobilenet0.75", "mobilenet0.5", "mobilenet0.25", "mobilenetv2_1.0",
            "mobilenetv2_0.75", "mobilenetv2_0.5", "mobilenetv2_0.25")


def get_model(name, **kwargs):
    """A model zoo network by name ('resnet18_v1', 'vgg16_bn', 'alexnet'); classes=, thumbnail= etc. pass on."""
    name = name.lower()
    if name in _MODELS:
        return _MODELS[name](**kwargs)
    if name in _REFUSED:
        raise MXNetError(f"Model {name} is not supported by this engine (it needs grouped convolutions or "
                         f"layers the shared kernels lack); available: {', '.join(sorted(_MODELS))}")
    raise ValueError("Model %s is not supported. Available options are\n\t%s" % (
        name, '\n\t'.join(sorted(_MODELS) + list(_REFUSED))))


__all__ = ["get_model", "get_resnet", "get_vgg", "ResNetV1", "ResNetV2", "BasicBlockV1", "BasicBlockV2",
           "BottleneckV1", "BottleneckV2", "AlexNet", "VGG", "alexnet"] + sorted(_MODELS)
