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
    """Iterates a dataset in batches; shuffle draws a fresh order each epoch from `generator`."""

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, generator=None,
                 collate_fn=None):
        if batch_size is None or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, "
                             f"but got batch_size={batch_size}")
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, batch_size, shuffle, drop_last
        self.generator = generator
        self.collate_fn = collate_fn or default_collate

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self):
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        from ..random import default_generator
        return (self.generator or default_generator).permutation(n)

    def __iter__(self):
        order = self._order()
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            if len(idx) < self.batch_size and self.drop_last:
                return
            if isinstance(self.dataset, TensorDataset):  # one gather per tensor, not a Python loop
                yield [Tensor._wrap(t._array[_xp(t._array).asarray(idx)]) for t in self.dataset.tensors]
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in idx])


def default_collate(samples):
    """Stack a list of samples (tensors, numbers, or tuples of them) into a batch."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return [default_collate(list(s)) for s in zip(*samples)]
    if isinstance(first, Tensor):
        return stack(samples)
    return tensor(samples)
