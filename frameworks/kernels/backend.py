"""Device backends: `xp` is NumPy on the CPU, CuPy on a GPU; the one place that imports CuPy. Kernel bodies
use only the `xp` they are handed; NumPy is imported elsewhere in the kernels only for host-side work that
never touches device data (shape arithmetic in shape.py, the float64 finite differences of gradcheck.py)."""
import contextlib

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
