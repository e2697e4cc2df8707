"""Graph export: a JSON GraphDef stand-in and Graphviz DOT (what TensorBoard's graph view shows)."""


def _attr(v):
    """A JSON-able rendering of an op attribute (arrays summarised, ops and dtypes by name)."""
    if hasattr(v, "op") and hasattr(v, "name"):
        return v.name
    if hasattr(v, "type") and hasattr(v, "inputs"):
        return v.name
    if hasattr(v, "shape") and hasattr(v, "dtype") and hasattr(v, "tolist"):
        return {"array": list(v.shape), "dtype": str(v.dtype)} if v.size > 16 else v.tolist()
    if hasattr(v, "as_numpy_dtype"):
        return v.name
    if isinstance(v, (list, tuple)):
        return [_attr(x) for x in v]
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return repr(v)


def graph_def(graph):
    """{"node": [{name, op, input, attr, output}]}; control inputs are listed as "^name" as in TF."""
    nodes = []
    for op in graph.get_operations():
        nodes.append(dict(
            name=op.name, op=op.type,
            input=[t.name for t in op.inputs if t.dtype is not None]
            + ["^" + c.name for c in op.control_inputs],
            attr={k: _attr(v) for k, v in op.attrs.items() if k not in ("variable",)},
            output=[dict(dtype=None if t.dtype is None else t.dtype.name, shape=None if t.shape.dims is None else list(t.shape.dims))
                    for t in op.outputs]))
    return {"node": nodes, "versions": {"producer": 1}}


def to_dot(graph):
    """Graphviz DOT text: one box per op, data edges solid (labelled with the shape), control dashed."""
    lines = ["digraph G {", "  rankdir=TB;", '  node [shape=box, fontsize=10];']
    ids = {op: f"n{i}" for i, op in enumerate(graph.get_operations())}
    for op, i in ids.items():
        lines.append(f'  {i} [label="{op.name}\\n{op.type}"];')
    for op, i in ids.items():
        for t in op.inputs:
            if t.dtype is None:   # a kernel's saved value, read by its gradient op
                lines.append(f'  {ids[t.op]} -> {i} [style=dotted, label="saved"];')
            else:
                lines.append(f'  {ids[t.op]} -> {i} [label="{t.shape}"];')
        for c in op.control_inputs:
            lines.append(f"  {ids[c]} -> {i} [style=dashed];")
    lines.append("}")
    return "\n".join(lines) + "\n"
