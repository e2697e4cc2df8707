"""lstm in the Caffe style: Embed -> LSTM -> InnerProduct -> SoftmaxWithLoss in prototxt (prototxt/),
time-major blobs with Caffe's `cont` sequence markers; this script feeds and steps."""
import os

import numpy as np

from frameworks import layer_config as caffe
from workloads.lstm import spec

PROTOTXT = os.path.join(os.path.dirname(__file__), "prototxt")
# spec parameter -> (layer, blob index, stored transposed): Caffe keeps weights as (outputs, inputs)
LAYOUT = {"emb": ("embed", 0, False), "wx": ("lstm", 0, True), "b_ih": ("lstm", 1, False),
          "wh": ("lstm", 2, True), "b_hh": ("lstm", 3, False), "wo": ("ip", 0, True), "bo": ("ip", 1, False)}


def time_major(batch):
    """The batch as Caffe's recurrent layers read it: (T, N) ids and targets, cont = 0 at t = 0, then 1."""
    inputs = batch["inputs"].T
    cont = np.ones(inputs.shape, dtype=np.float32)
    cont[0] = 0
    return {"inputs": inputs, "cont": cont, "targets": batch["targets"].T}


def batches(i, size="small"):
    return time_major(spec.batch(i, size))


class SpecData(caffe.FeedLayer):
    """The recipe's batches: fed by the trainer, or drawn from the spec on the command line."""
    source = staticmethod(batches)


def build(size="small", device="cpu"):
    return caffe.workload_trainer(PROTOTXT, LAYOUT, spec.init_params(size), size, device, to_feed=time_major)
