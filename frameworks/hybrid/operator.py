"""mx.operator: Python custom operators (CustomOp, CustomOpProp, register) and the Custom op that runs
them, in nd (nd.Custom, recorded by autograd), in sym (sym.Custom, bound by executors and Modules)
and in hybridized blocks (F.Custom). A registered operator becomes a kernel of the shared contract
whose forward and backward call the user's CustomOp on NDArrays, so the engine's tape, traced graphs
and memory plan treat it like any other kernel (it saves its inputs and outputs)."""
import re
import warnings

import numpy

from .. import kernels as K
from .base import MXNetError
from .ops import INPUT_NAMES, SHAPES, op

_REGISTRY = {}


class CustomOp:
    """The computation: forward(is_train, req, in_data, out_data, aux) and
    backward(req, out_grad, in_data, out_data, in_grad, aux) write their results with assign()."""

    def forward(self, is_train, req, in_data, out_data, aux):
        raise NotImplementedError(f"{type(self).__name__} must define forward")

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        raise NotImplementedError(f"{type(self).__name__} must define backward")

    def assign(self, dst, req, src):
        """dst per req: 'null' leaves it, 'write'/'inplace' copies src, 'add' adds src."""
        if req == "null":
            return
        if req in ("write", "inplace"):
            dst[:] = src
        elif req == "add":
            dst[:] = dst + src
        else:
            raise MXNetError(f"CustomOp.assign: unknown req {req!r}")


def _three(ret, what):
    """A CustomOpProp's infer_shape/infer_type answer as (inputs, outputs, aux): MXNet accepts two lists
    (no auxiliary states) or three."""
    if len(ret) == 2:
        return ret[0], ret[1], []
    if len(ret) == 3:
        return ret
    raise MXNetError(f"CustomOpProp.{what} must return 2 or 3 lists, got {len(ret)}")


class CustomOpProp:
    """The operator's description: its arguments, outputs, shapes and types, and create_operator.
    need_top_grad=False marks a loss layer (its backward ignores the head gradient)."""

    def __init__(self, need_top_grad=True):
        self.need_top_grad_ = need_top_grad

    def infer_shape(self, in_shape):
        return in_shape, (in_shape[0],) * len(self.list_outputs()), ()

    def infer_type(self, in_type):
        return in_type, [in_type[0]] * len(self.list_outputs()), [in_type[0]] * len(self.list_auxiliary_states())

    def infer_storage_type(self, in_stype):
        return in_stype, ["default"] * len(self.list_outputs()), ["default"] * len(self.list_auxiliary_states())

    def list_outputs(self):
        return ["output"]

    def list_arguments(self):
        return ["data"]

    def list_auxiliary_states(self):
        return []

    def declare_backward_dependency(self, out_grad, in_data, out_data):
        deps = []
        if self.need_top_grad_:
            deps.extend(out_grad)
        return deps + list(in_data) + list(out_data)

    def create_operator(self, ctx, in_shapes, in_dtypes):
        return CustomOp()


def register(reg_name):
    """@mx.operator.register("name") on a CustomOpProp subclass: Custom(..., op_type="name") runs it."""
    def do_register(prop_cls):
        if not (isinstance(prop_cls, type) and issubclass(prop_cls, CustomOpProp)):
            raise MXNetError(f"register({reg_name!r}): {prop_cls!r} is not a CustomOpProp subclass")
        _REGISTRY[reg_name] = prop_cls
        _KERNELS.clear()
        return prop_cls
    return do_register


def get_all_registered_operators():
    return sorted(_REGISTRY)


def _prop(op_type, attrs):
    if op_type not in _REGISTRY:
        raise MXNetError(f"Cannot find custom operator {op_type!r}; register a CustomOpProp with "
                         f"@mx.operator.register({op_type!r}) (registered: {sorted(_REGISTRY)})")
    # MXNet hands the operator's keyword arguments to its prop as strings
    prop = _REGISTRY[op_type](**{k: str(v) for k, v in attrs.items()})
    if prop.list_auxiliary_states():
        raise MXNetError(f"Custom {op_type!r}: auxiliary states are not supported")
    return prop


