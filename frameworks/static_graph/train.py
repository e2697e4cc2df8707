"""tf.train: optimizers (through the shared update kernels), Saver (.npz + JSON index) and write_graph."""
import json
import os

import numpy as np

from frameworks import kernels as K
from . import errors, ops
from .export import graph_def, to_dot
from .gradients import gradients
from .graph import Graph, get_default_graph, int64
from .runtime import register_runner
from .variables import Variable, global_variables, trainable_variables


class Optimizer:
    """Base optimizer: compute_gradients -> apply_gradients, or both at once with minimize (TF1's API)."""
    _update_type = None

    def __init__(self, learning_rate, use_locking=False, name=None):
        self._lr = float(learning_rate)
        self._name = name or type(self).__name__.replace("Optimizer", "")
        self._slots = {}

    def compute_gradients(self, loss, var_list=None, gate_gradients=1, aggregation_method=None,
                          colocate_gradients_with_ops=False, grad_loss=None):
        var_list = list(var_list) if var_list is not None else trainable_variables()
        if not var_list:
            raise ValueError("No variables to optimize.")
        grads = gradients(loss, var_list, grad_ys=None if grad_loss is None else [grad_loss],
                          aggregation_method=aggregation_method)
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        grads_and_vars = list(grads_and_vars)
        if not any(g is not None for g, _ in grads_and_vars):
            raise ValueError("No gradients provided for any variable, check your graph for ops that do not "
                             f"support gradients, between variables {[v.op.name for _, v in grads_and_vars]} "
                             "and loss.")
        updates = []
        with get_default_graph().name_scope(name or self._name):
            self._prepare()
            for g, v in grads_and_vars:
                if g is not None:
                    updates.append(self._apply(g, v))
            finish = self._finish(updates)
            if global_step is not None:
                with get_default_graph().control_dependencies(updates + finish):
                    finish.append(ops.assign_add(global_step, 1).op)
        return ops.group(updates + finish, name=name or self._name)

    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=1, aggregation_method=None,
                 colocate_gradients_with_ops=False, name=None, grad_loss=None):
        grads_and_vars = self.compute_gradients(loss, var_list, aggregation_method=aggregation_method,
                                                grad_loss=grad_loss)
        return self.apply_gradients(grads_and_vars,
                                    global_step=global_step, name=name)

    def get_slot(self, var, name):
        return self._slots.get((var, name))

    def _slot(self, var, name):
        with get_default_graph().control_dependencies(None):
            slot = Variable(np.zeros(var.shape.dims, var.dtype.np), trainable=False,
                            name=f"{var.op.name}/{name}")
        self._slots[(var, name)] = slot
        return slot

    def _prepare(self):
        pass

    def _finish(self, updates):
        return []

    def _update(self, inputs, **attrs):
        return ops.graph_op(self._update_type, inputs, [], self._update_type, lr=self._lr, **attrs)


class GradientDescentOptimizer(Optimizer):
    """var -= learning_rate * grad (the shared sgd kernel)."""
    _update_type = "ApplyGradientDescent"

    def _apply(self, g, v):
        return self._update([v, g])


class MomentumOptimizer(Optimizer):
    """accum = momentum * accum + grad; var -= learning_rate * accum (the shared momentum kernel)."""
    _update_type = "ApplyMomentum"

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum", use_nesterov=False):
        if use_nesterov:
            raise ValueError("MomentumOptimizer: use_nesterov is not supported by the shared kernel")
        super().__init__(learning_rate, use_locking, name)
        self._momentum = float(momentum)

    def _apply(self, g, v):
        return self._update([v, self._slot(v, self._name), g], momentum=self._momentum)


class AdamOptimizer(Optimizer):
    """The textbook Adam with bias correction (the shared adam kernel); the step count t is a Variable
    incremented once per apply_gradients, after every variable's update."""
    _update_type = "ApplyAdam"

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, use_locking=False,
                 name="Adam"):
        super().__init__(learning_rate, use_locking, name)
        self._hyper = dict(beta1=float(beta1), beta2=float(beta2), eps=float(epsilon))
        self._t = None

    def _prepare(self):
        if self._t is None:
            with get_default_graph().control_dependencies(None):
                self._t = Variable(np.zeros((), np.int64), trainable=False, name="step", dtype=int64)

    def _apply(self, g, v):
        m, s = self._slot(v, self._name), self._slot(v, self._name + "_1")
        return self._update([v, m, s, self._t, g], **self._hyper)

    def _finish(self, updates):
        with get_default_graph().control_dependencies(updates):
            return [ops.assign_add(self._t, np.int64(1)).op]


