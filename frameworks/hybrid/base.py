"""mx.base: the error MXNet's operators raise."""
from .. import kernels as K


class MXNetError(RuntimeError):
    """mxnet.base.MXNetError: an operator rejected its inputs (a RuntimeError, as in MXNet)."""


class ShapeError(MXNetError, K.ShapeError):
    """An operator's shape check failed: MXNetError for MXNet scripts, the kernels' ShapeError (naming the
    op and every shape) for everything else."""


def explain(kernel, arrays, attrs, err):
    """What to raise for `err` from kernel.forward: a ShapeError naming the op and shapes if the shape
    rule rejects the inputs, else `err` unchanged."""
    err = K.explain_failure(kernel, arrays, attrs, err)
    return err if isinstance(err, ShapeError) or not isinstance(err, K.ShapeError) else ShapeError(str(err))
