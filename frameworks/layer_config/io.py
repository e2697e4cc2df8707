"""Reading prototxt text into caffe_pb2 messages with protobuf's text_format, and the engine's errors."""
import os

from google.protobuf import text_format

from .proto import caffe_pb2


class LayerConfigError(ValueError):
    """A net, solver or snapshot the engine cannot use; the message names the file, layer, blob or shape."""


def read_prototxt(path, message):
    """Parse the text-format file at `path` into `message` (returned); errors carry file:line:column."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise LayerConfigError(f"cannot read {path}: {e.strerror}") from None
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
