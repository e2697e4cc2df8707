"""The Tensor and its define-by-run tape: each op runs its shared kernel at once and records a Node."""
import sys
import weakref

import numpy as np

from frameworks import kernels as K
from frameworks.kernels import ShapeError, array_module, explain_failure, get_xp, to_numpy
from frameworks.plan import toposort

_ndarray = np.ndarray
_getrefcount = sys.getrefcount

SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
    "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time "
    "or if you need to access saved tensors after calling backward.")
LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."


# ---------------------------------------------------------------- grad mode

class _GradMode:
    """The one switch no_grad() flips; read on every op, so it is a plain attribute."""
    enabled = True


def is_grad_enabled():
    return _GradMode.enabled


class set_grad_enabled:
    """Context manager (and function) setting grad mode on or off, as torch.set_grad_enabled."""

    def __init__(self, mode):
        self.prev = _GradMode.enabled
        _GradMode.enabled = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _GradMode.enabled = self.prev


class no_grad:
    """Context manager / decorator: ops inside record nothing (parameter updates, evaluation)."""

    def __enter__(self):
        self.prev = _GradMode.enabled
        _GradMode.enabled = False
        return self

    def __exit__(self, *exc):
        _GradMode.enabled = self.prev

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with no_grad():
                return fn(*args, **kwargs)
        wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
        return wrapper


class enable_grad(no_grad):
    """Context manager: ops inside record even within no_grad()."""

    def __enter__(self):
        self.prev = _GradMode.enabled
        _GradMode.enabled = True
        return self


# ---------------------------------------------------------------- dtype and device

class dtype:
    """A tensor element type; wraps the NumPy dtype the kernels compute in."""

    def __init__(self, name):
        self.name = name
        self.np = np.dtype(name)
        self.is_floating_point = self.np.kind == "f"

    def __repr__(self):
        return f"torch.{self.name}"


float32 = float_ = dtype("float32")
float64 = double = dtype("float64")
int64 = long = dtype("int64")
int32 = dtype("int32")
bool_ = dtype("bool")
_DTYPES = {d.np: d for d in (float32, float64, int64, int32, bool_)}


def _np_dtype(d):
    """NumPy dtype for a dtype / NumPy dtype / None."""
    if d is None or isinstance(d, np.dtype):
        return d
    if isinstance(d, dtype):
        return d.np
    return np.dtype(d)


def _to_dtype(npd):
    d = _DTYPES.get(npd)
    if d is None:
        d = _DTYPES[npd] = dtype(npd.name)
    return d


class device:
    """Where a tensor lives: device('cpu') or device('cuda') (the CuPy backend)."""

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        type = str(type)
        if ":" in type:
            type, idx = type.split(":", 1)
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {type}")
        self.type, self.index = type, (0 if type == "cuda" and index is None else index)

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


_CPU = device("cpu")
_CUDA = device("cuda")


def _xp_for(dev):
    """The array module for a device spec (None = cpu); CUDA without CuPy raises kernels.BackendError."""
    if dev is None:
        return np
    dev = dev if isinstance(dev, device) else device(dev)
    return np if dev.type == "cpu" else get_xp("gpu")


def _xp(a):
    return np if a.__class__ is _ndarray else array_module(a)


# ---------------------------------------------------------------- the tape

_FREED = object()  # a node's `saved` after backward consumed it


class Node:
    """One recorded op (a `grad_fn`): the kernel, what its forward saved, and where each input's grad goes.

    `edges` has one entry per input: None (no grad needed), the leaf Tensor to accumulate into, the
    producing Node, or (Node, output index) for a multi-output producer. Input tensors themselves are not
    kept: only what the kernel chose to save stays alive. `pending` collects the output gradient(s) during
    backward; `saved` becomes _FREED once backward has used it (unless retain_graph).
    """
    __slots__ = ("kernel", "saved", "attrs", "edges", "needs", "xp", "pending", "n_out", "retained",
                 "__weakref__")

    def __init__(self, kernel, saved, attrs, edges, xp, n_out=1):
        self.kernel = kernel
        self.saved = saved
        self.attrs = attrs
        self.edges = edges
        self.needs = tuple(e is not None for e in edges)
        self.xp = xp
        self.pending = None
        self.n_out = n_out
        self.retained = None

    def name(self):
        name = getattr(self.kernel, "node_name", None)
        return name or self.kernel.name.title().replace("_", "") + "Backward0"

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"

    @property
    def next_functions(self):
        out = []
        for e in self.edges:
            if e is None or e.__class__ is Node:
                out.append((e, 0))
            elif e.__class__ is tuple:
                out.append(e)
            else:
                out.append(("AccumulateGrad", 0))
        return tuple(out)


