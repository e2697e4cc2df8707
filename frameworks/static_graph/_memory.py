"""What a Session holds between runs, as arrays by kind (the harness's memory breakdown)."""


def held_arrays(sess):
    """{"params": [...], "optimizer": [...], "buffers": [...]}: variable values (an optimizer's slot
    variables, named `[<scope>/]<variable>/<Optimizer>[_n]`, under "optimizer"; the other
    non-trainable ones, e.g. batch-norm moving statistics, under "params"), and per compiled plan its
    shared buffers and folded constants, plus the graph's Const values (initial values included)
    under "buffers". No gradients are held between runs: they live inside one run. Reads only."""
    stores = [s for s in sess._stores.values() if s.value is not None]
    names = {s.var.op.name for s in stores if s.var.trainable}
    params, slots, buffers = [], [], []
    for s in stores:
        name = s.var.op.name
        is_slot = not s.var.trainable and any(f"/{n}/" in f"/{name}" for n in names)
        (slots if is_slot else params).append(s.value)
    for plan in sess._plans.values():
        buffers += getattr(plan, "pool", [])
        buffers += getattr(plan, "consts", [])
    buffers += [op.attrs["value"] for op in sess.graph.get_operations()
                if op.type == "Const" and hasattr(op.attrs.get("value"), "nbytes")]
    return {"params": params, "optimizer": slots, "buffers": buffers}
