"""resnet in the Caffe style: Convolution -> BatchNorm -> Scale -> ReLU (in place), Eltwise SUM shortcuts,
global AVE pooling, Dropout; the net and solver are prototxt (prototxt/); this feeds and steps."""
import os

from frameworks import layer_config as caffe
from workloads.resnet import spec

PROTOTXT = os.path.join(os.path.dirname(__file__), "prototxt")
# recipe parameter -> (layer, blob index, stored transposed): a conv's weight, its Scale layer's gamma and
# beta; Caffe's InnerProduct weight is (num_output, K)
LAYOUT = {n: l for name, *_ in spec.CONVS for n, l in (
    (name, (name, 0, False)), (f"{name}_bn_gamma", (f"{name}_scale", 0, False)),
    (f"{name}_bn_beta", (f"{name}_scale", 1, False)))}
LAYOUT.update(lw=("ip", 0, True), lb=("ip", 1, False))
# Caffe's three BatchNorm blobs: the moving mean sum, the moving variance sum and the scale factor
BUFFERS = {f"{name}_bn_{part}": (f"{name}_bn", i) for name, *_ in spec.CONVS
           for i, part in enumerate(("mean_sum", "var_sum", "scale"))}


class SpecData(caffe.FeedLayer):
    """The recipe's batches: fed by the trainer, or drawn from the spec on the command line."""
    source = staticmethod(spec.batch)


def build(size="small", device="cpu"):
    return caffe.workload_trainer(PROTOTXT, LAYOUT, spec.init_params(size), size, device, buffers=BUFFERS)
