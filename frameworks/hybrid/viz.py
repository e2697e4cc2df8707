"""mx.viz: print_summary (a Keras-style table of a symbol's layers: output shapes, parameter counts, inputs)
and plot_network (a graphviz Digraph of the graph; needs the graphviz package, as MXNet's), both read from
the symbol's JSON as MXNet's are."""
import copy
import json
import re
import warnings

from .symbol import Symbol


def _str2tuple(string):
    """The integers in an attribute string ('(3, 3)' -> ['3', '3'])."""
    return re.findall(r"\d+", string)


def _shape_dict(symbol, shape):
    internals = symbol.get_internals()
    _, out_shapes, _ = internals.infer_shape(**shape)
    if out_shapes is None:
        raise ValueError("Input shape is incomplete")
    return dict(zip(internals.list_outputs(), out_shapes))


def _output_key(node):
    return node["name"] + "_output" if node["op"] != "null" else node["name"]


def _layer_params(node, pre_filter, shape_dict):
    """The parameters MXNet's summary counts for a layer: convolution and fully-connected weights and
    biases from the input's channel count, BatchNorm's gamma and beta, the embedding table."""
    op, attrs = node["op"], node.get("attrs", {})
    if op == "Convolution":
        count = pre_filter * int(attrs["num_filter"]) // int(attrs.get("num_group", "1"))
        for k in _str2tuple(attrs["kernel"]):
            count *= int(k)
        return count + (0 if attrs.get("no_bias") == "True" else int(attrs["num_filter"]))
    if op == "FullyConnected":
        bias = 0 if attrs.get("no_bias") == "True" else 1
        return (pre_filter + bias) * int(attrs["num_hidden"])
    if op == "BatchNorm" and shape_dict is not None:
        return int(shape_dict[node["name"] + "_output"][1]) * 2
    if op == "Embedding":
        return int(attrs["input_dim"]) * int(attrs["output_dim"])
    return 0


def print_summary(symbol, shape=None, line_length=120, positions=[.44, .64, .74, 1.]):  # noqa: B006  (MXNet's)
    """Print each layer (non-variable node): 'name(op)', its output shape without the batch axis (with
    `shape`: {input name: shape}), its parameter count and the layers feeding it; then the total."""
    if not isinstance(symbol, Symbol):
        raise TypeError("symbol must be Symbol")
    shape_dict = _shape_dict(symbol, shape) if shape is not None else None
    conf = json.loads(symbol.tojson())
    nodes = conf["nodes"]
    heads = set(conf["heads"][0])   # MXNet's: the first head's entry, read as a set of indices
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]

    def print_row(fields):
        line = ""
        for i, field in enumerate(fields):
            line += str(field)
            line = line[:positions[i]]
            line += " " * (positions[i] - len(line))
        print(line)

    print("_" * line_length)
    print_row(["Layer (type)", "Output Shape", "Param #", "Previous Layer"])
    print("=" * line_length)
    total_params = 0
    for i, node in enumerate(nodes):
        op = node["op"]
        if op == "null" and i > 0:
            continue
        out_shape = []
        if (op != "null" or i in heads) and shape_dict is not None and _output_key(node) in shape_dict:
            out_shape = shape_dict[_output_key(node)][1:]
        pre_node, pre_filter = [], 0
        if op != "null":
            for item in node["inputs"]:
                input_node = nodes[item[0]]
                if input_node["op"] != "null" or item[0] in heads:
                    pre_node.append(input_node["name"])
                    key = _output_key(input_node)
                    if shape_dict is not None and key in shape_dict:
                        pre_filter += int(shape_dict[key][1:][0])
        params = _layer_params(node, pre_filter, shape_dict)
        print_row([node["name"] + "(" + op + ")", "x".join(str(x) for x in out_shape), params,
                   pre_node[0] if pre_node else ""])
        for name in pre_node[1:]:
            print_row(["", "", "", name])
        total_params += params
        print(("=" if i == len(nodes) - 1 else "_") * line_length)
    print("Total params: {params}".format(params=total_params))
    print("_" * line_length)


_WEIGHT_LIKE = ("_weight", "_bias", "_beta", "_gamma", "_moving_var", "_moving_mean", "_running_var",
                "_running_mean")
_COLORS = ("#8dd3c7", "#fb8072", "#ffffb3", "#bebada", "#80b1d3", "#fdb462", "#b3de69", "#fccde5")