def custom_inputs(op_type, args, kwargs, fill=None):
    """(inputs in the prop's list_arguments order, attributes) from a Custom call's arguments: inputs by
    position or by argument name; the other keywords are the prop's attributes. A missing input comes
    from fill(argument name) (sym's `<name>_<argument>` variables) or raises."""
    kwargs = dict(kwargs)
    names = _prop(op_type, {k: v for k, v in kwargs.items() if not _is_value(v)}).list_arguments()
    if len(args) > len(names):
        raise MXNetError(f"Custom {op_type!r}: {len(args)} inputs for arguments {names}")
    given = dict(zip(names, args))
    for n in names:
        if n in kwargs:
            if n in given:
                raise MXNetError(f"Custom {op_type!r}: input {n!r} given twice")
            given[n] = kwargs.pop(n)
    inputs = []
    for n in names:
        if n not in given:
            if fill is None:
                raise MXNetError(f"Custom {op_type!r}: input {n!r} not given (arguments: {names})")
            given[n] = fill(n)
        inputs.append(given[n])
    return inputs, kwargs


def _is_value(v):
    """An input (NDArray or Symbol) rather than an attribute."""
    return hasattr(v, "_data") or hasattr(v, "_outputs")


class _CustomKernel(K.Kernel):
    """One registered operator with its attributes, under the kernel contract (an instance: the kernels'
    forward/backward/infer are called on it as on a kernel class)."""
    saves_output = True

    def __init__(self, op_type, attrs, name):
        self.op_type, self.attrs, self.name = op_type, dict(attrs), name
        self.prop = _prop(op_type, attrs)
        n = len(self.prop.list_outputs())
        self.n_outputs = 1 if n == 1 else n

    @staticmethod
    def _context(xp):
        from .context import cpu, gpu
        return cpu() if getattr(xp, "__name__", "") == "numpy" else gpu()

    def forward(self, xp, *inputs):
        from . import autograd
        from .ndarray import NDArray
        ctx = self._context(xp)
        in_data = [NDArray(x, ctx) for x in inputs]
        in_shapes = [list(x.shape) for x in inputs]
        _, out_shapes, _ = _three(self.prop.infer_shape(in_shapes), "infer_shape")
        _, out_types, _ = _three(self.prop.infer_type([x.dtype for x in inputs]), "infer_type")
        out_data = [NDArray(xp.zeros(tuple(s), dtype=t), ctx) for s, t in zip(out_shapes, out_types)]
        operator = self.prop.create_operator(ctx, in_shapes, [x.dtype for x in inputs])
        is_train = autograd.is_training()
        with autograd.pause():   # the operator's own nd calls are its arithmetic, not part of the tape
            operator.forward(is_train=is_train, req=["write"] * len(out_data), in_data=in_data,
                             out_data=out_data, aux=[])
        outs = tuple(o._data for o in out_data)
        return (outs if self.n_outputs != 1 else outs[0]), (operator, in_data, out_data)

    def backward(self, xp, saved, gy, needs=None):
        from . import autograd
        from .ndarray import NDArray
        operator, in_data, out_data = saved
        ctx = in_data[0]._ctx if in_data else self._context(xp)
        gys = gy if self.n_outputs != 1 else (gy,)
        out_grad = [NDArray(xp.zeros(o.shape, dtype=o.dtype) if g is None else g, ctx)
                    for g, o in zip(gys, out_data)]
        in_grad = [NDArray(xp.zeros(x.shape, dtype=x.dtype), ctx) for x in in_data]
        reqs = ["write" if needs is None or i >= len(needs) or needs[i] else "null" for i in range(len(in_data))]
        with autograd.pause():
            operator.backward(req=reqs, out_grad=out_grad, in_data=in_data, out_data=out_data, in_grad=in_grad,
                              aux=[])
        return tuple(g._data for g in in_grad)

    def infer(self, *shapes):
        _, out_shapes, _ = _three(self.prop.infer_shape([list(s) for s in shapes]), "infer_shape")
        outs = tuple(tuple(s) for s in out_shapes)
        return outs if self.n_outputs != 1 else outs[0]


_KERNELS = {}   # (op_type, attributes) -> its kernel, so each distinct operator is one kernel


def _kernel(op_type, attrs):
    key = (op_type, tuple(sorted((k, str(v)) for k, v in attrs.items())))
    kernel = _KERNELS.get(key)
    if kernel is None:
        name = "custom_" + re.sub(r"\W", "_", str(op_type)) + f"_{len(_KERNELS)}"
        kernel = _KERNELS[key] = _CustomKernel(op_type, attrs, name)
    return kernel


def _n_out(attrs):
    attrs = dict(attrs)
    return len(_prop(attrs.pop("op_type"), attrs).list_outputs())


@op(n_out=_n_out)
def Custom(E, *data, op_type, **attrs):
    """The registered operator `op_type` on the inputs (in its list_arguments order)."""
    return E.call(_kernel(op_type, attrs), tuple(data), {})


def _split_attrs(attrs):
    attrs = dict(attrs)
    return attrs.pop("op_type"), attrs


