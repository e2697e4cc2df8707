"""The Theano frontend over static_graph: `import frameworks.theano as theano; import frameworks.theano.tensor as T`.

Theano's define-then-compile style: symbolic tensors (T.matrix, theano.shared), symbolic T.grad and
scan, and theano.function(inputs, outputs, updates, givens), which lowers the graph onto static_graph's
public API (placeholders, Variables, tf.gradients, Session.run) per signature of input shapes, as
Keras(tf) runs TensorFlow code. Its cost over static_graph is the frontend's own.
"""
import os

import numpy as np

from .graph import MissingInputError, SharedVariable, TensorType, Variable  # noqa: F401
from . import graph as _graph


class _Config:
    """theano.config: floatX (Theano's default float64) and device ('cpu' or 'cuda'), read from THEANO_FLAGS
    as Theano reads them (THEANO_FLAGS=floatX=float32,device=cuda)."""

    def __init__(self):
        self.floatX = "float64"  # noqa: N815  (Theano's name)
        self.device = "cpu"
        self.mode = "FAST_RUN"
        self.optimizer = "fast_run"
        self.exception_verbosity = "low"
        self.compute_test_value = "off"
        for item in filter(None, os.environ.get("THEANO_FLAGS", "").split(",")):
            key, _, value = item.partition("=")
            if key.strip() in ("floatX", "device", "mode", "optimizer", "exception_verbosity"):
                setattr(self, key.strip(), value.strip())

    def __setattr__(self, key, value):
        if key == "floatX" and value not in ("float32", "float64"):
            raise ValueError(f"config.floatX must be 'float32' or 'float64', got {value!r}")
        object.__setattr__(self, key, value)


config = _Config()

from . import tensor, gradient, sandbox  # noqa: E402,F401
from .compile import Function, In, Out, Param, UnusedInputError, function  # noqa: E402,F401
from .gradient import grad  # noqa: E402,F401
from .runtime import runtime as _runtime  # noqa: E402
from .scan_module import scan  # noqa: E402,F401

__version__ = "1.0.5"


def shared(value, name=None, strict=False, allow_downcast=None, borrow=False, broadcastable=None):
    """A variable with a value that persists across calls; get_value/set_value read and write it. The
    value is copied into the session (borrow is accepted: values live in the session's device arrays)."""
    if isinstance(value, Variable):
        raise TypeError(f"No suitable SharedVariable constructor could be found. Are you sure all kwargs are "
                        f"supported? We do not support the parameter dtype or type. value={value!r}")
    if isinstance(value, (bool, int, float, np.number)) or isinstance(value, np.ndarray):
        arr = np.array(value)
    else:
        raise TypeError(f"No suitable SharedVariable constructor could be found. Are you sure all kwargs are "
                        f"supported? We do not support the parameter dtype or type. value={value!r}")
    if str(arr.dtype) not in _graph._TF_DTYPES:
        raise TypeError(f"shared: dtype {arr.dtype} is not supported here (float32, float64, int32, int64, bool)")
    bcast = (False,) * arr.ndim if broadcastable is None else tuple(broadcastable)
    if len(bcast) != arr.ndim:
        raise ValueError(f"shared: broadcastable {bcast} does not match the value's {arr.ndim} dimensions")
    return SharedVariable(TensorType(arr.dtype, bcast), arr, _runtime(), name=name, strict=strict,
                          allow_downcast=allow_downcast)


class gof:  # noqa: N801  (theano.gof's error names)
    MissingInputError = MissingInputError
