"""nd: the imperative NDArray over xp (NumPy or CuPy) and the eager form of every op in ops.py."""
import math
import sys
import zipfile

import numpy

from .. import kernels as K
from . import autograd
from .autograd import invoke
from .base import MXNetError
from .context import Context, as_context, current_context, cpu
from .ops import N_OUTPUTS, OPS, attrs_from_positions


class _OneElement(numpy.ndarray):
    """What asnumpy() gives for a one-element array (a full reduction's (1,), a loss of batch 1): an ndarray
    that converts to a Python number as NumPy 1.x's did. MXNet 1.x ran on NumPy < 2, so its programs print
    `'%f' % loss.mean().asnumpy()` or take `float(acc.asnumpy())`; NumPy 2 refuses both for ndim > 0."""

    def __float__(self):
        return float(self.reshape(()).view(numpy.ndarray))

    def __int__(self):
        return int(self.reshape(()).view(numpy.ndarray))

    def __complex__(self):
        return complex(self.reshape(()).view(numpy.ndarray))

    def __repr__(self):
        return repr(self.view(numpy.ndarray))


def _same_kind(arr, other):
    """A Python float operand of an integer array as MXNet's kernels take it, DType(scalar): truncated."""
    return int(other) if type(other) is float and arr._data.dtype.kind in "iu" else other


