"""Gluon's Parameter (an NDArray plus its gradient, initialized now or deferred until the first
forward pass infers its shape) and ParameterDict."""
import warnings

import numpy

from .. import autograd, initializer, symbol
from ... import kernels as K
from ..base import MXNetError
from ..context import as_context
from ..ndarray import NDArray, load_arrays, save_arrays
from ..ndarray import array as nd_array


# bumped whenever a Parameter's lr_mult or wd_mult is set: a Trainer regroups its parameters by multiplier
# only when this moved (one compare per step otherwise)
MULT_EPOCH = [0]


class DeferredInitializationError(MXNetError):
    """A Parameter's data was asked for before the first forward pass gave it a shape (an MXNetError, as
    MXNet's: `except MXNetError` around net[0].weight.data() catches it)."""


class Parameter:
    """A weight of a Block: data() and grad() NDArrays, grad_req 'write' | 'add' | 'null'."""

    def __init__(self, name, grad_req="write", shape=None, dtype="float32", lr_mult=1.0, wd_mult=1.0, init=None,
                 allow_deferred_init=False, differentiable=True, **kwargs):
        self.name = name
        self._lr_mult, self._wd_mult = float(lr_mult), float(wd_mult)
        if (lr_mult, wd_mult) != (1.0, 1.0):
            MULT_EPOCH[0] += 1
        self._shape = None if shape is None else tuple(shape)
        self.dtype = dtype
        self.init = init
        self.allow_deferred_init = allow_deferred_init
        self._grad_req = grad_req if differentiable else "null"
        self._data = None
        self._deferred_init = ()  # (init, ctx) while waiting for the shape
        self._var = None

    def __repr__(self):
        return f"Parameter {self.name} (shape={self.shape}, dtype={self.dtype})"

    @property
    def shape(self):
        return self._shape

    @shape.setter
    def shape(self, new_shape):
        if self._shape is not None and len(self._shape) == len(new_shape) and all(
                a in (0, b) for a, b in zip(self._shape, new_shape)):
            self._shape = tuple(new_shape)
            return
        if self._shape is None:
            self._shape = tuple(new_shape)
            return
        raise ValueError(f"Expected shape {new_shape} is incompatible with given shape {self._shape} "
                         f"for Parameter '{self.name}'")

    @property
    def lr_mult(self):
        """This parameter's learning rate is the optimizer's times lr_mult (Trainer reads it every step)."""
        return self._lr_mult

    @lr_mult.setter
    def lr_mult(self, value):
        self._lr_mult = float(value)
        MULT_EPOCH[0] += 1

    @property
    def wd_mult(self):
        """This parameter's weight decay is the optimizer's wd times wd_mult."""
        return self._wd_mult

    @wd_mult.setter
    def wd_mult(self, value):
        self._wd_mult = float(value)
        MULT_EPOCH[0] += 1

    @property
    def grad_req(self):
        return self._grad_req

    @grad_req.setter
    def grad_req(self, req):
        if req not in ("write", "add", "null"):
            raise ValueError(f"grad_req must be one of 'write', 'add', or 'null', but got '{req}'")
        self._grad_req = req
        if self._data is not None:
            self._attach()

    def _attach(self):
        if self._grad_req == "null":
            self._data._grad, self._data._grad_req = None, "null"
            autograd.GRAD_REQ_EPOCH[0] += 1
        else:
            self._data.attach_grad(self._grad_req)

    # ------------------------------------------------------------ initialization
    def initialize(self, init=None, ctx=None, default_init=None, force_reinit=False):
        """Create the data now, or defer until the shape is known (shape with 0s, deferred allowed)."""
        if self._data is not None and not force_reinit:
            return
        ctx = as_context(ctx[0] if isinstance(ctx, (list, tuple)) else ctx)
        init = initializer.create(init) or initializer.create(self.init) or \
            initializer.create(default_init) or initializer.Uniform()
        if self._shape is None or 0 in self._shape:
            if not self.allow_deferred_init:
                raise RuntimeError(f"Cannot initialize Parameter '{self.name}' because it has invalid shape: "
                                   f"{self._shape}.")
            self._deferred_init = (init, ctx)
            return
        self._deferred_init = ()
        host = numpy.zeros(self._shape, dtype=self.dtype)
        init(self.name, host)
        if self._data is not None and self._data._ctx == ctx:
            self._data._data = ctx.xp.asarray(host)  # the same NDArray for life: cached graphs hold it
        else:
            self._data = NDArray(ctx.xp.asarray(host), ctx)
        self._attach()

    def _finish_deferred_init(self):
        if self._deferred_init:
            init, ctx = self._deferred_init
            self._deferred_init = ()
            self.initialize(init, ctx, force_reinit=True)

    def _check(self):
        if self._data is not None:
            return self._data
        if self._deferred_init:
            raise DeferredInitializationError(
                f"Parameter '{self.name}' has not been initialized yet because initialization was deferred. "
                "Actual initialization happens during the first forward pass. Please pass one batch of data "
                "through the network before accessing Parameters. You can also avoid deferred initialization "
                "by specifying in_units, num_features, etc., for network layers.")
        raise RuntimeError(
            f"Parameter '{self.name}' has not been initialized. Note that you should initialize parameters "
            "and create Trainer with Block.collect_params() instead of Block.params because the later does "
            "not include Parameters of nested child Blocks")

    # ------------------------------------------------------------ access
    def data(self, ctx=None):
        return self._check()

    def list_data(self):
        return [self._check()]

    def grad(self, ctx=None):
        data = self._check()
        if data._grad is None:
            raise RuntimeError(f"Cannot get gradient array for Parameter '{self.name}' "
                               "because grad_req='null'")
        return data._grad

    def list_grad(self):
        return [self.grad()]

    def list_ctx(self):
        return [self._check()._ctx]

    def set_data(self, data):
        """Replace the values (an NDArray or NumPy array of the parameter's shape)."""
        host = data.asnumpy() if isinstance(data, NDArray) else numpy.asarray(data)
        self.shape = host.shape
        if self._data is None:
            if not self._deferred_init:
                self._check()
            self._finish_deferred_init()
        if tuple(host.shape) != self._data.shape:
            raise ValueError(f"Parameter '{self.name}': cannot set data of shape {tuple(host.shape)}, "
                             f"the parameter has shape {self._data.shape}")
        ctx = self._data._ctx
        self._data._data = ctx.xp.array(host, dtype=self.dtype)

    def reset_ctx(self, ctx):
        """Move the data (and gradient) to `ctx` (one context: this engine runs one device)."""
        if isinstance(ctx, (list, tuple)):
            if len(ctx) != 1:
                raise MXNetError(f"Parameter '{self.name}': reset_ctx to {len(ctx)} contexts; this engine runs "
                                 "one device, so pass one context")
            ctx = ctx[0]
        ctx = as_context(ctx)
        if self._data is None:
            if self._deferred_init:
                self._deferred_init = (self._deferred_init[0], ctx)
            return
        if self._data._ctx != ctx:
            self._data._data = ctx.xp.asarray(K.to_numpy(self._data._data))
            self._data._ctx = ctx
            self._attach()

    def cast(self, dtype):
        """The data (and gradient) as `dtype`."""
        self.dtype = dtype
        if self._data is not None and self._data._data.dtype != numpy.dtype(dtype):
            self._data._data = self._data._data.astype(dtype)
            self._attach()

    def zero_grad(self):
        if self._data is not None and self._data._grad is not None:
            g = self._data._grad
            g._data = g._ctx.xp.zeros_like(self._data._data)

    def var(self):
        """The symbol standing for this parameter in traced graphs (one per parameter, so a block
        called many times in one graph, e.g. an unrolled cell, shares it)."""
        if self._var is None:
            self._var = symbol.var(self.name)
        if self._shape is not None and 0 not in self._shape:
            self._var._outputs[0][0].attrs["__shape__"] = self._shape
        return self._var


