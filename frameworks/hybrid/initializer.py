"""mx.init: parameter initializers (draws come from nd.random's seeded host generator)."""
import numpy

from .ndarray import random as _random


class Initializer:
    """Fills a new parameter array (a NumPy array on the host, or an NDArray) in place.

    As MXNet's, the name picks the rule for the Module API's init_params: *_bias, *_beta and
    *_moving_mean/*running_mean get zeros, *_gamma and *_moving_var/*running_var ones, the rest
    (weights) this initializer's own rule. Gluon parameters name their own init, which wins."""

    def __call__(self, name, arr):
        host = arr.asnumpy() if hasattr(arr, "asnumpy") else None
        target = host if host is not None else arr
        name = str(name)
        if name.endswith(("bias", "beta", "moving_mean", "running_mean", "moving_avg")):
            target[...] = 0
        elif name.endswith(("gamma", "moving_var", "running_var", "moving_inv_var")):
            target[...] = 1
        else:
            self._init_weight(name, target)
        if host is not None:
            arr[:] = host

    def _init_weight(self, name, arr):
        raise NotImplementedError


class _Fill(Initializer):
    """Fills every array, whatever its name (an explicit init such as bias_initializer='zeros')."""
    value = 0

    def __call__(self, name, arr):
        self._init_weight(name, arr)

    def _init_weight(self, name, arr):
        arr[...] = self.value


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
        self.rnd_type, self.factor_type, self.magnitude = rnd_type, factor_type, magnitude

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


Zeros, Ones = Zero, One
_BY_NAME = {"zeros": Zero, "zero": Zero, "ones": One, "one": One, "uniform": Uniform, "normal": Normal,
            "xavier": Xavier}


def create(init):
    """An Initializer from an instance, a name ('zeros', 'xavier', ...) or None."""
    if init is None or isinstance(init, Initializer):
        return init
    if isinstance(init, str) and init.lower() in _BY_NAME:
        return _BY_NAME[init.lower()]()
    raise ValueError(f"unknown initializer {init!r}; known: {', '.join(_BY_NAME)}")
