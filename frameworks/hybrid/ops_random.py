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


def namespace(module, label):
    """`module.random` (sym.random): uniform, normal, exponential, gamma, poisson, randint."""
    ns = types.ModuleType(f"{label}.random", __doc__)
    for short in ("uniform", "normal", "exponential", "gamma", "poisson", "randint"):
        setattr(ns, short, getattr(module, f"_random_{short}"))
    return ns
