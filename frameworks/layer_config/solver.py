"""Solvers read from a solver prototxt: SGD (with momentum) and Adam through the shared update kernels,
Caffe's learning-rate policies, display lines, and snapshots (weights .npz + solver state .json/.npz)."""
import json
import math
import os

import numpy

from frameworks import kernels as K

from .io import LayerConfigError, read_solver_param
from .net import TRAIN, Net
from .proto import caffe_pb2

_NET_FIELDS = ("net", "net_param", "train_net", "train_net_param")


def _f(value):
    """A float32 proto field as the decimal the prototxt wrote (0.9, not 0.899999976)."""
    return float(str(numpy.float32(value)))


class Solver:
    """Caffe's Solver: builds the train net from the solver prototxt and updates its learnable params.

    step(n) runs n iterations (forward, backward, update); solve() trains to max_iter, snapshotting every
    `snapshot` iterations and at the end. `loss` is the last iteration's weighted net loss (what the
    "Iteration N, loss = X" line prints). Relative `net` paths are found from the working directory, as
    Caffe does, or else beside the solver file (as given, or by file name).
    """
    type = None

    def __init__(self, solver_file, log=None):
        self.param, self.source = read_solver_param(solver_file)
        p = self.param
        if not any(p.HasField(f) for f in _NET_FIELDS):
            raise LayerConfigError(f"{self.source}: no train net: set one of net, net_param, train_net or "
                                   "train_net_param")
        if p.iter_size != 1 or p.clip_gradients >= 0 or p.regularization_type != "L2":
            raise LayerConfigError(f"{self.source}: iter_size != 1, clip_gradients and L1 regularization are "
                                   "not supported")
        self.log = log
        self.net = Net(self._train_net(), TRAIN, seed=p.random_seed if p.random_seed >= 0 else 1701)
        self.xp = self.net.xp
        self.iter, self.current_step, self.loss = 0, 0, None
        self.history = [self.xp.zeros_like(b.data) for b in self.net.learnable_params] \
            + [self.xp.zeros_like(b.data) for b in self.net.learnable_params] * (self.type == "Adam")
        self.test_nets = []

    def _train_net(self):
        p = self.param
        if p.HasField("train_net_param") or p.HasField("net_param"):
            return p.train_net_param if p.HasField("train_net_param") else p.net_param
        path = p.train_net or p.net
        if not os.path.exists(path) and not os.path.isabs(path) and self.source != "<SolverParameter>":
            here = os.path.dirname(self.source)
            for beside in (os.path.join(here, path), os.path.join(here, os.path.basename(path))):
                if os.path.exists(beside):
                    return beside
        return path

    # ------------------------------------------------------------ learning rate

    def get_learning_rate(self):
        """Caffe's lr_policy: fixed, step, exp, inv, multistep, poly, sigmoid."""
        p, it = self.param, self.iter
        base, gamma, power = _f(p.base_lr), _f(p.gamma), _f(p.power)
        policy = p.lr_policy or "fixed"
        if policy == "fixed":
            return base
        if policy == "step":
            if p.stepsize <= 0:
                raise LayerConfigError(f"{self.source}: lr_policy step needs stepsize > 0")
            return base * gamma ** (it // p.stepsize)
        if policy == "exp":
            return base * gamma ** it
        if policy == "inv":
            return base * (1 + gamma * it) ** (-power)
        if policy == "multistep":
            while self.current_step < len(p.stepvalue) and it >= p.stepvalue[self.current_step]:
                self.current_step += 1
            return base * gamma ** self.current_step
        if policy == "poly":
            return base * (1 - it / p.max_iter) ** power
        if policy == "sigmoid":
            return base / (1 + math.exp(-gamma * (it - p.stepsize)))
        raise LayerConfigError(f"{self.source}: unknown lr_policy {policy!r}; known: fixed, step, exp, inv, "
                               "multistep, poly, sigmoid")

    # ------------------------------------------------------------ iterations

    def step(self, iters=1):
        """Run `iters` iterations: forward, backward, update, display, snapshot."""
        for _ in range(iters):
            self.loss = self.net.forward_backward()
            if self.param.display and self.iter % self.param.display == 0:
                self._say(f"Iteration {self.iter}, loss = {self.loss:.6g}")
                self._say(f"Iteration {self.iter}, lr = {self.get_learning_rate():.6g}")
            self.apply_update()
            self.iter += 1
            if self.param.snapshot and self.iter % self.param.snapshot == 0:
                self.snapshot()

    def _say(self, line):
        if self.log is not None:
            print(line, file=self.log, flush=True)

    def solve(self, resume_file=None):
        """Train to max_iter (from a snapshot's state if given), snapshotting at the end."""
        if resume_file:
            self.restore(resume_file)
        self._say(f"Solving {self.net.name}")
        self.step(max(0, self.param.max_iter - self.iter))
        if self.param.snapshot_after_train and (not self.param.snapshot or self.iter % self.param.snapshot):
            self.snapshot()
        self._say("Optimization Done.")

    def apply_update(self):
        rate = self.get_learning_rate()
        decay = _f(self.param.weight_decay)
        for i, (b, spec) in enumerate(zip(self.net.learnable_params, self.net._param_specs)):
            if spec.lr_mult == 0:
                continue
            g = self.xp.zeros_like(b.data) if b.cleared else b.diff   # no gradient reached it this step
            self.update_param(i, b.data, g, rate * _f(spec.lr_mult), decay * _f(spec.decay_mult))

    def update_param(self, i, param, grad, lr, weight_decay):
        raise NotImplementedError

    # ------------------------------------------------------------ snapshots

    def _prefix(self):
        return f"{self.param.snapshot_prefix or self.net.name or 'snapshot'}_iter_{self.iter}"

    def snapshot(self):
        """Write <prefix>_iter_N.caffemodel.npz (weights) and .solverstate.json + .solverstate.npz."""
        prefix = self._prefix()
        model, state = prefix + ".caffemodel.npz", prefix + ".solverstate.json"
        d = os.path.dirname(prefix)
        if d:
            os.makedirs(d, exist_ok=True)
        self.net.save(model)
        names = self._history_names()
        with open(prefix + ".solverstate.npz", "wb") as f:
            numpy.savez(f, **{n: K.to_numpy(h) for n, h in zip(names, self.history)})
        with open(state, "w") as f:
            json.dump({"iter": self.iter, "current_step": self.current_step, "type": self.type,
                       "learned_net": os.path.basename(model),
                       "history": os.path.basename(prefix + ".solverstate.npz")}, f, indent=1)
        self._say(f"Snapshotting to binary proto file {model}")
        self._say(f"Snapshotting solver state to binary proto file {state}")
        return state

    def _history_names(self):
        owner = {}
        for name, blobs in self.net.params.items():
            for j, b in enumerate(blobs):
                owner.setdefault(id(b), f"{name}/{j}")
        names = [owner[id(b)] for b in self.net.learnable_params]
        return names + [n + "/2nd" for n in names] * (len(self.history) > len(names))

    def restore(self, state_file):
        """Continue from a snapshot's solver state: weights, history, iteration."""
        try:
            with open(state_file) as f:
                state = json.load(f)
        except (OSError, ValueError) as e:
            raise LayerConfigError(f"cannot read solver state {state_file}: {e}") from None
        if state.get("type") != self.type:
            raise LayerConfigError(f"solver state {state_file} is from a {state.get('type')} solver, "
                                   f"this is {self.type}")
        here = os.path.dirname(state_file)
        self.net.copy_from(os.path.join(here, state["learned_net"]))
        with numpy.load(os.path.join(here, state["history"]), allow_pickle=False) as z:
            names = self._history_names()
            missing = [n for n in names if n not in z.files]
            if missing or len(z.files) != len(names):
                raise LayerConfigError(f"solver state {state_file} does not fit this net: it has history for "
                                       f"{sorted(z.files)}, the net needs {names}")
            for n, h in zip(names, self.history):
                if tuple(z[n].shape) != h.shape:
                    raise LayerConfigError(f"solver state {state_file}: history of blob {n} has shape "
                                           f"{tuple(z[n].shape)}, the net's is {h.shape}")
                h[...] = self.xp.asarray(z[n])
        self.iter, self.current_step = int(state["iter"]), int(state["current_step"])


class SGDSolver(Solver):
    """SGD with momentum: v = momentum * v + g; w -= lr * v (the shared momentum kernel; plain sgd when
    momentum is 0). NOTE: Caffe folds lr into v (v = mu v + lr g); the two agree while lr is fixed."""
    type = "SGD"

    def update_param(self, i, param, grad, lr, weight_decay):
        mu = _f(self.param.momentum)
        if mu:
            K.momentum.update(self.xp, param, grad, self.history[i], lr, momentum=mu,
                              weight_decay=weight_decay)
        else:
            K.sgd.update(self.xp, param, grad, lr, weight_decay=weight_decay)


class AdamSolver(Solver):
    """Adam through the shared kernel (textbook bias correction): beta1 = momentum, beta2 = momentum2,
    eps = delta, t = iteration + 1."""
    type = "Adam"

    def update_param(self, i, param, grad, lr, weight_decay):
        p, n = self.param, len(self.net.learnable_params)
        K.adam.update(self.xp, param, grad, self.history[i], self.history[n + i], self.iter + 1, lr=lr,
                      beta1=_f(p.momentum), beta2=_f(p.momentum2), eps=_f(p.delta), weight_decay=weight_decay)


SOLVERS = {"SGD": SGDSolver, "Adam": AdamSolver}
_OLD_TYPES = {caffe_pb2.SolverParameter.SGD: "SGD", caffe_pb2.SolverParameter.ADAM: "Adam"}


def get_solver(solver_file, log=None):
    """The solver the prototxt's `type` names (SGD or Adam)."""
    param, source = read_solver_param(solver_file)
    kind = param.type
    if not param.HasField("type") and param.HasField("solver_type"):
        kind = _OLD_TYPES.get(param.solver_type, caffe_pb2.SolverParameter.SolverType.Name(param.solver_type))
    if kind not in SOLVERS:
        raise LayerConfigError(f"{source}: unknown solver type {kind!r}; supported: {', '.join(SOLVERS)}")
    source = param if isinstance(solver_file, caffe_pb2.SolverParameter) else solver_file
    return SOLVERS[kind](source, log=log)

