"""lstm in the Keras idiom: Sequential Embedding, CuDNNLSTM(return_sequences=True), Dense softmax over the
vocabulary at every step, sparse_categorical_crossentropy, SGD, one train_on_batch per step.

The recipe's LSTM has an input and a recurrent bias (b_ih, b_hh), each trained: Keras' LSTM has one bias,
CuDNNLSTM has cuDNN's two (one (8 * H,) weight), so this is CuDNNLSTM (the fused kernel)."""
import numpy as np

from frameworks.keras.layers import CuDNNLSTM, Dense, Embedding
from frameworks.keras.models import Sequential
from frameworks.keras.optimizers import SGD
from workloads import _keras, _memory
from workloads.lstm import spec


class Trainer:
    memory_parts = _memory.keras  # what it holds between steps, by kind (workloads/_memory.py)
    def __init__(self, spec, size, device):
        c = spec.SIZES[size]
        p = spec.init_params(size)
        self.graph = _keras.session(device)
        with self.graph.as_default():
            self.model = Sequential([
                Embedding(c["V"], c["E"], input_length=c["T"], weights=[p["emb"]]),
                CuDNNLSTM(c["H"], return_sequences=True,
                          weights=[p["wx"], p["wh"], np.concatenate([p["b_ih"], p["b_hh"]])]),
                Dense(c["V"], activation="softmax", weights=[p["wo"], p["bo"]]),
            ])
            self.model.compile(optimizer=SGD(lr=c["lr"]), loss="sparse_categorical_crossentropy")

    def step(self, batch):
        # sparse targets of a sequence output are (batch, steps, 1), as Keras checks them
        return float(self.model.train_on_batch(batch["inputs"], batch["targets"][..., None]))

    def params(self):
        emb, wx, wh, bias, wo, bo = self.model.get_weights()
        h = wh.shape[0]
        return dict(emb=emb, wx=wx, wh=wh, b_ih=bias[:4 * h], b_hh=bias[4 * h:], wo=wo, bo=bo)


def build(size="small", device="cpu"):
    return Trainer(spec, size, device)
