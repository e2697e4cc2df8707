"""Data layers: Input, DummyData, MemoryData, Data (LMDB of Datum), HDF5Data, Python layers and FeedLayer."""
import json
import os

import numpy

from ..io import LayerConfigError, blobproto_to_array, read_binary
from ..layer import Layer, fill, register_layer, shape_of
from ..proto import caffe_pb2

# ---------------------------------------------------------------- data

@register_layer("Input")
class InputLayer(Layer):
    """Tops whose data the caller writes (net.blobs[name].data[...] = x); shapes from input_param."""
    exact_num_bottom_blobs = 0
    min_top_blobs = 1

    def layer_setup(self, bottom, top):
        shapes = [shape_of(s) for s in self.layer_param.input_param.shape]
        if len(shapes) not in (0, 1, len(top)):
            raise self.error(f"needs 0, 1 or {len(top)} shapes, got {len(shapes)}")
        for i, t in enumerate(top):
            if shapes:
                shape = shapes[0] if len(shapes) == 1 else shapes[i]
                if any(d <= 0 for d in shape):
                    raise self.error(f"top {self.layer_param.top[i]!r}: dimensions must be > 0, got {shape}")
                t.reshape(*shape)

    def reshape(self, bottom, top):
        pass   # the caller reshapes input blobs

    def forward(self, bottom, top):
        pass


@register_layer("DummyData")
class DummyDataLayer(Layer):
    """Tops filled once by dummy_data_param's fillers (constant 0 by default)."""
    exact_num_bottom_blobs = 0
    min_top_blobs = 1

    def layer_setup(self, bottom, top):
        p = self.layer_param.dummy_data_param
        shapes = [shape_of(s) for s in p.shape]
        if not shapes and p.num:
            shapes = [(n, c, h, w) for n, c, h, w in zip(p.num, p.channels, p.height, p.width)]
        if len(shapes) not in (1, len(top)):
            raise self.error(f"needs 1 or {len(top)} shapes, got {len(shapes)}")
        fillers = list(p.data_filler)
        if len(fillers) not in (0, 1, len(top)):
            raise self.error(f"needs 0, 1 or {len(top)} data_filler, got {len(fillers)}")
        for i, t in enumerate(top):
            shape = shapes[0] if len(shapes) == 1 else shapes[i]
            if any(d <= 0 for d in shape):
                raise self.error(f"top {self.layer_param.top[i]!r}: dimensions must be > 0, got {shape}")
            filler = (fillers[0] if len(fillers) == 1 else fillers[i]) if fillers else None
            t.reshape(*shape)
            t.data[...] = self.xp.asarray(fill(filler, shape, self.rng, self.dtype))

    def reshape(self, bottom, top):
        pass

    def forward(self, bottom, top):
        pass


@register_layer("MemoryData")
class MemoryDataLayer(Layer):
    """Caffe's MemoryData generalised to any number of tops: arrays handed over with reset() (pycaffe's
    net.set_input_arrays) are served batch_size rows at a time, without a copy (Caffe's set_cpu_data).

    With memory_data_param batch_size/channels/height/width the first top is (batch, c, h, w) and the
    second (batch,) until data arrive; batch_size 0 (unset) serves each array whole. Unlike Caffe,
    labels keep their own dtype (integer ids stay integers).
    """
    exact_num_bottom_blobs = 0
    min_top_blobs = 1

    def layer_setup(self, bottom, top):
        p = self.layer_param.memory_data_param
        self.batch_size = p.batch_size
        if p.batch_size:
            shape = tuple(d for d in (p.batch_size, p.channels, p.height, p.width) if d)
            top[0].reshape(*shape)
            if len(top) > 1:
                top[1].reshape(p.batch_size)
        self.arrays, self.pos = None, 0

    def reset(self, *arrays):
        if len(arrays) != len(self.layer_param.top):
            raise self.error(f"reset() needs {len(self.layer_param.top)} arrays (one per top), "
                             f"got {len(arrays)}")
        n = len(arrays[0])
        if any(len(a) != n for a in arrays):
            raise self.error(f"arrays disagree on the number of rows: {[len(a) for a in arrays]}")
        if self.batch_size and n % self.batch_size:
            raise self.error(f"{n} rows is not a multiple of batch_size {self.batch_size}")
        self.arrays, self.pos = [self.xp.asarray(a) for a in arrays], 0

    def reshape(self, bottom, top):
        pass

    def forward(self, bottom, top):
        if self.arrays is None:
            raise self.error("no data: call net.set_input_arrays(...) (MemoryData.reset) before forward")
        n = len(self.arrays[0])
        size = self.batch_size or n
        for t, a in zip(top, self.arrays):
            t.set_data(a if size == n else a[self.pos:self.pos + size])
        self.pos = (self.pos + size) % n


