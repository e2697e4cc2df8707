"""vqa in the Caffe style: CNN + LSTM branches, Concat and a classifier in prototxt (prototxt/), momentum SGD;
this script feeds and steps."""
import os

import numpy as np

from frameworks import layer_config as caffe
from workloads.vqa import spec

PROTOTXT = os.path.join(os.path.dirname(__file__), "prototxt")
# spec parameter -> (layer, blob index, stored transposed): Caffe keeps weights as (outputs, inputs)
LAYOUT = {"c1w": ("conv1", 0, False), "c1b": ("conv1", 1, False), "c2w": ("conv2", 0, False),
          "c2b": ("conv2", 1, False), "fw": ("fc", 0, True), "fb": ("fc", 1, False),
          "emb": ("embed", 0, False), "wx": ("lstm", 0, True), "b_ih": ("lstm", 1, False),
          "wh": ("lstm", 2, True), "b_hh": ("lstm", 3, False), "ow": ("classifier", 0, True),
          "ob": ("classifier", 1, False)}


def time_major(batch):
    """Questions as (T, N) ids with Caffe's cont markers (0 at t = 0, then 1)."""
    questions = batch["questions"].T
    cont = np.ones(questions.shape, dtype=np.float32)
    cont[0] = 0
    return {"images": batch["images"], "questions": questions, "cont": cont, "answers": batch["answers"]}


def batches(i, size="small"):
    return time_major(spec.batch(i, size))


class SpecData(caffe.FeedLayer):
    """The recipe's batches: fed by the trainer, or drawn from the spec on the command line."""
    source = staticmethod(batches)


def build(size="small", device="cpu"):
    return caffe.workload_trainer(PROTOTXT, LAYOUT, spec.init_params(size), size, device, to_feed=time_major)
