"""What compiled Theano functions hold between calls, as arrays by kind (the harness's memory breakdown).

The frontend keeps one runtime per device, alive while any shared variable or function made on it is, so
its static_graph Session holds the shared variables, plans and constants of every program alive at once
(two trainers built side by side share it): what belongs to some functions is their shared variables (and
the constants holding those variables' initial values), and what lowering and compiling them added to the
Session (their plans' buffers, the Consts of their lowered graphs), noted by each Function as it compiles."""
from frameworks.static_graph._memory import held_arrays as session_arrays

from .graph import ancestors


def held_arrays(functions):
    """{"params": [...], "optimizer": [...], "buffers": [...]} of these Functions (one runtime). A shared
    variable is optimizer state when it is not differentiated but feeds the update of one that is (Adam's
    m, v and t, a momentum's velocity, a shared learning rate); every other one (the parameters, running
    statistics, shared data) is params. Reads only: safe in the middle of a step."""
    functions = list(functions)
    if not functions:
        return {}
    kinds = {}
    for f in functions:
        wrt = {w for ws in f._grad_groups.values() for w in ws}
        feeding = ancestors([new for var, new in f.updates if var in wrt])
        for v in f.shared_variables:
            kind = "optimizer" if v not in wrt and v in feeding else "params"
            if kinds.get(v.variable) != "optimizer":   # state of one function's update is state
                kinds[v.variable] = kind
    order = []

    def is_param(var):
        order.append(var)
        return kinds.get(var) != "optimizer"
    held = session_arrays(functions[0].runtime.session, is_param=is_param)
    if len(order) != len(held["params"]) + len(held["optimizer"]):
        raise RuntimeError("static_graph's held_arrays no longer lists one value per variable, in the order it "
                           "asks is_param: frameworks/theano/_memory.py must follow it")
    out = {"params": [], "optimizer": [], "buffers": []}
    values = {True: iter(held["params"]), False: iter(held["optimizer"])}
    for var in order:
        value = next(values[kinds.get(var) != "optimizer"])
        if var in kinds:
            out[kinds[var]].append(value)
    seen = set()
    for f in functions:
        for v in f.shared_variables:
            init = v.variable.initial_value.op
            if init.type == "Const" and id(init) not in seen:
                seen.add(id(init))
                out["buffers"].append(init.get_attr("value"))
        out["buffers"] += f.compiled_buffers
    return out


def new_buffers(session, before):
    """The buffers `session` holds that `before` (an earlier new_buffers(session, ()) list) does not: what
    lowering and compiling one signature of a function added (its plan's arena and folded constants, the
    Consts of its lowered graph)."""
    known = {id(a) for a in before}
    return [a for a in session_arrays(session, is_param=lambda var: True)["buffers"] if id(a) not in known]

