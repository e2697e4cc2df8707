"""Solvers read from a solver prototxt, one class per Caffe solver type (SGD, Nesterov, AdaGrad, RMSProp,
AdaDelta, Adam) with the update rules of BVLC Caffe's src/caffe/solvers/*.cpp; the Solver base owns what
they share: train and test nets, lr_policy, the step loop with Caffe's log lines, gradient clipping,
regularization and binary snapshots (.caffemodel NetParameter + .solverstate SolverState)."""
import math
import os
import types

import numpy

from frameworks import kernels as K

from .io import (LayerConfigError, array_to_blobproto, blobproto_shape, blobproto_to_array, read_binary,
                 read_solver_param, write_binary)
from .net import TEST, TRAIN, Net
from .proto import caffe_pb2

_NET_FIELDS = ("net", "net_param", "train_net", "train_net_param")


# the float32 hyperparameters the solvers read, converted once per Solver (Solver._hyper)
_HYPER_FIELDS = ("base_lr", "gamma", "power", "weight_decay", "clip_gradients", "momentum", "momentum2", "delta",
                 "rms_decay")


def _f(value):
    """A float32 proto field as the decimal the prototxt wrote (0.9, not 0.899999976)."""
    return float(str(numpy.float32(value)))


def _g(value):
    """A number as Caffe's LOG streams it (six significant digits)."""
    return f"{value:.6g}"