class NDArray:
    """An n-dimensional array on a Context; ops on it run at once and are recorded under record()."""
    __slots__ = ("_data", "_ctx", "_node", "_idx", "_grad", "_grad_req", "_fresh_grad", "__weakref__")
    __array_priority__ = 1000  # numpy scalars on the left defer to our operators

    def __init__(self, data, ctx=None):
        self._data = data
        self._ctx = ctx if ctx is not None else current_context()
        self._node = None
        self._idx = 0
        self._grad = None
        self._grad_req = "null"
        self._fresh_grad = False  # set by backward, cleared by Trainer.step (its stale-gradient check)

    # ------------------------------------------------------------ attributes
    @property
    def shape(self):
        return self._data.shape

    @property
    def dtype(self):
        # MXNet's dtype is the NumPy scalar type (numpy.float32), not a numpy.dtype: x.dtype.__name__ and
        # x.dtype == np.float32 as MXNet programs write them
        return self._data.dtype.type

    @property
    def size(self):
        return self._data.size

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def context(self):
        return self._ctx

    ctx = context

    @property
    def grad(self):
        return self._grad

    @property
    def T(self):
        return transpose(self)

    def __len__(self):
        return self._data.shape[0]

    def __repr__(self):
        body = numpy.array2string(self.asnumpy(), separator=" ")
        return f"\n{body}\n<NDArray {'x'.join(map(str, self.shape))} @{self._ctx}>"

    # ------------------------------------------------------------ copies and conversion
    def asnumpy(self):
        out = K.to_numpy(self._data).copy()
        return out.view(_OneElement) if out.size == 1 and out.ndim else out

    def asscalar(self):
        """The one element as a NumPy scalar of the array's dtype, as MXNet's asnumpy()[0] (an int32 array
        gives numpy.int32); ValueError for any other size."""
        data = self._data
        if data.size != 1:
            raise ValueError(f"The current array is not a scalar (shape {self.shape})")
        if type(data) is not numpy.ndarray:
            data = K.to_numpy(data)
        # indexing gives a NumPy scalar, a copy (item() would convert it to a Python number at ~3x the cost)
        return data[(0,) * data.ndim]

    def as_in_context(self, context):
        context = as_context(context)
        if context == self._ctx:
            return self
        return NDArray(context.xp.asarray(K.to_numpy(self._data)), context)

    def copyto(self, other):
        if isinstance(other, Context):
            return NDArray(other.xp.array(K.to_numpy(self._data)), other)
        other[:] = self
        return other

    def copy(self):
        return NDArray(self._data.copy(), self._ctx)

    def detach(self):
        return NDArray(self._data, self._ctx)

    def __reduce__(self):
        # pickle.dumps(a) / copy.deepcopy(a), as MXNet's NDArray allows: the values and the context
        return _unpickle, (self.asnumpy(), self._ctx.device_type, self._ctx.device_id)

    def wait_to_read(self):
        K.synchronize(self._ctx.xp)

    # ------------------------------------------------------------ autograd
    def attach_grad(self, grad_req="write", stype=None):
        """Allocate .grad (zeros) and mark this array as a leaf that backward() writes gradients to."""
        if grad_req not in ("write", "add", "null"):
            raise ValueError(f"grad_req must be 'write', 'add' or 'null', got {grad_req!r}")
        self._grad = NDArray(self._ctx.xp.zeros_like(self._data), self._ctx)
        self._grad_req = grad_req
        self._node = None
        autograd.GRAD_REQ_EPOCH[0] += 1

    # backward(out_grad=None, retain_graph=False, train_mode=True): the gradients of this array w.r.t. every
    # leaf it was computed from under record(); autograd's walk itself as the method (no call in between)
    backward = autograd._backward

    # ------------------------------------------------------------ indexing
    def __getitem__(self, key):
        if isinstance(key, NDArray):
            key = _positions(key)
        elif type(key) is tuple and any(isinstance(k, NDArray) for k in key):
            key = _index_arrays(key)
        for ax, k in enumerate(key if type(key) is tuple else (key,)):
            # MXNet's IndexError (iterating an NDArray stops on it, as a list's does)
            if type(k) is int and ax < self._data.ndim and not -self._data.shape[ax] <= k < self._data.shape[ax]:
                raise IndexError(f"index {k} is out of bounds for axis {ax} with size {self._data.shape[ax]}")
        # (one element comes back as shape (1,), MXNet 1.x's: invoke gives no 0-d NDArray)
        return invoke(K.slice, (self,), {"index": key})

    def __setitem__(self, key, value):
        value = value._data if isinstance(value, NDArray) else value
        if isinstance(key, NDArray):
            key = _positions(key)
        elif type(key) is tuple and any(isinstance(k, NDArray) for k in key):
            key = _index_arrays(key)
        try:
            self._data[key] = value
        except ValueError:
            # MXNet 1.x has no 0-d arrays: x[i] is shape (1,), so x[i] += 1 stores a (1,) array into one
            # element; a value of the target's size fills it, anything else is MXNet's shape error
            target = self._data[key].shape
            if getattr(value, "size", None) != math.prod(target):
                raise MXNetError(f"__setitem__: cannot assign a value of shape {getattr(value, 'shape', '?')} "
                                 f"to the indexed region of shape {target}") from None
            self._data[key] = value.reshape(target)

    # ------------------------------------------------------------ operators
    # an integer array computes in its own dtype, as MXNet's scalar and elementwise kernels (DType(scalar)):
    # int32 + 1.5 adds 1 (_same_kind), and int32 / 2 divides as C does (7 / 2 = 3), where NumPy would give
    # float64
    def __add__(self, other):
        return invoke(K.add, (self, _same_kind(self, other)), {})

    __radd__ = __add__

    def __sub__(self, other):
        return invoke(K.sub, (self, _same_kind(self, other)), {})

    def __rsub__(self, other):
        return invoke(K.sub, (_same_kind(self, other), self), {})

    def __mul__(self, other):
        return invoke(K.mul, (self, _same_kind(self, other)), {})

    __rmul__ = __mul__

    def __truediv__(self, other):
        if self._data.dtype.kind in "iu":
            return self._int_div(self, other)
        return invoke(K.div, (self, other), {})

    def __rtruediv__(self, other):
        if self._data.dtype.kind in "iu":
            return self._int_div(other, self)
        return invoke(K.div, (other, self), {})

    def _int_div(self, a, b):
        """C's integer division in the integer array's dtype (truncating toward zero); no gradient, as
        integer arrays carry none."""
        xp = self._ctx.xp
        a, b = (x._data if isinstance(x, NDArray) else int(x) for x in (a, b))
        q = (xp.abs(a) // xp.abs(b)) * (xp.sign(a) * xp.sign(b))
        return NDArray(xp.asarray(q).astype(self._data.dtype), self._ctx)

    def __pow__(self, exponent):
        if isinstance(exponent, NDArray):
            return broadcast_power(self, exponent)  # noqa: F821  (filed from OPS below)
        return invoke(K.pow, (self,), {"exponent": exponent})

    def __rpow__(self, base):
        return _rpower_scalar(self, scalar=base)  # noqa: F821

    def __neg__(self):
        return invoke(K.neg, (self,), {})

    # in-place updates write the data directly and are never recorded (as MXNet outside record())
    def _inplace(self, other, ufunc):
        other = other._data if isinstance(other, NDArray) else other
        if self._data.ndim:
            ufunc(self._data, other, out=self._data)
        else:   # a 0-d result (a full reduction) may be held as a NumPy scalar, which has no `out=`
            self._data = self._ctx.xp.asarray(ufunc(self._data, other), dtype=self._data.dtype)
        return self

    def __iadd__(self, other):
        return self._inplace(other, self._ctx.xp.add)

    def __isub__(self, other):
        return self._inplace(other, self._ctx.xp.subtract)

    def __imul__(self, other):
        return self._inplace(other, self._ctx.xp.multiply)

    def __itruediv__(self, other):
        if self._data.dtype.kind in "iu":
            self._data[...] = self._int_div(self, other)._data
            return self
        return self._inplace(other, self._ctx.xp.divide)

    def __imod__(self, other):
        return self._inplace(other, self._ctx.xp.mod)

    def _compare(self, other, fn):
        if other is None:   # MXNet's _ufunc_helper: a type that is neither a number nor an NDArray
            raise TypeError(f"type {type(other)} not supported")
        other = other._data if isinstance(other, NDArray) else other
        return NDArray(fn(self._data, other).astype(self._data.dtype), self._ctx)

    def __gt__(self, other):
        return self._compare(other, lambda a, b: a > b)

    def __lt__(self, other):
        return self._compare(other, lambda a, b: a < b)

    def __eq__(self, other):
        return self._compare(other, lambda a, b: a == b)

    def __ne__(self, other):
        return self._compare(other, lambda a, b: a != b)

    def __ge__(self, other):
        return self._compare(other, lambda a, b: a >= b)

    def __le__(self, other):
        return self._compare(other, lambda a, b: a <= b)

    def __abs__(self):
        return abs(self)

    def __mod__(self, other):
        return broadcast_mod(self, other) if isinstance(other, NDArray) else _mod_scalar(self, scalar=other)  # noqa: F821

    def __rmod__(self, other):
        return _rmod_scalar(self, scalar=other)  # noqa: F821

    __hash__ = object.__hash__

    # ------------------------------------------------------------ methods mirroring nd functions
    def reshape(self, *shape, **kwargs):
        """reshape(2, 3), reshape((2, 3)) or reshape(shape=...), with MXNet's codes (0, -1, -2, -3, -4);
        reverse=True reads the codes from the right (d2l's multi-head attention splits heads that way)."""
        unknown = [k for k in kwargs if k not in ("shape", "reverse")]
        if unknown:
            raise TypeError(f"Got unknown keywords in reshape: {', '.join(unknown)}. Accepted keyword "
                            f"arguments are 'shape' and 'reverse'.")
        shape = kwargs.get("shape", shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape)
        return reshape(self, shape=tuple(shape), reverse=kwargs.get("reverse", False))

    def sum(self, axis=None, keepdims=False, exclude=False):
        return sum(self, axis=axis, keepdims=keepdims, exclude=exclude)

    def mean(self, axis=None, keepdims=False, exclude=False):
        return mean(self, axis=axis, keepdims=keepdims, exclude=exclude)

    def relu(self):
        return relu(self)

    def square(self):
        return square(self)

    def exp(self):
        return exp(self)

    def log(self):
        return log(self)

    def flatten(self):
        return Flatten(self)

    def take(self, indices, axis=0):
        return take(self, indices, axis=axis)

    def argmax(self, axis=None, keepdims=False):
        """Indices of the maxima, as float32 like MXNet (not differentiable)."""
        return argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims=False):
        return argmin(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return min(self, axis=axis, keepdims=keepdims)

    def abs(self):
        return abs(self)

    def sqrt(self):
        return sqrt(self)

    def sigmoid(self):
        return sigmoid(self)

    def tanh(self):
        return tanh(self)

    def softmax(self, axis=-1):
        return softmax(self, axis=axis)

    def log_softmax(self, axis=-1):
        return log_softmax(self, axis=axis)

    def norm(self, ord=2, axis=None, keepdims=False):
        return norm(self, ord=ord, axis=axis, keepdims=keepdims)

    def clip(self, a_min, a_max):
        return clip(self, a_min=a_min, a_max=a_max)

    def expand_dims(self, axis):
        return expand_dims(self, axis=axis)

    def squeeze(self, axis=None):
        return squeeze(self, axis=axis)

    def transpose(self, axes=None):
        return transpose(self, axes=axes)

    def broadcast_to(self, shape):
        return broadcast_to(self, shape=shape)

    def tile(self, reps):
        return tile(self, reps=reps)

    def one_hot(self, depth, **kwargs):
        return one_hot(self, depth=depth, **kwargs)

    def pick(self, index, axis=-1, keepdims=False):
        return pick(self, index, axis=axis, keepdims=keepdims)

    def split(self, num_outputs, axis=1, squeeze_axis=False):
        return split(self, num_outputs=num_outputs, axis=axis, squeeze_axis=squeeze_axis)

    def slice_axis(self, axis, begin, end):
        return slice_axis(self, axis=axis, begin=begin, end=end)

    def zeros_like(self):
        return zeros_like(self)

    def ones_like(self):
        return ones_like(self)

    @property
    def stype(self):
        """The storage type: always 'default' (dense) here."""
        return "default"

    def tostype(self, stype):
        """A dense copy; the sparse storage types ('csr', 'row_sparse') are not supported."""
        if stype != "default":
            raise MXNetError(f"tostype: storage type {stype!r} is not supported (sparse arrays are not); "
                             "use the dense array")
        return self.copy()

    def split_v2(self, indices_or_sections, axis=0, squeeze_axis=False):
        return split_v2(self, indices_or_sections, axis=axis, squeeze_axis=squeeze_axis)

    def astype(self, dtype, copy=True):
        """A copy as `dtype`; with copy=False the array itself when it already has that dtype (MXNet's)."""
        if not copy and numpy.dtype(dtype) == self._data.dtype:
            return self
        return NDArray(self._data.astype(dtype), self._ctx)

    def tolist(self):
        return self.asnumpy().tolist()

    def __float__(self):
        return float(self.asscalar())

    def __int__(self):
        return int(self.asscalar())

    def __bool__(self):
        if self._data.size != 1:
            raise ValueError("The truth value of an NDArray with multiple elements is ambiguous.")
        return bool(self._data.item())


def _index_arrays(key):
    """A tuple index with NDArrays in it (x[:, :, ind]): each as integer positions, as MXNet's advanced
    indexing reads its (float32) index arrays."""
    return tuple(_positions(k) if isinstance(k, NDArray) else k for k in key)


def _positions(index):
    data = index._data
    return data.astype("int64") if data.dtype.kind == "f" else data


def _wrap(data, ctx):
    """NDArray(data, ctx) by object.__new__ and slot stores, with __init__'s defaults: a class call
    with __init__ enters the interpreter a second time, and every op result and nd.array is one."""
    a = _new(NDArray)
    a._data = data
    a._ctx = ctx
    a._node = None
    a._idx = 0
    a._grad = None
    a._grad_req = "null"
    a._fresh_grad = False
    return a


_new = object.__new__


def _unpickle(values, device_type, device_id):
    ctx = Context(device_type, device_id)
    return NDArray(ctx.xp.asarray(values), ctx)
autograd._NDArray, autograd._wrap = NDArray, _wrap


class _Eager:
    """The emitter that runs each kernel at once (see ops.py)."""

    @staticmethod
    def call(kernel, inputs, attrs):
        return invoke(kernel, inputs, attrs)

    @staticmethod
    def shape(value):
        return value.shape

    @staticmethod
    def zeros(shape, dtype, like):
        return NDArray(like._ctx.xp.zeros(shape, dtype=dtype), like._ctx)

    @staticmethod
    def nograd(fn, inputs, shape):
        ctx = next(x._ctx for x in inputs if type(x) is NDArray) if inputs else current_context()
        y = fn(ctx.xp, *[x._data if type(x) is NDArray else x for x in inputs])
        # no 0-d NDArray in MXNet 1.x (argmax without an axis gives shape (1,)), as invoke's results
        return NDArray(y if y.ndim else y[None], ctx)

    @staticmethod
    def draw(stream):
        return stream.next_counter(), stream.seed_value

    @property
    def training(self):
        return autograd._STATE.mode[1]


EAGER = _Eager()


def _eager(name, fn):
    n_inputs = len(fn.input_names) if fn.positional_attrs else 1 << 30

    def f(*args, **kwargs):
        if kwargs:
            kwargs.pop("name", None)  # MXNet accepts name= everywhere; it names nothing here
            out = kwargs.pop("out", None)
            if out is not None:   # MXNet's out=: the result written into an existing array
                out[:] = f(*args, **kwargs)
                return out
        if len(args) > n_inputs:
            args, kwargs = attrs_from_positions(fn, args, kwargs)
        return fn(EAGER, *args, **kwargs)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = fn.__doc__
    return f


def _listed(f):
    """A multi-output op's results as a list, as MXNet's generated nd functions return them; one output
    (split with num_outputs=1) comes back as that NDArray, as MXNet's _imperative_invoke returns it."""
    def g(*args, **kwargs):
        r = f(*args, **kwargs)
        if type(r) is tuple:
            return r[0] if len(r) == 1 else list(r)
        return r
    g.__name__ = g.__qualname__ = f.__name__
    g.__doc__ = f.__doc__
    return g


_module = sys.modules[__name__]
for _name, _fn in OPS.items():
    setattr(_module, _name, _listed(_eager(_name, _fn)) if _name in N_OUTPUTS else _eager(_name, _fn))
_METHOD_OPS = {n: getattr(_module, n) for n, f in OPS.items()
               if n[0].islower() and (f.input_names or not f.positional_attrs)}


def _method(fn):
    """x.op(*a) = nd.op(x, *a): the rest of MXNet's NDArray methods, as class attributes (a __getattr__
    would turn off CPython's fast slot reads of every NDArray attribute)."""
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


for _name, _fn in _METHOD_OPS.items():
    if not hasattr(NDArray, _name):
        setattr(NDArray, _name, _method(_fn))


def Custom(*args, op_type, out=None, name=None, **kwargs):  # noqa: N802  (MXNet's name)
    """The custom operator registered as `op_type` (mx.operator.register), its inputs by position or by
    argument name, the other keywords its attributes."""
    from .operator import custom_inputs
    inputs, attrs = custom_inputs(op_type, args, kwargs)
    result = OPS["Custom"](EAGER, *inputs, op_type=op_type, **attrs)
    if type(result) is tuple:   # several outputs: a list, as MXNet's
        result = list(result)
    if out is not None:
        out[:] = result
        return out
    return result


# ---------------------------------------------------------------- creation

_FLOAT32 = numpy.dtype(numpy.float32)


def array(source_array, ctx=None, dtype=None):
    """An NDArray copied from a list, a NumPy array or another NDArray: dtype float32 unless given, or
    the source's own when it is an NDArray (MXNet's mx_real_t default; a NumPy array's dtype is not kept)."""
    if type(ctx) is not Context:   # (a Context as given: no call, this runs for every batch)
        ctx = as_context(ctx)
    if type(source_array) is numpy.ndarray:
        xp = ctx.xp
        if xp is numpy and dtype is None and source_array.dtype is _FLOAT32:
            data = source_array.copy()   # the usual batch: numpy.array's dtype keyword costs more
        else:
            data = xp.array(source_array, dtype=numpy.float32 if dtype is None else dtype)
        return _wrap(data, ctx)
    if isinstance(source_array, NDArray):
        if dtype is None:
            dtype = source_array.dtype
        source_array = K.to_numpy(source_array._data)
    return NDArray(ctx.xp.array(source_array, dtype=numpy.float32 if dtype is None else dtype), ctx)


def zeros(shape, ctx=None, dtype="float32", **kwargs):
    ctx = as_context(ctx)
    return NDArray(ctx.xp.zeros(shape, dtype=dtype), ctx)


def ones(shape, ctx=None, dtype="float32", **kwargs):
    ctx = as_context(ctx)
    return NDArray(ctx.xp.ones(shape, dtype=dtype), ctx)


def full(shape, val, ctx=None, dtype="float32"):
    ctx = as_context(ctx)
    return NDArray(ctx.xp.full(shape, val, dtype=dtype), ctx)


def arange(start, stop=None, step=1.0, repeat=1, infer_range=None, ctx=None, dtype="float32"):
    """start, start + step, ... below stop (MXNet's argument order), each value `repeat` times."""
    ctx = as_context(ctx)
    values = ctx.xp.arange(start, stop, step, dtype=dtype)
    return NDArray(ctx.xp.repeat(values, repeat) if repeat != 1 else values, ctx)


def empty(shape, ctx=None, dtype="float32"):
    """A new array (zero-filled here: MXNet leaves it uninitialized)."""
    return zeros(shape, ctx=ctx, dtype=dtype)


def linspace(start, stop, num, endpoint=True, ctx=None, dtype="float32"):
    ctx = as_context(ctx)
    return NDArray(ctx.xp.linspace(start, stop, num, endpoint=endpoint, dtype=dtype), ctx)


def eye(N, M=0, k=0, ctx=None, dtype="float32", **kwargs):
    ctx = as_context(ctx)
    return NDArray(ctx.xp.eye(N, M or None, k, dtype=dtype), ctx)


def moveaxis(tensor, source, destination):
    """tensor with axis `source` moved to position `destination`."""
    axes = [a for a in range(tensor.ndim) if a != source % tensor.ndim]
    axes.insert(destination % tensor.ndim, source % tensor.ndim)
    return transpose(tensor, axes=tuple(axes))


def concatenate(arrays, axis=0, always_copy=True):
    return concat(*arrays, dim=axis)


def waitall():
    """Wait for all pending device work (timing loops call it)."""
    K.synchronize(cpu().xp)
    if K.gpu_available():
        K.synchronize(K.get_xp("gpu"))


def save(fname, data):
    """Save an NDArray, a list or a dict of NDArrays to `fname` (NumPy's .npz format, no pickle)."""
    if isinstance(data, NDArray):
        data = [data]
    if isinstance(data, (list, tuple)):
        data = {f"__list__{i}": v for i, v in enumerate(data)}
    save_arrays(fname, {k: v.asnumpy() for k, v in data.items()})


def load(fname, ctx=None):
    """What save() wrote: a list or a dict of NDArrays."""
    arrays = {k: array(v, ctx=ctx, dtype=v.dtype) for k, v in load_arrays(fname).items()}
    if arrays and all(k.startswith("__list__") for k in arrays):
        return [arrays[f"__list__{i}"] for i in range(len(arrays))]
    return arrays


def save_arrays(filename, arrays):
    """name -> NumPy array into `filename` exactly as named (NumPy's .npz format, no pickle)."""
    with open(filename, "wb") as f:
        numpy.savez(f, **arrays)


def load_arrays(filename):
    """What save_arrays wrote; a missing, truncated or foreign file raises MXNetError naming it."""
    try:
        # our own handle: numpy.load leaves the one it opens unclosed when the archive turns out truncated
        with open(filename, "rb") as fh:
            f = numpy.load(fh, allow_pickle=False)
            if not hasattr(f, "files"):
                raise ValueError("a bare array, not an archive of named arrays")
            with f:
                return {k: f[k] for k in f.files}
    except FileNotFoundError:
        raise MXNetError(f"Failed to open file '{filename}': no such file") from None
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as e:
        raise MXNetError(f"Invalid NDArray file format: '{filename}' is not a file written by save_parameters, "
                         f"export or nd.save, or it is truncated ({type(e).__name__}: {e})") from None


class _Random:
    """nd.random: draws from one seeded host generator (mx.random.seed), then moves to the device;
    Dropout masks and the initializers draw from it too."""

    def __init__(self):
        self.rs = numpy.random.RandomState(0)
        self.stream = K.random.Stream(0)   # Dropout's masks: the kernels' counter-based generator

    def seed(self, seed_state, ctx="all"):
        self.rs = numpy.random.RandomState(seed_state)
        self.stream.seed(seed_state)

    def _draw(self, method, params, shape, ctx, dtype, out):
        """rs.<method>(*params) as an NDArray: with NDArray parameters (MXNet's sample_* form) one draw of
        `shape` per parameter entry, shape param.shape + shape; out= receives it."""
        arrays = [p for p in params if isinstance(p, NDArray)]
        shape = () if shape is None else (tuple(shape) if isinstance(shape, (tuple, list)) else (shape,))
        if arrays:
            ctx = ctx or arrays[0]._ctx
            lead = arrays[0].shape
            params = [p.asnumpy().reshape(lead + (1,) * len(shape)) if isinstance(p, NDArray) else p for p in params]
            shape = lead + shape
        elif not shape:
            shape = (1,)
        if dtype is None:
            dtype = arrays[0].dtype if arrays else "float32"
        result = array(getattr(self.rs, method)(*params, size=shape), ctx=ctx, dtype=dtype)
        if out is not None:
            out[:] = result
            return out
        return result

    def normal(self, loc=0, scale=1, shape=None, ctx=None, dtype=None, out=None, **kwargs):
        return self._draw("normal", (loc, scale), shape, ctx, dtype, out)

    def uniform(self, low=0, high=1, shape=None, ctx=None, dtype=None, out=None, **kwargs):
        return self._draw("uniform", (low, high), shape, ctx, dtype, out)

    def exponential(self, scale=1, shape=None, ctx=None, dtype=None, out=None, **kwargs):
        """Draws with mean `scale` (1 / lambda)."""
        return self._draw("exponential", (scale,), shape, ctx, dtype, out)

    def gamma(self, alpha=1, beta=1, shape=None, ctx=None, dtype=None, out=None, **kwargs):
        """Gamma with shape `alpha` and scale `beta`."""
        return self._draw("gamma", (alpha, beta), shape, ctx, dtype, out)

    def poisson(self, lam=1, shape=None, ctx=None, dtype=None, out=None, **kwargs):
        return self._draw("poisson", (lam,), shape, ctx, dtype, out)

    def negative_binomial(self, k=1, p=1, shape=None, ctx=None, dtype=None, out=None, **kwargs):
        """Failures before the k-th success, success probability p."""
        return self._draw("negative_binomial", (k, p), shape, ctx, dtype, out)

    def generalized_negative_binomial(self, mu=1, alpha=1, shape=None, ctx=None, dtype=None, out=None, **kwargs):
        """Negative binomial with mean mu and dispersion alpha (a Poisson of a gamma-distributed rate)."""
        mu_, alpha_ = (p.asnumpy() if isinstance(p, NDArray) else p for p in (mu, alpha))
        lam = self._draw("gamma", (1.0 / numpy.asarray(alpha_), numpy.asarray(mu_) * alpha_), shape, ctx,
                         "float64", None)
        return self._draw("poisson", (lam,), None, ctx, dtype or "float32", out)

    def randn(self, *shape, loc=0, scale=1, ctx=None, dtype="float32", **kwargs):
        return self.normal(loc, scale, shape=shape, ctx=ctx, dtype=dtype)

    def randint(self, low, high, shape=(1,), ctx=None, dtype="int32", **kwargs):
        return array(self.rs.randint(low, high, size=shape), ctx=ctx, dtype=dtype)

    def shuffle(self, data, **kwargs):
        """A copy of `data` with its rows (first axis) in random order."""
        return NDArray(data._data[data._ctx.xp.asarray(self.rs.permutation(data.shape[0]))], data._ctx)

    def multinomial(self, data, shape=None, get_prob=False, dtype="int32", **kwargs):
        p = data.asnumpy()
        n = 1 if shape is None else int(numpy.prod(shape))
        flat = p.reshape(-1, p.shape[-1])
        draws = numpy.stack([self.rs.choice(p.shape[-1], size=n, p=row / row.sum()) for row in flat])
        out_shape = p.shape[:-1] + (() if shape is None else tuple(numpy.atleast_1d(shape)))
        out_shape = out_shape or (1,)   # one distribution, no shape: MXNet's (1,) (no 0-d arrays in 1.x)
        samples = array(draws.reshape(out_shape), ctx=data._ctx, dtype=dtype)
        if not get_prob:
            return samples
        # log p(sample), differentiable in data (REINFORCE's score: example/gluon/actor_critic)
        probs = data
        for _ in range(len(out_shape) - len(p.shape[:-1])):
            probs = probs.expand_dims(-2)
        probs = probs.broadcast_to(out_shape + p.shape[-1:])
        return [samples, pick(probs, samples.astype(data.dtype), axis=-1).log()]   # a list, as MXNet's


random = _Random()
random_normal = normal = sample_normal = random.normal
random_uniform = uniform = sample_uniform = random.uniform
random_exponential = sample_exponential = random.exponential
random_gamma = sample_gamma = random.gamma
random_poisson = sample_poisson = random.poisson
random_negative_binomial = sample_negative_binomial = random.negative_binomial
random_generalized_negative_binomial = sample_generalized_negative_binomial = random.generalized_negative_binomial
random_randint = random.randint
sample_multinomial = random.multinomial
shuffle = random.shuffle

from .ndarray_api import (UPDATE_OPS, adam_update, histogram, logical_and, logical_or, logical_xor,  # noqa: E402,F401
                          modulo, nag_mom_update, namespaces, onehot_encode, rmsprop_update, rmspropalex_update,
                          sgd_mom_update, sgd_update, split_v2, true_divide)

linalg, _internal, op, sparse = namespaces(_module, "nd")
from .contrib import nd_contrib as contrib  # noqa: E402
for _name in [n for n in OPS if n.startswith("_contrib_")]:   # MXNet's _contrib_X ops are nd.contrib.X
    setattr(contrib, _name[len("_contrib_"):], getattr(_module, _name))

__all__ = ["NDArray", "array", "zeros", "ones", "full", "arange", "empty", "linspace", "eye", "moveaxis",
           "concatenate", "random", "save", "load", "cpu", "waitall", "linalg", "op", "modulo", "true_divide",
           "logical_and", "logical_or", "logical_xor", "onehot_encode", "histogram", "sample_multinomial", "normal",
           "uniform"] + list(UPDATE_OPS) + list(OPS)