class Constant(Parameter):
    """A parameter holding an immutable tensor: grad_req is always 'null', so autograd and Trainer leave it
    alone (set_data still changes it). Constant('const', [[1, 2], [3, 4]]) or params.get_constant(...)."""

    def __init__(self, name, value):
        host = value.asnumpy() if isinstance(value, NDArray) else numpy.asarray(value, dtype="float32")
        self.value = value if isinstance(value, NDArray) else nd_array(host, dtype=host.dtype)
        super().__init__(name, grad_req="null", shape=host.shape, dtype=host.dtype,
                         init=initializer.Constant(host))

    def __repr__(self):
        return f"Constant {self.name} (shape={self.shape}, dtype={self.dtype})"

    @property
    def grad_req(self):
        return "null"

    @grad_req.setter
    def grad_req(self, req):
        if req != "null":
            warnings.warn(f'Constant parameter "{self.name}" does not support grad_req other than "null", and '
                          f'new value "{req}" is ignored.')


class ParameterDict:
    """Parameters by full name (prefix + name), in the order they were created or collected."""

    def __init__(self, prefix="", shared=None):
        self.prefix = prefix
        self._params = {}
        self._shared = shared

    def __repr__(self):
        body = "\n".join(f"  {p!r}" for p in self._params.values())
        name = self.prefix + " " if self.prefix else ""   # MXNet's: no prefix, no leading space
        return f"{name}(\n{body}\n)"

    def __getitem__(self, key):
        return self._params[key]

    def __contains__(self, key):
        return key in self._params

    def __iter__(self):
        return iter(self._params)

    def __len__(self):
        return len(self._params)

    def keys(self):
        return self._params.keys()

    def values(self):
        return self._params.values()

    def items(self):
        return self._params.items()

    def get_constant(self, name, value=None):
        """The constant parameter prefix+name (grad_req 'null'), created holding `value` if it does not
        exist."""
        full = self.prefix + name
        if full not in self._params:
            if self._shared is not None and full in self._shared:
                self._params[full] = self._shared[full]
                return self._params[full]
            if value is None:
                raise KeyError(f"No constant named '{full}'. Please specify value if you want to create a new "
                               "constant.")
            self._params[full] = Constant(full, value)
        return self._params[full]

    def get(self, name, **kwargs):
        """The parameter prefix+name, created with kwargs (shape, init, ...) if it does not exist."""
        full = self.prefix + name
        if full not in self._params:
            if self._shared is not None and full in self._shared:
                self._params[full] = self._shared[full]
            else:
                self._params[full] = Parameter(full, **kwargs)
        return self._params[full]

    def update(self, other):
        for k, v in other.items():
            if k in self._params and self._params[k] is not v:
                raise ValueError(f"Cannot update self with other because they have different Parameters "
                                 f"with the same name '{k}'")
            self._params[k] = v

    def initialize(self, init=None, ctx=None, verbose=False, force_reinit=False):
        """Initialize every parameter (each one's own init wins over `init`)."""
        default = initializer.create(init) or initializer.Uniform()
        for p in self._params.values():
            p.initialize(None, ctx, default_init=default, force_reinit=force_reinit)

    def zero_grad(self):
        for p in self._params.values():
            p.zero_grad()

    def list_ctx(self):
        """The contexts the parameters live on (each once)."""
        ctxs = []
        for p in self._params.values():
            ctxs.extend(c for c in p.list_ctx() if c not in ctxs)
        return ctxs

    def reset_ctx(self, ctx):
        for p in self.values():
            p.reset_ctx(ctx)

    def setattr(self, name, value):
        for p in self._params.values():
            setattr(p, name, value)

    def save(self, filename, strip_prefix=""):
        save_arrays(filename, {k[len(strip_prefix):] if k.startswith(strip_prefix) else k:
                               p.data().asnumpy() for k, p in self._params.items()})

    def load(self, filename, ctx=None, allow_missing=False, ignore_extra=False, restore_prefix="",
             cast_dtype=False, dtype_source="current"):
        loaded = {restore_prefix + k: v for k, v in load_arrays(filename).items()}
        _assign(self._params, loaded, filename, allow_missing, ignore_extra, ctx, by_structure=False)


