"""mx.init: parameter initializers (draws come from nd.random's seeded host generator)."""
import numpy

from .base import alias_decorator
from .context import cpu
from .ndarray import NDArray
from .ndarray import random as _random


class Initializer:
    """Fills a new parameter array (a NumPy array on the host, or an NDArray) in place.

    As MXNet's, the name picks the rule for the Module API's init_params: *_bias, *_beta and
    *_moving_mean/*running_mean get zeros, *_gamma and *_moving_var/*running_var ones, the rest
    (weights) this initializer's own rule. Gluon parameters name their own init, which wins."""

    def __call__(self, name, arr):
        host = arr.asnumpy() if hasattr(arr, "asnumpy") else None
        target = host if host is not None else arr
        # the rules see an NDArray, as MXNet's (a custom _init_weight writes data[:] = nd.random...);
        # it wraps the host array, so what they write lands there
        view = NDArray(target, cpu())
        attrs = getattr(name, "attrs", None)
        own = attrs and attrs.get("__init__")
        if own:   # the variable's own init (sym.var(..., init=...)): its weight rule, as MXNet's; it may
            # hand parts of the array back to this (the global) initializer, as FusedRNN does
            create(own)._init_weight(InitDesc(str(name), attrs, global_init=self), view)
            if host is not None:
                arr[:] = host
            return
        name = str(name)
        if name.endswith(("bias", "moving_mean", "running_mean", "moving_avg")):
            self._init_bias(name, view)
        elif name.endswith("beta"):
            self._init_beta(name, view)
        elif name.endswith("gamma"):
            self._init_gamma(name, view)
        elif name.endswith(("moving_var", "running_var", "moving_inv_var")):
            self._init_one(name, view)
        else:
            self._init_weight(name, view)
        if host is not None:
            arr[:] = host

    def _init_bias(self, name, arr):
        arr[:] = 0.0

    def _init_beta(self, name, arr):
        arr[:] = 0.0

    def _init_gamma(self, name, arr):
        arr[:] = 1.0

    def _init_one(self, name, arr):
        arr[:] = 1.0

    def _init_zero(self, name, arr):
        arr[:] = 0.0

    def _init_weight(self, name, arr):
        raise NotImplementedError(f"{type(self).__name__} must define _init_weight(name, arr)")

    def dumps(self):
        import json
        return json.dumps([type(self).__name__.lower(), {k: v for k, v in vars(self).items()
                                                          if not k.startswith("_")}])


class _Fill(Initializer):
    """Fills every array, whatever its name (an explicit init such as bias_initializer='zeros')."""
    value = 0

    def __call__(self, name, arr):
        self._init_weight(name, arr)

    def _init_weight(self, name, arr):
        # init.Constant takes an NDArray as well as a number (d2l's transposed convolution sets its kernel so)
        value = self.value
        arr[...] = value.asnumpy() if hasattr(value, "asnumpy") else value


class Zero(_Fill):
    value = 0


class One(_Fill):
    value = 1


class Constant(_Fill):
    def __init__(self, value):
        self.value = value


class Uniform(Initializer):
    def __init__(self, scale=0.07):
        self.scale = scale

    def _init_weight(self, name, arr):
        arr[...] = _random.rs.uniform(-self.scale, self.scale, arr.shape)


class Normal(Initializer):
    def __init__(self, sigma=0.01):
        self.sigma = sigma

    def _init_weight(self, name, arr):
        arr[...] = _random.rs.normal(0, self.sigma, arr.shape)


