"""torch.cuda: whether the CuPy backend can be used, and synchronize()."""
from frameworks.kernels import get_xp, gpu_available, synchronize as _sync


def is_available():
    """True when CuPy imports and sees a CUDA device."""
    return gpu_available()


def device_count():
    return 1 if gpu_available() else 0


def synchronize(device=None):
    """Wait for all queued GPU work (raises kernels.BackendError with the reason if there is no GPU)."""
    _sync(get_xp("gpu"))
