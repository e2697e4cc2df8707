"""Element types and devices: torch.dtype (float32, int64, ...) and torch.device ('cpu', 'cuda')."""
import numpy as np

from frameworks.kernels import get_xp


class dtype:
    """A tensor element type; wraps the NumPy dtype the kernels compute in."""

    def __init__(self, name):
        self.name = name
        self.np = np.dtype(name)
        self.is_floating_point = self.np.kind == "f"

    def __repr__(self):
        return f"torch.{self.name}"


float32 = float_ = dtype("float32")
float64 = double = dtype("float64")
int64 = long = dtype("int64")
int32 = int_ = dtype("int32")
uint8 = dtype("uint8")
float16 = half = dtype("float16")
bool_ = dtype("bool")
_DTYPES = {d.np: d for d in (float32, float64, int64, int32, uint8, float16, bool_)}


def _np_dtype(d):
    """NumPy dtype for a dtype / NumPy dtype / None."""
    if d is None or isinstance(d, np.dtype):
        return d
    if isinstance(d, dtype):
        return d.np
    return np.dtype(d)


def _to_dtype(npd):
    d = _DTYPES.get(npd)
    if d is None:
        d = _DTYPES[npd] = dtype(npd.name)
    return d


class device:
    """Where a tensor lives: device('cpu') or device('cuda') (the CuPy backend)."""

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        type = str(type)
        if ":" in type:
            type, idx = type.split(":", 1)
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {type}")
        self.type, self.index = type, (0 if type == "cuda" and index is None else index)

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


_CPU = device("cpu")
_CUDA = device("cuda")


def _xp_for(dev):
    """The array module for a device spec (None = cpu); CUDA without CuPy raises kernels.BackendError."""
    if dev is None:
        return np
    dev = dev if isinstance(dev, device) else device(dev)
    return np if dev.type == "cpu" else get_xp("gpu")
