"""mlp-l2 in the Caffe style: the net and solver are prototxt (prototxt/); this feeds and steps."""
import os

from frameworks import layer_config as caffe
from workloads.mlp_l2 import spec

PROTOTXT = os.path.join(os.path.dirname(__file__), "prototxt")
# recipe parameter -> (layer, blob, transposed): Caffe's InnerProduct weight is (num_output, K)
LAYOUT = {"w1": ("ip1", 0, True), "w2": ("ip2", 0, True)}


class SpecData(caffe.FeedLayer):
    """The recipe's batches: fed by the trainer, or drawn from the spec on the command line."""
    source = staticmethod(spec.batch)


def _resize(net, solver, size):
    """Net surgery for the size (the files are written for "small")."""
    c = spec.SIZES[size]
    layer = {lp.name: lp for lp in net.layer}
    layer["ip1"].inner_product_param.num_output = c["H"]
    layer["ip2"].inner_product_param.num_output = c["D_out"]
    layer["loss"].loss_weight[0] = 2 * c["N"]
    solver.base_lr = c["lr"]


def build(size="small", device="cpu"):
    return caffe.workload_trainer(PROTOTXT, LAYOUT, spec.init_params(size), size, device,
                                  edit=lambda net, solver: _resize(net, solver, size))
