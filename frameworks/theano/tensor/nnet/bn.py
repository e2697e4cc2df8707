"""theano.tensor.nnet.bn: batch_normalization_train / _test, composed from tensor ops as Theano defines them."""
from ...graph import as_variable


def _axes(axes, ndim):
    if axes == "per-activation":
        return (0,)
    if axes == "spatial":
        return (0,) + tuple(range(2, ndim))
    return tuple(int(a) for a in axes)


def batch_normalization_train(inputs, gamma, beta, axes="per-activation", epsilon=1e-4,
                              running_average_factor=0.1, running_mean=None, running_var=None):
    """Normalise with the batch's mean and (biased) variance over `axes`: returns (out, mean, invstd), plus
    the new running mean and variance (the variance unbiased, m / (m - 1)) when both running values are
    given. gamma, beta and the running values must have the inputs' rank, 1 (or broadcastable) on `axes`."""
    from ... import tensor as T
    x = as_variable(inputs)
    axes = _axes(axes, x.ndim)
    for name, p in (("gamma", gamma), ("beta", beta), ("running_mean", running_mean), ("running_var", running_var)):
        if p is not None and as_variable(p).ndim != x.ndim:
            raise ValueError(f"batch_normalization_train: {name} must have {x.ndim} dimensions like the inputs "
                             f"(1 or broadcastable on axes {axes}), got {as_variable(p).ndim}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be given or both be None")
    mean = x.mean(axes, keepdims=True)
    var = T.sqr(x - mean).mean(axes, keepdims=True)
    invstd = T.inv(T.sqrt(var + epsilon))
    out = (x - mean) * (invstd * gamma) + beta
    if running_mean is None:
        return out, mean, invstd
    m = T.cast(_count(x, axes), x.dtype)
    f = running_average_factor
    new_mean = running_mean * (1.0 - f) + mean * f
    new_var = running_var * (1.0 - f) + (m / (m - 1)) * var * f
    return out, mean, invstd, new_mean, new_var


def _count(x, axes):
    """The number of values each statistic averages (the product of x's sizes on `axes`)."""
    n = x.shape[axes[0]]
    for a in axes[1:]:
        n = n * x.shape[a]
    return n


def batch_normalization_test(inputs, gamma, beta, mean, var, axes="per-activation", epsilon=1e-4):
    from ... import tensor as T
    x = as_variable(inputs)
    return (x - mean) * (gamma * T.inv(T.sqrt(var + epsilon))) + beta


def batch_normalization(inputs, gamma, beta, mean, std, mode="low_mem"):
    """Theano's elementwise form: (inputs - mean) * (gamma / std) + beta."""
    return (as_variable(inputs) - mean) * (gamma / std) + beta