@register_runner("ApplyGradientDescent")
def _run_sgd(op, sess):
    xp, update, lr = sess.xp, K.sgd.update, op.attrs["lr"]
    return lambda p, g: update(xp, p, g, lr)


@register_runner("ApplyMomentum")
def _run_momentum(op, sess):
    xp, update, lr, mu = sess.xp, K.momentum.update, op.attrs["lr"], op.attrs["momentum"]
    return lambda p, v, g: update(xp, p, g, v, lr, momentum=mu)


@register_runner("ApplyAdam")
def _run_adam(op, sess):
    xp, update, lr = sess.xp, K.adam.update, op.attrs["lr"]
    b1, b2, eps = op.attrs["beta1"], op.attrs["beta2"], op.attrs["eps"]
    return lambda p, m, v, t, g: update(xp, p, g, m, v, int(t) + 1, lr=lr, beta1=b1, beta2=b2, eps=eps)


# ---------------------------------------------------------------- checkpoints

_FORMAT = "stylebench-static-graph-checkpoint"


class Saver:
    """Save and restore variable values: `<path>.npz` (arrays, keyed v0, v1, ...) and `<path>.index.json`
    (names, keys, shapes, dtypes). Nothing is pickled, so a checkpoint can be read without trusting it."""

    def __init__(self, var_list=None, max_to_keep=5):
        if var_list is None:
            var_list = global_variables()
        if isinstance(var_list, dict):
            self._vars = dict(var_list)
        else:
            self._vars = {v.op.name: v for v in var_list}
        if not self._vars:
            raise ValueError("No variables to save")

    def save(self, sess, save_path, global_step=None, write_meta_graph=False):
        path = save_path if global_step is None else f"{save_path}-{int(global_step)}"
        index, arrays = [], {}
        for i, (name, var) in enumerate(sorted(self._vars.items())):
            value = K.to_numpy(sess._store(var).get())
            arrays[f"v{i}"] = value
            index.append(dict(name=name, key=f"v{i}", shape=list(value.shape), dtype=str(value.dtype)))
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        np.savez(path + ".npz", **arrays)
        with open(path + ".index.json", "w") as f:
            json.dump(dict(format=_FORMAT, version=1, variables=index), f, indent=1)
        return path

    def restore(self, sess, save_path):
        index_file = save_path + ".index.json"
        if not os.path.exists(index_file) or not os.path.exists(save_path + ".npz"):
            raise errors.NotFoundError(None, None, f"Unsuccessful checkpoint restore: no checkpoint at "
                                       f"{save_path!r} (expected {save_path}.npz and {index_file})")
        with open(index_file) as f:
            index = json.load(f)
        if index.get("format") != _FORMAT:
            raise errors.InvalidArgumentError(None, None, f"{index_file}: not a {_FORMAT} index")
        entries = {e["name"]: e for e in index["variables"]}
        with np.load(save_path + ".npz", allow_pickle=False) as data:
            for name, var in self._vars.items():
                e = entries.get(name)
                if e is None:
                    raise errors.NotFoundError(None, var.op,
                                               f"Key {name} not found in checkpoint {save_path}")
                value = data[e["key"]]
                if tuple(value.shape) != tuple(var.shape.dims):
                    raise errors.InvalidArgumentError(
                        None, var.op, f"{save_path}: shape {tuple(value.shape)} of {name} in the checkpoint "
                        f"does not match the variable's {tuple(var.shape.dims)}")
                sess._store(var).set(sess.xp, sess.xp.asarray(value))


def write_graph(graph_or_graph_def, logdir, name, as_text=True):
    """Write the graph for inspection: JSON (the GraphDef stand-in) or, for a name ending in .dot,
    Graphviz DOT (the TensorBoard stand-in). Returns the path written."""
    g = graph_or_graph_def
    os.makedirs(logdir, exist_ok=True)
    path = os.path.join(logdir, name)
    if name.endswith(".dot"):
        if not isinstance(g, Graph):
            raise TypeError("write_graph: DOT export needs a Graph, not a graph_def")
        text = to_dot(g)
    else:
        text = json.dumps(graph_def(g) if isinstance(g, Graph) else g, indent=1 if as_text else None)
    with open(path, "w") as f:
        f.write(text)
    return path


def get_or_create_global_step():
    g = get_default_graph()
    found = g.get_collection("global_step")
    if found:
        return found[0]
    with g.control_dependencies(None):
        step = Variable(np.zeros((), np.int64), trainable=False, name="global_step", dtype=int64)
    g.add_to_collection("global_step", step)
    return step
