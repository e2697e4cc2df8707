"""Blob: the named (data, diff) array pair that layers read and write, allocated once, reshaped in place."""
import numpy


def _count(shape):
    n = 1
    for s in shape:
        n *= s
    return n


class Blob:
    """Caffe's Blob: `data` and `diff` of one shape.

    reshape() keeps the allocation when the new shape fits its capacity (as Caffe's Blob::Reshape), so a
    smaller batch reuses the same memory. set_data()/set_diff() point the blob at an array a kernel has
    just produced (Caffe's set_cpu_data): no copy, the array becomes the blob's storage.
    diff is allocated lazily, on first read, so blobs that never receive a gradient (inputs) have none.
    """

    def __init__(self, shape=(), xp=numpy, dtype=numpy.float32, name=""):
        self.xp, self.dtype, self.name = xp, numpy.dtype(dtype), name
        self._buf = None
        self._data = self._diff = None
        self.shape = None
        self.cleared = True   # parameter blobs: diff holds no gradient of this iteration yet
        self.reshape(*shape)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        shape = tuple(int(s) for s in shape)
        if any(s < 0 for s in shape):
            raise ValueError(f"blob {self.name!r}: negative dimension in shape {shape}")
        if shape == self.shape:
            return
        count = _count(shape)
        if self._buf is None or count > self._buf.size or self._buf.dtype != self.dtype:
            self._buf = self.xp.zeros(count, dtype=self.dtype)
        self._data = self._buf[:count].reshape(shape)
        self._diff = None
        self.shape = shape

    @property
    def data(self):
        return self._data

    @property
    def diff(self):
        if self._diff is None:
            self._diff = self.xp.zeros(self.shape, dtype=self._data.dtype)
        return self._diff

    @property
    def count(self):
        return _count(self.shape)

    @property
    def num(self):
        return self.shape[0] if self.shape else 1

    def cpu_data(self):
        """A NumPy copy of the data (copied back from the device on a GPU)."""
        get = getattr(self._data, "get", None)
        return get() if get is not None else numpy.array(self._data)

    def has_diff(self):
        return self._diff is not None

    def set_data(self, array):
        """Make `array` the blob's data (its shape becomes the blob's)."""
        self._data = array
        if array.shape != self.shape and tuple(array.shape) != self.shape:
            self.shape = tuple(array.shape)
            self._diff = None

    def set_diff(self, array):
        """Make `array` the blob's diff; it must have the blob's shape."""
        if array.shape != self.shape and tuple(array.shape) != self.shape:
            raise ValueError(f"blob {self.name!r}: diff of shape {tuple(array.shape)} for data of shape "
                             f"{self.shape}")
        self._diff = array

    def share_data(self, other):
        """Caffe's ShareData: this blob's data is `other`'s (used by Split, Flatten, Reshape)."""
        self.set_data(other.data)

    def __repr__(self):
        return f"Blob({self.name!r}, shape={self.shape})"
