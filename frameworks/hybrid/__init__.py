"""The hybrid engine (MXNet Gluon style): imperative NDArrays recorded under autograd.record(), and
HybridBlocks that hybridize() into a cached graph traced once per input-shape signature.

    import frameworks.hybrid as mx
    from frameworks.hybrid import nd, autograd, gluon, sym
"""
from . import autograd, base, initializer, ndarray, symbol
from .base import MXNetError
from .context import Context, cpu, current_context, gpu
from .ndarray import random as _nd_random

nd = ndarray
sym = symbol
init = initializer


class random:  # noqa: N801  (mx.random as a namespace, seeding nd.random's generator)
    """mx.random.seed(s) seeds every nd.random draw."""
    seed = staticmethod(_nd_random.seed)


from . import gluon  # noqa: E402  (gluon imports nd and sym from this package)

__all__ = ["nd", "ndarray", "sym", "symbol", "autograd", "gluon", "cpu", "gpu", "Context",
           "current_context", "random", "init", "initializer", "base", "MXNetError"]
