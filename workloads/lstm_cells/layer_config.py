"""lstm-cells in the Caffe style: the LSTM cell unrolled over T steps into a prototxt with NetSpec, as
recurrent nets were written before Caffe's LSTM layer (which builds the same kind of net internally):
per step two InnerProducts whose weights are shared through `param { name }` (their gradients summed over
the steps), Eltwise SUM, Slice into the four gates, Sigmoid/TanH, Eltwise PROD/SUM for the cell."""
import json
import os

from frameworks import layer_config as caffe
from workloads.lstm_cells import spec

L = caffe.layers
PROTOTXT = os.path.join(os.path.dirname(__file__), "prototxt")
# spec parameter -> (layer, blob index, stored transposed): the first step's layers own the shared blobs
LAYOUT = {"emb": ("emb", 0, False), "wx": ("gx_1", 0, True), "b_ih": ("gx_1", 1, False),
          "wh": ("gh_1", 0, True), "b_hh": ("gh_1", 1, False), "wo": ("logits", 0, True),
          "bo": ("logits", 1, False)}


def time_major(batch):
    """(T, N) ids and targets: step t of every sequence is one slice of the embedded blob."""
    return {"inputs": batch["inputs"].T, "targets": batch["targets"].T}


def batches(i, size="small"):
    return time_major(spec.batch(i, size))


class SpecData(caffe.FeedLayer):
    """The recipe's batches: fed by the trainer, or drawn from the spec on the command line."""
    source = staticmethod(batches)


def unrolled_net(size="small"):
    """The NetParameter of the unrolled LSTM language model for `size` (T steps, ~15 layers a step)."""
    c = spec.SIZES[size]
    V, E, H, T, B = c["V"], c["E"], c["H"], c["T"], c["B"]
    n = caffe.NetSpec()
    n.inputs, n.targets = L.Python(module=__name__, layer="SpecData", param_str=json.dumps({"size": size}),
                                   ntop=2)
    n.emb = L.Embed(n.inputs, input_dim=V, num_output=E, bias_term=False)
    xs = L.Slice(n.emb, axis=0, ntop=T)                     # x_t: (1, B, E)
    n.h_0, n.c_0 = L.DummyData(shape=dict(dim=[1, B, H]), ntop=2)   # the state starts at zero
    h, cell = n.h_0, n.c_0
    for t in range(1, T + 1):
        n[f"x_{t}"] = xs[t - 1]
        n[f"gx_{t}"] = L.InnerProduct(xs[t - 1], num_output=4 * H, axis=2,
                                      param=[dict(name="W_xc"), dict(name="b_ih")])
        n[f"gh_{t}"] = L.InnerProduct(h, num_output=4 * H, axis=2, param=[dict(name="W_hc"), dict(name="b_hh")])
        n[f"gates_{t}"] = L.Eltwise(n[f"gx_{t}"], n[f"gh_{t}"])          # SUM
        pre = L.Slice(n[f"gates_{t}"], axis=2, ntop=4)                   # i, f, g, o
        for name, top in zip("ifgo", pre):
            n[f"{name}_in_{t}"] = top
        n[f"i_{t}"] = L.Sigmoid(pre[0])
        n[f"f_{t}"] = L.Sigmoid(pre[1])
        n[f"g_{t}"] = L.TanH(pre[2])
        n[f"o_{t}"] = L.Sigmoid(pre[3])
        n[f"fc_{t}"] = L.Eltwise(n[f"f_{t}"], cell, operation=caffe.params.Eltwise.PROD)
        n[f"ig_{t}"] = L.Eltwise(n[f"i_{t}"], n[f"g_{t}"], operation=caffe.params.Eltwise.PROD)
        cell = n[f"c_{t}"] = L.Eltwise(n[f"fc_{t}"], n[f"ig_{t}"])
        n[f"tanh_c_{t}"] = L.TanH(cell)
        h = n[f"h_{t}"] = L.Eltwise(n[f"o_{t}"], n[f"tanh_c_{t}"], operation=caffe.params.Eltwise.PROD)
    n.h = L.Concat(*[n[f"h_{t}"] for t in range(1, T + 1)], axis=0)   # (T, B, H)
    n.logits = L.InnerProduct(n.h, num_output=V, axis=2)
    n.loss = L.SoftmaxWithLoss(n.logits, n.targets, softmax_param=dict(axis=2))
    net = n.to_proto()
    net.name = "lstm_cells"
    return net


def build(size="small", device="cpu"):
    return caffe.workload_trainer(PROTOTXT, LAYOUT, spec.init_params(size), size, device, to_feed=time_major,
                                  data_layer="inputs", net=unrolled_net(size))
