"""mx.base: the error MXNet's operators raise."""
from .. import kernels as K


class MXNetError(RuntimeError):
    """mxnet.base.MXNetError: an operator rejected its inputs (a RuntimeError, as in MXNet)."""


class ShapeError(MXNetError, K.ShapeError):
    """An operator's shape check failed: MXNetError for MXNet scripts, the kernels' ShapeError (naming the
    op and every shape) for everything else."""


class GPUUnavailableError(MXNetError, K.BackendError):
    """mx.gpu() used where no GPU (or no CuPy) is: MXNetError, and the kernels' BackendError."""
