"""mx.io: DataDesc, DataBatch, DataIter and NDArrayIter (batches for the Module API)."""
import numpy

from . import ndarray
from .base import MXNetError


class DataDesc(tuple):
    """(name, shape) with .name, .shape, .dtype, .layout, as MXNet's."""

    def __new__(cls, name, shape, dtype="float32", layout="NCHW"):
        obj = super().__new__(cls, (name, tuple(shape)))
        obj.name, obj.shape, obj.dtype, obj.layout = name, tuple(shape), dtype, layout
        return obj

    def __repr__(self):
        return f"DataDesc[{self.name},{self.shape},{self.dtype},{self.layout}]"


class DataBatch:
    """data and label (lists of NDArrays); pad = how many trailing samples are padding."""

    def __init__(self, data, label=None, pad=None, index=None, bucket_key=None, provide_data=None,
                 provide_label=None):
        self.data, self.label, self.pad, self.index = data, label, pad, index
        self.bucket_key = bucket_key   # BucketingModule binds (or reuses) the bucket's module by it
        self.provide_data, self.provide_label = provide_data, provide_label


class DataIter:
    """Iterates DataBatches; reset() starts over."""

    def __init__(self, batch_size=0):
        self.batch_size = batch_size

    def __iter__(self):
        return self

    def reset(self):
        pass

    def __next__(self):
        return self.next()

    def next(self):
        """The next DataBatch from iter_next() and the get*() methods a subclass defines (MXNet's)."""
        if self.iter_next():
            return DataBatch(data=self.getdata(), label=self.getlabel(), pad=self.getpad(),
                             index=self.getindex())
        raise StopIteration

    def iter_next(self):
        """Move to the next batch: False at the end (the base class has none)."""
        return False

    def getdata(self):
        return None

    def getlabel(self):
        return None

    def getindex(self):
        return None

    def getpad(self):
        return 0


def _named(arrays, default):
    if arrays is None:
        return []
    if isinstance(arrays, dict):
        items = list(arrays.items())
    elif isinstance(arrays, (list, tuple)):
        items = [(default if len(arrays) == 1 else f"_{i}_{default}", a) for i, a in enumerate(arrays)]
    else:
        items = [(default, arrays)]
    # as MXNet's _init_data: an NDArray keeps its dtype, anything else becomes nd.array(v) (float32)
    return [(k, v.asnumpy() if isinstance(v, ndarray.NDArray) else numpy.asarray(v, dtype=numpy.float32))
            for k, v in items]


class NDArrayIter(DataIter):
    """Batches over arrays in memory. last_batch_handle: 'pad' (wrap around to fill the last batch,
    DataBatch.pad says how many), 'discard', or 'roll_over' (the rest starts the next epoch)."""

    def __init__(self, data, label=None, batch_size=1, shuffle=False, last_batch_handle="pad",
                 data_name="data", label_name="softmax_label"):
        super().__init__(batch_size)
        if last_batch_handle not in ("pad", "discard", "roll_over"):
            raise MXNetError(f"last_batch_handle must be 'pad', 'discard' or 'roll_over', got {last_batch_handle!r}")
        self.data, self.label = _named(data, data_name), _named(label, label_name)
        self.num_data = self.data[0][1].shape[0]
        for k, v in self.data + self.label:
            if v.shape[0] != self.num_data:
                raise MXNetError(f"NDArrayIter: {k} has {v.shape[0]} samples, {self.data[0][0]} has {self.num_data}")
        if batch_size > self.num_data and last_batch_handle == "discard":
            raise MXNetError("batch_size needs to be smaller than data size.")
        self.shuffle, self.last_batch_handle = shuffle, last_batch_handle
        self.idx = numpy.arange(self.num_data)
        self._carry = numpy.arange(0)
        self.reset()

    @property
    def provide_data(self):
        return [DataDesc(k, (self.batch_size,) + v.shape[1:], v.dtype) for k, v in self.data]

    @property
    def provide_label(self):
        return [DataDesc(k, (self.batch_size,) + v.shape[1:], v.dtype) for k, v in self.label]

    def reset(self):
        if self.shuffle:
            numpy.random.shuffle(self.idx)
        order = self.idx
        if self.last_batch_handle == "roll_over" and len(self._carry):
            order = numpy.concatenate([self._carry, self.idx])
        self._order, self.cursor, self._carry = order, 0, numpy.arange(0)

    def iter_next(self):
        return self.cursor < len(self._order)

    def next(self):
        n, b = len(self._order), self.batch_size
        if self.cursor >= n:
            raise StopIteration
        idx = self._order[self.cursor:self.cursor + b]
        pad = b - len(idx)
        if pad:
            if self.last_batch_handle == "discard":
                self.cursor = n
                raise StopIteration
            if self.last_batch_handle == "roll_over":
                self._carry, self.cursor = idx, n
                raise StopIteration
            idx = numpy.concatenate([idx, self._order[:pad]])
        self.cursor += b
        return DataBatch([ndarray.array(v[idx], dtype=v.dtype) for _, v in self.data],
                         [ndarray.array(v[idx], dtype=v.dtype) for _, v in self.label], pad=pad, index=idx,
                         provide_data=self.provide_data, provide_label=self.provide_label)

    def getpad(self):
        return max(0, self.cursor - len(self._order))


