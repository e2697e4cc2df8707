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


def manual_seed(seed):
    """Seeds the engine's one default generator: it serves CPU and CUDA tensors alike (there is no separate
    CUDA generator), so torch.cuda.manual_seed(s) after torch.manual_seed(s) changes nothing."""
    from .random import manual_seed as _seed
    return _seed(seed)


manual_seed_all = manual_seed

_NO_STREAMS = ("CUDA streams and events are not supported: every kernel runs on CuPy's current stream in "
               "order; remove the stream context (torch.cuda.synchronize() waits for queued work)")


class Stream:
    def __init__(self, *args, **kwargs):
        raise RuntimeError(_NO_STREAMS)


class Event(Stream):
    pass


def stream(s):
    raise RuntimeError(_NO_STREAMS)


def current_stream(device=None):
    raise RuntimeError(_NO_STREAMS)
