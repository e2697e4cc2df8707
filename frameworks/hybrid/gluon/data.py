"""gluon.data: ArrayDataset and DataLoader (batches of NDArrays, in order or shuffled)."""
import numpy

from .. import ndarray


class ArrayDataset:
    """Samples i of each array, zipped."""

    def __init__(self, *args):
        lengths = {len(a) for a in args}
        if len(lengths) != 1:
            raise ValueError(f"ArrayDataset: all arrays must have the same length, got {sorted(lengths)}")
        self._data = [a.asnumpy() if isinstance(a, ndarray.NDArray) else numpy.asarray(a) for a in args]

    def __len__(self):
        return len(self._data[0])

    def __getitem__(self, idx):
        items = tuple(d[idx] for d in self._data)
        return items[0] if len(items) == 1 else items


class DataLoader:
    """Batches of `batch_size` samples as NDArrays; last_batch 'keep' (a short last batch) or 'discard'."""

    def __init__(self, dataset, batch_size=None, shuffle=False, last_batch="keep", **kwargs):
        if last_batch not in ("keep", "discard"):
            raise ValueError(f"last_batch must be 'keep' or 'discard', got {last_batch!r}")
        self._dataset, self._batch_size, self._shuffle, self._last = dataset, batch_size, shuffle, last_batch

    def __len__(self):
        n, b = len(self._dataset), self._batch_size
        return n // b if self._last == "discard" else -(-n // b)

    def __iter__(self):
        n = len(self._dataset)
        order = numpy.random.permutation(n) if self._shuffle else numpy.arange(n)
        for start in range(0, n, self._batch_size):
            idx = order[start:start + self._batch_size]
            if len(idx) < self._batch_size and self._last == "discard":
                return
            items = self._dataset[idx]
            if isinstance(items, tuple):
                yield tuple(ndarray.array(x) for x in items)
            else:
                yield ndarray.array(items)
