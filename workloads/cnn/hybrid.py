"""cnn the Gluon way: a HybridSequential LeNet (Conv2D/MaxPool2D/Flatten/Dense), softmax cross-entropy,
Trainer('sgd'); hybridized unless variant 'imperative'."""
import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd
from workloads._gluon import MeanSoftmaxCELoss
from workloads.cnn import spec
from workloads import _memory

VARIANTS = ("imperative",)


class Trainer:
    memory_parts = _memory.gluon  # what it holds between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device, variant):
        c = spec.SIZES[size]
        self.ctx = mx.gpu() if device == "gpu" else mx.cpu()
        nn = gluon.nn
        self.net = nn.HybridSequential()
        with self.net.name_scope():
            self.net.add(nn.Conv2D(8, kernel_size=3, padding=1, in_channels=1, activation="relu"),
                         nn.MaxPool2D(pool_size=2),
                         nn.Conv2D(16, kernel_size=3, padding=1, in_channels=8, activation="relu"),
                         nn.MaxPool2D(pool_size=2),
                         nn.Flatten(),
                         nn.Dense(10, in_units=784))
        self.net.initialize(ctx=self.ctx)
        p = spec.init_params(size)
        self.net[0].weight.set_data(p["c1w"])
        self.net[0].bias.set_data(p["c1b"])
        self.net[2].weight.set_data(p["c2w"])
        self.net[2].bias.set_data(p["c2b"])
        self.net[5].weight.set_data(p["lw"].T)  # Gluon keeps Dense weights as (units, in_units)
        self.net[5].bias.set_data(p["lb"])
        self.loss_fn = MeanSoftmaxCELoss()
        if variant is None:
            self.net.hybridize()
            self.loss_fn.hybridize()
        self.trainer = gluon.Trainer(self.net.collect_params(), "sgd", {"learning_rate": c["lr"]})

    def step(self, batch):
        x, labels = nd.array(batch["x"], ctx=self.ctx), nd.array(batch["labels"], ctx=self.ctx, dtype="int64")
        with autograd.record():
            loss = self.loss_fn(self.net(x), labels)
        loss.backward()
        self.trainer.step(1)  # MeanSoftmaxCELoss is already the batch mean
        return float(loss.asscalar())

    def params(self):
        net = self.net
        return {"c1w": net[0].weight.data().asnumpy(), "c1b": net[0].bias.data().asnumpy(),
                "c2w": net[2].weight.data().asnumpy(), "c2b": net[2].bias.data().asnumpy(),
                "lw": net[5].weight.data().asnumpy().T, "lb": net[5].bias.data().asnumpy()}


def build(size="small", device="cpu", variant=None):
    return Trainer(size, device, variant)
