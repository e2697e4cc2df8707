"""MXNet's random ops as graph ops (_random_uniform, _random_normal, ...: sym.random.uniform,
F.random.normal in a hybridized block): each is a no-gradient step that draws from mx.random's seeded
host generator when the graph runs, so every run draws afresh and nd.random and a hybridized block share
one stream."""
import inspect
import types

from .ops import OPS, _host_random, _tuple, op


def _shape(shape):
    return (1,) if shape is None else _tuple(shape, 1)


def _random(name, draw_with, params, doc, default_dtype="float32"):
    def f(E, *, shape=None, dtype=default_dtype, ctx=None, **values):
        shape = _shape(shape)
        args = [values.get(p, d) for p, d in params]

        def draw(xp):
            return xp.asarray(draw_with(_host_random().rs, args, shape)).astype(dtype)
        return E.nograd(draw, (), shape)
    f.__name__ = name
    f.__doc__ = doc
    # the distribution's parameters as keyword-only attributes with MXNet's defaults
    sig = inspect.signature(f)
    kw = [inspect.Parameter(p, inspect.Parameter.KEYWORD_ONLY, default=d) for p, d in params]
    f.__signature__ = sig.replace(parameters=[sig.parameters["E"]] + kw + [
        sig.parameters[n] for n in ("shape", "dtype", "ctx")])
    return op(f)


for _name, _draw, _params, _doc, _dtype in (
        ("_random_uniform", lambda rs, a, n: rs.uniform(a[0], a[1], size=n), (("low", 0.0), ("high", 1.0)),
         "Uniform draws in [low, high).", "float32"),
        ("_random_normal", lambda rs, a, n: rs.normal(a[0], a[1], size=n), (("loc", 0.0), ("scale", 1.0)),
         "Normal draws with mean loc and standard deviation scale.", "float32"),
        ("_random_exponential", lambda rs, a, n: rs.exponential(1.0 / a[0], size=n), (("lam", 1.0),),
         "Exponential draws with rate lam.", "float32"),
        ("_random_gamma", lambda rs, a, n: rs.gamma(a[0], a[1], size=n), (("alpha", 1.0), ("beta", 1.0)),
         "Gamma draws with shape alpha and scale beta.", "float32"),
        ("_random_poisson", lambda rs, a, n: rs.poisson(a[0], size=n), (("lam", 1.0),),
         "Poisson draws with rate lam.", "float32"),
        ("_random_randint", lambda rs, a, n: rs.randint(a[0], a[1], size=n), (("low", 0), ("high", 1)),
         "Integers drawn from [low, high).", "int32")):
    _random(_name, _draw, _params, _doc, _dtype)

OPS["random_uniform"] = OPS["uniform"] = OPS["_random_uniform"]
OPS["random_normal"] = OPS["normal"] = OPS["_random_normal"]
OPS["random_exponential"] = OPS["_random_exponential"]
OPS["random_gamma"] = OPS["_random_gamma"]
OPS["random_poisson"] = OPS["_random_poisson"]
OPS["random_randint"] = OPS["_random_randint"]


# the sample_* forms: distribution parameters are arrays (inputs); one draw of `shape` per entry, so the
# output is the parameters' shape + shape (MXNet's multisample_op)
def _sampled(name, method, to_numpy, doc):
    def f(E, *params, shape=(), dtype="float32"):
        extra = _tuple(shape, 1) if shape is not None else ()
        lead = tuple(E.shape(params[0]))
        out_shape = lead + extra

        def draw(xp, *values):
            values = [to_numpy(i, v.get() if hasattr(v, "get") else v).reshape(lead + (1,) * len(extra))
                      for i, v in enumerate(values)]
            return xp.asarray(getattr(_host_random().rs, method)(*values, size=out_shape)).astype(dtype)
        return E.nograd(draw, params, out_shape)
    return f


def _file_sampled(name, inputs, method, to_numpy, doc):
    f = _sampled(name, method, to_numpy, doc)
    f.__name__, f.__doc__ = name, doc
    P = inspect.Parameter
    f.__signature__ = inspect.Signature(
        [P("E", P.POSITIONAL_OR_KEYWORD)] + [P(n, P.POSITIONAL_OR_KEYWORD) for n in inputs]
        + [P("shape", P.KEYWORD_ONLY, default=()), P("dtype", P.KEYWORD_ONLY, default="float32")])
    op(f)
    OPS[f"_{name}"] = OPS[name]


def _same(i, v):
    return v


for _name, _inputs, _method, _convert, _doc in (
        ("sample_uniform", ("low", "high"), "uniform", _same, "Uniform draws in [low[i], high[i])."),
        ("sample_normal", ("mu", "sigma"), "normal", _same, "Normal draws, mean mu[i], deviation sigma[i]."),
        ("sample_gamma", ("alpha", "beta"), "gamma", _same, "Gamma draws, shape alpha[i], scale beta[i]."),
        ("sample_exponential", ("lam",), "exponential", lambda i, v: 1.0 / v, "Exponential draws, rate lam[i]."),
        ("sample_poisson", ("lam",), "poisson", _same, "Poisson draws, rate lam[i].")):
    _file_sampled(_name, _inputs, _method, _convert, _doc)


def _multinomial_n_out(attrs):
    return 2 if attrs.get("get_prob") else 1


@op(n_out=_multinomial_n_out)
def sample_multinomial(E, data, *, shape=(), get_prob=False, dtype="int32"):
    """Category ids drawn from each distribution along data's last axis: shape data.shape[:-1] + shape
    ((1,) for one distribution without shape); get_prob adds log p(id), differentiable in data."""
    from .ops import _k, pick
    from .. import kernels as K
    dshape = tuple(E.shape(data))
    extra = _tuple(shape, 1) if shape is not None else ()
    out_shape = (dshape[:-1] + extra) or (1,)

    def draw(xp, p):
        p = p.get() if hasattr(p, "get") else p
        flat = p.reshape(-1, p.shape[-1])
        n = 1
        for s in extra:
            n *= s
        rs = _host_random().rs
        ids = [rs.choice(p.shape[-1], size=n, p=row / row.sum()) for row in flat]
        return xp.asarray(ids).reshape(out_shape).astype(dtype)
    ids = E.nograd(draw, (data,), out_shape)
    if not get_prob:
        return ids
    # each distribution as a row of out_shape's leading axes, broadcast over the draws' axes
    lead = (dshape[:-1] + (1,) * len(extra)) or (1,)
    probs = _k(E, K.broadcast_to, _k(E, K.reshape, data, shape=lead + dshape[-1:]), shape=out_shape + dshape[-1:])
    return ids, _k(E, K.log, pick(E, probs, _k(E, K.cast, ids, dtype="float32"), axis=-1))


OPS["_sample_multinomial"] = OPS["sample_multinomial"]


@op
def shuffle(E, data):
    """data with its rows (first axis) in a random order (MXNet's _shuffle; no gradient)."""
    def draw(xp, x):
        return x[xp.asarray(_host_random().rs.permutation(x.shape[0]))]
    return E.nograd(draw, (data,), tuple(E.shape(data)))


OPS["_shuffle"] = OPS["shuffle"]


def namespace(module, label):
    """`module.random` (sym.random): uniform, normal, exponential, gamma, poisson, randint, multinomial,
    shuffle."""
    ns = types.ModuleType(f"{label}.random", __doc__)
    for short in ("uniform", "normal", "exponential", "gamma", "poisson", "randint"):
        setattr(ns, short, getattr(module, f"_random_{short}"))
    ns.multinomial, ns.shuffle = module.sample_multinomial, module.shuffle
    return ns
