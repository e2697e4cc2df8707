"""The dynamic-tape engine (PyTorch style): `import frameworks.dynamic_tape as torch`.

Tensors run each op's shared kernel at once and record a Node on the tape when a gradient is needed
(_tape.py); backward() walks the tape in reverse topological order and frees what each node saved as it goes.
"""
from frameworks.kernels import BackendError  # noqa: F401  (what asking for CUDA without CuPy raises)

from ._tape import enable_grad, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401
from ._types import (bool_, device, double, dtype, float32, float64, float_, int32, int64,  # noqa: F401
                     long, uint8)
from ._tensor import Size, Tensor, cat, concat, einsum, matmul, stack  # noqa: F401
from ._factories import (BoolTensor, ByteTensor, DoubleTensor, FloatTensor, IntTensor,  # noqa: F401
                         LongTensor, arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                         linspace, ones, ones_like, tensor, zeros, zeros_like)
from .random import (Generator, manual_seed, normal, rand, rand_like, randint, randn, randn_like,  # noqa: F401
                     randperm, seed)
from .serialization import load, save  # noqa: F401
from . import autograd, backends, cuda, nn, optim, utils  # noqa: F401
from .nn.functional import relu, sigmoid, tanh, flatten  # noqa: F401
from ._functions import *  # noqa: F401,F403  (torch.max, torch.sum, ...: the Tensor methods as functions)

float = float32  # noqa: A001  (torch.float is float32)
bool = bool_  # noqa: A001


from ._missing import missing as _missing  # noqa: E402
__getattr__ = _missing("")