def _edge(t):
    """Where the gradient of input `t` must go (see Node.edges)."""
    if t is None or not t.requires_grad:
        return None
    node = t.grad_fn
    if node is None:
        return t
    return node if node.n_out == 1 else (node, t._index)


def _deps(node):
    return [e if e.__class__ is Node else e[0] for e in node.edges
            if e is not None and (e.__class__ is Node or e.__class__ is tuple)]


def _fresh(g, gy):
    """True when `g` may become a leaf's .grad without a copy: nothing else holds it or its base.

    NOTE: the same test PyTorch's AccumulateGrad makes (the new grad's use count): a kernel may hand back
    gy itself or a view of it (add, reshape, concat), which must not be aliased into two .grad fields.
    """
    if g is gy:
        return False
    base = g.base
    if base is None:
        return True
    # g is a view; its base is referenced by g, by the local `base` and by getrefcount's argument only
    # when no one else holds it
    return base.base is None and base is not gy and _getrefcount(base) <= 3


def _accumulate(t, g, fresh):
    """Leaf gradient accumulation, as PyTorch's AccumulateGrad: store the first, add later ones in place."""
    if g.shape != t._array.shape:
        raise RuntimeError(f"Function returned an invalid gradient - got shape {tuple(g.shape)} "
                           f"but expected shape {tuple(t._array.shape)} for {t._describe()}")
    grad = t.grad
    if grad is None:
        t.grad = Tensor._wrap(g if fresh else g.copy())
    else:
        grad._array += g


def _deliver(edge, g, gy):
    """Hand gradient `g` along `edge`: into the producer's pending slot, or into a leaf's .grad."""
    cls = edge.__class__
    if cls is Node:
        p = edge.pending
        edge.pending = g if p is None else p + g  # never in place: p may alias another gradient
    elif cls is tuple:
        node, index = edge
        if node.pending is None:
            node.pending = [None] * node.n_out
        p = node.pending[index]
        node.pending[index] = g if p is None else p + g
    else:
        _accumulate(edge, g, _fresh(g, gy))


def run_backward(tensors, grads, retain_graph=False):
    """Backpropagate `grads` from `tensors` through the tape, in reverse topological order."""
    roots = []
    for t, g in zip(tensors, grads):
        edge = _edge(t)
        if edge is None:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        if edge is t:
            _accumulate(t, g, False)
            continue
        if t.grad_fn.saved is _FREED:
            raise RuntimeError(SECOND_BACKWARD)
        _deliver(edge, g, g)
        roots.append(t.grad_fn)
    with no_grad():
        for node in reversed(toposort(roots, _deps)):
            gy = node.pending
            node.pending = None
            saved = node.saved
            if saved is _FREED:
                raise RuntimeError(SECOND_BACKWARD)
            if gy is None:  # no gradient reached this node (e.g. an output nobody used)
                continue
            if node.n_out != 1:
                gy = tuple(gy)
            if node.retained is not None:
                _retain(node, gy)
            needs, edges, attrs = node.needs, node.edges, node.attrs
            if attrs is None:
                gxs = node.kernel.backward(node.xp, saved, gy, needs)
            else:
                gxs = node.kernel.backward(node.xp, saved, gy, needs, **attrs)
            if not retain_graph:
                node.saved = _FREED
                node.edges = ()
            for edge, g in zip(edges, gxs):
                if edge is not None and g is not None:
                    _deliver(edge, g, gy)


def _node_xp(inputs):
    for t in inputs:
        if t is not None:
            return _xp(t._array)
    return np


def _retain(node, gy):
    gys = gy if node.n_out != 1 else (gy,)
    for index, ref in node.retained:
        t = ref()
        if t is not None and gys[index] is not None:
            g = gys[index]
            if t.grad is None:
                t.grad = Tensor._wrap(g.copy())
            else:
                t.grad._array += g


# ---------------------------------------------------------------- recording an op

class ShapeMismatchError(ShapeError, RuntimeError):
    """A shape mismatch: the kernel's ShapeError, and a RuntimeError as PyTorch raises for one (so a
    script's `except RuntimeError` still catches it)."""


def _apply(kernel, inputs, arrays, attrs=None):
    """Run `kernel` forward on `arrays` (the data of `inputs`) and record a Node when a grad is needed."""
    xp = _node_xp(inputs)
    try:
        if attrs is None:
            y, saved = kernel.forward(xp, *arrays)
        else:
            y, saved = kernel.forward(xp, *arrays, **attrs)
    except Exception as e:
        raise explain_failure(kernel, arrays, attrs, e, ShapeMismatchError) from None
    if _GradMode.enabled:
        for t in inputs:
            if t is not None and t.requires_grad:
                return Tensor._result(y, Node(kernel, saved, attrs, tuple(map(_edge, inputs)), xp))
    return Tensor._result(y, None)


