"""mx.contrib.io: DataLoaderIter, a gluon DataLoader as a DataIter (so Module.fit can read it), as MXNet's."""
from .. import ndarray as nd
from ..io import DataDesc, DataIter


class DataLoaderIter(DataIter):
    """Batches of `loader` (a gluon.data.DataLoader of (data, label)) as DataBatches, cast to `dtype`; a short
    last batch is padded to the first batch's size (pad says by how many), as MXNet's."""

    def __init__(self, loader, data_name="data", label_name="softmax_label", dtype="float32"):
        super().__init__()
        self._loader = loader
        self._iter = iter(self._loader)
        data, label = next(self._iter)
        self.batch_size = data.shape[0]
        self.dtype = dtype
        self.provide_data = [DataDesc(data_name, data.shape, dtype)]
        self.provide_label = [DataDesc(label_name, label.shape, dtype)]
        self._current_batch = None
        self.reset()

    def reset(self):
        self._iter = iter(self._loader)

    def iter_next(self):
        try:
            self._current_batch = next(self._iter)
        except StopIteration:
            self._current_batch = None
        return self._current_batch is not None

    def _padded(self, k):
        part = self._current_batch[k]
        if not self.getpad():
            return [part.astype(self.dtype)]
        ret = nd.empty(shape=([self.batch_size] + list(part.shape[1:])))
        ret[:part.shape[0]] = part.astype(self.dtype)
        return [ret]

    def getdata(self):
        return self._padded(0)

    def getlabel(self):
        return self._padded(1)

    def getpad(self):
        return self.batch_size - self._current_batch[0].shape[0]

    def getindex(self):
        return None