class Solver:
    """Caffe's Solver: builds the train net (and the test nets) from the solver prototxt and updates the
    train net's learnable params with the subclass's ComputeUpdateValue rule.

    step(n) runs n iterations (testing every test_interval, displaying every `display`, snapshotting every
    `snapshot`); solve() trains to max_iter. `loss` is the last iteration's weighted net loss and
    `smoothed_loss` its average over `average_loss` iterations (what "Iteration N, loss = X" prints).
    Relative `net` paths are found from the working directory, as Caffe does, or else beside the solver file.
    """
    type = None
    history_sets = 1       # history blobs per learnable param (Adam and AdaDelta keep two)

    def __init__(self, solver_file, log=None):
        self.param, self.source = read_solver_param(solver_file)
        p = self.param
        self._check_param()
        self.log = log
        seed = p.random_seed if p.random_seed >= 0 else 1701
        train_state = caffe_pb2.NetState(phase=TRAIN)
        train_state.MergeFrom(p.train_state)
        self.net = Net(self._train_net(), TRAIN, seed=seed, level=train_state.level, stages=train_state.stage)
        if not any(r.loss_weights for r in self.net.records):
            raise LayerConfigError(f"{self.source}: the train net {self.net.name!r} has no loss (no layer with a "
                                   "loss_weight, no loss layer): there is nothing to minimise")
        self.xp = self.net.xp
        self.iter, self.current_step, self.loss, self.smoothed_loss = 0, 0, None, None
        self._losses = []
        self.history = [self.xp.zeros_like(b.data) for _ in range(self.history_sets)
                        for b in self.net.learnable_params]
        self.test_nets = self._test_nets(seed)
        self._mults = [(_f(s.lr_mult), _f(s.decay_mult)) for s in self.net._param_specs]
        # numpy's shortest repr costs microseconds: each hyperparameter once, not every iteration
        self._hyper = types.SimpleNamespace(**{f: _f(getattr(p, f)) for f in _HYPER_FIELDS})

    def _check_param(self):
        p, src = self.param, self.source
        if not any(p.HasField(f) for f in _NET_FIELDS):
            raise LayerConfigError(f"{src}: no train net: set one of net, net_param, train_net or train_net_param")
        if p.max_iter < 0:
            raise LayerConfigError(f"{src}: max_iter must be >= 0, got {p.max_iter}")
        for field in ("display", "snapshot", "test_interval", "average_loss", "iter_size"):
            if getattr(p, field) < 0 or (field in ("average_loss", "iter_size") and getattr(p, field) < 1):
                raise LayerConfigError(f"{src}: {field} must be {'>= 1' if field in ('average_loss', 'iter_size') else '>= 0'}, "
                                       f"got {getattr(p, field)}")
        if any(n <= 0 for n in p.test_iter):
            raise LayerConfigError(f"{src}: every test_iter must be > 0, got {list(p.test_iter)}")
        if p.regularization_type not in ("L1", "L2"):
            raise LayerConfigError(f"{src}: unknown regularization type {p.regularization_type!r} (L1 or L2)")
        if not p.lr_policy:
            raise LayerConfigError(f"{src}: lr_policy is not set (Caffe has no default): use one of fixed, step, "
                                   "exp, inv, multistep, poly, sigmoid")
        if not math.isfinite(p.base_lr):
            raise LayerConfigError(f"{src}: base_lr must be finite, got {p.base_lr}")

    def _find(self, path):
        """A net path as Caffe reads it (from the working directory), else beside the solver file."""
        if not os.path.exists(path) and not os.path.isabs(path) and self.source != "<SolverParameter>":
            here = os.path.dirname(self.source)
            for beside in (os.path.join(here, path), os.path.join(here, os.path.basename(path))):
                if os.path.exists(beside):
                    return beside
        return path

    def _train_net(self):
        p = self.param
        if p.HasField("train_net_param") or p.HasField("net_param"):
            return p.train_net_param if p.HasField("train_net_param") else p.net_param
        return self._find(p.train_net or p.net)

    def _test_nets(self, seed):
        """Caffe's InitTestNets: test_net_param, then test_net files, then one TEST-phase instance of the
        generic `net` per remaining test_iter entry; test_state (if given) per net."""
        p = self.param
        sources = list(p.test_net_param) + [self._find(f) for f in p.test_net]
        generic = p.net_param if p.HasField("net_param") else (self._find(p.net) if p.HasField("net") else None)
        if generic is not None:
            sources += [generic] * max(0, len(p.test_iter) - len(sources))
        if len(p.test_iter) != len(sources):
            raise LayerConfigError(f"{self.source}: test_iter must be specified for each test network: "
                                   f"{len(p.test_iter)} test_iter for {len(sources)} test nets")
        if p.test_state and len(p.test_state) != len(sources):
            raise LayerConfigError(f"{self.source}: test_state must be unspecified or specified once per test "
                                   f"net ({len(sources)}), got {len(p.test_state)}")
        nets = []
        for i, src in enumerate(sources):
            state = caffe_pb2.NetState(phase=TEST)
            if p.test_state:
                state.MergeFrom(p.test_state[i])
            net = Net(src, TEST, seed=seed, level=state.level, stages=state.stage)
            net.share_with(self.net)
            nets.append(net)
        return nets

    # ------------------------------------------------------------ learning rate

    def get_learning_rate(self):
        """Caffe's lr_policy: fixed, step, exp, inv, multistep, poly, sigmoid (SGDSolver::GetLearningRate)."""
        p, it = self.param, self.iter
        h = self._hyper
        base, gamma, power = h.base_lr, h.gamma, h.power
        policy = p.lr_policy
        if policy == "fixed":
            return base
        if policy == "step":
            if p.stepsize <= 0:
                raise LayerConfigError(f"{self.source}: lr_policy step needs stepsize > 0")
            self.current_step = it // p.stepsize
            return base * gamma ** self.current_step
        if policy == "exp":
            return base * gamma ** it
        if policy == "inv":
            return base * (1 + gamma * it) ** (-power)
        if policy == "multistep":
            if self.current_step < len(p.stepvalue) and it >= p.stepvalue[self.current_step]:
                self.current_step += 1
                self._say(f"MultiStep Status: Iteration {it}, step = {self.current_step}")
            return base * gamma ** self.current_step
        if policy == "poly":
            if p.max_iter <= 0:
                raise LayerConfigError(f"{self.source}: lr_policy poly needs max_iter > 0")
            return base * (1 - it / p.max_iter) ** power
        if policy == "sigmoid":
            if p.stepsize <= 0:
                raise LayerConfigError(f"{self.source}: lr_policy sigmoid needs stepsize > 0")
            return base / (1 + math.exp(-gamma * (it - p.stepsize)))
        raise LayerConfigError(f"{self.source}: unknown learning rate policy {policy!r}; known: fixed, step, "
                               "exp, inv, multistep, poly, sigmoid")

    # ------------------------------------------------------------ iterations

    def _say(self, line):
        if self.log is not None:
            print(line, file=self.log, flush=True)

    def step(self, iters=1):
        """Caffe's Solver::Step: `iters` iterations of test (every test_interval), forward-backward
        (iter_size times), display, update, snapshot (every `snapshot`)."""
        p = self.param
        start_iter, stop_iter = self.iter, self.iter + iters
        self._losses = []
        while self.iter < stop_iter:
            self.net.clear_param_diffs()
            if p.test_interval and self.iter % p.test_interval == 0 and (self.iter > 0 or p.test_initialization):
                self.test_all()
            display = p.display and self.iter % p.display == 0
            loss = 0.0
            for _ in range(p.iter_size):   # param diffs accumulate over the iter_size passes
                loss += self.net.forward_from_to()
                self.net.backward_from_to()
            loss /= p.iter_size
            if not math.isfinite(loss):
                # Caffe trains on with NaN weights; stopping here keeps a NaN model from being snapshotted
                raise LayerConfigError(f"Iteration {self.iter}, loss = {loss}: the loss is not finite (base_lr "
                                       f"{_g(self._hyper.base_lr)} is likely too high); stopping without a snapshot")
            self.loss = loss
            self._update_smoothed_loss(loss, start_iter)
            if display:
                self._say(f"Iteration {self.iter}, loss = {_g(self.smoothed_loss)}")
                self._print_outputs(self.net, "Train", {n: self.net.blobs[n].cpu_data()
                                                        for n in self.net.outputs})
            self.apply_update(display)
            self.iter += 1
            if p.snapshot and self.iter % p.snapshot == 0:
                self.snapshot()

    def _update_smoothed_loss(self, loss, start_iter):
        """Caffe's UpdateSmoothedLoss: the mean of the last average_loss losses."""
        window = self.param.average_loss
        if len(self._losses) < window:
            self._losses.append(loss)
        else:
            self._losses[(self.iter - start_iter) % window] = loss
        self.smoothed_loss = sum(self._losses) / len(self._losses)

    def _print_outputs(self, net, which, values):
        """'    Train net output #k: name = v (* w = w*v loss)', one line per output element, as Caffe."""
        weights = net.blob_loss_weights
        k = 0
        for name, data in values.items():
            for v in numpy.ravel(data):
                w = weights.get(name, 0.0)
                loss_msg = f" (* {_g(w)} = {_g(w * float(v))} loss)" if w else ""
                self._say(f"    {which} net output #{k}: {name} = {_g(float(v))}{loss_msg}")
                k += 1

    def solve(self, resume_file=None):
        """Caffe's Solver::Solve: train to max_iter (from a snapshot's state if given), snapshot at the end,
        then one last display and test."""
        p = self.param
        self._say(f"Solving {self.net.name}")
        self._say(f"Learning Rate Policy: {p.lr_policy}")
        if resume_file:
            self._say(f"Restoring previous solver status from {resume_file}")
            self.restore(resume_file)
        self.step(max(0, p.max_iter - self.iter))
        if p.snapshot_after_train and (not p.snapshot or self.iter % p.snapshot):
            self.snapshot()
        if p.display and self.iter % p.display == 0:
            self.loss = self.net.forward_from_to()
            self._update_smoothed_loss(self.loss, self.iter - len(self._losses))
            self._say(f"Iteration {self.iter}, loss = {_g(self.smoothed_loss)}")
        if p.test_interval and self.iter % p.test_interval == 0:
            self.test_all()
        self._say("Optimization Done.")

    def test_all(self):
        """Caffe's TestAll: every test net, test_iter[i] forward passes each; returns [{output: mean}]."""
        return [self.test(i) for i in range(len(self.test_nets))]

    def test(self, i=0):
        p, net = self.param, self.test_nets[i]
        self._say(f"Iteration {self.iter}, Testing net (#{i})")
        net.share_with(self.net)
        totals, loss = {}, 0.0
        for _ in range(p.test_iter[i]):
            loss += net.forward_from_to()
            for name in net.outputs:
                v = net.blobs[name].cpu_data().astype(numpy.float64)
                totals[name] = totals[name] + v if name in totals else v
        if p.test_compute_loss:
            self._say(f"Test loss: {_g(loss / p.test_iter[i])}")
        means = {n: t / p.test_iter[i] for n, t in totals.items()}
        self._print_outputs(net, "Test", means)
        return means

    # ------------------------------------------------------------ the update

    def apply_update(self, display=False):
        """Caffe's SGDSolver::ApplyUpdate: lr, clip, then per param normalize, regularize and the subclass's
        rule (which applies the step to the weights in place)."""
        rate = self.get_learning_rate()
        if display:
            self._say(f"Iteration {self.iter}, lr = {_g(rate)}")
        grads = [self.xp.zeros_like(b.data) if b.cleared and m[0] else b.diff
                 for b, m in zip(self.net._learnable, self._mults)]
        self._clip_gradients(grads)
        decay, l1 = self._hyper.weight_decay, self.param.regularization_type == "L1"
        scale = 1.0 / self.param.iter_size
        for i, (b, (lr_mult, decay_mult)) in enumerate(zip(self.net._learnable, self._mults)):
            if lr_mult == 0:
                continue   # Caffe computes a zero step (BatchNorm's statistics, frozen layers)
            g = grads[i]
            if scale != 1:
                g *= scale
            local_decay = decay * decay_mult
            if l1 and local_decay:
                g += local_decay * self.xp.sign(b.data)
                local_decay = 0.0
            self.update_param(i, b.data, g, rate * lr_mult, local_decay)

    def _clip_gradients(self, grads):
        clip = self._hyper.clip_gradients
        if clip < 0:
            return
        norm = math.sqrt(sum(float((g.astype(numpy.float64) ** 2).sum()) for g in grads))
        if norm > clip:
            factor = clip / norm
            self._say(f"Gradient clipping: scaling down gradients (L2 norm {_g(norm)} > {_g(clip)}) by scale "
                      f"factor {_g(factor)}")
            for g in grads:
                g *= factor

    def update_param(self, i, param, grad, lr, weight_decay):
        """Apply this solver type's update to `param` in place (L2 weight decay folded into the gradient)."""
        raise NotImplementedError

    # ------------------------------------------------------------ snapshots

    def _prefix(self):
        return f"{self.param.snapshot_prefix or self.net.name or 'snapshot'}_iter_{self.iter}"

    def snapshot(self):
        """Caffe's Snapshot: <prefix>_iter_N.caffemodel (binary NetParameter) and <prefix>_iter_N.solverstate
        (binary SolverState naming the model); returns the state file's path."""
        prefix = self._prefix()
        d = os.path.dirname(prefix)
        if d:
            os.makedirs(d, exist_ok=True)
        if self.param.snapshot_format == caffe_pb2.SolverParameter.HDF5:
            return self._snapshot_hdf5(prefix)
        model, state_file = prefix + ".caffemodel", prefix + ".solverstate"
        self._say(f"Snapshotting to binary proto file {model}")
        self.net.save(model)
        state = caffe_pb2.SolverState(iter=self.iter, learned_net=model, current_step=self.current_step)
        for h in self.history:
            state.history.append(array_to_blobproto(K.to_numpy(h)))
        self._say(f"Snapshotting solver state to binary proto file {state_file}")
        write_binary(state_file, state)
        return state_file

    def _snapshot_hdf5(self, prefix):
        """snapshot_format: HDF5, Caffe's layout: <prefix>.caffemodel.h5 holds data/<layer>/<i> datasets,
        <prefix>.solverstate.h5 holds iter, learned_net, current_step and history/<i>."""
        model, state_file = prefix + ".caffemodel.h5", prefix + ".solverstate.h5"
        self._say(f"Snapshotting to HDF5 file {model}")
        self.net.save_hdf5(model)
        self._say(f"Snapshotting solver state to HDF5 file {state_file}")
        h5py = _h5py()
        with h5py.File(state_file, "w") as f:
            f.create_dataset("iter", data=numpy.int32(self.iter))
            f.create_dataset("learned_net", data=model.encode())
            f.create_dataset("current_step", data=numpy.int32(self.current_step))
            history = f.create_group("history")
            for i, h in enumerate(self.history):
                history.create_dataset(str(i), data=K.to_numpy(h))
        return state_file

    def _read_state(self, state_file):
        """(iter, current_step, learned_net, history arrays) from a binary .solverstate or an .h5 one."""
        if state_file.endswith(".h5"):
            h5py = _h5py()
            try:
                with h5py.File(state_file, "r") as f:
                    history = f["history"]
                    return (int(f["iter"][()]), int(f["current_step"][()]),
                            f["learned_net"][()].decode() if "learned_net" in f else "",
                            [(f"history/{i}", history[str(i)][()]) for i in range(len(history))])
            except (OSError, KeyError) as e:
                raise LayerConfigError(f"solver state {state_file}: not a Caffe HDF5 solver state ({e})") from None
        state = read_binary(state_file, caffe_pb2.SolverState(), "solver state (.solverstate)")
        return state.iter, state.current_step, state.learned_net, list(enumerate(state.history))

    def restore(self, state_file):
        """Caffe's Restore: iteration, lr step and history from a .solverstate (binary or HDF5); the weights
        from the model it names (as written, else beside the state file)."""
        state_file = os.fspath(state_file)
        it, step, learned_net, history = self._read_state(state_file)
        if len(history) != len(self.history):
            raise LayerConfigError(f"solver state {state_file}: incorrect length of history blobs: "
                                   f"{len(history)} in the file, {len(self.history)} for this "
                                   f"{self.type} solver and net")
        arrays = []
        for (j, bp), h in zip(history, self.history):
            shape = tuple(bp.shape) if isinstance(bp, numpy.ndarray) else blobproto_shape(bp)
            if shape != tuple(h.shape):
                raise LayerConfigError(f"solver state {state_file}: history blob {j} has shape "
                                       f"{shape}, the net's param is {tuple(h.shape)}")
            arrays.append(bp if isinstance(bp, numpy.ndarray) else blobproto_to_array(bp))
        state = caffe_pb2.SolverState(iter=it, learned_net=learned_net, current_step=step)
        if state.learned_net:
            model = state.learned_net
            if not os.path.exists(model):
                model = os.path.join(os.path.dirname(state_file), os.path.basename(model))
            self.net.copy_from(model)
        for h, a in zip(self.history, arrays):
            h[...] = self.xp.asarray(a)
        self.iter, self.current_step = state.iter, state.current_step


