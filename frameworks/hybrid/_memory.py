"""What Gluon parameters and a Trainer hold between steps, as arrays by kind (the harness's memory
breakdown)."""


def held_arrays(params=(), trainers=()):
    """{"params": [...], "grads": [...], "optimizer": [...]}: each Parameter's data and grad arrays and
    every Trainer's optimizer states. Reads only: safe in the middle of a step."""
    data, grads, state = [], [], []
    for p in params:
        nd = p._data
        if nd is None:
            continue
        data.append(nd._data)
        if nd._grad is not None:
            grads.append(nd._grad._data if hasattr(nd._grad, "_data") else nd._grad)
    for t in trainers:
        for s in t._states or ():
            state.extend(s if isinstance(s, (tuple, list)) else (s,))
    return {"params": data, "grads": grads, "optimizer": state}
