"""lstm-cells the Gluon way: gluon.rnn.LSTMCell stepped in a Python loop over time (each step made of
FullyConnected, split, activations and products), then a Dense decoder; hybridizing traces the whole
unrolled loop once. Variant 'imperative' runs it op by op."""
import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd
from workloads._gluon import MeanSoftmaxCELoss
from workloads.lstm_cells import spec

VARIANTS = ("imperative",)


class UnrolledLanguageModel(gluon.HybridBlock):
    def __init__(self, vocab, embed, hidden, steps, batch_size, **kwargs):
        super().__init__(**kwargs)
        self._steps, self._batch_size = steps, batch_size
        with self.name_scope():
            self.embedding = gluon.nn.Embedding(vocab, embed)
            self.cell = gluon.rnn.LSTMCell(hidden, input_size=embed)
            self.decoder = gluon.nn.Dense(vocab, in_units=hidden)

    def hybrid_forward(self, F, inputs):
        x = self.embedding(F.transpose(inputs))                                  # (T, B, E)
        xs = F.split(x, num_outputs=self._steps, axis=0, squeeze_axis=True)
        states = self.cell.begin_state(batch_size=self._batch_size, func=F.zeros)
        outputs = []
        for t in range(self._steps):
            out, states = self.cell(xs[t], states)
            outputs.append(out)
        return self.decoder(F.concat(*outputs, dim=0))                          # (T*B, V), time-major


class Trainer:
    def __init__(self, size, device, variant):
        c = spec.SIZES[size]
        self.ctx = mx.gpu() if device == "gpu" else mx.cpu()
        self.net = UnrolledLanguageModel(c["V"], c["E"], c["H"], c["T"], c["B"])
        self.net.initialize(ctx=self.ctx)
        p = spec.init_params(size)
        self.net.embedding.weight.set_data(p["emb"])
        self.net.cell.i2h_weight.set_data(p["wx"].T)          # Gluon keeps (4H, E) and (4H, H)
        self.net.cell.h2h_weight.set_data(p["wh"].T)
        self.net.cell.i2h_bias.set_data(p["b_ih"])
        self.net.cell.h2h_bias.set_data(p["b_hh"])
        self.net.decoder.weight.set_data(p["wo"].T)
        self.net.decoder.bias.set_data(p["bo"])
        self.loss_fn = MeanSoftmaxCELoss()
        if variant is None:
            self.net.hybridize()
            self.loss_fn.hybridize()
        self.trainer = gluon.Trainer(self.net.collect_params(), "sgd", {"learning_rate": c["lr"]})

    def step(self, batch):
        inputs = nd.array(batch["inputs"], ctx=self.ctx)
        targets = nd.array(batch["targets"], ctx=self.ctx).T.reshape((-1,))
        with autograd.record():
            loss = self.loss_fn(self.net(inputs), targets)
        loss.backward()
        self.trainer.step(1)  # MeanSoftmaxCELoss is already the batch mean
        return float(loss.asscalar())

    def params(self):
        net = self.net
        return {"emb": net.embedding.weight.data().asnumpy(), "wx": net.cell.i2h_weight.data().asnumpy().T,
                "wh": net.cell.h2h_weight.data().asnumpy().T, "b_ih": net.cell.i2h_bias.data().asnumpy(),
                "b_hh": net.cell.h2h_bias.data().asnumpy(), "wo": net.decoder.weight.data().asnumpy().T,
                "bo": net.decoder.bias.data().asnumpy()}


def build(size="small", device="cpu", variant=None):
    return Trainer(size, device, variant)