class SGDSolver(Solver):
    """Caffe's SGD: v = momentum * v + lr * g; w -= v (the learning rate folded into the history, so a
    change of lr does not rescale past steps): the shared momentum kernel with lr_in_velocity, or the
    sgd kernel without momentum."""
    type = "SGD"

    def update_param(self, i, param, grad, lr, weight_decay):
        mu = self._hyper.momentum
        if not mu:
            K.sgd.update(self.xp, param, grad, lr, weight_decay=weight_decay)
            return
        K.momentum.update(self.xp, param, grad, self.history[i], lr, momentum=mu, weight_decay=weight_decay,
                          lr_in_velocity=True)


class NesterovSolver(Solver):
    """Caffe's Nesterov: v' = mu v + lr g; w -= (1 + mu) v' - mu v (the shared kernel, lr in the history)."""
    type = "Nesterov"

    def update_param(self, i, param, grad, lr, weight_decay):
        K.nesterov.update(self.xp, param, grad, self.history[i], lr, momentum=self._hyper.momentum,
                          weight_decay=weight_decay, lr_in_velocity=True)


class AdaGradSolver(Solver):
    """Caffe's AdaGrad: h += g^2; w -= lr g / (sqrt(h) + delta)."""
    type = "AdaGrad"

    def update_param(self, i, param, grad, lr, weight_decay):
        K.adagrad.update(self.xp, param, grad, self.history[i], lr=lr, eps=self._hyper.delta,
                         weight_decay=weight_decay)


