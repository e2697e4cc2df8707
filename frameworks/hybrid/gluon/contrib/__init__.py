"""gluon.contrib: the contrib layers and cells classic programs use (nn.PixelShuffle2D, nn.SyncBatchNorm,
rnn.LSTMPCell, rnn.VariationalDropoutCell)."""
from . import nn, rnn

__all__ = ["nn", "rnn"]
