"""torch.<op>(tensor, ...): the module-level spellings of the Tensor methods classic programs call."""
from ._tensor import Tensor

__all__ = ["mm", "bmm", "exp", "log", "sqrt", "abs", "clamp", "sum", "prod", "mean", "max", "min", "argmax",
           "argmin", "sort", "argsort", "topk", "split", "chunk", "unbind", "squeeze", "unsqueeze",
           "transpose", "t", "reshape", "numel", "is_tensor", "eq", "ne", "gt", "ge", "lt", "le",
           "maximum", "minimum", "pow", "neg", "add", "mul", "div", "sub", "where", "masked_fill",
           "is_floating_point", "index_select", "gather", "sign"]


def mm(input, mat2):
    return input.mm(mat2)


def bmm(input, mat2):
    return input.bmm(mat2)


def exp(input):
    return input.exp()


def log(input):
    return input.log()


def sqrt(input):
    return input.sqrt()


def abs(input):  # noqa: A001
    return input.abs()


def clamp(input, min=None, max=None):  # noqa: A002
    return input.clamp(min, max)


def sum(input, dim=None, keepdim=False):  # noqa: A001
    return input.sum(dim, keepdim)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    return input.prod(dim, keepdim, dtype=dtype)


def mean(input, dim=None, keepdim=False):
    return input.mean(dim, keepdim)


def max(input, dim=None, keepdim=False):  # noqa: A001
    """torch.max(x) the largest value; torch.max(x, 1) (values, indices); torch.max(a, b) elementwise."""
    return input.max(dim, keepdim)


def min(input, dim=None, keepdim=False):  # noqa: A001
    return input.min(dim, keepdim)


def argmax(input, dim=None, keepdim=False):
    return input.argmax(dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    return input.argmin(dim, keepdim)


def sort(input, dim=-1, descending=False, stable=False):
    return input.sort(dim, descending)


def argsort(input, dim=-1, descending=False):
    return input.argsort(dim, descending)


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    return input.topk(k, dim, largest, sorted)


def split(tensor, split_size_or_sections, dim=0):
    return tensor.split(split_size_or_sections, dim)


def chunk(input, chunks, dim=0):
    return input.chunk(chunks, dim)


def unbind(input, dim=0):
    return input.unbind(dim)


def squeeze(input, dim=None):
    return input.squeeze(dim)


def unsqueeze(input, dim):
    return input.unsqueeze(dim)


def transpose(input, dim0, dim1):
    return input.transpose(dim0, dim1)


def t(input):
    return input.t()


def reshape(input, shape):
    return input.reshape(shape)


def numel(input):
    return input.numel()


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.is_floating_point()


def eq(input, other):
    return input.eq(other)


def ne(input, other):
    return input.ne(other)


def gt(input, other):
    return input.gt(other)


def ge(input, other):
    return input.ge(other)


def lt(input, other):
    return input.lt(other)


def le(input, other):
    return input.le(other)


def maximum(input, other):
    return input.maximum(other)


def minimum(input, other):
    return input.minimum(other)


def pow(input, exponent):  # noqa: A001
    return input.pow(exponent)


def neg(input):
    return -input


def add(input, other, alpha=1):
    return input.add(other, alpha=alpha)


def sub(input, other, alpha=1):
    return input.sub(other, alpha=alpha)


def mul(input, other):
    return input.mul(other)


def div(input, other):
    return input.div(other)


def where(condition, input, other):
    return input.where(condition, other)


def masked_fill(input, mask, value):
    return input.masked_fill(mask, value)


def index_select(input, dim, index):
    return input.index_select(dim, index)


def gather(input, dim, index):
    return input.gather(dim, index)


def sign(input):
    return input.sign()
