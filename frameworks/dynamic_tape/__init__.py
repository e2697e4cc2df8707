"""The dynamic-tape engine (PyTorch style): `import frameworks.dynamic_tape as torch`.

Tensors run each op's shared kernel at once and record a Node on the tape when a gradient is needed;
backward() walks the tape in reverse topological order and frees what each node saved as it goes.
"""
from frameworks.kernels import BackendError  # noqa: F401  (what asking for CUDA without CuPy raises)

from ._tensor import (Size, Tensor, arange, as_tensor, bool_, cat, concat, device,  # noqa: F401
                      double, dtype, empty, enable_grad, float32, float64, float_, from_numpy, full,
                      int32, int64, is_grad_enabled, long, matmul, no_grad, ones, ones_like,
                      set_grad_enabled, stack, tensor, zeros, zeros_like)
from .random import Generator, manual_seed, rand, randint, randn, randperm, seed  # noqa: F401
from .serialization import load, save  # noqa: F401
from . import autograd, cuda, nn, optim, utils  # noqa: F401
from .nn.functional import relu, sigmoid, tanh, flatten  # noqa: F401

float = float32  # noqa: A001  (torch.float is float32)
bool = bool_  # noqa: A001


def mm(input, mat2):
    return input.mm(mat2)


def exp(input):
    return input.exp()


def log(input):
    return input.log()


def clamp(input, min=None, max=None):  # noqa: A002
    return input.clamp(min, max)


def sum(input, dim=None, keepdim=False):  # noqa: A001
    return input.sum(dim, keepdim)


def mean(input, dim=None, keepdim=False):
    return input.mean(dim, keepdim)


def argmax(input, dim=None, keepdim=False):
    return input.argmax(dim, keepdim)


def split(tensor, split_size_or_sections, dim=0):
    return tensor.split(split_size_or_sections, dim)


def chunk(input, chunks, dim=0):
    return input.chunk(chunks, dim)


def is_tensor(obj):
    return isinstance(obj, Tensor)