class RMSPropSolver(Solver):
    """Caffe's RMSProp: h = rms_decay h + (1 - rms_decay) g^2; w -= lr g / (sqrt(h) + delta)."""
    type = "RMSProp"

    def update_param(self, i, param, grad, lr, weight_decay):
        K.rmsprop.update(self.xp, param, grad, self.history[i], lr=lr, alpha=self._hyper.rms_decay,
                         eps=self._hyper.delta, weight_decay=weight_decay)


class AdaDeltaSolver(Solver):
    """Caffe's AdaDelta (history: E[g^2], then E[dx^2]): E[g^2] = mu E[g^2] + (1-mu) g^2;
    dx = g sqrt((E[dx^2] + delta) / (E[g^2] + delta)); E[dx^2] = mu E[dx^2] + (1-mu) dx^2; w -= lr dx."""
    type = "AdaDelta"
    history_sets = 2

    def update_param(self, i, param, grad, lr, weight_decay):
        n = len(self.net._learnable)
        K.adadelta.update(self.xp, param, grad, self.history[i], self.history[n + i], lr=lr,
                          rho=self._hyper.momentum, eps=self._hyper.delta, weight_decay=weight_decay,
                          sqrt_of_ratio=True)


class AdamSolver(Solver):
    """Caffe's Adam (history: m, then v): m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
    w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + delta), t = iter + 1; b1 = momentum,
    b2 = momentum2 (the shared kernel's "folded" eps placement). It differs from the textbook rule only
    where delta meets sqrt(v): Caffe adds delta to sqrt(v), the textbook to sqrt(v / (1 - b2^t))."""
    type = "Adam"
    history_sets = 2

    def update_param(self, i, param, grad, lr, weight_decay):
        h, n = self._hyper, len(self.net._learnable)
        K.adam.update(self.xp, param, grad, self.history[i], self.history[n + i], self.iter + 1, lr=lr,
                      beta1=h.momentum, beta2=h.momentum2, eps=h.delta, weight_decay=weight_decay,
                      eps_placement="folded")


