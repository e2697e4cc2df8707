"""fc-adam in the Theano idiom: the 2-3-1 net with Adam written as shared-variable updates, as Theano
programs wrote it (Theano has no optimizers): m, v and t are shared, and one function applies them all."""
import numpy as np

import frameworks.theano as theano
import frameworks.theano.tensor as T
from workloads.fc_adam import spec
from workloads import _memory


def adam(cost, params, lr, beta1, beta2, eps):
    """Adam as lasagne.updates.adam writes it (the Adam most Theano programs ran): the bias corrections
    fold into the step size a_t, the form TF1's AdamOptimizer computes too. Theano fuses each parameter's
    update into one loop; this frontend runs it as the shared adam kernel (frameworks/theano/opt.py)."""
    t_prev = theano.shared(np.float32(0.0), name="t")
    t = t_prev + 1
    a_t = lr * T.sqrt(1.0 - T.pow(np.float32(beta2), t)) / (1.0 - T.pow(np.float32(beta1), t))
    updates = [(t_prev, t)]
    for p, g in zip(params, T.grad(cost, params)):
        m_prev = theano.shared(np.zeros_like(p.get_value()), name=f"{p.name}_m")
        v_prev = theano.shared(np.zeros_like(p.get_value()), name=f"{p.name}_v")
        m_t = beta1 * m_prev + (1.0 - beta1) * g
        v_t = beta2 * v_prev + (1.0 - beta2) * T.sqr(g)
        updates += [(m_prev, m_t), (v_prev, v_t), (p, p - a_t * m_t / (T.sqrt(v_t) + eps))]
    return updates


class Trainer:
    memory_parts = _memory.theano  # what its functions own between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device):
        c = spec.SIZES[size]
        init = spec.init_params(size)
        theano.config.device = "cuda" if device == "gpu" else "cpu"
        x, y = T.fmatrix("x"), T.fmatrix("y")
        self.w1 = theano.shared(init["w1"], name="w1")
        self.w2 = theano.shared(init["w2"], name="w2")
        h = T.nnet.relu(T.dot(x, self.w1))
        yhat = T.nnet.relu(T.dot(h, self.w2))
        loss = -T.mean(y * T.log(T.clip(yhat, *spec.CLIP)))
        self.train = theano.function([x, y], loss, updates=adam(loss, [self.w1, self.w2], c["lr"], c["beta1"],
                                                                c["beta2"], c["eps"]))

    def step(self, batch):
        return float(self.train(batch["x"], batch["y"]))

    def params(self):
        return {"w1": self.w1.get_value(), "w2": self.w2.get_value()}


def build(size="small", device="cpu"):
    return Trainer(size, device)
