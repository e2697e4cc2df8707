"""Devices as MXNet names them: mx.cpu(), mx.gpu(i); each Context knows its array module (xp)."""
import functools

from .. import kernels


class Context:
    """A device: 'cpu' runs on NumPy, 'gpu' on CuPy (kernels.get_xp raises a clear error if missing)."""
    __slots__ = ("device_type", "device_id", "__dict__")

    def __init__(self, device_type="cpu", device_id=0):
        if isinstance(device_type, Context):   # mx.Context(mx.gpu()): a copy, as MXNet's
            device_type, device_id = device_type.device_type, device_type.device_id
        if device_type not in ("cpu", "gpu"):
            raise ValueError(f"unknown device type {device_type!r}; known: 'cpu', 'gpu'")
        self.device_type, self.device_id = device_type, device_id
        if device_type == "cpu":
            self.xp = kernels.get_xp("cpu")

    @functools.cached_property
    def xp(self):
        # a cpu context's xp is set by __init__ (an instance-dict read, no hook: it is read for every op);
        # a gpu one's is found here on first use, where CuPy is imported (or refused)
        try:
            return kernels.get_xp(self.device_type)
        except kernels.BackendError as e:
            from .base import GPUUnavailableError
            raise GPUUnavailableError(
                f"{self!r} is not available (CUDA: no usable device: {e}); use mx.cpu(), or test "
                "mx.context.num_gpus() > 0 before choosing mx.gpu()") from None

    def __eq__(self, other):
        return isinstance(other, Context) and (self.device_type, self.device_id) == (
            other.device_type, other.device_id)

    def __hash__(self):
        return hash((self.device_type, self.device_id))

    def __repr__(self):
        return f"{self.device_type}({self.device_id})"

    def __enter__(self):   # `with mx.gpu(0):` makes it the default context of the arrays made inside
        _DEFAULT.append(self)
        return self

    def __exit__(self, *exc):
        _DEFAULT.pop()


_CPU = Context("cpu", 0)


def cpu(device_id=0):
    """The host."""
    return _CPU if device_id == 0 else Context("cpu", device_id)


def gpu(device_id=0):
    """GPU `device_id` (the CuPy backend)."""
    return Context("gpu", device_id)


def num_gpus():
    """How many GPUs this engine can use: 1 when CuPy sees a device, else 0."""
    return 1 if kernels.gpu_available() else 0


_DEFAULT = [_CPU]   # the stack `with ctx:` pushes onto


def current_context():
    """The default context: the innermost `with ctx:`, else cpu(0)."""
    return _DEFAULT[-1]


Context.default_ctx = _CPU


def as_context(ctx):
    """Accept a Context, a device string ("cpu", "gpu") or None (the current context)."""
    if type(ctx) is Context:
        return ctx
    if ctx is None:
        return current_context()
    if ctx in ("gpu", "cuda"):
        return gpu()
    return Context(ctx)
