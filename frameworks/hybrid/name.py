"""mx.name: NameManager and Prefix, the context managers that name the symbols made inside them."""
from .symbol import NameManager, Prefix, current_name_manager as current

__all__ = ["NameManager", "Prefix", "current"]
