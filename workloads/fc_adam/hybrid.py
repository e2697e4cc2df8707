"""fc-adam the Gluon way: two bias-free Dense+relu layers, a clipped-log loss block, Trainer('adam');
the short last batch makes the hybridized net trace a second graph. Variant 'imperative' skips hybridize."""
import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd
from workloads.fc_adam import spec
from workloads import _memory

VARIANTS = ("imperative",)


class ClippedLogLoss(gluon.loss.Loss):
    """-mean(label * log(clip(pred, lo, hi))), the TensorFlow-tutorial loss of the recipe."""

    def hybrid_forward(self, F, pred, label):
        return -F.mean(label * F.log(F.clip(pred, a_min=spec.CLIP[0], a_max=spec.CLIP[1])))


class Trainer:
    memory_parts = _memory.gluon  # what it holds between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device, variant):
        c = spec.SIZES[size]
        self.ctx = mx.gpu() if device == "gpu" else mx.cpu()
        self.net = gluon.nn.HybridSequential()
        with self.net.name_scope():
            self.net.add(gluon.nn.Dense(3, activation="relu", use_bias=False, in_units=2),
                         gluon.nn.Dense(1, activation="relu", use_bias=False, in_units=3))
        self.net.initialize(ctx=self.ctx)
        init = spec.init_params(size)
        self.net[0].weight.set_data(init["w1"].T)
        self.net[1].weight.set_data(init["w2"].T)
        self.loss_fn = ClippedLogLoss(weight=None, batch_axis=0)
        if variant is None:
            self.net.hybridize()
            self.loss_fn.hybridize()
        self.trainer = gluon.Trainer(self.net.collect_params(), "adam", {
            "learning_rate": c["lr"], "beta1": c["beta1"], "beta2": c["beta2"], "epsilon": c["eps"]})

    def step(self, batch):
        x, y = nd.array(batch["x"], ctx=self.ctx), nd.array(batch["y"], ctx=self.ctx)
        with autograd.record():
            loss = self.loss_fn(self.net(x), y)
        loss.backward()
        self.trainer.step(1)  # the loss is already a batch mean
        return float(loss.asscalar())

    def params(self):
        return {"w1": self.net[0].weight.data().asnumpy().T, "w2": self.net[1].weight.data().asnumpy().T}


def build(size="small", device="cpu", variant=None):
    return Trainer(size, device, variant)
