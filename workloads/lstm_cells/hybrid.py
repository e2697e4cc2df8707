"""lstm-cells the Gluon way: gluon.rnn.LSTMCell stepped in a Python loop over time (each step made of
FullyConnected, split, activations and products), then a Dense decoder; hybridizing traces the whole
unrolled loop once. Variant 'imperative' runs it op by op."""
from frameworks.hybrid import gluon
from workloads._gluon import LanguageModelTrainer
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


def build(size="small", device="cpu", variant=None):
    c = spec.SIZES[size]
    return LanguageModelTrainer(spec, size, device, variant,
                                UnrolledLanguageModel(c["V"], c["E"], c["H"], c["T"], c["B"]),
                                lambda net: (net.cell.i2h_weight, net.cell.h2h_weight, net.cell.i2h_bias,
                                             net.cell.h2h_bias))
