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
    """A NetParameter from a path or a NetParameter (returned as is)."""
    if isinstance(net, caffe_pb2.NetParameter):
        return net, "<NetParameter>"
    return read_prototxt(os.fspath(net), caffe_pb2.NetParameter()), os.fspath(net)


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
