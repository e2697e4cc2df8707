"""fc-adam in the Theano idiom: the 2-3-1 net with Adam written as shared-variable updates, as Theano
programs wrote it (Theano has no optimizers): m, v and t are shared, and one function applies them all."""
import numpy as np

import frameworks.theano as theano
import frameworks.theano.tensor as T
from workloads.fc_adam import spec


def adam(cost, params, lr, beta1, beta2, eps):
    """The textbook Adam with bias correction, as the update list of a theano.function."""
    t = theano.shared(np.float32(0.0), name="t")
    t_new = t + 1
    updates = [(t, t_new)]
    for p, g in zip(params, T.grad(cost, params)):
        m = theano.shared(np.zeros_like(p.get_value()), name=f"{p.name}_m")
        v = theano.shared(np.zeros_like(p.get_value()), name=f"{p.name}_v")
        m_new = beta1 * m + (1.0 - beta1) * g
        v_new = beta2 * v + (1.0 - beta2) * T.sqr(g)
        m_hat = m_new / (1.0 - T.pow(np.float32(beta1), t_new))
        v_hat = v_new / (1.0 - T.pow(np.float32(beta2), t_new))
        updates += [(m, m_new), (v, v_new), (p, p - lr * m_hat / (T.sqrt(v_hat) + eps))]
    return updates


class Trainer:
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
