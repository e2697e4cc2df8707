"""gluon.utils: clip_global_norm and split_and_load (one device: the batch itself)."""
import math

from .. import ndarray


def clip_global_norm(arrays, max_norm, check_isfinite=True):
    """Scale `arrays` in place so that their joint L2 norm is at most max_norm; returns that norm
    (a float when check_isfinite, an NDArray otherwise)."""
    if not arrays:
        raise ValueError("arrays must not be empty")
    total = math.sqrt(sum(float((a._data.astype("float64") ** 2).sum()) for a in arrays))
    if check_isfinite and not math.isfinite(total):
        import warnings
        warnings.warn(UserWarning("nan or inf is detected. Clipping results will be undefined."), stacklevel=2)
    scale = max_norm / (total + 1e-8)
    if scale < 1.0:
        for a in arrays:
            a *= scale
    return total if check_isfinite else ndarray.array([total])


def split_and_load(data, ctx_list, batch_axis=0, even_split=True):
    """The batch on each context (one context here: a list holding the batch)."""
    if not isinstance(data, ndarray.NDArray):
        data = ndarray.array(data, ctx=ctx_list[0])
    if len(ctx_list) != 1:
        raise ValueError("split_and_load: one context only (this engine runs one device)")
    return [data.as_in_context(ctx_list[0])]


__all__ = ["clip_global_norm", "split_and_load"]
