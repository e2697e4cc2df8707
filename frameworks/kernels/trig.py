"""Trigonometric kernels (sin cos tan arcsin arccos arctan): the elementwise functions no composition of
the other kernels reaches (the hyperbolic ones and their inverses are exp/log/sqrt compositions)."""
from .base import register
from .elementwise import _Unary


@register
class Sin(_Unary):
    """y = sin(x); backward gy * cos(x)."""
    name = "sin"
    accepts_out = True
    saves_output = False

    @staticmethod
    def forward(xp, x, out=None):
        return xp.sin(x, out=out), x

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        return (gy * xp.cos(saved),)


@register
class Cos(_Unary):
    """y = cos(x); backward -gy * sin(x)."""
    name = "cos"
    accepts_out = True
    saves_output = False

    @staticmethod
    def forward(xp, x, out=None):
        return xp.cos(x, out=out), x

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        return (-gy * xp.sin(saved),)


@register
class Tan(_Unary):
    """y = tan(x); backward gy * (1 + y^2) from the output alone."""
    name = "tan"
    accepts_out = True
    may_overwrite = (0,)
    saves_inputs = ()

    @staticmethod
    def forward(xp, x, out=None):
        y = xp.tan(x, out=out)
        return y, y

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        return (gy * (1 + saved * saved),)


@register
class Arcsin(_Unary):
    """y = arcsin(x) on [-1, 1]; backward gy / sqrt(1 - x^2)."""
    name = "arcsin"
    accepts_out = True
    saves_output = False

    @staticmethod
    def forward(xp, x, out=None):
        return xp.arcsin(x, out=out), x

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        return (gy / xp.sqrt(1 - saved * saved),)


@register
class Arccos(_Unary):
    """y = arccos(x) on [-1, 1]; backward -gy / sqrt(1 - x^2)."""
    name = "arccos"
    accepts_out = True
    saves_output = False

    @staticmethod
    def forward(xp, x, out=None):
        return xp.arccos(x, out=out), x

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        return (-gy / xp.sqrt(1 - saved * saved),)


@register
class Arctan(_Unary):
    """y = arctan(x); backward gy / (1 + x^2)."""
    name = "arctan"
    accepts_out = True
    saves_output = False

    @staticmethod
    def forward(xp, x, out=None):
        return xp.arctan(x, out=out), x

    @staticmethod
    def backward(xp, saved, gy, needs=None):
        return (gy / (1 + saved * saved),)
