"""gluon.model_zoo: the vision models (architectures only: pretrained weights are not downloaded)."""
from . import vision

__all__ = ["vision"]
