"""SolverTrainer: a Solver seen through stylebench's trainer contract (step(batch) -> loss, params())."""


class SolverTrainer:
    """Drives a solver whose net starts with a FeedLayer named `data_layer`.

    layout maps each recipe parameter name to (layer, blob index, transposed): Caffe keeps weights as
    (outputs, inputs), so recipe matrices stored (inputs, outputs) are loaded transposed and read back
    transposed. `buffers` maps each running-statistic name to (layer, blob index), read by buffers(). `to_feed(batch)` turns a recipe batch into the data layer's tops (e.g. time-major).
    """

    def __init__(self, solver, layout, init, to_feed=None, data_layer="data", buffers=None):
        self.solver, self.layout, self.buffer_layout = solver, layout, buffers or {}
        self.to_feed = to_feed or (lambda batch: batch)
        for name, (layer, i, transposed) in layout.items():
            value = init[name].T if transposed else init[name]
            solver.net.params[layer][i].data[...] = solver.net.xp.asarray(value)
        self.data = solver.net.layer_dict[data_layer]

    def step(self, batch):
        self.data.feed(self.to_feed(batch))
        self.solver.step(1)
        return self.solver.loss

    def params(self):
        out = {}
        for name, (layer, i, transposed) in self.layout.items():
            a = self.solver.net.params[layer][i].cpu_data()
            out[name] = a.T.copy() if transposed else a
        return out

    def memory_parts(self):
        """What the solver and net hold between steps, by kind (the harness's memory breakdown)."""
        from ._memory import held_arrays
        return held_arrays(self.solver)

    def buffers(self):
        """State that is not trained (BatchNorm's statistics): name -> a NumPy copy of (layer, blob)."""
        net = self.solver.net
        return {name: net.params[layer][i].cpu_data() for name, (layer, i) in self.buffer_layout.items()}


def workload_trainer(prototxt_dir, layout, init, size="small", device="cpu", edit=None, to_feed=None,
                     data_layer="data", net=None, buffers=None):
    """The workloads' build(): the mode for `device`, prototxt_dir's solver.prototxt over its net.prototxt
    (or the NetParameter `net`, e.g. from NetSpec), inlined as net_param, the data layer's param_str set to
    {"size": size}, `edit(net, solver)` for any net surgery the size needs, the solver in a SolverTrainer."""
    import json
    import os

    from .io import read_prototxt
    from .net import set_mode_cpu, set_mode_gpu
    from .proto import caffe_pb2
    from .solver import get_solver
    set_mode_gpu() if device == "gpu" else set_mode_cpu()
    solver = read_prototxt(os.path.join(prototxt_dir, "solver.prototxt"), caffe_pb2.SolverParameter())
    if net is None:
        net = read_prototxt(os.path.join(prototxt_dir, "net.prototxt"), caffe_pb2.NetParameter())
    next(lp for lp in net.layer if lp.name == data_layer).python_param.param_str = json.dumps({"size": size})
    if edit is not None:
        edit(net, solver)
    solver.ClearField("net")
    solver.net_param.CopyFrom(net)
    return SolverTrainer(get_solver(solver), layout, init, to_feed=to_feed, data_layer=data_layer,
                         buffers=buffers)
