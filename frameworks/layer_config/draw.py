"""Graphviz DOT of a net, as Caffe's python/caffe/draw.py draws it: layers as boxes, blobs as octagons."""
from .io import read_net_param
from .net import filter_net
from .proto import caffe_pb2

_COLORS = {"Convolution": "#FF5050", "Pooling": "#FF9900", "InnerProduct": "#CC33FF"}


def _quote(s):
    return '"' + str(s).replace('"', r'\"') + '"'


def _label(lp):
    extra = ""
    if lp.type == "Convolution":
        p = lp.convolution_param
        extra = f"\\nkernel {list(p.kernel_size)} pad {list(p.pad)} -> {p.num_output}"
    elif lp.type == "Pooling":
        p = lp.pooling_param
        extra = f"\\n{caffe_pb2.PoolingParameter.PoolMethod.Name(p.pool)} {p.kernel_size}/{p.stride}"
    elif lp.type == "InnerProduct":
        extra = f"\\n-> {lp.inner_product_param.num_output}"
    return f"{lp.name}\\n({lp.type}){extra}"


def to_dot(net, rankdir="LR", phase=None):
    """DOT text for `net` (a path or NetParameter); with `phase` only the layers of that phase.

    In-place layers (top == bottom) are drawn on the edge's path, as Caffe's draw_net does, so the blob
    appears once.
    """
    param, _ = read_net_param(net)
    if phase is not None:
        param = filter_net(param, caffe_pb2.NetState(phase=phase))
    lines = [f"digraph {_quote(param.name or 'net')} {{", f"  rankdir={rankdir};"]
    blobs = set()
    for i, lp in enumerate(param.layer):
        node = f"layer{i}"
        color = _COLORS.get(lp.type, "#6495ED")
        lines.append(f"  {node} [shape=record, style=filled, fillcolor={_quote(color)}, "
                     f"label={_quote(_label(lp))}];")
        for b in lp.bottom:
            blobs.add(b)
            lines.append(f"  {_quote('blob_' + b)} -> {node};")
        for t in lp.top:
            if t in lp.bottom:
                continue   # in place: the blob node already links into this layer
            blobs.add(t)
            lines.append(f"  {node} -> {_quote('blob_' + t)};")
    for b in sorted(blobs):
        lines.append(f"  {_quote('blob_' + b)} [shape=octagon, style=filled, fillcolor=\"#E0E0E0\", "
                     f"label={_quote(b)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def draw_net_to_file(net, filename, rankdir="LR", phase=None):
    """Write the DOT text to `filename` (render it with Graphviz: dot -Tpng file.dot)."""
    with open(filename, "w") as f:
        f.write(to_dot(net, rankdir, phase))
