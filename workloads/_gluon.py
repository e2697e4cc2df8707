"""What the Gluon (hybrid) modules of several workloads share: the recipes' fused softmax cross-entropy
as a Gluon Loss, and the language models' trainer."""
import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd
from workloads import _memory


class MeanSoftmaxCELoss(gluon.loss.Loss):
    """The batch MEAN of -log softmax(pred)[label] in ONE op (the shared fused kernel the reference
    floor calls), so the workloads compare styles at equal kernels. Gluon's SoftmaxCrossEntropyLoss
    (one loss per sample, log_softmax + pick + mean as MXNet runs it) is the classic programs' loss;
    with this one, step(1)."""

    def __init__(self, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)

    def hybrid_forward(self, F, pred, label):
        return F.softmax_cross_entropy(pred, label, name="ce")


class LanguageModelTrainer:
    """The trainer the lstm and lstm-cells workloads share: `net` (a HybridBlock with .embedding, .decoder
    and an LSTM whose four weights `lstm_params(net)` gives as Parameters i2h_weight, h2h_weight,
    i2h_bias, h2h_bias) loaded from the spec's parameters, the fused mean cross-entropy, Trainer('sgd');
    hybridized unless variant 'imperative'."""
    memory_parts = _memory.gluon  # what it holds between steps, by kind (workloads/_memory.py)

    def __init__(self, spec, size, device, variant, net, lstm_params):
        c = spec.SIZES[size]
        self.ctx = mx.gpu() if device == "gpu" else mx.cpu()
        self.net, self._lstm = net, lstm_params
        net.initialize(ctx=self.ctx)
        p = spec.init_params(size)
        net.embedding.weight.set_data(p["emb"])
        wi, wh, bi, bh = lstm_params(net)
        wi.set_data(p["wx"].T)      # Gluon keeps (4H, E) and (4H, H)
        wh.set_data(p["wh"].T)
        bi.set_data(p["b_ih"])
        bh.set_data(p["b_hh"])
        net.decoder.weight.set_data(p["wo"].T)
        net.decoder.bias.set_data(p["bo"])
        self.loss_fn = MeanSoftmaxCELoss()
        if variant is None:
            net.hybridize()
            self.loss_fn.hybridize()
        self.trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": c["lr"]})

    def step(self, batch):
        inputs = nd.array(batch["inputs"], ctx=self.ctx, dtype="int64")
        targets = nd.array(batch["targets"], ctx=self.ctx, dtype="int64").T.reshape((-1,))  # time-major, as the logits
        with autograd.record():
            loss = self.loss_fn(self.net(inputs), targets)
        loss.backward()
        self.trainer.step(1)  # MeanSoftmaxCELoss is already the batch mean
        return float(loss.asscalar())

    def params(self):
        net = self.net
        wi, wh, bi, bh = (p.data().asnumpy() for p in self._lstm(net))
        return {"emb": net.embedding.weight.data().asnumpy(), "wx": wi.T, "wh": wh.T, "b_ih": bi, "b_hh": bh,
                "wo": net.decoder.weight.data().asnumpy().T, "bo": net.decoder.bias.data().asnumpy()}
