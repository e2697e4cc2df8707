"""resnet in the Theano idiom: nnet.conv2d (filter_flip=False: the recipe's cross-correlation; border_mode
and subsample for the padding and stride), nnet.bn.batch_normalization_train with the running statistics
as shared updates, a mean over the spatial axes, dropout as x * MRG_RandomStreams(7).binomial(p=0.9) / 0.9
(the mask from the kernels' shared Philox stream), momentum written as shared updates."""
import numpy as np

import frameworks.theano as theano
import frameworks.theano.tensor as T
from frameworks.theano.sandbox.rng_mrg import MRG_RandomStreams
from frameworks.theano.tensor.nnet import bn, conv2d
from workloads.resnet import spec
from workloads import _memory
from workloads.vqa.theano import momentum

_GEOMETRY = {name: (stride, pad) for name, _, stride, pad in spec.CONVS}


class Trainer:
    memory_parts = _memory.theano  # what its functions own between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device):
        c = spec.SIZES[size]
        init = spec.init_params(size)
        buffers = spec.init_buffers(size)
        theano.config.device = "cuda" if device == "gpu" else "cpu"
        x, y = T.ftensor4("x"), T.lvector("y")
        self.tparams = {k: theano.shared(init[k], name=k) for k in spec.PARAM_NAMES}
        self.running = {k: theano.shared(buffers[k], name=k) for k in spec.BUFFER_NAMES}
        p, running, stat_updates = self.tparams, self.running, []

        def conv_bn(inputs, name):
            stride, pad = _GEOMETRY[name]
            out = conv2d(inputs, p[name], border_mode=pad, subsample=(stride, stride), filter_flip=False)
            bcast = ("x", 0, "x", "x")
            mean, var = running[f"{name}_bn_mean"], running[f"{name}_bn_var"]
            out, _, _, new_mean, new_var = bn.batch_normalization_train(
                out, p[f"{name}_bn_gamma"].dimshuffle(*bcast), p[f"{name}_bn_beta"].dimshuffle(*bcast),
                axes="spatial", epsilon=c["eps"], running_average_factor=c["bn_momentum"],
                running_mean=mean.dimshuffle(*bcast), running_var=var.dimshuffle(*bcast))
            stat_updates.extend([(mean, new_mean.flatten()), (var, new_var.flatten())])
            return out

        h = T.nnet.relu(conv_bn(x, "stem"))
        r = T.nnet.relu(conv_bn(h, "b1c1"))
        b1 = T.nnet.relu(conv_bn(r, "b1c2") + h)
        r = T.nnet.relu(conv_bn(b1, "b2c1"))
        b2 = T.nnet.relu(conv_bn(r, "b2c2") + conv_bn(b1, "b2sc"))
        pooled = b2.mean(axis=(2, 3))
        keep = 1.0 - c["dropout"]
        srng = MRG_RandomStreams(seed=c["dropout_seed"])
        dropped = pooled * srng.binomial(pooled.shape, p=keep, dtype="float32") / np.float32(keep)
        probs = T.nnet.softmax(T.dot(dropped, p["lw"]) + p["lb"])
        cost = T.nnet.categorical_crossentropy(probs, y).mean()
        lr, mu = T.constant(c["lr"], dtype="float32"), T.constant(c["momentum"], dtype="float32")
        self.train = theano.function([x, y], cost,
                                     updates=momentum(cost, list(p.values()), lr, mu) + stat_updates)

    def step(self, batch):
        return float(self.train(batch["x"], batch["labels"]))

    def params(self):
        return {k: v.get_value() for k, v in self.tparams.items()}

    def buffers(self):
        return {k: v.get_value() for k, v in self.running.items()}


def build(size="small", device="cpu"):
    return Trainer(size, device)
