"""The Tensor: an array (NumPy or CuPy) whose ops run their shared kernel at once, recorded by the tape."""
import weakref

import numpy as np

from frameworks import kernels as K
from frameworks.kernels import to_numpy

from . import _tape
from ._tape import (LEAF_INPLACE, _GradMode, _apply, _apply_inplace, _apply_multi, _ndarray, _xp,
                    run_backward)
from ._types import _CPU, _CUDA, _np_dtype, _to_dtype, _xp_for, dtype

def _data(x, like):
    """The array behind x, or a Python number left as is (NEP 50 keeps float32 float32)."""
    if isinstance(x, Tensor):
        return x._array
    if isinstance(x, (int, float, bool)):
        return x
    return _xp(like).asarray(x, dtype=like.dtype if getattr(x, "dtype", None) is None else None)


def _binary(kernel, a, b):
    """a <op> b where either side may be a Python number (recorded as a constant)."""
    if isinstance(b, Tensor):
        return _apply(kernel, (a, b), (a._array, b._array))
    return _apply(kernel, (a, None), (a._array, _data(b, a._array)))


def _rbinary(kernel, a, b):
    """b <op> a for a Python-number b."""
    return _apply(kernel, (None, a), (_data(b, a._array), a._array))


# ---------------------------------------------------------------- Tensor

