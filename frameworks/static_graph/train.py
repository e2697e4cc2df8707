"""tf.train: optimizers (through the shared update kernels), Saver (.npz + JSON index) and write_graph."""
import functools
import json
import os

import numpy as np

from frameworks import kernels as K
from . import errors, ops
from .export import graph_def, to_dot
from .gradients import gradients
from .graph import Graph, GraphKeys, float32, get_default_graph, int64
from .runtime import register_runner
from .unsupported import missing
from .unsupported import (ClusterSpec, Server, batch, input_producer, replica_device_setter,  # noqa: F401
                          shuffle_batch, slice_input_producer, start_queue_runners, string_input_producer)
from .variables import Variable, global_variables, trainable_variables


class Optimizer:
    """Base optimizer: compute_gradients -> apply_gradients, or both at once with minimize (TF1's API).

    `learning_rate` is a Python number or a scalar tensor (a decay schedule, read at run time). A subclass
    gives `_apply`, one variable's update: a graph op running the shared update kernel in TF's form.
    """
    _update_type = None

    def __init__(self, learning_rate, use_locking=False, name=None):
        self._lr = learning_rate if hasattr(learning_rate, "op") else float(learning_rate)
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
                    updates.append(ops.as_operation(self._apply(g, v)))
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

    def get_slot_names(self):
        return sorted({n for _, n in self._slots})

    def variables(self):
        return list(self._slots.values())

    def _slot(self, var, name, fill=0.0):
        """The slot `name` (TF's: "m", "momentum", "accum", ...) of `var`: a Variable named as TF names it,
        `var/<optimizer>` for the variable's first slot, then `var/<optimizer>_1`, ..."""
        k = sum(1 for v, _ in self._slots if v is var)
        g = get_default_graph()
        with g.name_scope(None), g.control_dependencies(None):   # TF: beside the variable, not in the op's scope
            slot = Variable(np.full(var.shape.dims, fill, var.dtype.np), trainable=False,
                            name=f"{var.op.name}/{self._name}" + (f"_{k}" if k else ""))
        self._slots[(var, name)] = slot
        return slot

    def _prepare(self):
        pass

    def _finish(self, updates):
        return []

    def _update(self, inputs, **attrs):
        """An update-kernel op; a tensor learning rate is its last input, read at run time."""
        if hasattr(self._lr, "op"):
            return ops.graph_op(self._update_type, inputs + [self._lr], [], self._update_type, lr=None,
                                **attrs)
        return ops.graph_op(self._update_type, inputs, [], self._update_type, lr=self._lr, **attrs)


class GradientDescentOptimizer(Optimizer):
    """var -= learning_rate * grad (the shared sgd kernel)."""
    _update_type = "ApplyGradientDescent"

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(learning_rate, use_locking, name)

    def _apply(self, g, v):
        return self._update([v, g])


class MomentumOptimizer(Optimizer):
    """accum = accum * momentum + grad; var -= lr * accum, or with use_nesterov TF's
    var -= grad * lr + accum * momentum * lr (the shared momentum / nesterov kernels)."""
    _update_type = "ApplyMomentum"

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum", use_nesterov=False):
        super().__init__(learning_rate, use_locking, name)
        self._momentum = float(momentum)
        self._nesterov = bool(use_nesterov)

    def _apply(self, g, v):
        return self._update([v, self._slot(v, "momentum"), g], momentum=self._momentum,
                            use_nesterov=self._nesterov)


class RMSPropOptimizer(Optimizer):
    """TF1's RMSProp (the shared rmsprop kernel in TF's form): ms = decay * ms + (1 - decay) * grad^2;
    mom = momentum * mom + lr * grad / sqrt(ms + epsilon); var -= mom. `ms` starts at ones (TF 1.x);
    `centered` subtracts the square of the mean gradient from ms."""
    _update_type = "ApplyRMSProp"

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False,
                 centered=False, name="RMSProp"):
        super().__init__(learning_rate, use_locking, name)
        self._hyper = dict(decay=float(decay), momentum=float(momentum), eps=float(epsilon),
                           centered=bool(centered))

    _ms_init = 1.0      # TF 1.x starts the mean square at ones (tf.keras at zeros)

    def _apply(self, g, v):
        ms, mom = self._slot(v, "rms", fill=self._ms_init), self._slot(v, "momentum")
        mg = [self._slot(v, "mg")] if self._hyper["centered"] else []
        return self._update([v, ms, mom] + mg + [g], **self._hyper)


