"""Tensor factories: tensor / as_tensor / from_numpy, zeros / ones / full / empty (and *_like), arange."""
import numpy as np

from frameworks.kernels import to_numpy

from ._tensor import Tensor
from ._types import _np_dtype, _xp_for

def _factory_array(xp, shape, dt, fill):
    shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    dt = _np_dtype(dt) or np.dtype(np.float32)
    return xp.full(tuple(shape), fill, dtype=dt) if fill is not None else xp.empty(tuple(shape), dtype=dt)


def _leaf(array, requires_grad):
    t = Tensor._wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new leaf tensor copied from data (nested lists, numbers, arrays, tensors)."""
    xp = _xp_for(device)
    if isinstance(data, Tensor):
        data = to_numpy(data._array)
    arr = np.array(to_numpy(data) if not isinstance(data, (list, tuple, int, float, bool)) else data)
    if dtype is None and arr.dtype == np.float64 and not isinstance(data, np.ndarray):
        arr = arr.astype(np.float32)  # Python floats default to float32, as torch's default dtype
    if dtype is not None:
        arr = arr.astype(_np_dtype(dtype))
    return _leaf(xp.asarray(arr) if xp is not np else arr, requires_grad)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    if isinstance(data, np.ndarray) and device in (None, "cpu") and dtype is None:
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray):
    """A tensor sharing memory with the NumPy array."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    return Tensor._wrap(ndarray)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _leaf(_factory_array(_xp_for(device), size, dtype, 0), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _leaf(_factory_array(_xp_for(device), size, dtype, 1), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    return _leaf(_factory_array(_xp_for(device), (size,), dtype, fill_value), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    return _leaf(_factory_array(_xp_for(device), size, dtype, None), requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    return zeros(t._array.shape, dtype=dtype or t._array.dtype, device=t.device, requires_grad=requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return ones(t._array.shape, dtype=dtype or t._array.dtype, device=t.device, requires_grad=requires_grad)


def arange(*args, dtype=None, device=None):
    arr = np.arange(*args)
    if dtype is not None:
        arr = arr.astype(_np_dtype(dtype))
    xp = _xp_for(device)
    return Tensor._wrap(xp.asarray(arr) if xp is not np else arr)


def full_like(t, fill_value, dtype=None, requires_grad=False):
    return full(t._array.shape, fill_value, dtype=dtype or t._array.dtype, device=t.device,
                requires_grad=requires_grad)


def empty_like(t, dtype=None, requires_grad=False):
    return empty(t._array.shape, dtype=dtype or t._array.dtype, device=t.device, requires_grad=requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    xp = _xp_for(device)
    return _leaf(xp.eye(n, m, dtype=_np_dtype(dtype) or np.float32), requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    xp = _xp_for(device)
    return _leaf(xp.linspace(start, end, steps).astype(_np_dtype(dtype) or np.float32), requires_grad)


class _LegacyTensorType(type):
    """torch.FloatTensor and friends: isinstance checks the dtype; .type(torch.LongTensor) casts."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._array.dtype == cls.dtype


def _legacy(name, np_dtype):
    def __new__(cls, *args, device=None):
        """FloatTensor(data) copies data; FloatTensor(d0, d1, ...) or FloatTensor(size) is uninitialised."""
        if len(args) == 1 and not isinstance(args[0], int) and not _is_size(args[0]):
            return tensor(args[0], dtype=np_dtype, device=device)
        return empty(*args, dtype=np_dtype, device=device)
    return _LegacyTensorType(name, (), {"__new__": __new__, "dtype": np.dtype(np_dtype),
                                        "__doc__": f"torch.{name}: the legacy {np.dtype(np_dtype).name} "
                                                   f"constructor"})


def _is_size(a):
    from ._tensor import Size
    return isinstance(a, Size)


FloatTensor = _legacy("FloatTensor", np.float32)
DoubleTensor = _legacy("DoubleTensor", np.float64)
LongTensor = _legacy("LongTensor", np.int64)
IntTensor = _legacy("IntTensor", np.int32)
ByteTensor = _legacy("ByteTensor", np.uint8)
BoolTensor = _legacy("BoolTensor", np.bool_)
