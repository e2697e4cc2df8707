"""lstm-cells in the Theano idiom (the DeepLearningTutorials lstm.py way): the input projection for every
step in one dot, then scan over the cell written from primitive ops, a softmax over every position."""
import frameworks.theano as theano
import frameworks.theano.tensor as T
from workloads.lstm_cells import spec
from workloads import _memory


def lstm_layer(x, wx, wh, b_ih, b_hh, n_hidden, n_samples):
    """Run the LSTM over x (steps, samples, features) with zero initial states: (h, c) for every step."""
    def _slice(_x, n, dim):
        return _x[:, n * dim:(n + 1) * dim]

    def _step(x_, h_, c_):
        preact = T.dot(h_, wh) + x_
        i = T.nnet.sigmoid(_slice(preact, 0, n_hidden))
        f = T.nnet.sigmoid(_slice(preact, 1, n_hidden))
        g = T.tanh(_slice(preact, 2, n_hidden))
        o = T.nnet.sigmoid(_slice(preact, 3, n_hidden))
        c = f * c_ + i * g
        h = o * T.tanh(c)
        return h, c

    state_below = T.dot(x, wx) + b_ih + b_hh
    zeros = T.alloc(T.constant(0.0, dtype="float32"), n_samples, n_hidden)
    (h, c), _ = theano.scan(_step, sequences=[state_below], outputs_info=[zeros, zeros], name="lstm_layers")
    return h, c


class Trainer:
    memory_parts = _memory.theano  # what its functions own between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device):
        c = spec.SIZES[size]
        init = spec.init_params(size)
        theano.config.device = "cuda" if device == "gpu" else "cpu"
        inputs, targets = T.lmatrix("inputs"), T.lmatrix("targets")
        self.tparams = {k: theano.shared(init[k], name=k) for k in spec.PARAM_NAMES}
        p = self.tparams
        emb = p["emb"][inputs.T]                                   # (steps, samples, E), time-major
        h, _ = lstm_layer(emb, p["wx"], p["wh"], p["b_ih"], p["b_hh"], c["H"], inputs.shape[0])
        logits = (T.dot(h, p["wo"]) + p["bo"]).reshape([h.shape[0] * h.shape[1], c["V"]])
        cost = T.nnet.categorical_crossentropy(T.nnet.softmax(logits), targets.T.flatten()).mean()
        params = list(p.values())
        lr = T.constant(c["lr"], dtype="float32")
        self.train = theano.function([inputs, targets], cost,
                                     updates=[(w, w - lr * g) for w, g in zip(params, T.grad(cost, params))])

    def step(self, batch):
        return float(self.train(batch["inputs"], batch["targets"]))

    def params(self):
        return {k: v.get_value() for k, v in self.tparams.items()}


def build(size="small", device="cpu"):
    return Trainer(size, device)
