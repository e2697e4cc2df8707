"""trainer.memory_parts() for each engine, written once per engine: what a trainer holds between steps,
as arrays by kind, found by walking the trainer's own attributes for that engine's objects.

The contract (harness/README.md, "Memory breakdown"): `t.memory_parts() -> {kind: [arrays]}` with kinds
"params" (parameters and running statistics), "grads", "optimizer" (state), "buffers" (planned buffers
held between steps), each a list of the engine's device arrays (numpy or cupy). Arrays, not byte counts,
so the harness can count memory shared by two kinds, or by a view, once. It must only read (it is called
in the middle of a step, from the kernel hook) and must not allocate lazily created arrays.
"""
import numpy as np


def is_array(x):
    """A NumPy or CuPy array (a device array an engine holds)."""
    return isinstance(x, np.ndarray) or (type(x).__module__.startswith("cupy")
                                         and hasattr(x, "__cuda_array_interface__"))


def flat_arrays(x, depth=0):
    """Arrays inside x (an array, or tuples, lists and dicts of them); the harness counts with it too."""
    if is_array(x):
        return [x]
    if depth > 4:
        return []
    if isinstance(x, dict):
        x = list(x.values())
    if isinstance(x, (tuple, list)):
        return [a for v in x for a in flat_arrays(v, depth + 1)]
    return []


OPTIMIZER_ATTRS = ("velocity", "state")   # what the reference trainers call their optimizer state


def floor(trainer):
    """reference: `p` and any other dict of arrays (running statistics) are params; `velocity` / `state`
    optimizer state; a bare array attribute (the loss's gradient seed) a buffer. The floor keeps no
    gradients between steps (they are locals of step())."""
    params, opt, buffers = [], [], []
    for k, v in vars(trainer).items():
        part = opt if k in OPTIMIZER_ATTRS else buffers if hasattr(v, "nbytes") else params
        part.extend(flat_arrays(v))
    return {"params": params, "optimizer": opt, "buffers": buffers}


def tape(trainer):
    """dynamic_tape: every nn.Module and optim.Optimizer the trainer holds."""
    from frameworks.dynamic_tape import nn, optim
    from frameworks.dynamic_tape._memory import held_arrays
    attrs = list(vars(trainer).values())
    return held_arrays([m for m in attrs if isinstance(m, nn.Module)],
                       [o for o in attrs if isinstance(o, optim.Optimizer)])


def session(trainer):
    """static_graph: the Session the trainer holds (variables, slots, the plans' buffers, constants), plus
    arrays the program itself keeps beside it (resnet's initial values, `self.init`) as buffers."""
    import frameworks.static_graph as tf
    from frameworks.static_graph._memory import held_arrays
    attrs = list(vars(trainer).values())
    out = held_arrays(next(v for v in attrs if isinstance(v, tf.Session)))
    out["buffers"] += [a for v in attrs if isinstance(v, dict) for a in flat_arrays(v)]
    return out


def gluon(trainer):
    """hybrid: every Block's collect_params() and every gluon.Trainer the trainer holds."""
    from frameworks.hybrid import gluon as g
    from frameworks.hybrid._memory import held_arrays
    attrs = list(vars(trainer).values())
    params = {id(p): p for b in attrs if isinstance(b, g.Block) for p in b.collect_params().values()}
    return held_arrays(list(params.values()), [t for t in attrs if isinstance(t, g.Trainer)])


def keras(trainer):
    """keras: the Session the Keras backend runs the trainer's graph in. The model's weights are the
    params; every other variable in it is the optimizer's (Keras makes its moments and iteration count
    with K.zeros / K.variable, trainable TensorFlow variables, so static_graph's slot naming does not
    tell them apart); planned buffers and constants as static_graph's, plus the `weights=` arrays each
    layer was made with, which a Keras 2 layer keeps (`_initial_weights`) after loading them."""
    from frameworks.keras import backend as K
    from frameworks.keras.models import Model
    from frameworks.static_graph._memory import held_arrays
    models = [m for m in vars(trainer).values() if isinstance(m, Model)]
    weights = {id(w) for m in models for w in m.weights}
    out = held_arrays(K.get_session(trainer.graph), is_param=lambda var: id(var) in weights)
    todo = list(models)
    while todo:          # a model's layers, and the layers of a model used as a layer
        layer = todo.pop()
        todo += layer.layers if isinstance(layer, Model) else []
        out["buffers"] += flat_arrays(getattr(layer, "_initial_weights", None))
    return out


def theano(trainer):
    """theano: what the trainer's compiled functions own in the runtime's one Session (which holds the
    shared variables of every trainer alive at once): their shared variables (parameters and running statistics as params,
    the variables feeding a parameter's update as optimizer state) and the buffers their compiling added."""
    from frameworks.theano import Function
    from frameworks.theano._memory import held_arrays
    return held_arrays([f for f in vars(trainer).values() if isinstance(f, Function)])
