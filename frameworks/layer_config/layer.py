"""The Layer interface (setup / reshape / forward / backward over blobs), the type registry, fillers and
the small helpers every layer family uses (axis index, infer with the layer named, ParamLayer)."""
import numpy

from frameworks import kernels as K

from .blob import Blob
from .io import LayerConfigError

LAYERS = {}


def register_layer(type_name):
    """Class decorator filing a Layer under its prototxt `type` (Caffe's REGISTER_LAYER_CLASS)."""
    def deco(cls):
        if type_name in LAYERS:
            raise ValueError(f"layer type {type_name!r} registered twice")
        cls.type = type_name
        LAYERS[type_name] = cls
        return cls
    return deco


def layer_class(type_name, layer_name=""):
    """The class registered for `type_name`, or a clear error listing the known types."""
    try:
        return LAYERS[type_name]
    except KeyError:
        where = f"layer {layer_name!r}: " if layer_name else ""
        raise LayerConfigError(f"{where}unknown layer type {type_name!r}; known types: "
                               f"{', '.join(sorted(LAYERS))}") from None


class Layer:
    """One computation of a Net, configured by its LayerParameter (`self.layer_param`).

    The lifecycle is Caffe's: setup() (not meant to be overridden) checks the blob counts, then calls
    layer_setup() once and reshape(); the Net calls reshape() again whenever a bottom's shape changes,
    then forward(bottom, top); backward(top, propagate_down, bottom) writes each bottom's diff where
    propagate_down[i] is true. Learnable parameters are Blobs in `self.blobs`.
    Subclasses declare their arity with exact_num_bottom_blobs / exact_num_top_blobs (or min_/max_) and
    call the shared kernels; `self.xp` is numpy or cupy, `self.dtype` the net's float type.
    """
    type = None
    exact_num_bottom_blobs = None
    min_bottom_blobs = None
    max_bottom_blobs = None
    exact_num_top_blobs = None
    min_top_blobs = None
    max_top_blobs = None
    auto_top_blobs = False
    default_loss_weight = 0.0   # loss layers: 1 for their first top
    data_bottoms = ()           # bottoms read as data (ids, labels): the Net never propagates to them

    def __init__(self, layer_param, xp=numpy, dtype=numpy.float32, rng=None):
        self.layer_param = layer_param
        self.name = layer_param.name
        self.xp, self.dtype = xp, numpy.dtype(dtype)
        self.rng = rng if rng is not None else numpy.random.RandomState(1701)
        self.blobs = BlobVec(self)
        self.param_str = ""

    @property
    def phase(self):
        """TRAIN or TEST: the phase of the net the layer is in (Caffe sets layer_param.phase)."""
        return self.layer_param.phase

    def setup(self, bottom, top):
        """Check blob counts, layer_setup(), reshape() (Caffe's Layer::SetUp). The Net calls
        Layer.setup(layer, ...), so a Python layer may define its own setup() as pycaffe's do."""
        self.check_blob_counts(bottom, top)
        self.layer_setup(bottom, top)
        self.reshape(bottom, top)

    def layer_setup(self, bottom, top):
        """One-time set-up from self.layer_param (parameter blobs, fixed attributes). A pycaffe Python
        layer defines setup(bottom, top) instead, as pycaffe's PythonLayer::LayerSetUp calls it: it runs here."""
        user = type(self).setup
        if user is not Layer.setup:
            user(self, bottom, top)

    def reshape(self, bottom, top):
        """Shape the top blobs (and any buffers) for the bottoms' current shapes."""
        raise NotImplementedError

    def forward(self, bottom, top):
        raise NotImplementedError

    def backward(self, top, propagate_down, bottom):
        """Write bottom[i].diff for each i where propagate_down[i]; accumulate parameter diffs."""

    def error(self, why):
        return LayerConfigError(f"layer {self.name!r} ({self.type}): {why}")

    def check_blob_counts(self, bottom, top):
        for what, blobs, exact, lo, hi in (
                ("bottom", bottom, self.exact_num_bottom_blobs, self.min_bottom_blobs, self.max_bottom_blobs),
                ("top", top, self.exact_num_top_blobs, self.min_top_blobs, self.max_top_blobs)):
            n = len(blobs)
            if exact is not None and n != exact:
                raise self.error(f"takes exactly {exact} {what} blob(s), got {n}")
            if lo is not None and n < lo:
                raise self.error(f"takes at least {lo} {what} blob(s), got {n}")
            if hi is not None and n > hi:
                raise self.error(f"takes at most {hi} {what} blob(s), got {n}")

    # -- helpers for subclasses
    def positive(self, value, field):
        if value <= 0:
            raise self.error(f"{field} must be > 0, got {value}")
        return value

    def param_diff_buffer(self, i):
        """Where a kernel may write parameter blob i's gradient in place, as Caffe's GEMMs write
        weight_diff: its diff array while this iteration has not added to it yet, else None."""
        b = self.blobs[i]
        return b.diff if b.cleared and b.has_diff() else None

    def param_diff(self, i, grad):
        """Add `grad` to parameter blob i's diff (the Net clears it before each backward)."""
        b = self.blobs[i]
        if b.cleared:
            b.set_diff(grad)
            b.cleared = False
        else:
            b.set_diff(b.diff + grad)