def _apply_multi(kernel, inputs, arrays, attrs=None):
    """As _apply for a kernel with several outputs (lstm, split): one Node, one Tensor per output."""
    xp = _node_xp(inputs)
    try:
        ys, saved = kernel.forward(xp, *arrays, **(attrs or {}))
    except Exception as e:
        raise explain_failure(kernel, arrays, attrs, e, ShapeMismatchError) from None
    node = None
    if _GradMode.enabled and any(t is not None and t.requires_grad for t in inputs):
        node = Node(kernel, saved, attrs, tuple(map(_edge, inputs)), xp, n_out=len(ys))
    outs = []
    for i, y in enumerate(ys):
        t = Tensor._result(y, node)
        t._index = i
        outs.append(t)
    return tuple(outs)


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
    __slots__ = ("_array", "requires_grad", "grad", "grad_fn", "_index", "__weakref__")

    def __init__(self, data=None, requires_grad=False):
        arr = np.zeros(0, np.float32) if data is None else data
        if isinstance(arr, Tensor):
            arr = arr._array
        elif not hasattr(arr, "__array_interface__") and not hasattr(arr, "__cuda_array_interface__"):
            arr = np.asarray(arr, dtype=np.float32)
        self._array = arr
        self.requires_grad = requires_grad
        self.grad = None
        self.grad_fn = None
        self._index = 0

    @classmethod
    def _wrap(cls, array):
        t = object.__new__(cls)
        t._array = array
        t.requires_grad = False
        t.grad = None
        t.grad_fn = None
        t._index = 0
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
        return t

    # ------------------------------------------------------------ attributes
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
        return Tensor._wrap(self._array)

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

    def type(self, dt):
        return self.to(dt)

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
        return matmul(tensor(other), self)

    add, sub, mul, div, matmul = __add__, __sub__, __mul__, __truediv__, __matmul__
    subtract, multiply, divide = __sub__, __mul__, __truediv__

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
        return self.pow(0.5)

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

    def mean(self, dim=None, keepdim=False):
        if self._array.dtype.kind != "f":
            raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating "
                               f"point or complex dtype. Got: {self.dtype.name.capitalize()}")
        if dim is None and not keepdim:
            return _apply(K.mean, (self,), (self._array,))
        return _apply(K.mean, (self,), (self._array,), {"axis": dim, "keepdims": keepdim})

    def argmax(self, dim=None, keepdim=False):
        xp = _xp(self._array)
        return Tensor._result(xp.argmax(self._array, axis=dim, keepdims=keepdim), None)

    def max(self, dim=None, keepdim=False):
        """Without dim: the largest value (no gradient: there is no max-reduce kernel)."""
        if dim is not None:
            raise NotImplementedError("max(dim=...) is not supported; use argmax")
        return Tensor._result(self._array.max(), None)

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
        if isinstance(index, Tensor):
            if index._array.dtype.kind in "iu" and self._array.ndim == 2:  # rows: the gather kernel
                return _apply(K.embedding, (self, None), (self._array, index._array))
            if index._array.dtype.kind in "iu" and not (self.requires_grad and _GradMode.enabled):
                return Tensor._wrap(self._array[index._array])
            raise IndexError("only integer tensors can index a tensor here (no boolean masks)")
        return _apply(K.slice, (self,), (self._array,), {"index": index})

    def __iter__(self):
        return iter(self.unbind(0))

    def __setitem__(self, index, value):
        """In-place assignment (not recorded): grad_h[h < 0] = 0 in the manual-gradient tutorial."""
        if _GradMode.enabled and self.requires_grad:
            raise RuntimeError(LEAF_INPLACE if self.grad_fn is None else
                               "in-place assignment into a tensor that requires grad is not recorded by this "
                               "engine; assign under torch.no_grad() or build a new tensor")
        if isinstance(index, Tensor):
            index = index._array
        elif isinstance(index, tuple):
            index = tuple(i._array if isinstance(i, Tensor) else i for i in index)
        self._array[index] = value._array if isinstance(value, Tensor) else value

    # ------------------------------------------------------------ in place
    def _inplace(self, kernel, other):
        """self <op>= other: truly in place when nothing records; otherwise PyTorch's rebinding semantics."""
        if _GradMode.enabled and (self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)):
            if self.requires_grad and self.grad_fn is None:
                raise RuntimeError(LEAF_INPLACE)
            out = _binary(kernel, self, other)
            self._array, self.grad_fn, self.requires_grad, self._index = \
                out._array, out.grad_fn, out.requires_grad, 0
            return self
        b = other._array if isinstance(other, Tensor) else other
        kernel.forward(_xp(self._array), self._array, b, out=self._array)
        return self

    def __iadd__(self, other):
        return self._inplace(K.add, other)

    def __isub__(self, other):
        return self._inplace(K.sub, other)

    def __imul__(self, other):
        return self._inplace(K.mul, other)

    def __itruediv__(self, other):
        return self._inplace(K.div, other)

    add_, sub_, mul_, div_ = __iadd__, __isub__, __imul__, __itruediv__

    def _check_inplace(self):
        if _GradMode.enabled and self.requires_grad and self.grad_fn is None:
            raise RuntimeError(LEAF_INPLACE)

    def zero_(self):
        self._check_inplace()
        self._array[...] = 0
        return self

    def fill_(self, value):
        self._check_inplace()
        self._array[...] = value
        return self

    def copy_(self, src):
        self._check_inplace()
        src = src._array if isinstance(src, Tensor) else src
        self._array[...] = _xp(self._array).asarray(src)
        return self

    def clone(self):
        return self + 0 if self.requires_grad and _GradMode.enabled else Tensor._wrap(self._array.copy())

    def uniform_(self, a=0.0, b=1.0, generator=None):
        from .random import default_generator
        self._check_inplace()
        g = generator or default_generator
        self._array[...] = _xp(self._array).asarray(g.uniform(a, b, self._array.shape))
        return self

    def normal_(self, mean=0.0, std=1.0, generator=None):
        from .random import default_generator
        self._check_inplace()
        g = generator or default_generator
        self._array[...] = _xp(self._array).asarray(g.normal(mean, std, self._array.shape))
        return self


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
    """a @ b through the shared matmul kernel; a mismatch raises a ShapeError naming both shapes."""
    return _apply(K.matmul, (a, b), (a._array, b._array))