class Tensor:
    """A multi-dimensional array (NumPy or CuPy) that can record the ops applied to it for backward()."""
    __slots__ = ("_array", "requires_grad", "grad", "grad_fn", "_index", "_vc", "__weakref__")

    def __init__(self, data=None, *sizes, requires_grad=False):
        """Tensor(data), or the legacy Tensor(d0, d1, ...) / Tensor(torch.Size): uninitialised float32."""
        arr = np.zeros(0, np.float32) if data is None else data
        if isinstance(arr, (int, Size)) and not isinstance(arr, bool):
            arr = np.empty(tuple(arr) + sizes if isinstance(arr, Size) else (arr,) + sizes, np.float32)
        elif isinstance(arr, Tensor):
            arr = arr._array
        elif not hasattr(arr, "__array_interface__") and not hasattr(arr, "__cuda_array_interface__"):
            arr = np.asarray(arr, dtype=np.float32)
        self._array = arr
        self.requires_grad = requires_grad
        self.grad = None
        self.grad_fn = None
        self._index = 0
        self._vc = [0]  # shared with this tensor's views; bumped by every in-place write

    @classmethod
    def _wrap(cls, array):
        t = object.__new__(cls)
        t._array = array
        t.requires_grad = False
        t.grad = None
        t.grad_fn = None
        t._index = 0
        t._vc = [0]
        return t

    @staticmethod
    def _result(y, node):
        # reductions hand back NumPy scalars: keep every Tensor backed by an array
        if not isinstance(y, _ndarray) and y.__class__.__module__ == "numpy":
            y = np.asarray(y)
        t = object.__new__(Tensor)
        t._array = y
        t.requires_grad = node is not None
        t.grad = None
        t.grad_fn = node
        t._index = 0
        t._vc = [0]
        return t

    # ------------------------------------------------------------ attributes
    @property
    def _version(self):
        """How many in-place writes this tensor's storage has seen (PyTorch's version counter)."""
        return self._vc[0]

    @property
    def data(self):
        """The same storage as a tensor outside the graph (writes to it are not recorded)."""
        return Tensor._wrap(self._array)

    @data.setter
    def data(self, value):
        self._array = value._array if isinstance(value, Tensor) else value

    @property
    def shape(self):
        return Size(self._array.shape)

    def size(self, dim=None):
        s = Size(self._array.shape)
        return s if dim is None else s[dim]

    @property
    def dtype(self):
        return _to_dtype(self._array.dtype)

    @property
    def device(self):
        return _CPU if _xp(self._array) is np else _CUDA

    @property
    def is_cuda(self):
        return _xp(self._array) is not np

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def ndim(self):
        return self._array.ndim

    def dim(self):
        return self._array.ndim

    def numel(self):
        return int(self._array.size)

    def __len__(self):
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def _describe(self):
        return f"tensor of shape {tuple(self._array.shape)}"

    def __format__(self, format_spec):
        """As PyTorch: a 0-dim tensor formats as its Python number ('{:+.2f}'.format(w)), others as text."""
        if self._array.ndim == 0:
            return self.item().__format__(format_spec)
        return object.__format__(self, format_spec)

    def __repr__(self):
        body = np.array2string(to_numpy(self._array), separator=", ", prefix="tensor(")
        extra = ""
        if self._array.dtype not in (np.float32, np.int64) or self._array.size == 0:
            extra += f", dtype={self.dtype}"
        if self.is_cuda:
            extra += ", device='cuda:0'"
        if self.grad_fn is not None:
            extra += f", grad_fn=<{self.grad_fn.name()}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def __hash__(self):
        return id(self)

    def __bool__(self):
        if self._array.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._array)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        return int(self.item())

    # ------------------------------------------------------------ autograd
    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Accumulate d(self)/d(leaf) into every leaf's .grad (PyTorch's Tensor.backward)."""
        if create_graph:
            raise NotImplementedError("create_graph=True (higher-order gradients) is not supported")
        if gradient is None:
            if self._array.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = _xp(self._array).ones(self._array.shape, dtype=self._array.dtype)
        else:
            g = gradient._array if isinstance(gradient, Tensor) else _xp(self._array).asarray(gradient)
            if g.shape != self._array.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {tuple(g.shape)} and "
                                   f"output[0] has a shape of {tuple(self._array.shape)}.")
        run_backward((self,), (g,), bool(retain_graph))

    def requires_grad_(self, requires_grad=True):
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to "
                               "use a computed variable in a subgraph that doesn't require differentiation "
                               "use var_no_grad = var.detach().")
        if requires_grad and self._array.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self):
        """Keep .grad on this non-leaf tensor during backward (leaves always keep theirs)."""
        if self.grad_fn is None:
            if not self.requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        node = self.grad_fn
        node.retained = (node.retained or []) + [(self._index, weakref.ref(self))]

    @property
    def retains_grad(self):
        node = self.grad_fn
        return node is not None and node.retained is not None and any(r() is self for _, r in node.retained)

    def detach(self):
        t = Tensor._wrap(self._array)
        t._vc = self._vc  # detach() shares storage and version counter (.data does not)
        return t

    def detach_(self):
        self.grad_fn = None
        self.requires_grad = False
        return self

    # ------------------------------------------------------------ conversion
    def item(self):
        if self._array.size != 1:
            raise ValueError(f"only one element tensors can be converted to Python scalars "
                             f"(this one has shape {tuple(self._array.shape)})")
        return to_numpy(self._array).reshape(()).item()

    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        if not isinstance(self._array, _ndarray):
            raise TypeError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the "
                            "tensor to host memory first.")
        return self._array

    def tolist(self):
        return to_numpy(self._array).tolist()

    def to(self, *args, **kwargs):
        """to(device), to(dtype) or to(device, dtype): a copy on that device / of that type (or self)."""
        dev, dt = kwargs.get("device"), kwargs.get("dtype")
        for a in args:
            if isinstance(a, (dtype, np.dtype)):
                dt = a
            elif isinstance(a, Tensor):
                dev, dt = a.device, a.dtype
            else:
                dev = a
        out = self
        if dev is not None:
            xp = _xp_for(dev)
            if xp is not _xp(self._array):
                out = _apply(_Move, (self,), (self._array,), {"xp_to": xp})
        if dt is not None and _np_dtype(dt) != out._array.dtype:
            out = out._cast(_np_dtype(dt))
        return out

    def cuda(self, device=None):
        return self.to("cuda")

    def cpu(self):
        return self.to("cpu")

    def _cast(self, npd):
        return _apply(_Cast, (self,), (self._array,), {"dtype": npd})

    def float(self):
        return self if self._array.dtype == np.float32 else self._cast(np.dtype(np.float32))

    def double(self):
        return self if self._array.dtype == np.float64 else self._cast(np.dtype(np.float64))

    def long(self):
        return self if self._array.dtype == np.int64 else self._cast(np.dtype(np.int64))

    def int(self):
        return self if self._array.dtype == np.int32 else self._cast(np.dtype(np.int32))

    def bool(self):
        return self if self._array.dtype == np.bool_ else self._cast(np.dtype(np.bool_))

    def byte(self):
        return self if self._array.dtype == np.uint8 else self._cast(np.dtype(np.uint8))

    def half(self):
        return self if self._array.dtype == np.float16 else self._cast(np.dtype(np.float16))

    def type(self, dt=None):
        """type() names the legacy type ('torch.FloatTensor'); type(torch.LongTensor / 'torch.LongTensor' /
        torch.int64) casts."""
        if dt is None:
            kind = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
                    "uint8": "Byte", "bool": "Bool"}.get(self._array.dtype.name, self._array.dtype.name)
            return f"torch.{'cuda.' if self.is_cuda else ''}{kind}Tensor"
        if isinstance(dt, str):
            from . import _factories
            dt = getattr(_factories, dt.rsplit(".", 1)[-1])
        return self.to(getattr(dt, "dtype", dt))

    def type_as(self, other):
        return self.to(other.dtype)

    # ------------------------------------------------------------ arithmetic
    def __add__(self, other):
        return _binary(K.add, self, other)

    def __radd__(self, other):
        return _rbinary(K.add, self, other)

    def __sub__(self, other):
        return _binary(K.sub, self, other)

    def __rsub__(self, other):
        return _rbinary(K.sub, self, other)

    def __mul__(self, other):
        return _binary(K.mul, self, other)

    def __rmul__(self, other):
        return _rbinary(K.mul, self, other)

    def __truediv__(self, other):
        return _binary(K.div, self, other)

    def __rtruediv__(self, other):
        return _rbinary(K.div, self, other)

    def __neg__(self):
        return _apply(K.neg, (self,), (self._array,))

    def __pos__(self):
        return self

    def __pow__(self, exponent):
        if isinstance(exponent, Tensor):
            raise TypeError("tensor ** tensor is not supported: the pow kernel takes a scalar exponent")
        return self.pow(exponent)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(Tensor(np.asarray(other, dtype=self._array.dtype)), self)

    mul, div, matmul = __mul__, __truediv__, __matmul__
    multiply, divide = __mul__, __truediv__

    def add(self, other, alpha=1):
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, alpha=1):
        return self - (other if alpha == 1 else other * alpha)

    subtract = sub

    def bmm(self, mat2):
        if self._array.ndim != 3 or mat2._array.ndim != 3:
            raise RuntimeError(f"batch1 and batch2 must be 3D tensors, got shapes "
                               f"{tuple(self._array.shape)} and {tuple(mat2._array.shape)}")
        return matmul(self, mat2)

    def abs(self):
        return _apply(K.abs, (self,), (self._array,))

    def where(self, condition, other):
        """torch.where(condition, self, other): the where kernel (other may be a number)."""
        if isinstance(other, Tensor):
            return _apply(K.where, (None, self, other), (condition._array, self._array, other._array))
        return _apply(K.where, (None, self, None), (condition._array, self._array, _data(other, self._array)))

    def is_floating_point(self):
        return self._array.dtype.kind == "f"

    def new_zeros(self, *size, dtype=None):
        from ._factories import zeros
        return zeros(*size, dtype=dtype or self._array.dtype, device=self.device)

    def new_ones(self, *size, dtype=None):
        from ._factories import ones
        return ones(*size, dtype=dtype or self._array.dtype, device=self.device)

    def new_tensor(self, data, dtype=None):
        from ._factories import tensor
        return tensor(data, dtype=dtype or self._array.dtype, device=self.device)

    def mm(self, other):
        if self._array.ndim != 2 or other._array.ndim != 2:
            raise RuntimeError(f"mm: self and mat2 must be matrices, got shapes {tuple(self._array.shape)} "
                               f"and {tuple(other._array.shape)}")
        return matmul(self, other)

    def pow(self, exponent):
        return _apply(K.pow, (self,), (self._array,), {"exponent": exponent})

    def square(self):
        return _apply(K.square, (self,), (self._array,))

    def sqrt(self):
        return _apply(K.sqrt, (self,), (self._array,))

    def rsqrt(self):
        return _apply(K.rsqrt, (self,), (self._array,))

    def exp(self):
        return _apply(K.exp, (self,), (self._array,))

    def log(self):
        return _apply(K.log, (self,), (self._array,))

    def relu(self):
        return _apply(K.relu, (self,), (self._array,))

    def sigmoid(self):
        return _apply(K.sigmoid, (self,), (self._array,))

    def tanh(self):
        return _apply(K.tanh, (self,), (self._array,))

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        return _apply(K.clip, (self,), (self._array,), {"lo": min, "hi": max})

    clip = clamp

    def maximum(self, other):
        return _binary(K.maximum, self, other)

    def minimum(self, other):
        return _binary(K.minimum, self, other)

    # ------------------------------------------------------------ reductions
    def sum(self, dim=None, keepdim=False):
        if dim is None and not keepdim:
            return _apply(K.sum, (self,), (self._array,))
        return _apply(K.sum, (self,), (self._array,), {"axis": dim, "keepdims": keepdim})

    def prod(self, dim=None, keepdim=False, dtype=None):
        """torch.prod: over every entry (a 0-d tensor), or over the one int dim; the shared prod kernel."""
        x = self if dtype is None else self.to(dtype)
        if dim is None:
            return _apply(K.prod, (x,), (x._array,))
        if not isinstance(dim, int):
            raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
        return _apply(K.prod, (x,), (x._array,), {"axis": dim, "keepdims": keepdim})

    def mean(self, dim=None, keepdim=False):
        if self._array.dtype.kind != "f":
            raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating "
                               f"point or complex dtype. Got: {self.dtype.name.capitalize()}")
        if dim is None and not keepdim:
            return _apply(K.mean, (self,), (self._array,))
        return _apply(K.mean, (self,), (self._array,), {"axis": dim, "keepdims": keepdim})

    def all(self, dim=None, keepdim=False):
        return Tensor._wrap(_xp(self._array).asarray(self._array.all(axis=dim, keepdims=keepdim)))

    def any(self, dim=None, keepdim=False):
        return Tensor._wrap(_xp(self._array).asarray(self._array.any(axis=dim, keepdims=keepdim)))

    def argmax(self, dim=None, keepdim=False):
        xp = _xp(self._array)
        return Tensor._result(xp.argmax(self._array, axis=dim, keepdims=keepdim), None)

    def argmin(self, dim=None, keepdim=False):
        xp = _xp(self._array)
        return Tensor._result(xp.argmin(self._array, axis=dim, keepdims=keepdim), None)

    def _select(self, indices, dim, keepdim):
        """The values at `indices` (an index array along `dim`, kept as a size-1 axis): a flat gather."""
        xp = _xp(self._array)
        shape = self._array.shape
        coords = list(xp.ogrid[tuple(slice(n) for n in indices.shape)])
        coords[dim] = indices
        flat = xp.ravel_multi_index(tuple(xp.broadcast_arrays(*coords)), shape)
        values = _take_rows(self.reshape(-1), flat)
        return values if keepdim else values.squeeze(dim)

    def _extreme(self, dim, keepdim, arg, name):
        """The max / min kernel (its gradient goes to the first winner, as PyTorch's); with dim, the
        winners' indices too, as a (values, indices) namedtuple."""
        kernel = K.max if name == "max" else K.min
        if dim is None:
            return _apply(kernel, (self,), (self._array,))
        values = _apply(kernel, (self,), (self._array,), {"axis": dim, "keepdims": keepdim})
        idx = getattr(_xp(self._array), arg)(self._array, axis=dim, keepdims=keepdim)
        return _values_indices(name)(values, Tensor._wrap(idx))

    def max(self, dim=None, keepdim=False):
        """max() is the largest value; max(dim) is (values, indices) along dim; max(other) elementwise."""
        if isinstance(dim, Tensor):
            return self.maximum(dim)
        return self._extreme(dim, keepdim, "argmax", "max")

    def min(self, dim=None, keepdim=False):
        if isinstance(dim, Tensor):
            return self.minimum(dim)
        return self._extreme(dim, keepdim, "argmin", "min")

    def sort(self, dim=-1, descending=False, stable=False):
        """(values, indices) sorted along dim (a stable sort; descending keeps ties in order)."""
        xp = _xp(self._array)
        dim %= max(self._array.ndim, 1)
        key = -self._array if descending else self._array
        idx = xp.argsort(key, axis=dim, kind="stable")
        return _values_indices("sort")(self._select(idx, dim, True), Tensor._wrap(idx))

    def argsort(self, dim=-1, descending=False):
        return self.sort(dim, descending)[1]

    def topk(self, k, dim=-1, largest=True, sorted=True):
        values, indices = self.sort(dim, descending=largest)
        dim %= max(self._array.ndim, 1)
        index = (slice(None),) * dim + (slice(0, k),)
        return _values_indices("topk")(values[index], indices[index])

    # ------------------------------------------------------------ comparisons (no gradient)
    def _compare(self, other, ufunc):
        return Tensor._result(getattr(_xp(self._array), ufunc)(self._array, _data(other, self._array)), None)

    def __eq__(self, other):
        return self._compare(other, "equal")

    def __ne__(self, other):
        return self._compare(other, "not_equal")

    def __lt__(self, other):
        return self._compare(other, "less")

    def __le__(self, other):
        return self._compare(other, "less_equal")

    def __gt__(self, other):
        return self._compare(other, "greater")

    def __ge__(self, other):
        return self._compare(other, "greater_equal")

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    # ------------------------------------------------------------ shape
    def view(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return _apply(K.reshape, (self,), (self._array,), {"shape": tuple(shape)})

    reshape = view

    def view_as(self, other):
        return self.view(other._array.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        s = self._array.shape
        end = end_dim % max(len(s), 1)
        if len(s) == 0:
            return self.view(1)
        return self.view(s[:start_dim] + (-1,) + s[end + 1:])

    def expand(self, *sizes):
        """A broadcast view of self to sizes (-1 keeps a dimension); backward sums the broadcast axes."""
        sizes = sizes[0] if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
        shape = self._array.shape
        lead = len(sizes) - len(shape)
        target = tuple(shape[i - lead] if n == -1 else n for i, n in enumerate(sizes))
        if target == shape:
            return self
        return _apply(K.broadcast_to, (self,), (self._array,), {"shape": target})

    def expand_as(self, other):
        return self.expand(other._array.shape)

    def narrow(self, dim, start, length):
        index = (slice(None),) * (dim % self._array.ndim) + (slice(start, start + length),)
        return self[index]

    def index_select(self, dim, index):
        """Whole slices along dim at the 1-D integer tensor index (the take kernel; repeats accumulate)."""
        if index._array.ndim > 1:
            raise IndexError(f"index_select(): Index is supposed to be a vector, got {index._array.ndim}-D")
        return _apply(K.take, (self, None), (self._array, index._array), {"axis": dim})

    def gather(self, dim, index):
        """out[i][j] = self[index[i][j]][j] for dim 0 (the gather kernel)."""
        return _apply(K.gather, (self, None), (self._array, index._array), {"axis": dim})

    def repeat(self, *sizes):
        """Tile self sizes[i] times along each dimension (numpy.tile; torch's repeat, not repeat_interleave)."""
        sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list, Size)) else sizes
        if len(sizes) < self._array.ndim:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                               "dimensions of tensor")
        return _apply(K.tile, (self,), (self._array,), {"reps": tuple(int(n) for n in sizes)})

    def sign(self):
        return _apply(K.sign, (self,), (self._array,))

    def index_add_(self, dim, index, source, alpha=1):
        """self[..., index[i], ...] += alpha * source[..., i, ...] along dim (repeated indices add up)."""
        xp = _xp(self._array)
        moved = xp.moveaxis(self._array, dim, 0)
        add = xp.moveaxis(source._array, dim, 0) * alpha
        if _GradMode.enabled and self.requires_grad:
            raise RuntimeError(LEAF_INPLACE)
        xp.add.at(moved, index._array, add)
        self._vc[0] += 1
        return self

    def unsqueeze(self, dim):
        s = list(self._array.shape)
        s.insert(dim % (len(s) + 1), 1)
        return self.view(tuple(s))

    def squeeze(self, dim=None):
        s = self._array.shape
        if dim is None:
            return self.view(tuple(n for n in s if n != 1))
        dim %= len(s)
        return self.view(s[:dim] + s[dim + 1:]) if s[dim] == 1 else self

    def permute(self, *dims):
        dims = dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        return _apply(K.transpose, (self,), (self._array,), {"axes": tuple(dims)})

    def transpose(self, dim0, dim1):
        axes = list(range(self._array.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return self.permute(axes)

    def t(self):
        if self._array.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self._array.ndim}D")
        return _apply(K.transpose, (self,), (self._array,)) if self._array.ndim == 2 else self

    @property
    def T(self):
        return _apply(K.transpose, (self,), (self._array,))

    def contiguous(self):
        return self

    def split(self, split_size, dim=0):
        n = self._array.shape[dim]
        if isinstance(split_size, int):
            sizes = [split_size] * (n // split_size) + ([n % split_size] if n % split_size else [])
        else:
            sizes = list(split_size)
        return _apply_multi(K.split, (self,), (self._array,), {"sections": sizes, "axis": dim})

    def chunk(self, chunks, dim=0):
        n = self._array.shape[dim]
        return self.split(-(-n // chunks), dim)

    def unbind(self, dim=0):
        """The slices along `dim`: one split node, so backward concatenates once."""
        parts = self.split(1, dim)
        return tuple(p.squeeze(dim) for p in parts)

    def __getitem__(self, index):
        """x[slices / ints] is a view (the slice kernel); integer tensors and boolean masks gather rows."""
        idx = _index_arrays(index)
        if _basic(idx):
            return _apply(K.slice, (self,), (self._array,), {"index": idx})
        if not (self.requires_grad and _GradMode.enabled):
            try:
                return Tensor._wrap(self._array[idx])
            except IndexError as e:
                raise IndexError(f"{e} (indexing a tensor of shape {tuple(self._array.shape)})") from None
        return _gather(self, idx)

    def __iter__(self):
        return iter(self.unbind(0))

    # ------------------------------------------------------------ in place
    def _inplace(self, kernel, other):
        """self <op>= other, written into self's array; recorded (and self's version bumped) as in PyTorch."""
        if _GradMode.enabled and (self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)):
            if isinstance(other, Tensor):
                return _apply_inplace(kernel, self, (self, other), (self._array, other._array))
            return _apply_inplace(kernel, self, (self, None), (self._array, _data(other, self._array)))
        b = other._array if isinstance(other, Tensor) else other
        kernel.forward(_xp(self._array), self._array, b, out=self._array)
        self._vc[0] += 1
        return self

    def __iadd__(self, other):
        return self._inplace(K.add, other)

    def __isub__(self, other):
        return self._inplace(K.sub, other)

    def __imul__(self, other):
        return self._inplace(K.mul, other)

    def __itruediv__(self, other):
        return self._inplace(K.div, other)

    def add_(self, other, alpha=1, *legacy):
        other, alpha = _alpha(other, alpha, legacy)
        return self._inplace(K.add, other if alpha == 1 else other * alpha)

    def sub_(self, other, alpha=1, *legacy):
        other, alpha = _alpha(other, alpha, legacy)
        return self._inplace(K.sub, other if alpha == 1 else other * alpha)

    mul_, div_ = __imul__, __itruediv__

    def relu_(self):
        return _apply_inplace(K.relu, self, (self,), (self._array,), overwrite=True)

    def clamp_(self, min=None, max=None):
        return _apply_inplace(K.clip, self, (self,), (self._array,), {"lo": min, "hi": max})

    def _write(self, values, index=Ellipsis):
        """An unrecorded write into self's array (fill_, copy_, setitem, init): refused on a leaf that
        requires grad while recording, and bumping the version either way."""
        if _GradMode.enabled and self.requires_grad:
            raise RuntimeError(LEAF_INPLACE if self.grad_fn is None else
                               "in-place assignment into a tensor that requires grad is not recorded by this "
                               "engine; assign under torch.no_grad() or build a new tensor (torch.where)")
        self._array[index] = values
        self._vc[0] += 1
        return self

    def __setitem__(self, index, value):
        """x[index] = value for slices, integer tensors and boolean masks (grad_h[h < 0] = 0)."""
        self._write(value._array if isinstance(value, Tensor) else value, _index_arrays(index))

    def zero_(self):
        return self._write(0)

    def fill_(self, value):
        return self._write(value.item() if isinstance(value, Tensor) else value)

    def copy_(self, src):
        src = src._array if isinstance(src, Tensor) else src
        return self._write(_xp(self._array).asarray(src))

    def masked_fill_(self, mask, value):
        return self._write(value, mask._array)

    def masked_fill(self, mask, value):
        return _apply(K.where, (None, None, self), (mask._array, _data(value, self._array), self._array))

    def clone(self):
        return self + 0 if self.requires_grad and _GradMode.enabled else Tensor._wrap(self._array.copy())

    def uniform_(self, a=0.0, b=1.0, generator=None):
        from .random import default_generator
        g = generator or default_generator
        return self._write(_xp(self._array).asarray(g.uniform(a, b, self._array.shape)))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        from .random import default_generator
        g = generator or default_generator
        return self._write(_xp(self._array).asarray(g.normal(mean, std, self._array.shape)))

    def random_(self, low=0, high=None, generator=None):
        from .random import default_generator
        g = generator or default_generator
        if high is None:
            low, high = 0, low
        return self._write(_xp(self._array).asarray(g.randint(low, high, self._array.shape)))

    def bernoulli_(self, p=0.5, generator=None):
        from .random import default_generator
        g = generator or default_generator
        return self._write(_xp(self._array).asarray(g.uniform(0.0, 1.0, self._array.shape) < p))


_NAMEDTUPLES = {}


def _values_indices(name):
    """torch.return_types.<name>: a namedtuple (values, indices), as max(dim) / sort / topk return."""
    cls = _NAMEDTUPLES.get(name)
    if cls is None:
        from collections import namedtuple
        cls = _NAMEDTUPLES[name] = namedtuple(name, ["values", "indices"])
        cls.__module__ = "torch.return_types"
    return cls


def _basic(idx):
    """True for an index NumPy answers with a view: ints, slices, None, Ellipsis (and tuples of them)."""
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice, np.integer)) for i in items)


