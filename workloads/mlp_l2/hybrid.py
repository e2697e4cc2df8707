"""mlp-l2 the Gluon way: a HybridSequential of two bias-free Dense layers, a custom sum-of-squares
loss block, autograd.record() + backward() + Trainer('sgd'); hybridized unless variant 'imperative'."""
import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd
from workloads.mlp_l2 import spec
from workloads import _memory

VARIANTS = ("imperative",)


class SumSquaredError(gluon.loss.Loss):
    """sum((pred - label) ** 2) over the whole batch: the recipe's loss (L2Loss would halve and average)."""

    def hybrid_forward(self, F, pred, label):
        return F.sum(F.square(pred - label))


class Trainer:
    memory_parts = _memory.gluon  # what it holds between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device, variant):
        c = spec.SIZES[size]
        self.ctx = mx.gpu() if device == "gpu" else mx.cpu()
        self.net = gluon.nn.HybridSequential()
        with self.net.name_scope():
            self.net.add(gluon.nn.Dense(c["H"], activation="relu", use_bias=False, in_units=c["D_in"]),
                         gluon.nn.Dense(c["D_out"], use_bias=False, in_units=c["H"]))
        self.net.initialize(ctx=self.ctx)
        init = spec.init_params(size)
        self.net[0].weight.set_data(init["w1"].T)  # Gluon keeps Dense weights as (units, in_units)
        self.net[1].weight.set_data(init["w2"].T)
        self.loss_fn = SumSquaredError(weight=None, batch_axis=0)
        if variant is None:
            self.net.hybridize()
            self.loss_fn.hybridize()
        self.trainer = gluon.Trainer(self.net.collect_params(), "sgd", {"learning_rate": c["lr"]})

    def step(self, batch):
        x, y = nd.array(batch["x"], ctx=self.ctx), nd.array(batch["y"], ctx=self.ctx)
        with autograd.record():
            loss = self.loss_fn(self.net(x), y)
        loss.backward()
        self.trainer.step(1)  # the loss is already the recipe's sum: no 1/batch_size rescale
        return float(loss.asscalar())

    def params(self):
        return {"w1": self.net[0].weight.data().asnumpy().T, "w2": self.net[1].weight.data().asnumpy().T}


def build(size="small", device="cpu", variant=None):
    return Trainer(size, device, variant)
