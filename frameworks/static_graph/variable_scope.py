"""Sharing variables (TF1's variable_scope.py): variable_scope, get_variable, reuse, and the initializers."""
import contextlib
import math

import numpy as np

from .graph import as_dtype, float32, get_default_graph
from . import ops


class _ReuseMode:
    def __repr__(self):
        return "tf.AUTO_REUSE"


AUTO_REUSE = _ReuseMode()


# ---------------------------------------------------------------- initializers
# Each is a callable (shape, dtype=None, partition_info=None) -> initial value (a tensor or an array),
# as tf.*_initializer objects are; random ones add a seeded random op.

class Initializer:
    def __init__(self, dtype=float32):
        self.dtype = as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        raise NotImplementedError


class zeros_initializer(Initializer):  # noqa: N801  (TF's names)
    def __call__(self, shape, dtype=None, partition_info=None):
        return np.zeros(shape, as_dtype(dtype or self.dtype).np)


class ones_initializer(Initializer):  # noqa: N801
    def __call__(self, shape, dtype=None, partition_info=None):
        return np.ones(shape, as_dtype(dtype or self.dtype).np)


class constant_initializer(Initializer):  # noqa: N801
    def __init__(self, value=0, dtype=float32, verify_shape=False):
        super().__init__(dtype)
        self.value = value

    def __call__(self, shape, dtype=None, partition_info=None):
        v = np.asarray(self.value, as_dtype(dtype or self.dtype).np)
        if v.size not in (1, int(np.prod(shape))):
            raise TypeError(f"constant_initializer: {v.size} values cannot fill shape {tuple(shape)}")
        return np.broadcast_to(v, shape).copy() if v.size == 1 else v.reshape(shape)


class random_normal_initializer(Initializer):  # noqa: N801
    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=float32):
        super().__init__(dtype)
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        return ops.random_normal(shape, self.mean, self.stddev, dtype or self.dtype, seed=self.seed)


class truncated_normal_initializer(random_normal_initializer):  # noqa: N801
    def __call__(self, shape, dtype=None, partition_info=None):
        return ops.truncated_normal(shape, self.mean, self.stddev, dtype or self.dtype, seed=self.seed)


class random_uniform_initializer(Initializer):  # noqa: N801
    def __init__(self, minval=0.0, maxval=None, seed=None, dtype=float32):
        super().__init__(dtype)
        self.minval, self.maxval, self.seed = minval, 1.0 if maxval is None else maxval, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        return ops.random_uniform(shape, self.minval, self.maxval, dtype or self.dtype, seed=self.seed)


