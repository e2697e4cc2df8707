"""torch.nn: modules, Parameter, functional and init."""
from . import functional, init  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import __all__  # noqa: F401
