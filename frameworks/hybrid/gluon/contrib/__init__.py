"""gluon.contrib: the contrib layers classic programs use (nn.PixelShuffle2D)."""
from . import nn

__all__ = ["nn"]