def _read_idx(path, what):
    """An idx file (MNIST's format: big-endian magic, dimensions, then uint8 data), plain or .gz."""
    import gzip
    import os
    import struct
    if not os.path.exists(path):
        raise MXNetError(f"MNISTIter: {what} file {path} not found (nothing is downloaded here)")
    with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
        magic = f.read(4)
        if len(magic) < 4 or magic[:2] != b"\0\0" or magic[2] != 8:
            raise MXNetError(f"MNISTIter: {path} is not an idx file of uint8 ({what})")
        ndim = magic[3]
        dims = struct.unpack(">" + "I" * ndim, f.read(4 * ndim))
        data = numpy.frombuffer(f.read(), dtype=numpy.uint8)
    if data.size != int(numpy.prod(dims)):
        raise MXNetError(f"MNISTIter: {path} is truncated ({data.size} bytes for dimensions {dims})")
    return data.reshape(dims)


class MNISTIter(NDArrayIter):
    """MNIST's idx files as batches: data (batch, 1, 28, 28), or (batch, 784) with flat=True, scaled to
    [0, 1]; float32 labels; the last partial batch dropped; shuffle with `seed`."""

    def __init__(self, image="./train-images-idx3-ubyte", label="./train-labels-idx1-ubyte", batch_size=128,
                 shuffle=True, flat=False, seed=0, silent=False, num_parts=1, part_index=0, data_shape=None,
                 input_shape=None, **kwargs):
        images = _read_idx(image, "image").astype(numpy.float32) / 255.0
        labels = _read_idx(label, "label").astype(numpy.float32)
        if len(images) != len(labels):
            raise MXNetError(f"MNISTIter: {len(images)} images but {len(labels)} labels")
        if num_parts > 1:
            n = len(images) // num_parts
            images, labels = images[part_index * n:(part_index + 1) * n], labels[part_index * n:(part_index + 1) * n]
        images = images.reshape(len(images), -1) if flat else images.reshape(len(images), 1, 28, 28)
        if shuffle:   # MNISTIter shuffles once, with its own seed
            order = numpy.random.RandomState(seed).permutation(len(images))
            images, labels = images[order], labels[order]
        super().__init__(images, labels, batch_size, shuffle=False, last_batch_handle="discard",
                         label_name="softmax_label")


