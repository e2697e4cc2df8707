"""cnn in the Caffe style: a LeNet-like net and SGD solver in prototxt (prototxt/); this feeds and steps."""
import os

from frameworks import layer_config as caffe
from workloads.cnn import spec

PROTOTXT = os.path.join(os.path.dirname(__file__), "prototxt")
# spec parameter -> (layer, blob index, stored transposed): Caffe's InnerProduct weight is (num_output, K)
LAYOUT = {"c1w": ("conv1", 0, False), "c1b": ("conv1", 1, False), "c2w": ("conv2", 0, False),
          "c2b": ("conv2", 1, False), "lw": ("ip1", 0, True), "lb": ("ip1", 1, False)}


class SpecData(caffe.FeedLayer):
    """The recipe's batches: fed by the trainer, or drawn from the spec on the command line."""
    source = staticmethod(spec.batch)


def build(size="small", device="cpu"):
    return caffe.workload_trainer(PROTOTXT, LAYOUT, spec.init_params(size), size, device)