def _take_rows(x, ids):
    """x[ids] along dim 0 with a gradient: the gather kernel (embedding) on x seen as (rows, -1)."""
    xp = _xp(x._array)
    n = x._array.shape[0]
    ids = xp.asarray(ids)
    if ids.dtype.kind not in "iu":
        raise IndexError(f"tensors used as indices must be long, int, byte or bool tensors, got {ids.dtype}")
    if ids.size and (int(ids.max()) >= n or int(ids.min()) < -n):
        bad = int(ids.max()) if int(ids.max()) >= n else int(ids.min())
        raise IndexError(f"index {bad} is out of bounds for dimension 0 with size {n}")
    ids = xp.where(ids < 0, ids + n, ids)
    rows = x.reshape(n, -1)
    out = _apply(K.embedding, (rows, None), (rows._array, ids))
    return out.reshape(tuple(ids.shape) + tuple(x._array.shape[1:]))


def _gather(x, idx):
    """Advanced indexing with a gradient, composed as a reshape and a row gather."""
    xp = _xp(x._array)
    shape = x._array.shape
    if not isinstance(idx, tuple):
        idx = (idx,)
    if any(isinstance(i, slice) or i is None or i is Ellipsis for i in idx):
        raise IndexError("indexing that mixes slices with integer tensors / masks is not supported while "
                         "recording gradients; index in two steps (x[:, i] -> x.t()[i].t())")
    if len(idx) == 1 and getattr(idx[0], "dtype", None) is not None and idx[0].dtype == bool:
        mask = idx[0]
        if tuple(mask.shape) != tuple(shape[:mask.ndim]):
            raise IndexError(f"The shape of the mask {list(mask.shape)} does not match the shape of the "
                             f"indexed tensor {list(shape)}")
        k = mask.ndim
        rows = x.reshape((-1,) + tuple(shape[k:])) if k else x.unsqueeze(0)
        return _take_rows(rows, xp.flatnonzero(mask))
    k = len(idx)
    arrays = [xp.asarray(i) for i in idx]
    for a, n, d in zip(arrays, shape, range(k)):
        if a.size and (int(a.max()) >= n or int(a.min()) < -n):
            bad = int(a.max()) if int(a.max()) >= n else int(a.min())
            raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {n}")
    arrays = [xp.where(a < 0, a + n, a) for a, n in zip(arrays, shape)]
    flat = xp.ravel_multi_index(tuple(xp.broadcast_arrays(*arrays)), shape[:k]) if k > 1 else arrays[0]
    rows = x.reshape((-1,) + tuple(shape[k:])) if k > 1 else x
    return _take_rows(rows, flat)


