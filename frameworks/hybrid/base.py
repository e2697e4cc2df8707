"""mx.base: the errors MXNet's operators raise, and the type tuples its programs test against."""
import numpy as _np

from .. import kernels as K

integer_types = (int, _np.int32, _np.int64)
numeric_types = (float, int, _np.generic)
string_types = (str,)


class MXNetError(RuntimeError):
    """mxnet.base.MXNetError: an operator rejected its inputs (a RuntimeError, as in MXNet)."""


class NotImplementedForSymbol(MXNetError):
    """mxnet.base.NotImplementedForSymbol: an NDArray-only function called on a Symbol (bool(sym))."""

    def __init__(self, function, alias, *args):
        super().__init__()
        self.function, self.alias, self.args = function.__name__, alias, [str(type(a)) for a in args]

    def __str__(self):
        msg = f"Function {self.function}"
        if self.alias:
            msg += f' (namely operator "{self.alias}")'
        if self.args:
            msg += f" with arguments ({', '.join(self.args)})"
        return msg + " is not implemented for Symbol and only available in NDArray."


class ShapeError(MXNetError, K.ShapeError):
    """An operator's shape check failed: MXNetError for MXNet scripts, the kernels' ShapeError (naming the
    op and every shape) for everything else."""


class GPUUnavailableError(MXNetError, K.BackendError):
    """mx.gpu() used where no GPU (or no CuPy) is: MXNetError, and the kernels' BackendError."""


def alias_decorator(table, what):
    """The `alias(*names)` decorator of a registry `table` (name -> class): mx.metric.alias, mx.init.alias."""
    def alias(*aliases):
        def reg(klass):
            for name in aliases:
                table[name.lower()] = klass
            return klass
        return reg
    alias.__doc__ = f"@alias('name', ...): the decorated {what} also created under these names."
    return alias


def refused(name, base, message):
    """A class `name` (subclass of `base`) whose construction raises MXNetError(message): an MXNet API
    this engine cannot provide, named so that `isinstance` checks and registries still see it."""
    def __init__(self, *args, **kwargs):
        raise MXNetError(message)
    return type(name, (base,), {"__init__": __init__, "__doc__": f"Refused: {message}"})