def linear(x, weight, bias=None):
    """x @ weight.T (+ bias); weight is (out, in) as in torch, used through a transposed view."""
    y = _apply(K.matmul, (x, weight), (x._array, weight._array), _TRANSPOSE_B)
    return y if bias is None else _apply(K.add, (y, bias), (y._array, bias._array))


_TRANSPOSE_B = {"transpose_b": True}


def cat(tensors, dim=0):
    tensors = tuple(tensors)
    return _apply(K.concat, tensors, tuple(t._array for t in tensors), {"axis": dim})


concat = cat


def stack(tensors, dim=0):
    return cat([t.unsqueeze(dim) for t in tensors], dim)


def _factory_array(xp, shape, dt, fill):
    shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    dt = _np_dtype(dt) or np.dtype(np.float32)
    return xp.full(tuple(shape), fill, dtype=dt) if fill is not None else xp.empty(tuple(shape), dtype=dt)


def _leaf(array, requires_grad):
    t = Tensor._wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new leaf tensor copied from data (nested lists, numbers, arrays, tensors)."""
    xp = _xp_for(device)
    if isinstance(data, Tensor):
        data = to_numpy(data._array)
    arr = np.array(to_numpy(data) if not isinstance(data, (list, tuple, int, float, bool)) else data)
    if dtype is None and arr.dtype == np.float64 and not isinstance(data, np.ndarray):
        arr = arr.astype(np.float32)  # Python floats default to float32, as torch's default dtype
    if dtype is not None:
        arr = arr.astype(_np_dtype(dtype))
    return _leaf(xp.asarray(arr) if xp is not np else arr, requires_grad)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    if isinstance(data, np.ndarray) and device in (None, "cpu") and dtype is None:
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray):
    """A tensor sharing memory with the NumPy array."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    return Tensor._wrap(ndarray)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _leaf(_factory_array(_xp_for(device), size, dtype, 0), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _leaf(_factory_array(_xp_for(device), size, dtype, 1), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    return _leaf(_factory_array(_xp_for(device), (size,), dtype, fill_value), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    return _leaf(_factory_array(_xp_for(device), size, dtype, None), requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    return zeros(t._array.shape, dtype=dtype or t._array.dtype, device=t.device, requires_grad=requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return ones(t._array.shape, dtype=dtype or t._array.dtype, device=t.device, requires_grad=requires_grad)


def arange(*args, dtype=None, device=None):
    arr = np.arange(*args)
    if dtype is not None:
        arr = arr.astype(_np_dtype(dtype))
    xp = _xp_for(device)
    return Tensor._wrap(xp.asarray(arr) if xp is not np else arr)
