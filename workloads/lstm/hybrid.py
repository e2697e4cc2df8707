"""lstm the Gluon way: Embedding -> gluon.rnn.LSTM (the fused RNN op) -> Dense decoder, softmax
cross-entropy, Trainer('sgd'); hybridized unless variant 'imperative'."""
import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd
from workloads._gluon import MeanSoftmaxCELoss
from workloads.lstm import spec

VARIANTS = ("imperative",)


class LanguageModel(gluon.HybridBlock):
    def __init__(self, vocab, embed, hidden, **kwargs):
        super().__init__(**kwargs)
        self._hidden = hidden
        with self.name_scope():
            self.embedding = gluon.nn.Embedding(vocab, embed)
            self.lstm = gluon.rnn.LSTM(hidden, input_size=embed)
            self.decoder = gluon.nn.Dense(vocab, in_units=hidden)

    def hybrid_forward(self, F, inputs):
        x = self.embedding(F.transpose(inputs))              # (T, B, E): the LSTM's 'TNC' layout
        hs = self.lstm(x)
        return self.decoder(F.reshape(hs, shape=(-1, self._hidden)))


class Trainer:
    def __init__(self, size, device, variant):
        c = spec.SIZES[size]
        self.ctx = mx.gpu() if device == "gpu" else mx.cpu()
        self.net = LanguageModel(c["V"], c["E"], c["H"])
        self.net.initialize(ctx=self.ctx)
        p = spec.init_params(size)
        self.net.embedding.weight.set_data(p["emb"])
        self.net.lstm.l0_i2h_weight.set_data(p["wx"].T)      # Gluon keeps (4H, E) and (4H, H)
        self.net.lstm.l0_h2h_weight.set_data(p["wh"].T)
        self.net.lstm.l0_i2h_bias.set_data(p["b_ih"])
        self.net.lstm.l0_h2h_bias.set_data(p["b_hh"])
        self.net.decoder.weight.set_data(p["wo"].T)
        self.net.decoder.bias.set_data(p["bo"])
        self.loss_fn = MeanSoftmaxCELoss()
        if variant is None:
            self.net.hybridize()
            self.loss_fn.hybridize()
        self.trainer = gluon.Trainer(self.net.collect_params(), "sgd", {"learning_rate": c["lr"]})

    def step(self, batch):
        inputs = nd.array(batch["inputs"], ctx=self.ctx)
        targets = nd.array(batch["targets"], ctx=self.ctx).T.reshape((-1,))  # time-major, as the logits
        with autograd.record():
            loss = self.loss_fn(self.net(inputs), targets)
        loss.backward()
        self.trainer.step(1)  # MeanSoftmaxCELoss is already the batch mean
        return float(loss.asscalar())

    def params(self):
        net = self.net
        lstm = net.lstm
        return {"emb": net.embedding.weight.data().asnumpy(), "wx": lstm.l0_i2h_weight.data().asnumpy().T,
                "wh": lstm.l0_h2h_weight.data().asnumpy().T, "b_ih": lstm.l0_i2h_bias.data().asnumpy(),
                "b_hh": lstm.l0_h2h_bias.data().asnumpy(), "wo": net.decoder.weight.data().asnumpy().T,
                "bo": net.decoder.bias.data().asnumpy()}


def build(size="small", device="cpu", variant=None):
    return Trainer(size, device, variant)
