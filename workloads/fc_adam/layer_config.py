"""fc-adam in the Caffe style: the net and Adam solver are prototxt (prototxt/); this feeds and steps."""
import os

from frameworks import layer_config as caffe
from workloads.fc_adam import spec

PROTOTXT = os.path.join(os.path.dirname(__file__), "prototxt")
# recipe parameter -> (layer, blob, transposed): Caffe's InnerProduct weight is (num_output, K)
LAYOUT = {"w1": ("ip1", 0, True), "w2": ("ip2", 0, True)}


class SpecData(caffe.FeedLayer):
    """The recipe's batches: fed by the trainer, or drawn from the spec on the command line."""
    source = staticmethod(spec.batch)


def build(size="small", device="cpu"):
    return caffe.workload_trainer(PROTOTXT, LAYOUT, spec.init_params(size), size, device)
