"""torch.optim: SGD, Adam, Adadelta, RMSprop, Adagrad (updates in place), and optim.lr_scheduler."""
from frameworks import kernels as K

from .._tape import _xp, enable_grad, no_grad
from .._tensor import Tensor

__all__ = ["Optimizer", "SGD", "Adam", "Adadelta", "RMSprop", "Adagrad", "LBFGS", "lr_scheduler"]


class Optimizer:
    """Holds param_groups (each a dict with "params" and hyper-parameters) and per-parameter state."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = []
        self.state = {}
        for g in groups:
            group = dict(defaults)
            group.update(g)
            group["params"] = list(group["params"])
            for p in group["params"]:
                if not isinstance(p, Tensor):
                    raise TypeError(f"optimizer can only optimize Tensors, but one of the params is "
                                    f"{type(p).__name__}")
            self.param_groups.append(group)

    def add_param_group(self, param_group):
        group = dict(self.defaults)
        group.update(param_group)
        group["params"] = [group["params"]] if isinstance(group["params"], Tensor) else list(group["params"])
        held = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in held for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.zero_()

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        self._update(p, p.grad._array, group)
                        p._vc[0] += 1
        return loss

    def _update(self, p, g, group):
        raise NotImplementedError

    def state_dict(self):
        """{"state": {index: {name: tensor}}, "param_groups": [hyper-parameters with "params": indices]}."""
        index = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {index[id(p)]: {k: (Tensor._wrap(v) if not isinstance(v, (int, float)) else v)
                                for k, v in s.items()}
                 for p, s in ((p, self.state[id(p)]) for g in self.param_groups for p in g["params"]
                              if id(p) in self.state)}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        params = [p for g in self.param_groups for p in g["params"]]
        for group, saved in zip(self.param_groups, groups):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match the size "
                                 "of optimizer's group")
            group.update({k: v for k, v in saved.items() if k != "params"})
        for i, s in state_dict["state"].items():
            p = params[int(i)]
            xp = _xp(p._array)
            self.state[id(p)] = {k: (xp.array(v._array if isinstance(v, Tensor) else v)
                                     if not isinstance(v, (int, float)) else v) for k, v in s.items()}


class SGD(Optimizer):
    """PyTorch's SGD: d = g + weight_decay * p; with momentum b = momentum * b + (1 - dampening) * d (b = d
    on the first step), d = b, or d + momentum * b when nesterov; p -= lr * d."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def _update(self, p, g, group):
        xp, momentum, wd = _xp(g), group["momentum"], group["weight_decay"]
        if not momentum:
            K.sgd.update(xp, p._array, g, group["lr"], weight_decay=wd)
            return
        state = self.state.get(id(p))
        if not group["dampening"]:  # the shared kernels' forms (b starts at 0, so its first value is d)
            if state is None:
                state = self.state[id(p)] = {"momentum_buffer": xp.zeros_like(p._array)}
            kernel = K.nesterov if group["nesterov"] else K.momentum
            kernel.update(xp, p._array, g, state["momentum_buffer"], group["lr"], momentum=momentum,
                          weight_decay=wd)
            return
        # NOTE: dampening (no shared kernel): PyTorch's first step takes b = d undamped
        d = g + wd * p._array if wd else g
        if state is None:
            buf = d.copy()
            self.state[id(p)] = {"momentum_buffer": buf}
        else:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += (1 - group["dampening"]) * d
        p._array -= group["lr"] * buf


class Adam(Optimizer):
    """Adam with bias correction, PyTorch's rule: p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
    (the shared kernel; weight_decay adds weight_decay * p to the gradient, L2 as torch.optim.Adam)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if amsgrad:
            raise NotImplementedError("Adam: amsgrad has no shared kernel")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad))

    def _update(self, p, g, group):
        xp = _xp(g)
        state = self.state.get(id(p))
        if state is None:
            state = self.state[id(p)] = {"step": 0, "exp_avg": xp.zeros_like(p._array),
                                         "exp_avg_sq": xp.zeros_like(p._array)}
        state["step"] += 1
        b1, b2 = group["betas"]
        K.adam.update(xp, p._array, g, state["exp_avg"], state["exp_avg_sq"], state["step"], lr=group["lr"],
                      beta1=b1, beta2=b2, eps=group["eps"], weight_decay=group["weight_decay"])


class Adadelta(Optimizer):
    """v = rho v + (1-rho) g^2; delta = sqrt(u + eps) / sqrt(v + eps) * g; u = rho u + (1-rho) delta^2;
    p -= lr * delta."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay))

    def _update(self, p, g, group):
        xp = _xp(g)
        state = self.state.get(id(p))
        if state is None:
            state = self.state[id(p)] = {"step": 0, "square_avg": xp.zeros_like(p._array),
                                         "acc_delta": xp.zeros_like(p._array)}
        state["step"] += 1
        K.adadelta.update(xp, p._array, g, state["square_avg"], state["acc_delta"], lr=group["lr"],
                          rho=group["rho"], eps=group["eps"], weight_decay=group["weight_decay"])


