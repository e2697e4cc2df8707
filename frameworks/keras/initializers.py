"""keras.initializers: initial weight values, computed in NumPy when a layer builds its weights.

Keras(tf) draws them with TensorFlow's generator; here they come from NumPy's (`np.random.seed` makes a
run repeatable, a `seed=` argument fixes one initializer), so the numbers differ from TF's, the
distributions and fan rules do not."""
import numpy as np


def _rng(seed):
    return np.random if seed is None else np.random.RandomState(seed)


def _compute_fans(shape, data_format="channels_last"):
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) in (3, 4, 5):
        receptive = int(np.prod(shape[:-2]))   # Keras' kernels are (..., in, out)
        return shape[-2] * receptive, shape[-1] * receptive
    size = int(np.sqrt(np.prod(shape))) if shape else 1
    return size, size


class Initializer:
    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        config.pop("dtype", None)
        return cls(**config)


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return np.zeros(shape)


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return np.ones(shape)


class Constant(Initializer):
    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None):
        value = np.asarray(self.value)
        return np.broadcast_to(value, shape).copy() if value.shape != tuple(shape) else value.copy()

    def get_config(self):
        v = self.value
        return {"value": v.tolist() if isinstance(v, np.ndarray) else v}


class Identity(Initializer):
    """gain * the identity matrix (2-D square weights only; IRNN's recurrent kernel)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError("Identity matrix initializer can only be used for 2D square matrices.")
        return self.gain * np.identity(shape[0])

    def get_config(self):
        return {"gain": self.gain}


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        return _rng(self.seed).normal(self.mean, self.stddev, shape)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None):
        return _rng(self.seed).uniform(self.minval, self.maxval, shape)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    def __call__(self, shape, dtype=None):
        rng, out = _rng(self.seed), np.empty(int(np.prod(shape)))
        n = 0
        while n < out.size:   # redraw beyond two standard deviations, as TF's truncated_normal
            draw = rng.normal(0.0, 1.0, out.size - n)
            keep = draw[np.abs(draw) <= 2.0]
            out[n:n + keep.size] = keep
            n += keep.size
        return (self.mean + self.stddev * out).reshape(shape)


class VarianceScaling(Initializer):
    def __init__(self, scale=1.0, mode="fan_in", distribution="normal", seed=None):
        if scale <= 0.0:
            raise ValueError("`scale` must be a positive float. Got:", scale)
        mode = mode.lower()
        if mode not in {"fan_in", "fan_out", "fan_avg"}:
            raise ValueError('Invalid `mode` argument: expected on of {"fan_in", "fan_out", "fan_avg"} '
                             "but got", mode)
        distribution = distribution.lower()
        if distribution not in {"normal", "uniform"}:
            raise ValueError('Invalid `distribution` argument: expected one of {"normal", "uniform"} '
                             "but got", distribution)
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = _compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "normal":
            return TruncatedNormal(0.0, np.sqrt(scale) / 0.87962566103423978, self.seed)(shape)
        limit = np.sqrt(3.0 * scale)
        return _rng(self.seed).uniform(-limit, limit, shape)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


class Orthogonal(Initializer):
    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype=None):
        rows = int(np.prod(shape[:-1]))
        cols = shape[-1]
        a = _rng(self.seed).normal(0.0, 1.0, (rows, cols) if rows >= cols else (cols, rows))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


def glorot_uniform(seed=None):
    return VarianceScaling(1.0, "fan_avg", "uniform", seed)


def glorot_normal(seed=None):
    return VarianceScaling(1.0, "fan_avg", "normal", seed)


def he_normal(seed=None):
    return VarianceScaling(2.0, "fan_in", "normal", seed)


def he_uniform(seed=None):
    return VarianceScaling(2.0, "fan_in", "uniform", seed)


def lecun_uniform(seed=None):
    return VarianceScaling(1.0, "fan_in", "uniform", seed)


zero = zeros = Zeros
one = ones = Ones
constant = Constant
uniform = random_uniform = RandomUniform
normal = random_normal = RandomNormal
truncated_normal = TruncatedNormal
orthogonal = Orthogonal
identity = Identity

_BY_NAME = {"zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones, "constant": Constant,
            "uniform": RandomUniform, "random_uniform": RandomUniform, "normal": RandomNormal,
            "random_normal": RandomNormal, "truncated_normal": TruncatedNormal, "orthogonal": Orthogonal,
            "identity": Identity,
            "glorot_uniform": glorot_uniform, "glorot_normal": glorot_normal, "he_normal": he_normal,
            "he_uniform": he_uniform, "lecun_uniform": lecun_uniform,
            "Zeros": Zeros, "Ones": Ones, "Constant": Constant, "RandomUniform": RandomUniform,
            "RandomNormal": RandomNormal, "TruncatedNormal": TruncatedNormal, "Orthogonal": Orthogonal,
            "Identity": Identity,
            "VarianceScaling": VarianceScaling}


def serialize(initializer):
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}


def deserialize(config):
    cls = _BY_NAME.get(config["class_name"])
    if cls is None:
        raise ValueError("Unknown initializer: " + config["class_name"])
    return cls.from_config(dict(config.get("config", {}))) if isinstance(cls, type) else cls()


def get(identifier):
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError("Unknown initializer: " + identifier)
        return _BY_NAME[identifier]()
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret initializer identifier: " + str(identifier))
