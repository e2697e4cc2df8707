"""resnet the Gluon way: a HybridSequential of Conv2D/BatchNorm/Activation and two residual blocks
written as the model zoo's BasicBlockV1 (a body and an optional downsample, added in hybrid_forward),
GlobalAvgPool2D, Flatten, Dropout, Dense; Trainer('sgd', momentum). BatchNorm keeps Gluon's defaults
(momentum 0.9, epsilon 1e-5): running = 0.9 * running + 0.1 * batch, the recipe's. mx.random.seed gives
Dropout the recipe's stream. Hybridized unless variant 'imperative'."""
import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd
from frameworks.hybrid.gluon import nn
from workloads._gluon import MeanSoftmaxCELoss
from workloads.resnet import spec
from workloads import _memory

VARIANTS = ("imperative",)


def _conv3x3(channels, stride, in_channels):
    return nn.Conv2D(channels, kernel_size=3, strides=stride, padding=1, use_bias=False, in_channels=in_channels)


class BasicBlockV1(gluon.HybridBlock):
    """conv3x3, BN, relu, conv3x3, BN; plus the input (or its 1x1-conv + BN downsample); relu."""

    def __init__(self, channels, stride, downsample=False, in_channels=0, **kwargs):
        super().__init__(**kwargs)
        self.body = nn.HybridSequential(prefix="")
        self.body.add(_conv3x3(channels, stride, in_channels))
        self.body.add(nn.BatchNorm(in_channels=channels))
        self.body.add(nn.Activation("relu"))
        self.body.add(_conv3x3(channels, 1, channels))
        self.body.add(nn.BatchNorm(in_channels=channels))
        if downsample:
            self.downsample = nn.HybridSequential(prefix="")
            self.downsample.add(nn.Conv2D(channels, kernel_size=1, strides=stride, use_bias=False,
                                          in_channels=in_channels))
            self.downsample.add(nn.BatchNorm(in_channels=channels))
        else:
            self.downsample = None

    def hybrid_forward(self, F, x):
        residual = x
        x = self.body(x)
        if self.downsample:
            residual = self.downsample(residual)
        return F.Activation(residual + x, act_type="relu")


class Trainer:
    memory_parts = _memory.gluon  # what it holds between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device, variant):
        c = spec.SIZES[size]
        self.ctx = mx.gpu() if device == "gpu" else mx.cpu()
        mx.random.seed(c["dropout_seed"])
        net = self.net = nn.HybridSequential()
        with net.name_scope():
            net.add(_conv3x3(16, 1, 3), nn.BatchNorm(in_channels=16), nn.Activation("relu"),
                    BasicBlockV1(16, 1, in_channels=16), BasicBlockV1(32, 2, downsample=True, in_channels=16),
                    nn.GlobalAvgPool2D(), nn.Flatten(), nn.Dropout(c["dropout"]), nn.Dense(10, in_units=32))
        net.initialize(ctx=self.ctx)
        p = spec.init_params(size)
        for name, (conv, bn) in self._layers().items():
            conv.weight.set_data(p[name])
            bn.gamma.set_data(p[f"{name}_bn_gamma"])
            bn.beta.set_data(p[f"{name}_bn_beta"])
        net[8].weight.set_data(p["lw"].T)   # Gluon keeps Dense weights as (units, in_units)
        net[8].bias.set_data(p["lb"])
        self.loss_fn = MeanSoftmaxCELoss()
        if variant is None:
            net.hybridize()
            self.loss_fn.hybridize()
        self.trainer = gluon.Trainer(net.collect_params(), "sgd",
                                     {"learning_rate": c["lr"], "momentum": c["momentum"]})

    def _layers(self):
        """spec conv name -> (its Conv2D, the BatchNorm after it)."""
        net = self.net
        b1, b2 = net[3], net[4]
        return {"stem": (net[0], net[1]), "b1c1": (b1.body[0], b1.body[1]), "b1c2": (b1.body[3], b1.body[4]),
                "b2c1": (b2.body[0], b2.body[1]), "b2c2": (b2.body[3], b2.body[4]),
                "b2sc": (b2.downsample[0], b2.downsample[1])}

    def step(self, batch):
        x, labels = nd.array(batch["x"], ctx=self.ctx), nd.array(batch["labels"], ctx=self.ctx, dtype="int64")
        with autograd.record():
            loss = self.loss_fn(self.net(x), labels)
        loss.backward()
        self.trainer.step(1)  # MeanSoftmaxCELoss is already the batch mean
        return float(loss.asscalar())

    def params(self):
        out = {}
        for name, (conv, bn) in self._layers().items():
            out[name] = conv.weight.data().asnumpy()
            out[f"{name}_bn_gamma"] = bn.gamma.data().asnumpy()
            out[f"{name}_bn_beta"] = bn.beta.data().asnumpy()
        out["lw"] = self.net[8].weight.data().asnumpy().T
        out["lb"] = self.net[8].bias.data().asnumpy()
        return out

    def buffers(self):
        """The BatchNorms' running statistics (spec.BUFFER_NAMES)."""
        out = {}
        for name, (_, bn) in self._layers().items():
            out[f"{name}_bn_mean"] = bn.running_mean.data().asnumpy()
            out[f"{name}_bn_var"] = bn.running_var.data().asnumpy()
        return out


def build(size="small", device="cpu", variant=None):
    return Trainer(size, device, variant)
