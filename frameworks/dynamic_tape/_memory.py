"""What a model and its optimizer hold between steps, as arrays by kind (the harness's memory breakdown)."""
from ._tensor import Tensor


def held_arrays(modules=(), optimizers=()):
    """{"params": [...], "grads": [...], "optimizer": [...]}: the parameters and buffers (running
    statistics) of every module, the gradients currently attached to them, and every optimizer's
    per-parameter state (momentum buffers, Adam's moments). Reads only: safe in the middle of a step."""
    params, grads, state = [], [], []
    for m in modules:
        for p in m.parameters():
            params.append(p._array)
            if p.grad is not None:
                grads.append(p.grad._array)
        params.extend(b._array for b in m.buffers() if b is not None)
    for opt in optimizers:
        for s in opt.state.values():
            state.extend(v._array if isinstance(v, Tensor) else v for v in s.values() if hasattr(v, "shape"))
    return {"params": params, "grads": grads, "optimizer": state}