def _brief_print_list(lst, limit=7):
    """At most `limit` names, quoted (MXNet's gluon helper, which its load errors use)."""
    lst = list(lst)
    if len(lst) > limit:
        return _brief_print_list(lst[:limit // 2], limit) + ', ..., ' + _brief_print_list(lst[-limit // 2:], limit)
    return ', '.join(["'%s'" % str(i) for i in lst])


_NAMING = ("Please make sure source and target networks have the same prefix.For more info on naming, please "
           "see https://mxnet.io/api/python/docs/tutorials/packages/gluon/blocks/naming.html")


def _assign(params, loaded, filename, allow_missing, ignore_extra, ctx=None, by_structure=True):
    """Set each parameter from `loaded` (name -> NumPy array); a missing or extra entry raises as MXNet's
    Block.load_parameters (by_structure) or ParameterDict.load does, in its words."""
    if not allow_missing:
        for k in params:
            if k in loaded:
                continue
            if by_structure:
                raise AssertionError(f"Parameter '{k}' is missing in file '{filename}', which contains parameters: "
                                     f"{_brief_print_list(loaded)}. Set allow_missing=True to ignore missing "
                                     "parameters.")
            raise AssertionError(f"Parameter '{k}' is missing in file: {filename}, which contains parameters: "
                                 f"{_brief_print_list(loaded)}. {_NAMING}")
    if not ignore_extra:
        for k in loaded:
            if k in params:
                continue
            if by_structure:
                raise ValueError(f"Parameter '{k}' loaded from file '{filename}' is not present in ParameterDict, "
                                 f"which contains parameters {_brief_print_list(params)}. Set ignore_extra=True "
                                 "to ignore. ")
            raise AssertionError(f"Parameter '{k}' loaded from file: {filename} is not present in ParameterDict, "
                                 f"choices are: {_brief_print_list(params)}. Set ignore_extra to True to "
                                 f"ignore. {_NAMING}")
    for k, p in params.items():
        if k in loaded:
            if p._data is None and not p._deferred_init:
                p.shape = loaded[k].shape
                p.initialize(ctx=ctx)
            p.set_data(loaded[k])
