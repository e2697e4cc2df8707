"""mlp-l2 in the Caffe style: the net and solver are prototxt (prototxt/); this feeds and steps."""
import json
import os

from frameworks import layer_config as caffe
from workloads.mlp_l2 import spec

PROTOTXT = os.path.join(os.path.dirname(__file__), "prototxt")
# recipe parameter -> (layer, blob, transposed): Caffe's InnerProduct weight is (num_output, K)
LAYOUT = {"w1": ("ip1", 0, True), "w2": ("ip2", 0, True)}


class SpecData(caffe.FeedLayer):
    """The recipe's batches: fed by the trainer, or drawn from the spec on the command line."""
    source = staticmethod(spec.batch)


def build(size="small", device="cpu"):
    if device == "gpu":
        caffe.set_mode_gpu()
    else:
        caffe.set_mode_cpu()
    c = spec.SIZES[size]
    solver = caffe.read_prototxt(os.path.join(PROTOTXT, "solver.prototxt"), caffe.caffe_pb2.SolverParameter())
    net = caffe.read_prototxt(os.path.join(PROTOTXT, "net.prototxt"), caffe.caffe_pb2.NetParameter())
    # net surgery for the size (the files are written for "small")
    layer = {lp.name: lp for lp in net.layer}
    layer["data"].python_param.param_str = json.dumps({"size": size})
    layer["ip1"].inner_product_param.num_output = c["H"]
    layer["ip2"].inner_product_param.num_output = c["D_out"]
    layer["loss"].loss_weight[0] = 2 * c["N"]
    solver.ClearField("net")
    solver.net_param.CopyFrom(net)
    solver.base_lr = c["lr"]
    return caffe.SolverTrainer(caffe.get_solver(solver), LAYOUT, spec.init_params(size))
