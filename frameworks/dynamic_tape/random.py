"""The engine's seeded random source: Generator, manual_seed and the random factories; dropout masks come
from the kernels' counter-based Philox stream, which manual_seed seeds too."""
import numpy as np

from frameworks.kernels import random as philox

from ._factories import _leaf
from ._tensor import Tensor
from ._types import _np_dtype, _xp_for


class Generator:
    """A seeded source of random numbers, as torch.Generator: a NumPy RandomState for the factories and
    initializers, and the kernels' Philox stream (same seed) whose counter each dropout draw takes, so a
    dropout mask is the one every engine seeded alike draws."""

    def __init__(self, device="cpu"):
        self.manual_seed(0)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rs = np.random.RandomState(self._seed)
        self._stream = philox.Stream(self._seed)
        return self

    def next_draw(self):
        """(seed, counter) of the next counter-based draw (a dropout mask)."""
        return self._stream.seed_value, self._stream.next_counter()

    def initial_seed(self):
        return self._seed

    def uniform(self, a, b, shape):
        return self._rs.uniform(a, b, shape)

    def normal(self, mean, std, shape):
        return self._rs.normal(mean, std, shape)

    def permutation(self, n):
        return self._rs.permutation(n)

    def randint(self, low, high, shape):
        return self._rs.randint(low, high, shape)


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator (randn, rand, nn.init, DataLoader shuffling without a generator)."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.initial_seed()


def _random(draw, size, dtype, device, requires_grad):
    size = size[0] if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
    arr = draw(tuple(size)).astype(_np_dtype(dtype) or np.float32)
    xp = _xp_for(device)
    return _leaf(arr if xp is np else xp.asarray(arr), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard-normal samples, float32 unless dtype says otherwise."""
    g = generator or default_generator
    return _random(lambda s: g.normal(0.0, 1.0, s), size, dtype, device, requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform [0, 1) samples."""
    g = generator or default_generator
    return _random(lambda s: g.uniform(0.0, 1.0, s), size, dtype, device, requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None):
    if high is None:
        low, high = 0, low
    g = generator or default_generator
    arr = g.randint(low, high, tuple(size)).astype(_np_dtype(dtype) or np.int64)
    xp = _xp_for(device)
    return Tensor._wrap(arr if xp is np else xp.asarray(arr))


def randperm(n, generator=None, dtype=None, device=None):
    g = generator or default_generator
    arr = g.permutation(n).astype(_np_dtype(dtype) or np.int64)
    xp = _xp_for(device)
    return Tensor._wrap(arr if xp is np else xp.asarray(arr))


def randn_like(input, dtype=None, requires_grad=False):
    return randn(*input.shape, dtype=dtype or input.dtype, device=input.device, requires_grad=requires_grad)


def rand_like(input, dtype=None, requires_grad=False):
    return rand(*input.shape, dtype=dtype or input.dtype, device=input.device, requires_grad=requires_grad)


def normal(mean, std, size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples from N(mean, std^2) of `size` (scalar mean and std)."""
    g = generator or default_generator
    return _random(lambda s: g.normal(mean, std, s), (size,), dtype, device, requires_grad)