class AdagradOptimizer(Optimizer):
    """TF1's Adagrad (the shared adagrad kernel, no epsilon): accum += grad^2;
    var -= lr * grad / sqrt(accum); accum starts at initial_accumulator_value (0.1)."""
    _update_type = "ApplyAdagrad"

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False, name="Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: {initial_accumulator_value}")
        super().__init__(learning_rate, use_locking, name)
        self._init = float(initial_accumulator_value)

    def _apply(self, g, v):
        return self._update([v, self._slot(v, "accumulator", fill=self._init), g])


class AdamOptimizer(Optimizer):
    """TF1's Adam (the shared adam kernel, eps_placement "folded"): lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t);
    m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g; var -= lr_t * m / (sqrt(v) + epsilon). The step count t is
    a Variable incremented once per apply_gradients, after every variable's update (TF keeps the powers
    b1^t, b2^t instead: the same numbers)."""
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
        m, s = self._slot(v, "m"), self._slot(v, "v")
        return self._update([v, m, s, self._t, g], **self._hyper)

    def _finish(self, updates):
        with get_default_graph().control_dependencies(updates):
            return [ops.assign_add(self._t, np.int64(1)).op]


class AdadeltaOptimizer(Optimizer):
    """TF1's Adadelta (the shared adadelta kernel): accum = rho * accum + (1 - rho) * grad^2;
    update = sqrt(accum_update + epsilon) / sqrt(accum + epsilon) * grad; var -= lr * update;
    accum_update = rho * accum_update + (1 - rho) * update^2. TF's defaults (lr 0.001, rho 0.95, eps 1e-8)."""
    _update_type = "ApplyAdadelta"

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-8, use_locking=False, name="Adadelta"):
        super().__init__(learning_rate, use_locking, name)
        self._hyper = dict(rho=float(rho), eps=float(epsilon))

    def _apply(self, g, v):
        return self._update([v, self._slot(v, "accum"), self._slot(v, "accum_update"), g], **self._hyper)


def _with_lr(op, apply):
    """The update op's runner: `apply(lr, *inputs)` with the op's constant learning rate bound once, at
    compile time, or with a tensor schedule's value (the op's last input) read as a Python float per run."""
    if op.attrs["lr"] is None:
        return lambda *args: apply(float(args[-1]), *args[:-1])
    return functools.partial(apply, op.attrs["lr"])


@register_runner("ApplyGradientDescent")
def _run_sgd(op, sess):
    xp, update = sess.xp, K.sgd.update
    return _with_lr(op, lambda lr, p, g: update(xp, p, g, lr))


@register_runner("ApplyMomentum")
def _run_momentum(op, sess):
    xp, mu = sess.xp, op.attrs["momentum"]
    update = K.nesterov.update if op.attrs["use_nesterov"] else K.momentum.update
    return _with_lr(op, lambda lr, p, v, g: update(xp, p, g, v, lr, momentum=mu))


@register_runner("ApplyRMSProp")
def _run_rmsprop(op, sess):
    xp, update, a = sess.xp, K.rmsprop.update, op.attrs

    def run(lr, p, ms, mom, *mg_g):
        update(xp, p, mg_g[-1], ms, mg_g[0] if len(mg_g) > 1 else None, mom, lr=lr, alpha=a["decay"],
               eps=a["eps"], eps_inside=True, centered=a["centered"], momentum=a["momentum"],
               lr_in_momentum=True)
    return _with_lr(op, run)


@register_runner("ApplyAdagrad")
def _run_adagrad(op, sess):
    xp, update = sess.xp, K.adagrad.update
    return _with_lr(op, lambda lr, p, accum, g: update(xp, p, g, accum, lr=lr, eps=0.0))


@register_runner("ApplyAdadelta")
def _run_adadelta(op, sess):
    xp, update, rho, eps = sess.xp, K.adadelta.update, op.attrs["rho"], op.attrs["eps"]
    return _with_lr(op, lambda lr, p, accum, accum_update, g: update(xp, p, g, accum, accum_update, lr=lr,
                                                                     rho=rho, eps=eps))