def _node_style(node):
    """(label, fill colour) of a layer as MXNet draws it."""
    op, attrs, name = node["op"], node.get("attrs", {}), node["name"]
    if op == "null":
        return name, _COLORS[0]
    if op == "Convolution":
        stride = "x".join(_str2tuple(attrs["stride"])) if "stride" in attrs else "1"
        return ("Convolution\n{}/{}, {}".format("x".join(_str2tuple(attrs["kernel"])), stride, attrs["num_filter"]),
                _COLORS[1])
    if op == "FullyConnected":
        return "FullyConnected\n{}".format(attrs["num_hidden"]), _COLORS[1]
    if op == "BatchNorm":
        return name, _COLORS[3]
    if op == "Activation":
        return "Activation\n{}".format(attrs["act_type"]), _COLORS[2]
    if op == "LeakyReLU":
        return "LeakyReLU\n{}".format(attrs.get("act_type", "Leaky")), _COLORS[2]
    if op == "Pooling":
        kernel = "x".join(_str2tuple(attrs["kernel"])) if "kernel" in attrs else "[]"
        stride = "x".join(_str2tuple(attrs["stride"])) if "stride" in attrs else "1"
        return "Pooling\n{}, {}/{}".format(attrs["pool_type"], kernel, stride), _COLORS[4]
    if op in ("Concat", "Flatten", "Reshape"):
        return name, _COLORS[5]
    if op == "Softmax":
        return name, _COLORS[6]
    return (attrs["op_type"] if op == "Custom" else name), _COLORS[7]


def plot_network(symbol, title="plot", save_format="pdf", shape=None, dtype=None, node_attrs={},  # noqa: B006
                 hide_weights=True):
    """A graphviz Digraph of the symbol: a box per layer (coloured by kind), an oval per input, edges from
    each layer back to its inputs, labelled with the shapes (`shape`) and dtypes (`dtype`) when given;
    weights and biases hidden unless hide_weights=False."""
    try:
        from graphviz import Digraph
    except ImportError:
        raise ImportError("Draw network requires graphviz library") from None
    if not isinstance(symbol, Symbol):
        raise TypeError("symbol must be a Symbol")
    shape_dict = _shape_dict(symbol, shape) if shape is not None else None
    type_dict = None
    if dtype is not None:
        internals = symbol.get_internals()
        _, out_types, _ = internals.infer_type(**dtype)
        if out_types is None:
            raise ValueError("Input type is incomplete")
        type_dict = dict(zip(internals.list_outputs(), out_types))
    nodes = json.loads(symbol.tojson())["nodes"]
    seen, repeated = set(), set()
    for node in nodes:
        (repeated if node["name"] in seen else seen).add(node["name"])
    if repeated:
        warnings.warn("There are multiple variables with the same name in your graph, this may result in cyclic "
                      "graph. Repeated names: " + ",".join(repeated), RuntimeWarning)
    node_attr = {"shape": "box", "fixedsize": "true", "width": "1.3", "height": "0.8034", "style": "filled"}
    node_attr.update(node_attrs)
    dot = Digraph(name=title, format=save_format)
    hidden_nodes = set()
    for node in nodes:
        attr = copy.deepcopy(node_attr)
        if node["op"] == "null":
            if node["name"].endswith(_WEIGHT_LIKE):
                if hide_weights:
                    hidden_nodes.add(node["name"])
                continue
            attr["shape"] = "oval"
        label, attr["fillcolor"] = _node_style(node)
        dot.node(name=node["name"], label=label, **attr)
    for node in nodes:
        if node["op"] == "null":
            continue
        for item in node["inputs"]:
            input_node = nodes[item[0]]
            input_name = input_node["name"]
            if input_name in hidden_nodes:
                continue
            attr = {"dir": "back", "arrowtail": "open", "label": ""}
            key = input_name
            if input_node["op"] != "null":
                key = input_name + "_output"
                if "num_outputs" in input_node.get("attrs", {}):   # MXNet's: the last output's name
                    key += str(int(input_node["attrs"]["num_outputs"]) - 1)
            if shape_dict is not None:
                attr["label"] = "x".join(str(x) for x in shape_dict[key][1:])
            if type_dict is not None:
                attr["label"] += "(" + type_dict[key].__name__ + ")"
            dot.edge(tail_name=node["name"], head_name=input_name, **attr)
    return dot


__all__ = ["print_summary", "plot_network"]