class ResizeIter(DataIter):
    """`data_iter` resized to `size` batches per epoch (restarting it when it runs out)."""

    def __init__(self, data_iter, size, reset_internal=True):
        super().__init__(data_iter.batch_size)
        self.data_iter, self.size, self.reset_internal, self.cur = data_iter, size, reset_internal, 0
        self.provide_data, self.provide_label = data_iter.provide_data, data_iter.provide_label

    def reset(self):
        self.cur = 0
        if self.reset_internal:
            self.data_iter.reset()

    def next(self):
        if self.cur == self.size:
            raise StopIteration
        try:
            batch = next(self.data_iter)
        except StopIteration:
            self.data_iter.reset()
            batch = next(self.data_iter)
        self.cur += 1
        return batch


class CSVIter(NDArrayIter):
    """Rows of a CSV file as batches of data_shape (labels from label_csv, else zeros of label_shape);
    round_batch=True fills the last batch from the start, as MXNet's CSVIter."""

    def __init__(self, data_csv, data_shape, label_csv=None, label_shape=(1,), batch_size=1, round_batch=True,
                 dtype="float32", **kwargs):
        data = _read_csv(data_csv, data_shape, dtype)
        label = _read_csv(label_csv, label_shape, dtype) if label_csv else numpy.zeros(
            (len(data),) + tuple(label_shape), dtype=dtype)
        if tuple(label_shape) == (1,):
            label = label.reshape(len(label))
        super().__init__(data, label, batch_size, shuffle=False,
                         last_batch_handle="pad" if round_batch else "discard")


def _read_csv(path, shape, dtype):
    import os
    if not os.path.exists(path):
        raise MXNetError(f"CSVIter: {path} not found")
    try:
        rows = numpy.loadtxt(path, delimiter=",", dtype=dtype, ndmin=2)
    except ValueError as e:
        raise MXNetError(f"CSVIter: {path} is not a CSV of numbers ({e})") from None
    if rows.shape[1] != int(numpy.prod(shape)):
        raise MXNetError(f"CSVIter: {path} has {rows.shape[1]} values per row; shape {tuple(shape)} needs "
                         f"{int(numpy.prod(shape))}")
    return rows.reshape((len(rows),) + tuple(shape))


class PrefetchingIter(DataIter):
    """One iterator, or several whose batches are joined (data and labels listed in order); batches come
    from the wrapped iterators as they are asked for (there is no background thread to prefetch with)."""

    def __init__(self, iters, rename_data=None, rename_label=None):
        iters = iters if isinstance(iters, list) else [iters]
        super().__init__(iters[0].batch_size)
        self.iters = iters
        self.provide_data = [d for it in iters for d in it.provide_data]
        self.provide_label = [d for it in iters for d in it.provide_label]

    def reset(self):
        for it in self.iters:
            it.reset()

    def next(self):
        batches = [it.next() for it in self.iters]
        return DataBatch([d for b in batches for d in b.data], [d for b in batches for d in (b.label or [])],
                         pad=batches[0].pad, index=batches[0].index, provide_data=self.provide_data,
                         provide_label=self.provide_label)


def _refused_iter(name, why):
    def f(*args, **kwargs):
        raise MXNetError(f"{name} is not supported ({why})")
    f.__name__ = name
    return f


_NO_IMAGES = ("no image decoder here: mx.recordio reads the records; decode the images into arrays and use "
              "NDArrayIter, or gluon.data.vision datasets with a DataLoader")
ImageRecordIter = _refused_iter("ImageRecordIter", _NO_IMAGES)
ImageRecordUInt8Iter = _refused_iter("ImageRecordUInt8Iter", _NO_IMAGES)
ImageDetRecordIter = _refused_iter("ImageDetRecordIter", _NO_IMAGES)
LibSVMIter = _refused_iter("LibSVMIter", "its batches are sparse CSR arrays, which this engine does not have; "
                                         "load the data densely and use NDArrayIter")

__all__ = ["DataDesc", "DataBatch", "DataIter", "NDArrayIter", "MNISTIter", "ResizeIter", "CSVIter",
           "PrefetchingIter", "ImageRecordIter", "ImageRecordUInt8Iter", "ImageDetRecordIter", "LibSVMIter"]
