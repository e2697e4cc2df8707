"""gluon.utils: clip_global_norm (the shared clip_by_global_norm update), split_data / split_and_load,
check_sha1, download (of a file already in place) and HookHandle."""
import hashlib
import math
import os
import warnings
import weakref

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
    """The batch cut into one slice per context. Several CPU contexts share the host, and the parameters
    live once, so the per-slice gradients add up as MXNet's per-device ones do when the Trainer sums them;
    several GPUs are refused (this engine drives one device)."""
    if not isinstance(data, ndarray.NDArray):
        data = ndarray.array(data, ctx=ctx_list[0])
    if len(ctx_list) == 1:
        return [data.as_in_context(ctx_list[0])]
    if any(c.device_type != "cpu" for c in ctx_list):
        raise MXNetError(f"split_and_load: {len(ctx_list)} GPU contexts given; this engine runs one device, so "
                         "pass ctx_list=[one context] (or use split_data to cut the batch yourself)")
    slices = split_data(data, len(ctx_list), batch_axis, even_split)
    return [s.as_in_context(c) for s, c in zip(slices, ctx_list)]


class HookHandle:
    """A handle that can attach/detach a hook (register_forward_hook's return; a context manager)."""

    def __init__(self):
        self._hooks_dict_ref = None
        self._id = None

    def attach(self, hooks_dict, hook):
        assert not self._hooks_dict_ref, 'The same handle cannot be attached twice.'
        self._id = id(hook)
        hooks_dict[self._id] = hook
        self._hooks_dict_ref = weakref.ref(hooks_dict)

    def detach(self):
        hooks_dict = self._hooks_dict_ref()
        if hooks_dict is not None and self._id in hooks_dict:
            del hooks_dict[self._id]

    def __enter__(self):
        return self

    def __exit__(self, ptype, value, trace):
        self.detach()


def check_sha1(filename, sha1_hash):
    """Whether the file's SHA-1 digest equals sha1_hash (hex)."""
    sha1 = hashlib.sha1()
    with open(filename, 'rb') as f:
        for chunk in iter(lambda: f.read(1048576), b''):
            sha1.update(chunk)
    return sha1.hexdigest() == sha1_hash


def download(url, path=None, overwrite=False, sha1_hash=None, retries=5, verify_ssl=True):
    """MXNet's downloader: the file at `path` when it is already there (and matches sha1_hash); this
    engine fetches nothing from the network, so a missing file is an MXNetError naming where to put it."""
    fname = url.split('/')[-1] if path is None else (
        os.path.join(os.path.expanduser(path), url.split('/')[-1]) if os.path.isdir(os.path.expanduser(path))
        else os.path.expanduser(path))
    if os.path.exists(fname) and not overwrite and (not sha1_hash or check_sha1(fname, sha1_hash)):
        return fname
    reason = "is missing" if not os.path.exists(fname) else (
        "does not match the expected sha1 " + str(sha1_hash) if sha1_hash else "is to be overwritten")
    raise MXNetError(f"download({url!r}): this engine does not download; {fname!r} {reason}. Fetch the file "
                     f"yourself and place it at {fname!r}")


__all__ = ["clip_global_norm", "split_data", "split_and_load", "check_sha1", "download", "HookHandle"]