@register_runner("ApplyAdam")
def _run_adam(op, sess):
    xp, update = sess.xp, K.adam.update
    b1, b2, eps = op.attrs["beta1"], op.attrs["beta2"], op.attrs["eps"]
    return _with_lr(op, lambda lr, p, m, v, t, g: update(xp, p, g, m, v, int(t) + 1, lr=lr, beta1=b1,
                                                         beta2=b2, eps=eps, eps_placement="folded"))


# ---------------------------------------------------------------- learning-rate schedules

def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """learning_rate * decay_rate ^ (global_step / decay_steps), the exponent floored with staircase."""
    if global_step is None:
        raise ValueError("global_step is required for exponential_decay.")
    with get_default_graph().name_scope(name or "ExponentialDecay"):
        lr = ops.convert_to_tensor(learning_rate, dtype=float32)
        p = ops.cast(global_step, lr.dtype) / ops.cast(decay_steps, lr.dtype)
        if staircase:
            p = ops.floor(p)
        return ops.multiply(lr, ops.pow(ops.cast(decay_rate, lr.dtype), p))


def piecewise_constant(x, boundaries, values, name=None):
    """values[0] while x <= boundaries[0], values[i] while boundaries[i-1] < x <= boundaries[i], then
    values[-1]; a chain of selects, so each value is returned exactly."""
    if len(values) != len(boundaries) + 1:
        raise ValueError("The length of boundaries should be 1 less than the length of values")
    x = ops.convert_to_tensor(x)
    with get_default_graph().name_scope(name or "PiecewiseConstant"):
        vals = [ops.convert_to_tensor(v) for v in values]
        out = vals[-1]
        for b, v in zip(reversed(boundaries), reversed(vals[:-1])):
            out = ops.where(ops.less_equal(x, ops.cast(b, x.dtype)), v, out)
        return out


# ---------------------------------------------------------------- checkpoints

_FORMAT = "stylebench-static-graph-checkpoint"


class Saver:
    """Save and restore variable values: `<path>.npz` (arrays, keyed v0, v1, ...) and `<path>.index.json`
    (names, keys, shapes, dtypes). Nothing is pickled, so a checkpoint can be read without trusting it.
    As TF's, each save records itself in the directory's `checkpoint` state file (text, TF's field names)
    and keeps only the newest `max_to_keep` checkpoints (None or 0: all)."""

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False,
                 saver_def=None, builder=None, defer_build=False, allow_empty=False, write_version=2,
                 pad_step_number=False, save_relative_paths=False, filename=None):
        if var_list is None:
            var_list = global_variables()
        if isinstance(var_list, dict):
            self._vars = dict(var_list)
        else:
            self._vars = {v.op.name: v for v in var_list}
        if not self._vars and not allow_empty:
            raise ValueError("No variables to save")
        self._max_to_keep = max_to_keep
        self._last = []   # this Saver's checkpoints, oldest first (TF forgets older runs' files too)

    @property
    def last_checkpoints(self):
        return list(self._last)

    def save(self, sess, save_path, global_step=None, latest_filename=None, meta_graph_suffix="meta",
             write_meta_graph=True, write_state=True, strip_default_attrs=False):
        if global_step is not None and not isinstance(global_step, (int, np.integer)):
            global_step = sess.run(global_step)   # a global-step variable or tensor, as TF accepts
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
        if path in self._last:
            self._last.remove(path)
        self._last.append(path)
        if self._max_to_keep:
            while len(self._last) > self._max_to_keep:
                old = self._last.pop(0)
                for suffix in (".npz", ".index.json"):
                    if os.path.exists(old + suffix):
                        os.remove(old + suffix)
        if write_state:
            _write_state(os.path.dirname(os.path.abspath(path)), path, self._last,
                         latest_filename or "checkpoint")
        return path

    def restore(self, sess, save_path):
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        index_file, data_file = save_path + ".index.json", save_path + ".npz"
        if not os.path.exists(index_file) or not os.path.exists(data_file):
            raise errors.NotFoundError(None, None, f"Unsuccessful checkpoint restore: no checkpoint at "
                                       f"{save_path!r} (expected {data_file} and {index_file})")
        try:
            with open(index_file) as f:
                index = json.load(f)
            entries = {e["name"]: e for e in index["variables"]}
        except (ValueError, KeyError, TypeError) as e:
            raise _data_loss(index_file, e) from None
        if index.get("format") != _FORMAT:
            raise _data_loss(index_file, f"not a {_FORMAT} index")
        try:
            data = np.load(data_file, allow_pickle=False)
        except Exception as e:   # a truncated or foreign file: zipfile, OSError or ValueError from NumPy
            raise _data_loss(data_file, e) from None
        with data:
            for name, var in self._vars.items():
                e = entries.get(name)
                if e is None:
                    raise errors.NotFoundError(None, var.op,
                                               f"Key {name} not found in checkpoint {save_path}")
                try:
                    value = data[e["key"]]
                except Exception as err:
                    raise _data_loss(data_file, err) from None
                if tuple(value.shape) != tuple(var.shape.dims):
                    raise errors.InvalidArgumentError(
                        None, var.op, f"{save_path}: shape {tuple(value.shape)} of {name} in the checkpoint "
                        f"does not match the variable's {tuple(var.shape.dims)}")
                sess._store(var).set(sess.xp, sess.xp.asarray(value))


