"""What a Session holds between runs, as arrays by kind (the harness's memory breakdown)."""


def held_arrays(sess, is_param=None):
    """{"params": [...], "optimizer": [...], "buffers": [...]}: variable values (an optimizer's slot
    variables, named `[<scope>/]<variable>/<Optimizer>[_n]`, under "optimizer"; the other
    non-trainable ones, e.g. batch-norm moving statistics, under "params"), and per compiled plan its
    arena and folded constants, plus the graph's Const values (initial values included) under "buffers",
    each allocation once. No gradients are held between runs: they live inside one run. Reads only.
    `is_param(variable)`, where given, decides params against optimizer state instead of the slot names
    (a frontend that names its optimizer's variables its own way, as Keras does)."""
    stores = [s for s in sess._stores.values() if s.value is not None]
    if is_param is None:
        names = {s.var.op.name for s in stores if s.var.trainable}

        def is_param(var):
            return var.trainable or not any(f"/{n}/" in f"/{var.op.name}" for n in names)
    params, slots, buffers = [], [], []
    for s in stores:
        (params if is_param(s.var) else slots).append(s.value)
    for plan in sess._plans.values():
        buffers += getattr(plan, "pool", [])
        buffers += getattr(plan, "consts", [])
    buffers += [op.attrs["value"] for op in sess.graph.get_operations()
                if op.type == "Const" and hasattr(op.attrs.get("value"), "nbytes")]
    return {"params": params, "optimizer": slots, "buffers": _allocations(buffers)}


def _allocations(arrays):
    """Each distinct allocation once (a view, or a folded constant that is the graph's own Const value,
    stands for the array owning its memory)."""
    out = {}
    for a in arrays:
        while type(getattr(a, "base", None)) is type(a):
            a = a.base
        out.setdefault(id(a), a)
    return list(out.values())
