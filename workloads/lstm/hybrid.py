"""lstm the Gluon way: Embedding -> gluon.rnn.LSTM (the fused RNN op) -> Dense decoder, softmax
cross-entropy, Trainer('sgd'); hybridized unless variant 'imperative'."""
from frameworks.hybrid import gluon
from workloads._gluon import LanguageModelTrainer
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


def build(size="small", device="cpu", variant=None):
    c = spec.SIZES[size]
    return LanguageModelTrainer(spec, size, device, variant, LanguageModel(c["V"], c["E"], c["H"]),
                                lambda net: (net.lstm.l0_i2h_weight, net.lstm.l0_h2h_weight,
                                             net.lstm.l0_i2h_bias, net.lstm.l0_h2h_bias))