def _fans(shape):
    """TF's fan computation: the last two dimensions, times the receptive field for conv kernels."""
    shape = tuple(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


class variance_scaling_initializer(Initializer):  # noqa: N801
    """stddev = sqrt(scale / n), n = fan_in, fan_out or their mean; normal is truncated (TF 1.x)."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None, dtype=float32):
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode}")
        if distribution not in ("normal", "truncated_normal", "uniform", "untruncated_normal"):
            raise ValueError(f"Invalid `distribution` argument: {distribution}")
        super().__init__(dtype)
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        dtype = dtype or self.dtype
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * scale)
            return ops.random_uniform(shape, -limit, limit, dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return ops.random_normal(shape, 0.0, math.sqrt(scale), dtype, seed=self.seed)
        # .87962566103423978 is the stddev of a unit normal truncated to (-2, 2), as TF divides by it
        return ops.truncated_normal(shape, 0.0, math.sqrt(scale) / .87962566103423978, dtype, seed=self.seed)


def glorot_uniform_initializer(seed=None, dtype=float32):
    return variance_scaling_initializer(1.0, "fan_avg", "uniform", seed, dtype)


def glorot_normal_initializer(seed=None, dtype=float32):
    return variance_scaling_initializer(1.0, "fan_avg", "truncated_normal", seed, dtype)


# ---------------------------------------------------------------- scopes

class VariableScope:
    """A variable scope: its name (the prefix of get_variable names), reuse flag and default initializer."""

    def __init__(self, reuse, name="", initializer=None, name_scope="", dtype=float32):
        self.name, self.reuse, self.initializer = name, reuse, initializer
        self.original_name_scope, self.dtype = name_scope, dtype

    def reuse_variables(self):
        self.reuse = True

    def set_initializer(self, initializer):
        self.initializer = initializer

    def get_variable(self, name, *args, **kwargs):
        with variable_scope(self):
            return get_variable(name, *args, **kwargs)


def _state(g):
    if not hasattr(g, "_var_scope"):
        g._var_scope = VariableScope(False)
        g._var_store = {}
    return g


def get_variable_scope():
    return _state(get_default_graph())._var_scope


@contextlib.contextmanager
def variable_scope(name_or_scope, default_name=None, values=None, initializer=None, regularizer=None,
                   caching_device=None, partitioner=None, custom_getter=None, reuse=None, dtype=None,
                   use_resource=None, constraint=None, auxiliary_name_scope=True):
    """Open a variable scope (and a name scope of the same name). reuse: True, tf.AUTO_REUSE, or
    None/False to inherit the enclosing scope's (a scope inside a reusing one reuses too)."""
    if custom_getter is not None or partitioner is not None:
        raise ValueError("variable_scope: custom_getter and partitioner are not supported")
    g = _state(get_default_graph())
    outer = g._var_scope
    if isinstance(name_or_scope, VariableScope):
        name, ns = name_or_scope.name, name_or_scope.original_name_scope
        inherit = name_or_scope.reuse
        init = initializer or name_or_scope.initializer
    else:
        if name_or_scope is None:
            if default_name is None:
                raise TypeError("If default_name is None then name_or_scope is required")
            name_or_scope = _unique_default(g, outer, default_name)
        name = f"{outer.name}/{name_or_scope}" if outer.name else name_or_scope
        ns, inherit = None, outer.reuse
        init = initializer or outer.initializer
    new = VariableScope(reuse if reuse not in (None, False) else inherit, name, init, "",
                        as_dtype(dtype) if dtype is not None else outer.dtype)
    g._var_scope = new
    try:
        if ns is not None:   # re-entering a captured scope re-enters its name scope
            with g.name_scope(ns or ""):
                new.original_name_scope = ns
                yield new
        elif auxiliary_name_scope:
            with g.name_scope(name_or_scope) as opened:
                new.original_name_scope = opened
                yield new
        else:
            yield new
    finally:
        g._var_scope = outer


def _unique_default(g, outer, default_name):
    taken = {k.rsplit("/", 1)[0] for k in g._var_store}
    prefix = f"{outer.name}/" if outer.name else ""
    name, i = default_name, 0
    while prefix + name in taken or any(k.startswith(prefix + name + "/") for k in taken):
        i += 1
        name = f"{default_name}_{i}"
    return name


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=None,
                 collections=None, caching_device=None, partitioner=None, validate_shape=True,
                 use_resource=None, custom_getter=None, constraint=None, synchronization=None,
                 aggregation=None):
    """The variable `<scope>/<name>`: created if new, returned if the scope reuses it (TF's errors else)."""
    from .variables import Variable
    g = _state(get_default_graph())
    scope = g._var_scope
    full = f"{scope.name}/{name}" if scope.name else name
    found = g._var_store.get(full)
    if found is not None:
        if scope.reuse is False or scope.reuse is None:
            raise ValueError(f"Variable {full} already exists, disallowed. Did you mean to set reuse=True or "
                             "reuse=tf.AUTO_REUSE in VarScope?")
        if shape is not None and tuple(found.shape.dims) != tuple(shape):
            raise ValueError(f"Trying to share variable {full}, but specified shape {tuple(shape)} and found "
                             f"shape {tuple(found.shape.dims)}.")
        if dtype is not None and as_dtype(dtype) != found.dtype:
            raise ValueError(f"Trying to share variable {full}, but specified dtype {as_dtype(dtype).name} "
                             f"and found dtype {found.dtype.name}.")
        return found
    if scope.reuse is True:
        raise ValueError(f"Variable {full} does not exist, or was not created with tf.get_variable(). Did "
                         "you mean to set reuse=tf.AUTO_REUSE in VarScope?")
    dtype = as_dtype(dtype) if dtype is not None else scope.dtype
    initializer = initializer if initializer is not None else scope.initializer
    if isinstance(initializer, type):
        initializer = initializer(dtype=dtype)
    if initializer is None:   # TF's default: glorot uniform for floats, zeros otherwise
        initializer = glorot_uniform_initializer() if dtype.is_floating else zeros_initializer(dtype)
    if callable(initializer) and not hasattr(initializer, "op"):
        if shape is None:
            raise ValueError(f"Shape of a new variable ({full}) must be fully defined, but instead was "
                             "<unknown>.")
        shape = tuple(int(s) for s in shape)
        with g.name_scope(full + "/Initializer/"), g._lifted():   # runs once, outside any cond branch
            value = initializer(shape, dtype=dtype)
    else:
        value = initializer
        if shape is not None and validate_shape:
            vshape = getattr(value, "shape", np.shape(value))
            got = tuple(vshape.dims) if hasattr(vshape, "dims") else tuple(vshape)
            if got != tuple(shape):
                raise ValueError(f"If initializer is a constant, do not specify shape. ({full}: shape "
                                 f"{tuple(shape)}, initializer shape {got})")
    trainable = True if trainable is None else trainable
    with g.name_scope(scope.name + "/" if scope.name else ""):
        var = Variable(value, trainable=trainable, name=name, dtype=dtype, collections=collections)
    if var.op.name != full:
        raise ValueError(f"get_variable: {full} clashes with an op of that name created outside "
                         "get_variable")
    g._var_store[full] = var
    return var
