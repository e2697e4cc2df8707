"""cnn in the Theano idiom (the LeNetConvPoolLayer way): nnet.conv2d + a dimshuffled bias, relu, pool_2d,
flatten(2), a softmax layer, T.grad and SGD updates. The recipe's convolutions are cross-correlations,
which Theano writes as conv2d(..., filter_flip=False)."""
import frameworks.theano as theano
import frameworks.theano.tensor as T
from frameworks.theano.tensor.nnet import conv2d
from frameworks.theano.tensor.signal import pool
from workloads.cnn import spec
from workloads import _memory


def conv_pool(x, w, b):
    out = conv2d(x, w, border_mode="half", filter_flip=False)
    out = T.nnet.relu(out + b.dimshuffle("x", 0, "x", "x"))
    return pool.pool_2d(out, ws=(2, 2), ignore_border=True)


class Trainer:
    memory_parts = _memory.theano  # what its functions own between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device):
        c = spec.SIZES[size]
        init = spec.init_params(size)
        theano.config.device = "cuda" if device == "gpu" else "cpu"
        x, y = T.ftensor4("x"), T.lvector("y")
        self.tparams = {k: theano.shared(init[k], name=k) for k in spec.PARAM_NAMES}
        p = self.tparams
        h = conv_pool(conv_pool(x, p["c1w"], p["c1b"]), p["c2w"], p["c2b"])
        p_y_given_x = T.nnet.softmax(T.dot(h.flatten(2), p["lw"]) + p["lb"])
        cost = T.mean(T.nnet.categorical_crossentropy(p_y_given_x, y))
        params = list(p.values())
        lr = T.constant(c["lr"], dtype="float32")
        self.train = theano.function([x, y], cost,
                                     updates=[(w, w - lr * g) for w, g in zip(params, T.grad(cost, params))])

    def step(self, batch):
        return float(self.train(batch["x"], batch["labels"]))

    def params(self):
        return {k: v.get_value() for k, v in self.tparams.items()}


def build(size="small", device="cpu"):
    return Trainer(size, device)
