"""Device backends: `xp` is NumPy on the CPU, CuPy on a GPU; the one place that imports CuPy. Kernel bodies
use only the `xp` they are handed; NumPy is imported elsewhere in the kernels only for host-side work that
never touches device data (shape arithmetic in shape.py, the float64 finite differences of gradcheck.py)."""
import contextlib
import functools
import math
import os

import numpy

DEVICES = ("cpu", "gpu")


class BackendError(RuntimeError):
    """The requested device cannot be used here (unknown name, CuPy missing, no CUDA device)."""


def get_xp(device="cpu"):
    """Return the array module for `device`: numpy for "cpu", cupy for "gpu" (or "cuda")."""
    if device == "cpu":
        return numpy
    if device in ("gpu", "cuda"):
        try:
            import cupy
        except ImportError as e:
            raise BackendError(
                f"device 'gpu' needs CuPy, which is not importable here ({e}); "
                "install the extra: pip install -e '.[gpu]'") from None
        try:
            n = cupy.cuda.runtime.getDeviceCount()
        except Exception as e:  # CUDA driver missing or broken
            raise BackendError(f"device 'gpu': CuPy is installed but CUDA is not usable ({e})") from None
        if n == 0:
            raise BackendError("device 'gpu': CuPy is installed but no CUDA device is visible")
        return cupy
    raise BackendError(f"unknown device {device!r}; known devices: {', '.join(DEVICES)}")


def gpu_available():
    """True when CuPy imports and sees at least one CUDA device."""
    try:
        get_xp("gpu")
        return True
    except BackendError:
        return False


def array_module(x):
    """The module (numpy or cupy) that owns array `x`."""
    if isinstance(x, numpy.ndarray) or numpy.isscalar(x):
        return numpy
    mod = type(x).__module__.split(".")[0]
    if mod == "cupy":
        import cupy
        return cupy
    return numpy


def to_numpy(x):
    """Copy an xp array (or scalar) back to a NumPy array on the host."""
    if isinstance(x, numpy.ndarray):
        return x
    get = getattr(x, "get", None)
    return get() if get is not None else numpy.asarray(x)


def synchronize(xp):
    """Block until all queued device work is done (no-op on the CPU)."""
    if xp is not numpy:
        xp.cuda.get_current_stream().synchronize()


def errstate(xp, **flags):
    """NumPy's errstate(**flags) around a computation whose inf/nan are meant (an overflow, a pole); CuPy
    computes the same values without warning, so there it is a no-op context."""
    return xp.errstate(**flags) if xp.__name__ == "numpy" else contextlib.nullcontext()


# the length of the constant rows that `against_scalar` reads a scalar operand from: a 32 KB row of float32
# stays in L1/L2, and rows this long keep the outer loop over them short (measured fastest from 8192 up)
_SCALAR_ROW = 8192
# below this many elements the helper's own Python steps cost more than the scalar loop loses
_SCALAR_ROW_MIN = 4096


@functools.lru_cache(maxsize=None)
def _scalar_row(xp, dtype, value, sign):
    """A read-only row of `value`; `sign` is part of the cache key only: 0.0 == -0.0 (and 0 == 0.0) hash alike,
    and maximum(x, 0.0) and maximum(x, -0.0) differ in the sign of their zeros."""
    row = xp.full(_SCALAR_ROW, value, dtype)
    row.flags.writeable = False
    return row


def against_scalar(xp, ufunc, x, value, out=None):
    """ufunc(x, value, out=out) for a Python int or float `value`, the same numbers bit for bit (NaN and -0
    included). On NumPy, with a big contiguous float `x`, `value` is read from a cached row of it instead:
    NumPy 2.4 runs maximum/minimum with a scalar operand through a loop 3x slower than the one for two
    contiguous arrays (relu of the cnn's first maps, 800 KB: 62 us against 18 us)."""
    # the cheapest test first: the tiny arrays of a fully connected step pay only it
    if type(x) is not numpy.ndarray or x.size < _SCALAR_ROW_MIN:
        return ufunc(x, value, out=out)
    if (type(value) not in (int, float) or value != value or x.dtype.kind != "f" or not x.flags.c_contiguous
            or (out is not None and (out.shape != x.shape or out.dtype != x.dtype or not out.flags.c_contiguous))):
        return ufunc(x, value, out=out)
    if out is None:
        out = xp.empty(x.shape, x.dtype)
    row = _scalar_row(xp, x.dtype, value, math.copysign(1, value))
    src, dst = x.reshape(-1), out.reshape(-1)
    n = src.size
    whole = n - n % _SCALAR_ROW
    if whole:
        ufunc(src[:whole].reshape(-1, _SCALAR_ROW), row, out=dst[:whole].reshape(-1, _SCALAR_ROW))
    if n > whole:
        ufunc(src[whole:], row[:n - whole], out=dst[whole:])
    return out


# OpenBLAS's cores with small-matrix kernels (GEMMs up to about 100^3 multiply-adds run unpacked), as its
# openblas_get_corename() spells them; its other x86 cores (Haswell, Zen, ...) pack both operands of every GEMM
_SMALL_GEMM_CORES = ("skylakex", "cooperlake", "sapphirerapids")


@functools.lru_cache(maxsize=None)
def small_gemm_kernels():
    """Whether NumPy's BLAS multiplies small matrices without packing them, which decides the fastest layout
    of a small product (never its numbers). False only where threadpoolctl sees NumPy's OpenBLAS (the one
    its wheel bundles, else any OpenBLAS when NumPy was built against one) running a core without
    small-matrix kernels (as OPENBLAS_CORETYPE=Haswell makes it on any x86); True otherwise, including when
    the BLAS cannot be inspected: the layouts the kernels were first measured with."""
    try:
        from threadpoolctl import threadpool_info
        libs = [d for d in threadpool_info() if d.get("internal_api") == "openblas"]
        bundled = os.path.join(os.path.dirname(os.path.dirname(numpy.__file__)), "numpy")
        mine = [d for d in libs if (d.get("filepath") or "").startswith(bundled)]   # numpy.libs/, numpy/
        if not mine and "openblas" in numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]:
            mine = libs
    except Exception:  # threadpoolctl missing, or a NumPy that describes its build otherwise: keep the default
        return True
    core = (mine[0].get("architecture") or "").lower() if mine else ""
    return not core or core in _SMALL_GEMM_CORES