@register_layer("Python")
class PythonLayer(Layer):
    """python_param { module layer param_str }: a Layer subclass from the user's own module."""

    def __new__(cls, layer_param, *args, **kwargs):
        import importlib
        p = layer_param.python_param
        try:
            module = importlib.import_module(p.module)
        except ImportError as e:
            raise LayerConfigError(f"layer {layer_param.name!r} (Python): cannot import module "
                                   f"{p.module!r}: {e}") from None
        user = getattr(module, p.layer, None)
        if not (isinstance(user, type) and issubclass(user, Layer)):
            raise LayerConfigError(f"layer {layer_param.name!r} (Python): {p.module}.{p.layer} is not a "
                                   f"frameworks.layer_config.Layer subclass")
        obj = Layer.__new__(user)
        Layer.__init__(obj, layer_param, *args, **kwargs)
        obj.param_str = p.param_str
        obj.type = "Python"
        return obj


class FeedLayer(Layer):
    """Base of a Python data layer: its tops come from a dict of arrays keyed by top name.

    Either the caller hands one over with feed(batch) before each forward (a training script), or
    next_batch(i) draws batch i (a command-line run): by default `source(i, **params)`, where `source` is
    a class attribute (a function) and params the JSON object in param_str. The arrays become the tops'
    storage without a copy (moved to the device on a GPU).
    """
    exact_num_bottom_blobs = 0
    min_top_blobs = 1
    source = None

    def layer_setup(self, bottom, top):
        self.params = json.loads(self.param_str) if self.param_str else {}
        self.iter, self._fed = 0, None
        self._set(top, self.next_batch(0))

    def next_batch(self, i):
        if self.source is None:
            raise self.error("no batch fed: call feed(batch) before forward, or give the layer a source")
        return type(self).source(i, **self.params)

    def feed(self, batch):
        self._fed = batch

    def _set(self, top, batch):
        for name, t in zip(self.layer_param.top, top):
            if name not in batch:
                raise self.error(f"batch has no array {name!r} (has {', '.join(batch)})")
            a = self.xp.asarray(batch[name])
            t.set_data(a.astype(self.dtype) if a.dtype.kind == "f" and a.dtype != self.dtype else a)

    def reshape(self, bottom, top):
        pass

    def forward(self, bottom, top):
        batch = self._fed if self._fed is not None else self.next_batch(self.iter)
        self._fed = None
        self.iter += 1
        self._set(top, batch)




class _Transformer:
    """Caffe's DataTransformer for one Datum-shaped item (C, H, W): mean (mean_file BlobProto or
    mean_value per channel) subtracted, then scaled; crop_size crops (randomly in TRAIN, centred in TEST);
    mirror flips horizontally at random in TRAIN."""

    def __init__(self, layer, p, phase):
        self.layer, self.p, self.train = layer, p, phase == caffe_pb2.TRAIN
        self.scale = float(str(numpy.float32(p.scale)))
        self.mean = None
        if p.mean_file and p.mean_value:
            raise layer.error("transform_param: specify mean_file or mean_value, not both")
        if p.mean_file:
            blob = read_binary(p.mean_file, caffe_pb2.BlobProto(), "mean file (.binaryproto)")
            mean = blobproto_to_array(blob)
            self.mean = mean.reshape(mean.shape[-3:]) if mean.ndim == 4 else mean
        elif p.mean_value:
            self.mean = numpy.asarray(p.mean_value, numpy.float64).reshape(-1, 1, 1)

    def out_shape(self, c, h, w):
        k = self.p.crop_size
        if k and (k > h or k > w):
            raise self.layer.error(f"crop_size {k} is larger than the image ({h}, {w})")
        return (c, k, k) if k else (c, h, w)

    def __call__(self, item):
        item = item.astype(numpy.float64)
        if self.mean is not None:
            if self.mean.shape[0] not in (1, item.shape[0]) or (self.mean.shape[1:] != (1, 1)
                                                                and self.mean.shape != item.shape):
                raise self.layer.error(f"mean of shape {self.mean.shape} does not fit data of shape {item.shape}")
            item = item - self.mean
        k = self.p.crop_size
        if k:
            h, w = item.shape[1:]
            if self.train:
                y, x = self.layer.rng.randint(h - k + 1), self.layer.rng.randint(w - k + 1)
            else:
                y, x = (h - k) // 2, (w - k) // 2
            item = item[:, y:y + k, x:x + k]
        if self.p.mirror and self.train and self.layer.rng.randint(2):
            item = item[:, :, ::-1]
        return item * self.scale


def _datum_array(datum):
    if datum.encoded:
        raise LayerConfigError("encoded (JPEG/PNG) Datum records are not supported: write raw pixels "
                               "(caffe.io.array_to_datum)")
    shape = (datum.channels, datum.height, datum.width)
    if datum.data:
        return numpy.frombuffer(datum.data, numpy.uint8).reshape(shape)
    return numpy.asarray(datum.float_data, numpy.float32).reshape(shape)


_LMDB_ENVS = {}


