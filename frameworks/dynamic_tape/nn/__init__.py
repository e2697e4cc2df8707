"""torch.nn: modules, Parameter, functional, init and utils."""
from . import functional, init, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import __all__  # noqa: F401


from .._missing import missing as _missing  # noqa: E402
__getattr__ = _missing("nn.")
