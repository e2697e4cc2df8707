"""SolverTrainer: a Solver seen through stylebench's trainer contract (step(batch) -> loss, params())."""


class SolverTrainer:
    """Drives a solver whose net starts with a FeedLayer named `data_layer`.

    layout maps each recipe parameter name to (layer, blob index, transposed): Caffe keeps weights as
    (outputs, inputs), so recipe matrices stored (inputs, outputs) are loaded transposed and read back
    transposed. `to_feed(batch)` turns a recipe batch into the data layer's tops (e.g. time-major).
    """

    def __init__(self, solver, layout, init, to_feed=None, data_layer="data"):
        self.solver, self.layout = solver, layout
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
