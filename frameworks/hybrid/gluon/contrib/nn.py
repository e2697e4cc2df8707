"""gluon.contrib.nn: PixelShuffle1D/2D/3D (sub-pixel upsampling, reshapes and transposes), SyncBatchNorm
and SparseEmbedding (one device, dense gradients: BatchNorm's and Embedding's results), and the Concurrent
containers under their contrib names."""
import warnings

from ..block import HybridBlock
from ..nn import BatchNorm, Concurrent, Embedding, HybridConcurrent, Identity  # noqa: F401


class SyncBatchNorm(BatchNorm):
    """Cross-device BatchNorm (axis 1): on this engine's one device, BatchNorm over the whole batch."""

    def __init__(self, in_channels=0, num_devices=None, momentum=0.9, epsilon=1e-5, center=True, scale=True,
                 use_global_stats=False, beta_initializer='zeros', gamma_initializer='ones',
                 running_mean_initializer='zeros', running_variance_initializer='ones', **kwargs):
        super().__init__(axis=1, momentum=momentum, epsilon=epsilon, center=center, scale=scale,
                         use_global_stats=use_global_stats, beta_initializer=beta_initializer,
                         gamma_initializer=gamma_initializer, running_mean_initializer=running_mean_initializer,
                         running_variance_initializer=running_variance_initializer, in_channels=in_channels,
                         **kwargs)
        if num_devices is None:
            warnings.warn("Caution using SyncBatchNorm: if not using all the GPUs, please mannually set "
                          "num_devices", UserWarning)
        self._num_devices = 1 if num_devices is None else num_devices


class SparseEmbedding(Embedding):
    """Embedding with MXNet's row_sparse weight gradient; here the dense gradient (the same values)."""

    def __init__(self, input_dim, output_dim, dtype='float32', weight_initializer=None, **kwargs):
        super().__init__(input_dim, output_dim, dtype=dtype, weight_initializer=weight_initializer,
                         sparse_grad=True, **kwargs)


class PixelShuffle1D(HybridBlock):
    """(N, C * f, W) -> (N, C, W * f)."""

    def __init__(self, factor):
        super().__init__()
        self._factor = int(factor)

    def hybrid_forward(self, F, x):
        f = self._factor
        x = F.reshape(x, (0, -4, -1, f, 0))       # (N, C, f, W)
        x = F.transpose(x, (0, 1, 3, 2))          # (N, C, W, f)
        return F.reshape(x, (0, 0, -3))           # (N, C, W * f)


class PixelShuffle2D(HybridBlock):
    """(N, C * f1 * f2, H, W) -> (N, C, H * f1, W * f2) (Shi et al.'s sub-pixel convolution output)."""

    def __init__(self, factor):
        super().__init__()
        self._factors = (int(factor),) * 2 if isinstance(factor, int) else tuple(int(f) for f in factor)

    def hybrid_forward(self, F, x):
        f1, f2 = self._factors
        x = F.reshape(x, (0, -4, -1, f1 * f2, 0, 0))   # (N, C, f1 * f2, H, W)
        x = F.reshape(x, (0, 0, -4, f1, f2, 0, 0))     # (N, C, f1, f2, H, W)
        x = F.transpose(x, (0, 1, 4, 2, 5, 3))         # (N, C, H, f1, W, f2)
        return F.reshape(x, (0, 0, -3, -3))            # (N, C, H * f1, W * f2)


class PixelShuffle3D(HybridBlock):
    """(N, C * f1 * f2 * f3, D, H, W) -> (N, C, D * f1, H * f2, W * f3)."""

    def __init__(self, factor):
        super().__init__()
        self._factors = (int(factor),) * 3 if isinstance(factor, int) else tuple(int(f) for f in factor)
        assert len(self._factors) == 3, "wrong length {}".format(len(self._factors))

    def hybrid_forward(self, F, x):
        f1, f2, f3 = self._factors
        x = F.reshape(x, (0, -4, -1, f1 * f2 * f3, 0, 0, 0))    # (N, C, f1*f2*f3, D, H, W)
        x = F.swapaxes(x, 2, 3)                                  # (N, C, D, f1*f2*f3, H, W)
        x = F.reshape(x, (0, 0, 0, -4, f1, f2 * f3, 0, 0))       # (N, C, D, f1, f2*f3, H, W)
        x = F.reshape(x, (0, 0, -3, 0, 0, 0))                    # (N, C, D*f1, f2*f3, H, W)
        x = F.swapaxes(x, 3, 4)                                  # (N, C, D*f1, H, f2*f3, W)
        x = F.reshape(x, (0, 0, 0, 0, -4, f2, f3, 0))            # (N, C, D*f1, H, f2, f3, W)
        x = F.reshape(x, (0, 0, 0, -3, 0, 0))                    # (N, C, D*f1, H*f2, f3, W)
        x = F.swapaxes(x, 4, 5)                                  # (N, C, D*f1, H*f2, W, f3)
        return F.reshape(x, (0, 0, 0, 0, -3))                    # (N, C, D*f1, H*f2, W*f3)


__all__ = ["PixelShuffle1D", "PixelShuffle2D", "PixelShuffle3D", "Concurrent", "HybridConcurrent", "Identity",
           "SyncBatchNorm", "SparseEmbedding"]