@register_layer("Data")
class DataLayer(Layer):
    """Caffe's Data layer on an LMDB of Datum records (data_param { source batch_size backend: LMDB }):
    batch_size records per forward in key order, wrapping at the end; top 0 the transformed data
    (N, C, H, W), top 1 (if any) the labels (N,) as floats, as Caffe stores them."""
    exact_num_bottom_blobs = 0
    min_top_blobs = 1
    max_top_blobs = 2

    def layer_setup(self, bottom, top):
        p = self.layer_param.data_param
        if p.backend != caffe_pb2.DataParameter.LMDB:
            raise self.error("backend LEVELDB is not supported: convert the database to LMDB (backend: LMDB)")
        self.batch_size = self.positive(p.batch_size, "data_param.batch_size")
        try:
            import lmdb
        except ImportError:
            raise self.error("the Data layer needs the lmdb package (pip install lmdb)") from None
        key = os.path.realpath(p.source)
        if key not in _LMDB_ENVS:   # LMDB opens an environment once per process: train and test share it
            try:
                _LMDB_ENVS[key] = lmdb.open(p.source, readonly=True, lock=False, readahead=False,
                                            max_readers=126, subdir=os.path.isdir(p.source))
            except lmdb.Error as e:
                raise self.error(f"cannot open LMDB {p.source!r}: {e}") from None
        self.env = _LMDB_ENVS[key]
        self.txn = self.env.begin()
        self.cursor = self.txn.cursor()
        if not self.cursor.first():
            raise self.error(f"LMDB {p.source!r} is empty")
        self.transform = _Transformer(self, self.layer_param.transform_param, self.phase)
        shape = self.transform.out_shape(*self._datum()[0].shape)
        top[0].reshape(self.batch_size, *shape)
        if len(top) > 1:
            top[1].reshape(self.batch_size)

    def _datum(self):
        datum = caffe_pb2.Datum()
        try:
            datum.ParseFromString(self.cursor.value())
            return _datum_array(datum), datum.label
        except LayerConfigError as e:
            raise self.error(str(e)) from None
        except Exception as e:   # DecodeError and the like: name the record
            raise self.error(f"record {self.cursor.key()!r} of {self.layer_param.data_param.source!r} is not a "
                             f"Datum: {e}") from None

    def reshape(self, bottom, top):
        pass

    def forward(self, bottom, top):
        data = numpy.empty(top[0].shape, self.dtype)
        labels = numpy.empty(self.batch_size, self.dtype)
        for i in range(self.batch_size):
            item, labels[i] = self._datum()
            data[i] = self.transform(item)
            if not self.cursor.next():
                self.cursor.first()
        top[0].data[...] = self.xp.asarray(data)
        if len(top) > 1:
            top[1].data[...] = self.xp.asarray(labels)


@register_layer("HDF5Data")
class HDF5DataLayer(Layer):
    """Caffe's HDF5Data: hdf5_data_param.source is a text file listing .h5 files; each top is the dataset
    of its name, served batch_size rows at a time, file after file, wrapping around (shuffle permutes
    the files and the rows within each)."""
    exact_num_bottom_blobs = 0
    min_top_blobs = 1

    def layer_setup(self, bottom, top):
        p = self.layer_param.hdf5_data_param
        self.batch_size = self.positive(p.batch_size, "hdf5_data_param.batch_size")
        try:
            with open(p.source) as f:
                self.files = [line.strip() for line in f if line.strip()]
        except OSError as e:
            raise self.error(f"cannot read the file list {p.source!r}: {e.strerror}") from None
        if not self.files:
            raise self.error(f"the file list {p.source!r} names no HDF5 file")
        self.order = list(range(len(self.files)))
        if p.shuffle:
            self.rng.shuffle(self.order)
        self.file_pos = 0
        self._load(self.order[0])
        for t, a in zip(top, self.arrays):
            t.reshape(self.batch_size, *a.shape[1:])

    def _load(self, i):
        try:
            import h5py
        except ImportError:
            raise self.error("the HDF5Data layer needs the h5py package (pip install h5py)") from None
        path = self.files[i]
        try:
            with h5py.File(path, "r") as f:
                missing = [t for t in self.layer_param.top if t not in f]
                if missing:
                    raise self.error(f"{path} has no dataset {missing[0]!r} (it has {', '.join(f)})")
                self.arrays = [numpy.asarray(f[t], dtype=self.dtype) for t in self.layer_param.top]
        except OSError as e:
            raise self.error(f"cannot read HDF5 file {path!r}: {e}") from None
        rows = {len(a) for a in self.arrays}
        if len(rows) != 1:
            raise self.error(f"{path}: the datasets have different numbers of rows "
                             f"{[len(a) for a in self.arrays]}")
        self.rows = list(range(rows.pop()))
        if self.layer_param.hdf5_data_param.shuffle:
            self.rng.shuffle(self.rows)
        self.row = 0

    def reshape(self, bottom, top):
        pass

    def forward(self, bottom, top):
        for i in range(self.batch_size):
            for t, a in zip(top, self.arrays):
                t.data[i] = self.xp.asarray(a[self.rows[self.row]])
            self.row += 1
            if self.row == len(self.rows):
                self.file_pos = (self.file_pos + 1) % len(self.files)
                if self.file_pos == 0 and self.layer_param.hdf5_data_param.shuffle:
                    self.rng.shuffle(self.order)
                if len(self.files) > 1:
                    self._load(self.order[self.file_pos])
                else:
                    self.row = 0
                    if self.layer_param.hdf5_data_param.shuffle:
                        self.rng.shuffle(self.rows)