SOLVERS = {cls.type: cls for cls in (SGDSolver, NesterovSolver, AdaGradSolver, RMSPropSolver, AdaDeltaSolver,
                                     AdamSolver)}
_OLD_TYPES = {caffe_pb2.SolverParameter.SGD: "SGD", caffe_pb2.SolverParameter.NESTEROV: "Nesterov",
              caffe_pb2.SolverParameter.ADAGRAD: "AdaGrad", caffe_pb2.SolverParameter.RMSPROP: "RMSProp",
              caffe_pb2.SolverParameter.ADADELTA: "AdaDelta", caffe_pb2.SolverParameter.ADAM: "Adam"}


def get_solver(solver_file, log=None):
    """The solver the prototxt's `type` (or the deprecated solver_type enum) names."""
    param, source = read_solver_param(solver_file)
    kind = param.type
    if not param.HasField("type") and param.HasField("solver_type"):
        kind = _OLD_TYPES[param.solver_type]
    if kind not in SOLVERS:
        raise LayerConfigError(f"{source}: unknown solver type {kind!r}; known: {', '.join(SOLVERS)}")
    source = param if isinstance(solver_file, caffe_pb2.SolverParameter) else solver_file
    return SOLVERS[kind](source, log=log)


def _h5py():
    try:
        import h5py
    except ImportError:
        raise LayerConfigError("snapshot_format: HDF5 needs h5py: pip install -e '.[caffe]'") from None
    return h5py
