"""vqa in the Theano idiom: a conv/pool image branch (nnet.conv2d, pool_2d), an embedding and a scan LSTM
over the question (its last hidden state), a softmax classifier, momentum written as shared updates."""
import numpy as np

import frameworks.theano as theano
import frameworks.theano.tensor as T
from workloads.cnn.theano import conv_pool
from workloads.lstm_cells.theano import lstm_layer
from workloads.vqa import spec
from workloads import _memory


def momentum(cost, params, lr, mu):
    """SGD with momentum as Theano programs wrote it: v = mu * v + g; w -= lr * v."""
    updates = []
    for p, g in zip(params, T.grad(cost, params)):
        v = theano.shared(np.zeros_like(p.get_value()), name=f"{p.name}_velocity")
        v_new = mu * v + g
        updates += [(v, v_new), (p, p - lr * v_new)]
    return updates


class Trainer:
    memory_parts = _memory.theano  # what its functions own between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device):
        c = spec.SIZES[size]
        init = spec.init_params(size)
        theano.config.device = "cuda" if device == "gpu" else "cpu"
        images, questions, answers = T.ftensor4("images"), T.lmatrix("questions"), T.lvector("answers")
        self.tparams = {k: theano.shared(init[k], name=k) for k in spec.PARAM_NAMES}
        p = self.tparams
        h = conv_pool(conv_pool(images, p["c1w"], p["c1b"]), p["c2w"], p["c2b"])
        image = T.nnet.relu(T.dot(h.flatten(2), p["fw"]) + p["fb"])
        words = p["emb"][questions.T]                                   # (Q, B, E), time-major
        hs, _ = lstm_layer(words, p["wx"], p["wh"], p["b_ih"], p["b_hh"], c["H"], questions.shape[0])
        joint = T.concatenate([image, hs[-1]], axis=1)
        probs = T.nnet.softmax(T.dot(joint, p["ow"]) + p["ob"])
        cost = T.nnet.categorical_crossentropy(probs, answers).mean()
        lr, mu = T.constant(c["lr"], dtype="float32"), T.constant(c["momentum"], dtype="float32")
        self.train = theano.function([images, questions, answers], cost,
                                     updates=momentum(cost, list(p.values()), lr, mu))

    def step(self, batch):
        return float(self.train(batch["images"], batch["questions"], batch["answers"]))

    def params(self):
        return {k: v.get_value() for k, v in self.tparams.items()}


def build(size="small", device="cpu"):
    return Trainer(size, device)
