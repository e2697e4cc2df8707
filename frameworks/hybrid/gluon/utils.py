"""gluon.utils: clip_global_norm (the shared clip_by_global_norm update) and split_and_load (one device:
the batch itself)."""
import math
import warnings

from ... import kernels as K
from .. import ndarray
from ..base import MXNetError


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


def split_data(data, num_slice, batch_axis=0, even_split=True):
    """`data` cut into num_slice pieces along batch_axis (the last ones one shorter when uneven and
    even_split=False, as MXNet's)."""
    size = data.shape[batch_axis]
    if even_split and size % num_slice != 0:
        raise ValueError(f"data with shape {data.shape} cannot be evenly split into {num_slice} slices along "
                         f"axis {batch_axis}. Use a batch size that's multiple of {num_slice} or set "
                         "even_split=False to allow uneven partitioning of data.")
    if num_slice > size:
        raise ValueError(f"Too many slices for data with shape {data.shape}. Arguments are num_slice={num_slice} "
                         f"and batch_axis={batch_axis}.")
    step = size // num_slice
    bounds = [i * step for i in range(num_slice)] + [size]
    if num_slice == 1:
        return [data]
    return [ndarray.slice_axis(data, axis=batch_axis, begin=b, end=e) for b, e in zip(bounds, bounds[1:])]


def split_and_load(data, ctx_list, batch_axis=0, even_split=True):
    """The batch on each context (one context here: a list holding the batch)."""
    if not isinstance(data, ndarray.NDArray):
        data = ndarray.array(data, ctx=ctx_list[0])
    if len(ctx_list) != 1:
        raise MXNetError(f"split_and_load: {len(ctx_list)} contexts given; this engine runs one device, so "
                         "pass ctx_list=[one context] (or use split_data to cut the batch yourself)")
    return [data.as_in_context(ctx_list[0])]


__all__ = ["clip_global_norm", "split_data", "split_and_load"]