class RMSprop(Optimizer):
    """v = alpha v + (1-alpha) g^2; p -= lr * g / (sqrt(v) + eps) (centered / momentum as torch's)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def _update(self, p, g, group):
        xp = _xp(g)
        state = self.state.get(id(p))
        if state is None:
            state = self.state[id(p)] = {"step": 0, "square_avg": xp.zeros_like(p._array)}
            if group["momentum"] > 0:
                state["momentum_buffer"] = xp.zeros_like(p._array)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(p._array)
        state["step"] += 1
        K.rmsprop.update(xp, p._array, g, state["square_avg"], state.get("grad_avg"), state.get("momentum_buffer"),
                         lr=group["lr"], alpha=group["alpha"], eps=group["eps"], centered=group["centered"],
                         momentum=group["momentum"], weight_decay=group["weight_decay"])


class Adagrad(Optimizer):
    """s += g^2; p -= clr * g / (sqrt(s) + eps), clr = lr / (1 + (t-1) lr_decay)."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps))

    def _update(self, p, g, group):
        xp = _xp(g)
        state = self.state.get(id(p))
        if state is None:
            state = self.state[id(p)] = {
                "step": 0, "sum": xp.full_like(p._array, group["initial_accumulator_value"])}
        state["step"] += 1
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        K.adagrad.update(xp, p._array, g, state["sum"], lr=clr, eps=group["eps"],
                         weight_decay=group["weight_decay"])


from . import lr_scheduler  # noqa: E402,F401  (torch.optim.lr_scheduler)


class LBFGS(Optimizer):
    """PyTorch's L-BFGS without a line search (line_search_fn=None, the default): the two-loop recursion
    over the last history_size steps, a first step of min(1, 1/|g|_1) * lr, then lr; every test and
    tolerance as torch.optim.LBFGS. step(closure) re-evaluates the closure after each inner step. The
    direction arithmetic is on flat float64-or-param-dtype arrays (no shared kernel has this rule)."""

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        if line_search_fn is not None:
            raise NotImplementedError(f"LBFGS: line_search_fn={line_search_fn!r} is not supported here; use "
                                      "line_search_fn=None (a fixed step of lr)")
        self._params = self.param_groups[0]["params"]

    def _flat_grad(self):
        xp = _xp(self._params[0]._array)
        return xp.concatenate([(p.grad._array if p.grad is not None else xp.zeros_like(p._array)).ravel()
                               for p in self._params])

    def _add_grad(self, t, d):
        offset = 0
        for p in self._params:
            n = p._array.size
            p._array += (t * d[offset:offset + n]).reshape(p._array.shape).astype(p._array.dtype, copy=False)
            p._vc[0] += 1
            offset += n

    def step(self, closure):
        if closure is None:
            raise RuntimeError("LBFGS.step needs a closure that re-evaluates the model and returns the loss")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        state = self.state.setdefault(id(self._params[0]), {"func_evals": 0, "n_iter": 0})
        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        xp = _xp(flat_grad)
        if float(xp.abs(flat_grad).max()) <= tolerance_grad:
            return orig_loss
        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        H_diag, prev_flat_grad, prev_loss = state.get("H_diag"), state.get("prev_flat_grad"), \
            state.get("prev_loss")
        n_iter, opt_cond = 0, False
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, old_dirs, old_stps, ro, H_diag = -flat_grad, [], [], [], 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y.dot(s))
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0), old_stps.pop(0), ro.pop(0)
                    old_dirs.append(y), old_stps.append(s), ro.append(1.0 / ys)
                    H_diag = ys / float(y.dot(y))
                al = [None] * len(old_dirs)
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = float(old_stps[i].dot(q)) * ro[i]
                    q = q - al[i] * old_dirs[i]
                r = q * H_diag
                for i in range(len(old_dirs)):
                    be_i = float(old_dirs[i].dot(r)) * ro[i]
                    r = r + (al[i] - be_i) * old_stps[i]
                d = r
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / float(xp.abs(flat_grad).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(flat_grad.dot(d))
            if gtd > -tolerance_change:
                break
            ls_func_evals = 0
            with no_grad():
                self._add_grad(t, d)
            if n_iter != max_iter:
                with enable_grad():
                    loss = float(closure())
                flat_grad = self._flat_grad()
                opt_cond = float(xp.abs(flat_grad).max()) <= tolerance_grad
                ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if float(xp.abs(d * t).max()) <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break
        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss


from .._missing import missing as _missing  # noqa: E402
__getattr__ = _missing("optim.")
