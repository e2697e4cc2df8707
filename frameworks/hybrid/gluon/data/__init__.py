"""gluon.data: Dataset, ArrayDataset, SimpleDataset, the samplers and DataLoader (batches of NDArrays,
in order or shuffled with NumPy's global generator as Gluon's RandomSampler, last_batch keep | discard |
rollover)."""
import numpy

from ... import ndarray


class Dataset:
    """Anything with __getitem__ and __len__."""

    def __getitem__(self, idx):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def filter(self, fn):
        """The samples for which fn(sample) is true."""
        return _SampledDataset(self, FilterSampler(fn, self))

    def shard(self, num_shards, index):
        """Shard `index` of num_shards contiguous ones (the first len % num_shards shards one longer)."""
        assert index < num_shards, 'Shard index of out bound: %d out of %d' % (index, num_shards)
        assert num_shards > 0, 'Number of shards must be greater than 0'
        assert index >= 0, 'Index must be non-negative'
        shard_len, rest = divmod(len(self), num_shards)
        start = shard_len * index + min(index, rest)
        return _SampledDataset(self, SequentialSampler(shard_len + (index < rest), start))

    def take(self, count):
        """The first `count` samples (all of them when count is None or larger)."""
        if count is None or count > len(self):
            count = len(self)
        return _SampledDataset(self, SequentialSampler(count))

    def sample(self, sampler):
        """The samples at the indices `sampler` gives."""
        if not isinstance(sampler, Sampler):
            raise TypeError('Invalid sampler type: %s. Expected gluon.data.Sampler instead.' % type(sampler))
        return _SampledDataset(self, sampler)

    def transform(self, fn, lazy=True):
        """Each sample through fn, on access (lazy) or all at once now."""
        trans = _LazyTransform(self, fn)
        return trans if lazy else SimpleDataset([trans[i] for i in range(len(trans))])

    def transform_first(self, fn, lazy=True):
        return self.transform(lambda x, *rest: (fn(x),) + rest if rest else fn(x), lazy)


class _SampledDataset(Dataset):
    def __init__(self, dataset, sampler):
        self._dataset, self._sampler = dataset, sampler
        self._indices = list(iter(sampler))

    def __len__(self):
        return len(self._sampler)

    def __getitem__(self, idx):
        return self._dataset[self._indices[idx]]


class _LazyTransform(Dataset):
    def __init__(self, data, fn):
        self._data, self._fn = data, fn

    def __len__(self):
        return len(self._data)

    def __getitem__(self, idx):
        item = self._data[idx]
        return self._fn(*item) if isinstance(item, tuple) else self._fn(item)


class SimpleDataset(Dataset):
    """A list (or array) as a Dataset."""

    def __init__(self, data):
        self._data = data

    def __len__(self):
        return len(self._data)

    def __getitem__(self, idx):
        return self._data[idx]


class ArrayDataset(Dataset):
    """Sample i of each array, zipped (one array: the sample itself)."""

    def __init__(self, *args):
        if not args:
            raise ValueError("Needs at least 1 arrays")
        self._length = len(args[0])
        for i, a in enumerate(args):
            if len(a) != self._length:
                raise ValueError(f"All arrays must have the same length; array[0] has length {self._length} "
                                 f"while array[{i}] has {len(a)}.")
        self._data = [a.asnumpy() if isinstance(a, ndarray.NDArray) else
                      numpy.asarray(a) if isinstance(a, (list, tuple)) else a for a in args]
        # MXNet keeps an NDArray of 2+ dimensions as one (a sample is an NDArray row) and turns only 1-d
        # ones into NumPy: the rows are read back as NDArrays (the DataLoader reads _data in one go)
        self._as_nd = [isinstance(a, ndarray.NDArray) and a.ndim > 1 for a in args]

    def __len__(self):
        return self._length

    def __getitem__(self, idx):
        items = tuple(ndarray.array(d[idx], dtype=d.dtype) if nd else d[idx]
                      for d, nd in zip(self._data, self._as_nd))
        return items[0] if len(items) == 1 else items


class Sampler:
    """Base of the samplers: __iter__ gives indices, __len__ their count."""

    def __iter__(self):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    def __init__(self, length, start=0):
        self._length, self._start = length, start

    def __iter__(self):
        return iter(range(self._start, self._start + self._length))

    def __len__(self):
        return self._length


