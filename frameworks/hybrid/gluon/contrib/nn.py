"""gluon.contrib.nn: PixelShuffle1D/2D (sub-pixel upsampling, reshapes and one transpose) and the
Concurrent containers under their contrib names."""
from ..block import HybridBlock
from ..nn import Concurrent, HybridConcurrent, Identity  # noqa: F401  (their contrib.nn names)


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


__all__ = ["PixelShuffle1D", "PixelShuffle2D", "Concurrent", "HybridConcurrent", "Identity"]