def _alpha(other, alpha, legacy):
    """add_(other, alpha=a), and the old add_(a, other) order the 2017 tutorials use."""
    if legacy or (isinstance(alpha, Tensor) and not isinstance(other, Tensor)):
        return (legacy[0] if legacy else alpha), other
    return other, alpha


def _index_arrays(index):
    """A torch index as NumPy's: tensors become their arrays (a 0-d integer tensor an int)."""
    if isinstance(index, Tensor):
        return int(index._array) if index._array.ndim == 0 and index._array.dtype.kind in "iu" \
            else index._array
    if isinstance(index, tuple):
        return tuple(_index_arrays(i) for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


class Size(tuple):
    """A tensor's shape: a tuple, printed as torch.Size."""

    def __repr__(self):
        return f"torch.Size({list(self)})"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


# ---------------------------------------------------------------- engine-level plumbing ops
# Not arithmetic, so not shared kernels: a dtype cast and a device move, with their obvious backward.

class _Cast:
    name = "to_copy"
    node_name = "ToCopyBackward0"

    @staticmethod
    def forward(xp, x, dtype):
        return x.astype(dtype), x.dtype

    @staticmethod
    def backward(xp, saved, gy, needs=None, dtype=None):
        return (gy.astype(saved),)

    @staticmethod
    def infer(x, dtype):
        return tuple(x)


class _Move:
    name = "to_copy"
    node_name = "ToCopyBackward0"

    @staticmethod
    def forward(xp, x, xp_to):
        return (xp_to.asarray(x) if xp_to is not np else to_numpy(x)), xp

    @staticmethod
    def backward(xp, saved, gy, needs=None, xp_to=None):
        return ((saved.asarray(gy) if saved is not np else to_numpy(gy)),)

    @staticmethod
    def infer(x, xp_to):
        return tuple(x)


# ---------------------------------------------------------------- functions over tensors

def matmul(a, b):
    """a @ b through the shared matmul kernel; a mismatch raises a ShapeError naming both shapes. A 1-D
    operand is a row (left) or a column (right) whose added dimension is removed again, as torch.matmul."""
    if a._array.ndim >= 2 and b._array.ndim >= 2:
        return _apply(K.matmul, (a, b), (a._array, b._array))
    if a._array.ndim == 0 or b._array.ndim == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, but they are "
                           f"{a._array.ndim}D and {b._array.ndim}D")
    a2 = a.unsqueeze(0) if a._array.ndim == 1 else a
    b2 = b.unsqueeze(-1) if b._array.ndim == 1 else b
    y = _apply(K.matmul, (a2, b2), (a2._array, b2._array))
    if b._array.ndim == 1:
        y = y.squeeze(-1)
    return y.squeeze(-2) if a._array.ndim == 1 else y


def linear(x, weight, bias=None):
    """x @ weight.T (+ bias); weight is (out, in) as in torch, used through a transposed view."""
    y = _apply(K.matmul, (x, weight), (x._array, weight._array), _TRANSPOSE_B)
    return y if bias is None else _apply(K.add, (y, bias), (y._array, bias._array))


_TRANSPOSE_B = {"transpose_b": True}


def cat(tensors, dim=0):
    tensors = tuple(tensors)
    return _apply(K.concat, tensors, tuple(t._array for t in tensors), {"axis": dim})


concat = cat


def einsum(equation, *operands):
    """torch.einsum('ij,jk->ik', a, b) (operands also as one list): the einsum kernel."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    try:
        return _apply(K.einsum, operands, tuple(t._array for t in operands), {"equation": equation})
    except K.ShapeError as e:
        raise RuntimeError(f"einsum(): {e}") from None


def stack(tensors, dim=0):
    return cat([t.unsqueeze(dim) for t in tensors], dim)


_tape.Tensor = Tensor  # the tape wraps results and gradients in this class
