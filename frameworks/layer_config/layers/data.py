"""Data layers: Input, DummyData, MemoryData, Python layers and FeedLayer (tops the caller or a source fills)."""
import json

from ..io import LayerConfigError
from ..layer import Layer, fill, register_layer, shape_of

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
        obj.__init__(layer_param, *args, **kwargs)
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


