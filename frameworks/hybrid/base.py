"""mx.base: the error MXNet's operators raise."""
from .. import kernels as K


class MXNetError(RuntimeError):
    """mxnet.base.MXNetError: an operator rejected its inputs (a RuntimeError, as in MXNet)."""


class ShapeError(MXNetError, K.ShapeError):
    """An operator's shape check failed: MXNetError for MXNet scripts, the kernels' ShapeError (naming the
    op and every shape) for everything else."""


class GPUUnavailableError(MXNetError, K.BackendError):
    """mx.gpu() used where no GPU (or no CuPy) is: MXNetError, and the kernels' BackendError."""


def refused(name, base, message):
    """A class `name` (subclass of `base`) whose construction raises MXNetError(message): an MXNet API
    this engine cannot provide, named so that `isinstance` checks and registries still see it."""
    def __init__(self, *args, **kwargs):
        raise MXNetError(message)
    return type(name, (base,), {"__init__": __init__, "__doc__": f"Refused: {message}"})