class Xavier(Initializer):
    """Uniform in +-sqrt(magnitude / ((fan_in + fan_out) / 2)) (MXNet's defaults: 'avg', 3)."""

    def __init__(self, rnd_type="uniform", factor_type="avg", magnitude=3):
        if rnd_type not in ("uniform", "gaussian"):
            raise ValueError(f"Unknown random type {rnd_type!r}: Xavier's rnd_type is 'uniform' or 'gaussian'")
        if factor_type not in ("avg", "in", "out"):
            raise ValueError(f"Incorrect factor type {factor_type!r}: Xavier's factor_type is 'avg', 'in' or 'out'")
        self.rnd_type, self.factor_type, self.magnitude = rnd_type, factor_type, float(magnitude)

    def _init_weight(self, name, arr):
        shape = arr.shape
        if len(shape) < 2:
            raise ValueError(f"Xavier initializer cannot be applied to vector {name}. It requires at least 2D.")
        receptive = int(numpy.prod(shape[2:])) if len(shape) > 2 else 1
        fan_out, fan_in = shape[0] * receptive, (shape[1] if len(shape) > 1 else shape[0]) * receptive
        factor = {"avg": (fan_in + fan_out) / 2.0, "in": fan_in, "out": fan_out}[self.factor_type]
        scale = numpy.sqrt(self.magnitude / factor)
        if self.rnd_type == "uniform":
            arr[...] = _random.rs.uniform(-scale, scale, shape)
        else:
            arr[...] = _random.rs.normal(0, scale, shape)


class MSRAPrelu(Xavier):
    """He et al.'s initialization for (P)ReLU nets: Xavier 'gaussian' with magnitude 2 / (1 + slope^2)."""

    def __init__(self, factor_type="avg", slope=0.25):
        super().__init__("gaussian", factor_type, 2.0 / (1 + slope ** 2))


class Orthogonal(Initializer):
    """An orthogonal matrix (SVD of a uniform or normal draw over (out, prod(rest))) times `scale`."""

    def __init__(self, scale=1.414, rand_type="uniform"):
        if rand_type not in ("uniform", "normal"):
            raise ValueError(f"Orthogonal: rand_type is 'uniform' or 'normal', got {rand_type!r}")
        self.scale, self.rand_type = scale, rand_type

    def _init_weight(self, name, arr):
        nout, nin = arr.shape[0], int(numpy.prod(arr.shape[1:]))
        if self.rand_type == "uniform":
            tmp = _random.rs.uniform(-1.0, 1.0, (nout, nin))
        else:
            tmp = _random.rs.normal(0.0, 1.0, (nout, nin))
        u, _, v = numpy.linalg.svd(tmp, full_matrices=False)
        arr[...] = self.scale * (u if u.shape == tmp.shape else v).reshape(arr.shape)


class Mixed:
    """Mixed(patterns, initializers): the initializer of the first regex pattern matching the name."""

    def __init__(self, patterns, initializers):
        import re
        if len(patterns) != len(initializers):
            raise ValueError("Mixed: patterns and initializers must have the same length")
        self.map = list(zip([re.compile(p) for p in patterns], initializers))

    def __call__(self, name, arr):
        for pattern, init in self.map:
            if pattern.match(str(name)):
                return init(name, arr)
        raise ValueError(f"Parameter name {name} did not match any pattern. Consider adding a \".*\" pattern "
                         "at the and with default Initializer.")


class InitDesc(str):
    """A parameter's name carrying its attributes, as MXNet passes it to an initializer."""

    def __new__(cls, name, attrs=None, global_init=None):
        ret = super().__new__(cls, name)
        ret.attrs, ret.global_init = attrs or {}, global_init
        return ret


class LSTMBias(Initializer):
    """An LSTM bias (gates i, f, g, o): zeros, with the forget gate's quarter set to forget_bias; applied
    whatever the parameter's name (it is a bias)."""

    def __init__(self, forget_bias=1.0):
        self.forget_bias = forget_bias

    def __call__(self, name, arr):
        self._init_weight(name, arr)

    def _init_weight(self, name, arr):
        arr[:] = 0.0
        num_hidden = int(arr.shape[0] / 4)
        arr[num_hidden:2 * num_hidden] = self.forget_bias


