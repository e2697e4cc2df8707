"""Random streams (theano.tensor.shared_randomstreams.RandomStreams, theano.sandbox.rng_mrg.MRG_RandomStreams).

binomial draws its 0/1 mask from the kernels' shared counter-based generator (the dropout kernel's
Philox stream, seeded with the stream's seed, one fresh draw per call of the function), so a Theano
dropout written as x * srng.binomial(x.shape, p=keep) / keep drops the same units as every other
engine's dropout given that seed. uniform and normal are static_graph's seeded random ops."""
import numbers

import numpy as np

import frameworks.static_graph as tf
from .graph import TensorType, Variable, apply, as_variable


class RandomStreams:
    """A seeded source of random tensors: uniform, normal, binomial."""

    def __init__(self, seed=None):
        self.seed = int(np.random.randint(0, 2 ** 30) if seed is None else seed)
        self._calls = 0

    def _next_seed(self):
        k, self._calls = self._calls, self._calls + 1
        return self.seed if k == 0 else self.seed * 1000003 + k

    def _draw(self, name, size, dtype, make):
        parts, ndim = _size(size)
        dtype = _floatX() if dtype in (None, "floatX") else dtype
        seed = self._next_seed()

        def lower(L, *dims):
            shape = [int(d) for v in dims for d in np.ravel(v)]
            with tf.control_dependencies(None):
                return make(shape, seed)
        return apply(name, lower, parts, [TensorType(dtype, (False,) * ndim)], static=range(len(parts)))

    def uniform(self, size=(), low=0.0, high=1.0, ndim=None, dtype=None, nstreams=None):
        return self._draw("uniform", size, dtype, lambda shape, seed: tf.cast(
            tf.random_uniform(shape, float(low), float(high), seed=seed), _tf(dtype)))

    def normal(self, size=(), avg=0.0, std=1.0, ndim=None, dtype=None, nstreams=None):
        return self._draw("normal", size, dtype, lambda shape, seed: tf.cast(
            tf.random_normal(shape, float(avg), float(std), seed=seed), _tf(dtype)))

    def binomial(self, size=(), n=1, p=0.5, ndim=None, dtype="int64", nstreams=None):
        if n != 1 or not isinstance(p, numbers.Real):
            raise NotImplementedError("binomial: only n=1 with a Python-number p is supported (the dropout mask)")
        keep = float(p)

        def make(shape, seed):
            if keep >= 1.0:
                return tf.ones(shape, dtype=_tf(dtype))
            dropped = tf.nn.dropout(tf.ones(shape), rate=1.0 - keep, seed=seed)
            return tf.cast(tf.not_equal(dropped, 0.0), _tf(dtype))
        return self._draw("binomial", size, dtype, make)


MRG_RandomStreams = RandomStreams


def _size(size):
    if isinstance(size, Variable):
        return [size], _len(size)
    size = tuple(size) if isinstance(size, (list, tuple)) else (size,)
    return [as_variable(s) for s in size], len(size)


def _len(v):
    if v.owner is not None and v.owner.op == "Shape":
        return v.owner.inputs[0].ndim
    raise ValueError("random size: give a list of dimensions or x.shape")


def _floatX():
    from . import config
    return config.floatX


def _tf(dtype):
    from .graph import tf_dtype
    return tf_dtype(_floatX() if dtype in (None, "floatX") else dtype)
