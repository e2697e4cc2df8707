"""mlp-l2 in the Theano idiom: symbolic matrices, shared weights, T.grad, function(updates=) with plain SGD."""
import frameworks.theano as theano
import frameworks.theano.tensor as T
from workloads.mlp_l2 import spec
from workloads import _memory


class Trainer:
    memory_parts = _memory.theano  # what its functions own between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device):
        c = spec.SIZES[size]
        init = spec.init_params(size)
        theano.config.device = "cuda" if device == "gpu" else "cpu"
        x, y = T.fmatrix("x"), T.fmatrix("y")
        self.w1 = theano.shared(init["w1"], name="w1", borrow=True)
        self.w2 = theano.shared(init["w2"], name="w2", borrow=True)
        y_pred = T.dot(T.nnet.relu(T.dot(x, self.w1)), self.w2)
        loss = T.sum(T.sqr(y_pred - y))
        g1, g2 = T.grad(loss, [self.w1, self.w2])
        lr = T.constant(c["lr"], dtype="float32")
        self.train = theano.function([x, y], loss, updates=[(self.w1, self.w1 - lr * g1),
                                                           (self.w2, self.w2 - lr * g2)])

    def step(self, batch):
        return float(self.train(batch["x"], batch["y"]))

    def params(self):
        return {"w1": self.w1.get_value(), "w2": self.w2.get_value()}


def build(size="small", device="cpu"):
    return Trainer(size, device)