def _data_loss(path, why):
    return errors.DataLossError(None, None, f"Unable to open table file {path}: Data loss: {why}: perhaps "
                                "your file is in a different file format or was truncated")


class CheckpointState:
    """What the `checkpoint` state file says: the newest checkpoint and every kept one."""

    def __init__(self, model_checkpoint_path, all_model_checkpoint_paths):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths)

    def __repr__(self):
        return f"CheckpointState({self.model_checkpoint_path!r}, {self.all_model_checkpoint_paths!r})"


def _write_state(directory, latest, kept, filename):
    """TF's text format, paths relative to the directory (as TF writes them when they lie inside it)."""
    rel = [os.path.relpath(os.path.abspath(p), directory) for p in kept]
    lines = [f"model_checkpoint_path: {json.dumps(os.path.relpath(os.path.abspath(latest), directory))}"]
    lines += [f"all_model_checkpoint_paths: {json.dumps(p)}" for p in rel]
    tmp = os.path.join(directory, filename + ".tmp")
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, os.path.join(directory, filename))


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The CheckpointState from `<dir>/checkpoint`, or None when there is none (relative paths joined)."""
    path = os.path.join(checkpoint_dir, latest_filename or "checkpoint")
    if not os.path.exists(path):
        return None
    latest, kept = None, []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            key, _, value = line.partition(":")
            try:
                value = json.loads(value.strip())   # a quoted string, as TF's text format writes it
            except ValueError:
                raise _data_loss(path, f"line {n} is not `field: \"path\"`") from None
            value = value if os.path.isabs(value) else os.path.join(checkpoint_dir, value)
            if key.strip() == "model_checkpoint_path":
                latest = value
            elif key.strip() == "all_model_checkpoint_paths":
                kept.append(value)
            else:
                raise _data_loss(path, f"line {n}: unknown field {key.strip()!r}")
    if latest is None:
        raise _data_loss(path, "no model_checkpoint_path")
    return CheckpointState(latest, kept)


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The newest checkpoint's path prefix (for Saver.restore), or None."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is None or not checkpoint_exists(state.model_checkpoint_path):
        return None
    return state.model_checkpoint_path


def checkpoint_exists(checkpoint_prefix):
    return os.path.exists(checkpoint_prefix + ".index.json")


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


def get_global_step(graph=None):
    """The graph's global step variable: collection GLOBAL_STEP, else (as TF) an integer variable named
    'global_step' (tf.Variable(0, name='global_step', trainable=False) in mnist.py), else None."""
    g = graph or get_default_graph()
    found = g.get_collection(GraphKeys.GLOBAL_STEP)
    if found:
        return found[0]
    named = [v for v in g.get_collection(GraphKeys.GLOBAL_VARIABLES) if v.op.name == "global_step"]
    if named and not named[0].dtype.is_integer:
        raise TypeError(f"Existing \"global_step\" does not have integer type: {named[0].dtype}")
    return named[0] if named else None


def create_global_step(graph=None):
    g = graph or get_default_graph()
    if get_global_step(g) is not None:
        raise ValueError("\"global_step\" already exists.")
    with g.as_default(), g.control_dependencies(None), g.name_scope(""):
        step = Variable(np.zeros((), np.int64), trainable=False, name="global_step", dtype=int64,
                        collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])
    return step


def get_or_create_global_step(graph=None):
    step = get_global_step(graph)
    return create_global_step(graph) if step is None else step


def global_step(sess, global_step_tensor):
    return int(sess.run(global_step_tensor))


__getattr__ = missing("train.")
