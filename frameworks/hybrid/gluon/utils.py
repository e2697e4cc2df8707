"""gluon.utils: clip_global_norm (the shared clip_by_global_norm update) and split_and_load (one device:
the batch itself)."""
import math
import warnings

from ... import kernels as K
from .. import ndarray


def clip_global_norm(arrays, max_norm, check_isfinite=True):
    """Scale `arrays` in place so that their joint L2 norm is at most max_norm (MXNet's factor
    max_norm / (norm + 1e-8)); returns that norm (a float when check_isfinite, else an NDArray)."""
    if not arrays:
        raise ValueError("arrays must not be empty")
    seen, datas = set(), []
    for a in arrays:
        if not a._data.flags.writeable:   # a gradient handed over as a read-only view: own a copy
            a._data = a._data.copy()
        if id(a._data) not in seen:       # two gradients that are one array are scaled once
            seen.add(id(a._data))
            datas.append(a._data)
    norm = K.clip_by_global_norm(arrays[0]._ctx.xp, datas, max_norm, eps=1e-8)
    if check_isfinite:
        total = float(norm)
        if not math.isfinite(total):
            warnings.warn(UserWarning("nan or inf is detected. Clipping results will be undefined."),
                          stacklevel=2)
        return total
    return ndarray.NDArray(norm.reshape(1), arrays[0]._ctx)


def split_and_load(data, ctx_list, batch_axis=0, even_split=True):
    """The batch on each context (one context here: a list holding the batch)."""
    if not isinstance(data, ndarray.NDArray):
        data = ndarray.array(data, ctx=ctx_list[0])
    if len(ctx_list) != 1:
        raise ValueError("split_and_load: one context only (this engine runs one device)")
    return [data.as_in_context(ctx_list[0])]


__all__ = ["clip_global_norm", "split_and_load"]