class RandomSampler(Sampler):
    """A permutation drawn with numpy.random.shuffle, as Gluon's."""

    def __init__(self, length):
        self._length = length

    def __iter__(self):
        indices = numpy.arange(self._length)
        numpy.random.shuffle(indices)
        return iter(indices)

    def __len__(self):
        return self._length


class FilterSampler(Sampler):
    """The indices of the samples of `dataset` for which fn(sample) is true."""

    def __init__(self, fn, dataset):
        self._fn, self._dataset = fn, dataset
        self._indices = [i for i in range(len(dataset)) if fn(dataset[i])]

    def __iter__(self):
        return iter(self._indices)

    def __len__(self):
        return len(self._indices)


class BatchSampler(Sampler):
    """Groups a sampler's indices into batches; last_batch 'keep', 'discard' or 'rollover' (the short
    last batch's samples start the next epoch)."""

    def __init__(self, sampler, batch_size, last_batch="keep"):
        if last_batch not in ("keep", "discard", "rollover"):
            raise ValueError(f"last_batch must be one of 'keep', 'discard', or 'rollover', but got {last_batch}")
        self._sampler, self._batch_size, self._last_batch = sampler, batch_size, last_batch
        self._prev = []

    def __iter__(self):
        batch, self._prev = self._prev, []
        for i in self._sampler:
            batch.append(i)
            if len(batch) == self._batch_size:
                yield batch
                batch = []
        if batch:
            if self._last_batch == "keep":
                yield batch
            elif self._last_batch == "rollover":
                self._prev = batch

    def __len__(self):
        n = len(self._sampler)
        if self._last_batch == "keep":
            return -(-n // self._batch_size)
        if self._last_batch == "discard":
            return n // self._batch_size
        return (len(self._prev) + n) // self._batch_size


def default_batchify_fn(data):
    """Stack samples into one NDArray (tuples of samples into a list of NDArrays)."""
    if isinstance(data[0], ndarray.NDArray):
        return ndarray.stack(*data)
    if isinstance(data[0], tuple):
        return [default_batchify_fn(list(field)) for field in zip(*data)]
    data = numpy.asarray(data)
    return ndarray.array(data, dtype=data.dtype)


class DataLoader:
    """Batches of `batch_size` samples from a Dataset as NDArrays (workers are not used here)."""

    def __init__(self, dataset, batch_size=None, shuffle=False, sampler=None, last_batch=None,
                 batch_sampler=None, batchify_fn=None, num_workers=0, **kwargs):
        self._dataset = dataset
        if batch_sampler is None:
            if batch_size is None:
                raise ValueError("batch_size must be specified unless batch_sampler is specified")
            if sampler is None:
                sampler = RandomSampler(len(dataset)) if shuffle else SequentialSampler(len(dataset))
            elif shuffle:
                raise ValueError("shuffle must not be specified if sampler is specified")
            batch_sampler = BatchSampler(sampler, batch_size, last_batch if last_batch else "keep")
        elif batch_size is not None or shuffle or sampler is not None or last_batch is not None:
            raise ValueError("batch_size, shuffle, sampler and last_batch must not be specified if "
                             "batch_sampler is specified.")
        self._batch_sampler = batch_sampler
        self._batchify_fn = batchify_fn or default_batchify_fn

    def __iter__(self):
        for batch in self._batch_sampler:
            if isinstance(self._dataset, ArrayDataset):  # one fancy-indexing read per array
                idx = numpy.asarray(batch)
                fields = [d[idx] for d in self._dataset._data]
                if len(fields) == 1:
                    yield self._batchify_fn(list(fields[0])) if self._batchify_fn is not default_batchify_fn \
                        else ndarray.array(fields[0], dtype=fields[0].dtype)
                elif self._batchify_fn is default_batchify_fn:
                    yield [ndarray.array(f, dtype=f.dtype) for f in fields]
                else:
                    yield self._batchify_fn([tuple(f[i] for f in fields) for i in range(len(idx))])
            else:
                yield self._batchify_fn([self._dataset[i] for i in batch])

    def __len__(self):
        return len(self._batch_sampler)


__all__ = ["Dataset", "SimpleDataset", "ArrayDataset", "Sampler", "SequentialSampler", "RandomSampler",
           "FilterSampler", "BatchSampler", "DataLoader"]

from . import dataloader, dataset, sampler, vision  # noqa: E402  (MXNet's submodule paths)