class FusedRNN(Initializer):
    """FusedRNNCell's packed `parameters` vector: each cell's weights by `init` (None: the global
    initializer, as Module.init_params gives it), biases zero, an LSTM's forget-gate biases forget_bias."""

    def __init__(self, init, num_hidden, num_layers, mode, bidirectional=False, forget_bias=1.0):
        init = create(init) if isinstance(init, str) else init
        self.init = init.dumps() if init is not None else None
        self.num_hidden, self.num_layers, self.mode = num_hidden, num_layers, mode
        self.bidirectional, self.forget_bias = bidirectional, forget_bias
        self._init = init

    def _init_weight(self, desc, arr):
        from .rnn import rnn_cell
        cell = rnn_cell.FusedRNNCell(self.num_hidden, self.num_layers, self.mode, self.bidirectional,
                                     forget_bias=self.forget_bias, prefix='')
        args = cell.unpack_weights({'parameters': arr})
        global_init = getattr(desc, "global_init", None) or Uniform(0.01)
        for name in args:
            if self.mode == 'lstm' and name.endswith("_f_bias"):
                args[name][:] = self.forget_bias
            else:
                (self._init or global_init)(InitDesc(name, global_init=global_init), args[name])
        arr[:] = cell.pack_weights(args)['parameters']


class Bilinear(Initializer):
    """The bilinear-interpolation kernel of a (Deconvolution) upsampling weight (..., kh, kw)."""

    def _init_weight(self, name, arr):
        shape = arr.shape
        f = numpy.ceil(shape[3] / 2.0)
        c = (2 * f - 1 - f % 2) / (2.0 * f)
        x = numpy.arange(shape[3])
        y = numpy.arange(shape[2])
        kernel = numpy.outer(1 - numpy.abs(y / f - c), 1 - numpy.abs(x / f - c))
        arr[:] = numpy.broadcast_to(kernel, shape).astype("float32")


class Load:
    """Initialize from saved arrays (a dict, or a file nd.save wrote; 'arg:'/'aux:' prefixes dropped),
    falling back to default_init for the names it does not hold."""

    def __init__(self, param, default_init=None, verbose=False):
        if isinstance(param, str):
            from .ndarray import load
            param = load(param)
        self.param = {k.split(":", 1)[-1] if k.startswith(("arg:", "aux:")) else k: v for k, v in param.items()}
        self.default_init, self.verbose = default_init, verbose

    def __call__(self, name, arr):
        if name in self.param:
            src = self.param[name]
            if tuple(src.shape) != tuple(arr.shape):
                raise AssertionError(f"Parameter {name} cannot be initialized from loading. Shape mismatch, "
                                     f"target {tuple(arr.shape)} vs loaded {tuple(src.shape)}")
            arr[:] = src.asnumpy() if hasattr(src, "asnumpy") else src
        else:
            if self.default_init is None:
                raise AssertionError(f"Cannot Initialize {name}. Not found in loaded param and no default "
                                     "Initializer is provided.")
            self.default_init(name, arr)


Zeros, Ones = Zero, One
_BY_NAME = {"zeros": Zero, "zero": Zero, "ones": One, "one": One, "uniform": Uniform, "normal": Normal,
            "xavier": Xavier, "msraprelu": MSRAPrelu, "orthogonal": Orthogonal, "constant": Constant,
            "lstmbias": LSTMBias, "bilinear": Bilinear, "fusedrnn": FusedRNN}


def register(klass):
    """Make an Initializer subclass available by its lowercase name (mx.init.register)."""
    _BY_NAME[klass.__name__.lower()] = klass
    return klass


alias = alias_decorator(_BY_NAME, "Initializer")


def create(init):
    """An Initializer from an instance, a name ('zeros', 'xavier', ...), what dumps() wrote
    ('["xavier", {"magnitude": 2}]') or None."""
    if init is None or isinstance(init, (Initializer, Mixed, Load)):
        return init
    if isinstance(init, str) and init.lstrip().startswith("["):
        import json
        name, kwargs = json.loads(init)
        if name.lower() not in _BY_NAME:
            raise ValueError(f"unknown initializer {name!r}; known: {', '.join(_BY_NAME)}")
        return _BY_NAME[name.lower()](**kwargs)
    if isinstance(init, str) and init.lower() in _BY_NAME:
        return _BY_NAME[init.lower()]()
    raise ValueError(f"unknown initializer {init!r}; known: {', '.join(_BY_NAME)}")
