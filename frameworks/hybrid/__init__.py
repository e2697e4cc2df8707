"""The hybrid engine (MXNet Gluon style): imperative NDArrays recorded under autograd.record(), and
HybridBlocks that hybridize() into a cached graph traced once per input-shape signature.

    import frameworks.hybrid as mx
    from frameworks.hybrid import nd, autograd, gluon, sym
"""
from . import autograd, base, callback, context, image, initializer, io, kvstore, lr_scheduler, metric, monitor, name, ndarray, operator, optimizer, profiler, recordio, symbol, test_utils, viz
from .base import MXNetError
from .context import Context, cpu, current_context, gpu
from .symbol import AttrScope
from .ndarray import random as _nd_random

nd = ndarray
sym = symbol
init = initializer
img = image


class random:  # noqa: N801  (mx.random as a namespace, seeding nd.random's generator)
    """mx.random.seed(s) seeds every nd.random draw, Dropout's masks and the initializers."""
    seed = staticmethod(_nd_random.seed)
    uniform = staticmethod(_nd_random.uniform)
    normal = staticmethod(_nd_random.normal)
    randn = staticmethod(_nd_random.randn)
    randint = staticmethod(_nd_random.randint)
    shuffle = staticmethod(_nd_random.shuffle)
    multinomial = staticmethod(_nd_random.multinomial)


from . import gluon  # noqa: E402  (gluon imports nd and sym from this package)
from . import module  # noqa: E402
from . import model  # noqa: E402  (FeedForward runs on a Module)
from . import rnn  # noqa: E402  (mx.rnn: the symbolic cells, over sym)

kv = kvstore
mon = monitor
mod = module

__all__ = ["nd", "ndarray", "sym", "symbol", "autograd", "gluon", "cpu", "gpu", "Context",
           "current_context", "context", "kv", "kvstore", "lr_scheduler", "test_utils", "viz", "random", "init", "initializer", "base", "MXNetError", "metric", "io", "callback", "optimizer", "mod", "module", "model", "rnn", "mon", "monitor", "profiler", "image", "img"]
