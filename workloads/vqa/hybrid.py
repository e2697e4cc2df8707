"""vqa the Gluon way: a CNN image encoder and an Embedding + fused LSTM question encoder in one
HybridBlock, concatenated into a Dense classifier; Trainer('sgd', momentum 0.9). Hybridized unless
variant 'imperative'."""
import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd
from workloads._gluon import MeanSoftmaxCELoss
from workloads.vqa import spec
from workloads import _memory

VARIANTS = ("imperative",)


class VQANet(gluon.HybridBlock):
    def __init__(self, c, flat, **kwargs):
        super().__init__(**kwargs)
        nn = gluon.nn
        self._hidden = c["H"]
        with self.name_scope():
            self.image = nn.HybridSequential()
            self.image.add(nn.Conv2D(16, kernel_size=3, padding=1, in_channels=3, activation="relu"),
                           nn.MaxPool2D(pool_size=2),
                           nn.Conv2D(32, kernel_size=3, padding=1, in_channels=16, activation="relu"),
                           nn.MaxPool2D(pool_size=2),
                           nn.Dense(c["F"], activation="relu", in_units=flat))
            self.embedding = nn.Embedding(c["vocab"], c["E"])
            self.lstm = gluon.rnn.LSTM(c["H"], input_size=c["E"])
            self.classifier = nn.Dense(c["answers"], in_units=c["F"] + c["H"])

    def hybrid_forward(self, F, images, questions):
        img = self.image(images)
        hs = self.lstm(self.embedding(F.transpose(questions)))                   # (T, B, H)
        q = F.reshape(F.slice_axis(hs, axis=0, begin=-1, end=None), shape=(-1, self._hidden))
        return self.classifier(F.concat(img, q, dim=1))


class Trainer:
    memory_parts = _memory.gluon  # what it holds between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device, variant):
        c = spec.SIZES[size]
        self.ctx = mx.gpu() if device == "gpu" else mx.cpu()
        self.net = VQANet(c, spec.flat_features(size))
        self.net.initialize(ctx=self.ctx)
        p = spec.init_params(size)
        image, lstm = self.net.image, self.net.lstm
        image[0].weight.set_data(p["c1w"])
        image[0].bias.set_data(p["c1b"])
        image[2].weight.set_data(p["c2w"])
        image[2].bias.set_data(p["c2b"])
        image[4].weight.set_data(p["fw"].T)
        image[4].bias.set_data(p["fb"])
        self.net.embedding.weight.set_data(p["emb"])
        lstm.l0_i2h_weight.set_data(p["wx"].T)
        lstm.l0_h2h_weight.set_data(p["wh"].T)
        lstm.l0_i2h_bias.set_data(p["b_ih"])
        lstm.l0_h2h_bias.set_data(p["b_hh"])
        self.net.classifier.weight.set_data(p["ow"].T)
        self.net.classifier.bias.set_data(p["ob"])
        self.loss_fn = MeanSoftmaxCELoss()
        if variant is None:
            self.net.hybridize()
            self.loss_fn.hybridize()
        self.trainer = gluon.Trainer(self.net.collect_params(), "sgd",
                                     {"learning_rate": c["lr"], "momentum": c["momentum"]})

    def step(self, batch):
        images = nd.array(batch["images"], ctx=self.ctx)
        questions = nd.array(batch["questions"], ctx=self.ctx, dtype="int64")
        answers = nd.array(batch["answers"], ctx=self.ctx, dtype="int64")
        with autograd.record():
            loss = self.loss_fn(self.net(images, questions), answers)
        loss.backward()
        self.trainer.step(1)  # MeanSoftmaxCELoss is already the batch mean
        return float(loss.asscalar())

    def params(self):
        net, image, lstm = self.net, self.net.image, self.net.lstm
        return {"c1w": image[0].weight.data().asnumpy(), "c1b": image[0].bias.data().asnumpy(),
                "c2w": image[2].weight.data().asnumpy(), "c2b": image[2].bias.data().asnumpy(),
                "fw": image[4].weight.data().asnumpy().T, "fb": image[4].bias.data().asnumpy(),
                "emb": net.embedding.weight.data().asnumpy(), "wx": lstm.l0_i2h_weight.data().asnumpy().T,
                "wh": lstm.l0_h2h_weight.data().asnumpy().T, "b_ih": lstm.l0_i2h_bias.data().asnumpy(),
                "b_hh": lstm.l0_h2h_bias.data().asnumpy(), "ow": net.classifier.weight.data().asnumpy().T,
                "ob": net.classifier.bias.data().asnumpy()}


def build(size="small", device="cpu", variant=None):
    return Trainer(size, device, variant)