class BlobVec(list):
    """A layer's parameter blobs; add_blob(*shape) is pycaffe's way for a Python layer to declare one."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def add_blob(self, *shape):
        lay = self.layer
        self.append(Blob(shape, lay.xp, lay.dtype, name=f"{lay.name}/{len(self)}"))


def fill(filler, shape, rng, dtype, fan_in=None, fan_out=None):
    """A NumPy array drawn by a FillerParameter (constant, uniform, gaussian, xavier, msra)."""
    kind = filler.type if filler is not None else "constant"
    if kind == "constant":
        return numpy.full(shape, filler.value if filler is not None else 0.0, dtype=dtype)
    if kind == "uniform":
        return rng.uniform(filler.min, filler.max, shape).astype(dtype)
    if kind == "gaussian":
        return (rng.standard_normal(shape) * filler.std + filler.mean).astype(dtype)
    if kind in ("xavier", "msra"):
        n = {0: fan_in, 1: fan_out, 2: (fan_in + fan_out) / 2.0}[filler.variance_norm]
        if kind == "xavier":
            scale = numpy.sqrt(3.0 / n)
            return rng.uniform(-scale, scale, shape).astype(dtype)
        return (rng.standard_normal(shape) * numpy.sqrt(2.0 / n)).astype(dtype)
    raise LayerConfigError(f"unknown filler type {kind!r}; known: constant, uniform, gaussian, xavier, msra")


def axis_index(axis, ndim):
    """A possibly negative axis as its index among `ndim` axes."""
    return axis + ndim if axis < 0 else axis


def prod(shape):
    """The number of elements of `shape` (1 for a scalar)."""
    n = 1
    for s in shape:
        n *= s
    return n


def infer(layer, kernel, /, *shapes, **attrs):
    """kernel.infer, with a shape error re-raised naming the layer and every bottom shape."""
    try:
        return kernel.infer(*shapes, **attrs)
    except K.ShapeError as e:
        raise layer.error(f"shape mismatch: {e}") from None


def shape_of(msg):
    """A BlobShape message as a tuple."""
    return tuple(int(d) for d in msg.dim)


class ParamLayer(Layer):
    """A layer with learnable blobs, drawn by its fillers."""

    def add_param(self, shape, filler, fan_in, fan_out):
        if any(d <= 0 for d in shape):
            raise self.error(f"parameter shape {tuple(shape)} has a dimension <= 0")
        b = Blob(shape, self.xp, self.dtype, name=f"{self.name}/{len(self.blobs)}")
        b.data[...] = self.xp.asarray(fill(filler, shape, self.rng, self.dtype, fan_in, fan_out))
        self.blobs.append(b)
        return b
