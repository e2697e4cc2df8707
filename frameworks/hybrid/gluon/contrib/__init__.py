"""gluon.contrib: the contrib layers and cells classic programs use (nn.PixelShuffle2D, nn.SyncBatchNorm,
rnn.LSTMPCell, rnn.VariationalDropoutCell) and the Estimator training loop."""
from . import estimator, nn, rnn

__all__ = ["estimator", "nn", "rnn"]