def _input_names(attrs):
    return _prop(*_split_attrs(attrs)).list_arguments()


def _input_shapes(attrs, data_shape):
    """infer_shape's rule for the inputs after the first (a custom loss's label): the prop's own
    infer_shape given the first input's shape."""
    prop = _prop(*_split_attrs(attrs))
    names = prop.list_arguments()
    in_shapes, _, _ = _three(prop.infer_shape([list(data_shape)] + [[] for _ in names[1:]]), "infer_shape")
    return {n: tuple(s) for n, s in zip(names, in_shapes) if s is not None and len(s)}


INPUT_NAMES["Custom"] = _input_names
SHAPES["Custom"] = _input_shapes


def is_loss(attrs):
    """Whether a Custom node is a loss layer (need_top_grad=False): executors feed it ones."""
    attrs = dict(attrs)
    return not _prop(attrs.pop("op_type"), attrs).need_top_grad_


class PythonOp:
    """Base of MXNet's pre-CustomOp Python operators (NumpyOp): calling one (op(data=..., name=...))
    gives the Symbol that runs it; forward/backward, infer_shape, list_arguments/list_outputs and
    need_top_grad as MXNet's PythonOp defines them."""

    def __init__(self, need_top_grad=True):
        self.info_ = None
        self.need_top_grad_ = need_top_grad

    def __call__(self, *args, **kwargs):
        return self.get_symbol(*args, **kwargs)

    def get_symbol(self, *args, **kwargs):
        raise NotImplementedError("Must override this")

    def forward(self, in_data, out_data):
        out_data[0][:] = in_data[0]

    def backward(self, out_grad, in_data, out_data, in_grad):
        in_grad[0][:] = 1.0

    def infer_shape(self, in_shape):
        return in_shape, [in_shape[0]] * len(self.list_outputs())

    def list_outputs(self):
        return ["output"]

    def list_arguments(self):
        return ["data"]

    def need_top_grad(self):
        return self.need_top_grad_


class NumpyOp(PythonOp):
    """[Deprecated in MXNet for CustomOp] forward(in_data, out_data) and backward(out_grad, in_data,
    out_data, in_grad) on NumPy arrays, writing the outputs in place; run here as a registered custom
    operator that hands it host copies and writes back what it wrote."""

    def __init__(self, need_top_grad=True):
        super().__init__(need_top_grad)
        warnings.warn("NumpyOp has been deprecated. Please use CustomOp")

    def get_symbol(self, *args, **kwargs):
        from . import symbol
        op_type = f"_numpy_op_{id(self)}"
        if op_type not in _REGISTRY:
            register(op_type)(_numpy_op_prop(self))
        return symbol.Custom(*args, op_type=op_type, **kwargs)


def _numpy_op_prop(pyop):
    """A CustomOpProp class that runs `pyop` (a NumpyOp)."""
    class _NumpyOpProp(CustomOpProp):
        def __init__(self):
            super().__init__(need_top_grad=pyop.need_top_grad())

        def list_arguments(self):
            return pyop.list_arguments()

        def list_outputs(self):
            return pyop.list_outputs()

        def infer_shape(self, in_shape):
            shapes = pyop.infer_shape(in_shape)
            return shapes[0], shapes[1], []

        def create_operator(self, ctx, in_shapes, in_dtypes):
            return _NumpyOpRunner(pyop)
    return _NumpyOpProp


class _NumpyOpRunner(CustomOp):
    """CustomOp over a NumpyOp: host copies in, the arrays it writes assigned back."""

    def __init__(self, pyop):
        self.pyop = pyop

    def _write(self, dst, req, host):
        from .ndarray import array
        for d, r, h in zip(dst, req, host):
            self.assign(d, r, array(h, ctx=d.context, dtype=h.dtype))

    def forward(self, is_train, req, in_data, out_data, aux):
        outs = [numpy.zeros(o.shape, dtype=o._data.dtype) for o in out_data]
        self.pyop.forward(in_data=[x.asnumpy() for x in in_data], out_data=outs)
        self._write(out_data, req, outs)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        grads = [numpy.zeros(g.shape, dtype=g._data.dtype) for g in in_grad]
        self.pyop.backward(out_grad=[g.asnumpy() for g in out_grad], in_data=[x.asnumpy() for x in in_data],
                           out_data=[o.asnumpy() for o in out_data], in_grad=grads)
        self._write(in_grad, req, grads)


__all__ = ["CustomOp", "CustomOpProp", "register", "get_all_registered_operators", "PythonOp", "NumpyOp"]
