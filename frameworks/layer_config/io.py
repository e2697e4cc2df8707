"""Reading prototxt text into caffe_pb2 messages with protobuf's text_format, and the engine's errors."""
import os

from google.protobuf import text_format

from .proto import caffe_pb2


class LayerConfigError(ValueError):
    """A net, solver or snapshot the engine cannot use; the message names the file, layer, blob or shape."""


def read_prototxt(path, message):
    """Parse the text-format file at `path` into `message` (returned); errors carry file:line:column."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise LayerConfigError(f"cannot read {path}: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise LayerConfigError(f"{path}: not a text prototxt (undecodable byte at offset {e.start}); a binary "
                               "file (.caffemodel, .solverstate, .binaryproto) is not a net or solver "
                               "definition") from None
    return parse_prototxt(text, message, path)


def parse_prototxt(text, message, source="<string>"):
    """Parse prototxt `text` into `message`; `source` names it in errors."""
    try:
        text_format.Merge(text, message)
    except text_format.ParseError as e:
        # ParseError's str is "line:column : message" when it knows the position
        where = f"{e.GetLine()}:{e.GetColumn()}" if e.GetLine() else ""
        why = str(e).split(" : ", 1)[-1] if where else str(e)
        raise LayerConfigError(f"{source}:{where}: {why}" if where else f"{source}: {why}") from None
    return message


def read_net_param(net):
    """A NetParameter from a path or a NetParameter (returned as is); one in the V1 format is refused."""
    if isinstance(net, caffe_pb2.NetParameter):
        param, source = net, "<NetParameter>"
    else:
        param, source = read_prototxt(os.fspath(net), caffe_pb2.NetParameter()), os.fspath(net)
    if len(param.layers):
        kind = caffe_pb2.V1LayerParameter.LayerType.Name(param.layers[0].type)
        raise LayerConfigError(f"{source}: the net uses the deprecated V1 'layers' field ({len(param.layers)} "
                               f"layers, the first {param.layers[0].name!r} of type {kind}), which Caffe upgrades "
                               "when it loads it; this engine reads the current 'layer' format: convert the file "
                               "once with Caffe's tools/upgrade_net_proto_text")
    return param, source


def read_solver_param(solver):
    """A SolverParameter from a path or a SolverParameter (returned as is)."""
    if isinstance(solver, caffe_pb2.SolverParameter):
        return solver, "<SolverParameter>"
    return read_prototxt(os.fspath(solver), caffe_pb2.SolverParameter()), os.fspath(solver)


def read_binary(path, message, what):
    """Parse the binary protobuf file at `path` into `message`; an unreadable, truncated or foreign file
    raises one LayerConfigError naming the file and `what` it should have been."""
    from google.protobuf.message import DecodeError
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise LayerConfigError(f"cannot read {what} {path}: {e.strerror}") from None
    try:
        message.ParseFromString(data)
    except (DecodeError, ValueError) as e:   # ValueError: a field's bytes that are not UTF-8, etc.
        raise LayerConfigError(f"{path} is not a binary {type(message).__name__} ({what}): {e}; is the file "
                               "truncated, or written by something else?") from None
    return message


def write_binary(path, message):
    """Write `message` to `path` in protobuf's binary wire format (Caffe's WriteProtoToBinaryFile)."""
    with open(path, "wb") as f:
        f.write(message.SerializeToString())


def array_to_blobproto(arr, diff=None):
    """A NumPy array (and optional diff) as a BlobProto with `shape` set (pycaffe's caffe.io helper)."""
    import numpy
    arr = numpy.asarray(arr)
    blob = caffe_pb2.BlobProto()
    blob.shape.dim.extend(arr.shape)
    if arr.dtype == numpy.float64:
        blob.double_data.extend(arr.ravel().tolist())
    else:
        blob.data.extend(arr.astype(numpy.float32, copy=False).ravel().tolist())
    if diff is not None:
        blob.diff.extend(numpy.asarray(diff, numpy.float32).ravel().tolist())
    return blob


def blobproto_shape(blob):
    """A BlobProto's shape: its `shape` field, else the legacy num/channels/height/width."""
    if blob.HasField("shape"):
        return tuple(int(d) for d in blob.shape.dim)
    return (blob.num, blob.channels, blob.height, blob.width)


def blobproto_to_array(blob, return_diff=False):
    """A BlobProto's data (or diff) as a NumPy array of its shape (pycaffe's caffe.io helper)."""
    import numpy
    shape = blobproto_shape(blob)
    if return_diff:
        values = blob.double_diff if len(blob.double_diff) else blob.diff
    else:
        values = blob.double_data if len(blob.double_data) else blob.data
    dtype = numpy.float64 if (len(blob.double_diff) if return_diff else len(blob.double_data)) else numpy.float32
    arr = numpy.asarray(values, dtype=dtype)
    count = 1
    for d in shape:
        count *= d
    if arr.size != count:
        raise LayerConfigError(f"BlobProto holds {arr.size} values but its shape {shape} needs {count}")
    return arr.reshape(shape)


def array_to_datum(arr, label=None):
    """A (C, H, W) array as a Datum: uint8 as bytes in `data`, anything else as `float_data` (pycaffe)."""
    import numpy
    arr = numpy.asarray(arr)
    if arr.ndim != 3:
        raise ValueError("Incorrect array shape.")
    datum = caffe_pb2.Datum(channels=arr.shape[0], height=arr.shape[1], width=arr.shape[2])
    if arr.dtype == numpy.uint8:
        datum.data = arr.tobytes()
    else:
        datum.float_data.extend(arr.astype(float).flat)
    if label is not None:
        datum.label = int(label)
    return datum


def datum_to_array(datum):
    """A Datum's pixels as a (C, H, W) array: uint8 from `data`, else float from `float_data` (pycaffe)."""
    import numpy
    shape = (datum.channels, datum.height, datum.width)
    if len(datum.data):
        return numpy.frombuffer(datum.data, dtype=numpy.uint8).reshape(shape)
    return numpy.array(datum.float_data).astype(float).reshape(shape)


class Transformer:
    """pycaffe's caffe.io.Transformer: turn (H, W, K) images in [0, 1] into a net input and back.

        t = Transformer({"data": net.blobs["data"].data.shape})
        t.set_transpose("data", (2, 0, 1)); t.set_raw_scale("data", 255); t.set_channel_swap("data", (2, 1, 0))
        net.blobs["data"].data[...] = t.preprocess("data", image)

    preprocess: resize to the input's (H, W), transpose, channel swap, raw scale, mean subtraction, input
    scale, in that order; deprocess undoes them.
    """

    def __init__(self, inputs):
        self.inputs = inputs
        self.transpose, self.channel_swap, self.raw_scale, self.mean, self.input_scale = {}, {}, {}, {}, {}

    def _check_input(self, in_):
        if in_ not in self.inputs:
            raise Exception(f"{in_} is not one of the net inputs: {self.inputs}")

    def preprocess(self, in_, data):
        import numpy
        self._check_input(in_)
        caffe_in = numpy.array(data, dtype=numpy.float32)   # a copy: the steps below work in place
        in_dims = tuple(self.inputs[in_][2:])
        if caffe_in.shape[:2] != in_dims:
            caffe_in = resize_image(caffe_in, in_dims)
        if self.transpose.get(in_) is not None:
            caffe_in = caffe_in.transpose(self.transpose[in_])
        if self.channel_swap.get(in_) is not None:
            caffe_in = caffe_in[list(self.channel_swap[in_]), :, :]
        if self.raw_scale.get(in_) is not None:
            caffe_in *= self.raw_scale[in_]
        if self.mean.get(in_) is not None:
            caffe_in -= self.mean[in_]
        if self.input_scale.get(in_) is not None:
            caffe_in *= self.input_scale[in_]
        return caffe_in

    def deprocess(self, in_, data):
        import numpy
        self._check_input(in_)
        decaf_in = numpy.array(data, dtype=numpy.float64).squeeze()
        if self.input_scale.get(in_) is not None:
            decaf_in /= self.input_scale[in_]
        if self.mean.get(in_) is not None:
            decaf_in += self.mean[in_]
        if self.raw_scale.get(in_) is not None:
            decaf_in /= self.raw_scale[in_]
        if self.channel_swap.get(in_) is not None:
            decaf_in = decaf_in[numpy.argsort(self.channel_swap[in_]), :, :]
        if self.transpose.get(in_) is not None:
            decaf_in = decaf_in.transpose(numpy.argsort(self.transpose[in_]))
        return decaf_in

    def set_transpose(self, in_, order):
        self._check_input(in_)
        if len(order) != len(self.inputs[in_]) - 1:
            raise Exception("Transpose order needs to have the same number of dimensions as the input.")
        self.transpose[in_] = order

    def set_channel_swap(self, in_, order):
        self._check_input(in_)
        if len(order) != self.inputs[in_][1]:
            raise Exception("Channel swap needs to have the same number of dimensions as the input channels.")
        self.channel_swap[in_] = order

    def set_raw_scale(self, in_, scale):
        self._check_input(in_)
        self.raw_scale[in_] = scale

    def set_mean(self, in_, mean):
        """A per-channel (C,) mean or an elementwise (C, H, W) / (H, W) mean."""
        import numpy
        self._check_input(in_)
        mean = numpy.asarray(mean)
        ms = mean.shape
        if mean.ndim == 1:
            if ms[0] != self.inputs[in_][1]:
                raise ValueError("Mean channels incompatible with input.")
            mean = mean[:, numpy.newaxis, numpy.newaxis]
        else:
            if len(ms) == 2:
                ms = (1,) + ms
            if len(ms) != 3:
                raise ValueError("Mean shape invalid")
            if ms != tuple(self.inputs[in_][1:]):
                raise ValueError("Mean shape incompatible with input shape.")
        self.mean[in_] = mean

    def set_input_scale(self, in_, scale):
        self._check_input(in_)
        self.input_scale[in_] = scale


def resize_image(im, new_dims, interp_order=1):
    """Resize an (H, W, K) image to new_dims (H', W') by spline interpolation of interp_order
    (scipy.ndimage.zoom; pycaffe uses skimage, with the same bilinear default)."""
    import numpy
    from scipy import ndimage
    im = numpy.asarray(im, dtype=numpy.float32)
    scale = (new_dims[0] / im.shape[0], new_dims[1] / im.shape[1]) + (1,) * (im.ndim - 2)
    return ndimage.zoom(im, scale, order=interp_order)
