"""What a Solver and its Net hold between steps, as arrays by kind (the harness's memory breakdown)."""


def _is_array(v):
    return hasattr(v, "shape") and hasattr(v, "nbytes") and hasattr(v, "dtype")


def held_arrays(solver):
    """{"params", "grads", "optimizer", "buffers", "saved"}: the learnable blobs' data and diff, the
    solver's history, every other blob's data and diff (Caffe keeps each layer's top and its gradient for
    the net's life) plus the arrays a layer keeps on itself (zero states), and what each layer's forward
    kept for backward (`saved*`: masks, columns), which a layer holds until its next forward replaces it.
    Reads only (no lazy diff is allocated): safe in the middle of a step."""
    net = solver.net
    params, grads, buffers = [], [], []
    learnable = set()
    for blobs in net.params.values():
        for b in blobs:
            learnable.add(id(b))
            params += [a for a in (b._data, b._buf) if a is not None]
            if b._diff is not None:
                grads.append(b._diff)
    for b in net.blobs.values():
        if id(b) not in learnable:
            buffers += [a for a in (b._data, b._buf, b._diff) if a is not None]
    saved = []
    for layer in net.layers:
        for k, v in vars(layer).items():
            if k.startswith("saved"):
                saved.append(v)
            elif _is_array(v):
                buffers.append(v)
    return {"params": params, "grads": grads, "optimizer": list(solver.history), "buffers": buffers,
            "saved": saved}
