"""torch.utils.data: Dataset, TensorDataset and a DataLoader that batches, shuffles and drops the last."""
import numpy as np

from .._factories import tensor
from .._tape import _xp
from .._tensor import Tensor, stack


class Dataset:
    """An indexable collection of samples: subclasses define __getitem__ and __len__."""

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError


class TensorDataset(Dataset):
    """Samples are the index-th rows of each tensor (all tensors share the first dimension)."""

    def __init__(self, *tensors):
        if any(t.shape[0] != tensors[0].shape[0] for t in tensors):
            raise ValueError("Size mismatch between tensors: "
                             + ", ".join(str(tuple(t.shape)) for t in tensors))
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class DataLoader:
    """Iterates a dataset in batches; shuffle draws a fresh order each epoch from `generator` (default: the
    engine's seeded default generator, so manual_seed fixes the order).

    NOTE: num_workers is accepted and every batch is loaded in the main process: there are no worker
    processes, so the batches (and their order) are exactly those of num_workers=0. pin_memory, timeout,
    worker_init_fn and persistent_workers are accepted for the same reason and change nothing.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None,
                 persistent_workers=False, pin_memory_device=""):
        if batch_size is None or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, "
                             f"but got batch_size={batch_size}")
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            raise NotImplementedError("DataLoader: batch_sampler is not supported; pass batch_size (and "
                                      "sampler) instead")
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, batch_size, shuffle, drop_last
        self.sampler, self.num_workers = sampler, num_workers
        self.generator = generator
        self.collate_fn = collate_fn or default_collate

    def __len__(self):
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self):
        if self.sampler is not None:
            return np.asarray([int(i) for i in self.sampler], dtype=np.int64)
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        from ..random import default_generator
        return (self.generator or default_generator).permutation(n)

    def __iter__(self):
        return _DataLoaderIter(self._batches())

    def _batches(self):
        order = self._order()
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            if len(idx) < self.batch_size and self.drop_last:
                return
            if isinstance(self.dataset, TensorDataset) and self.collate_fn is default_collate:
                # one gather per tensor, not a Python loop over samples
                yield [Tensor._wrap(t._array[_xp(t._array).asarray(idx)]) for t in self.dataset.tensors]
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in idx])


class _DataLoaderIter:
    """The iterator iter(loader) returns: next(it), and the 2018-era it.next() the tutorials call."""

    def __init__(self, batches):
        self._batches = batches

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._batches)

    next = __next__


def default_collate(samples):
    """Stack a list of samples (tensors, arrays, numbers, or tuples / dicts of them) into a batch; Python
    floats become float64 and ints int64, as torch's default_collate makes them."""
    first = samples[0]
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    if isinstance(first, (tuple, list)):
        return [default_collate(list(s)) for s in zip(*samples)]
    if isinstance(first, Tensor):
        return stack(samples)
    if isinstance(first, np.ndarray):
        return Tensor._wrap(np.stack(samples))
    if isinstance(first, float):
        return tensor(samples, dtype=np.float64)
    if isinstance(first, (str, bytes)):
        return list(samples)
    return tensor(samples)


class Subset(Dataset):
    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, idx):
        return self.dataset[self.indices[idx]]

    def __len__(self):
        return len(self.indices)
