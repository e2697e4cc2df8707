"""torch.optim: SGD (with momentum) and Adam; every update is the shared optimizer kernel, in place."""
from frameworks import kernels as K

from ._tape import _xp, enable_grad, no_grad
from ._tensor import Tensor


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
    """p -= lr * g, or with momentum: v = momentum * v + g; p -= lr * v (PyTorch's form)."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if dampening or nesterov:
            raise NotImplementedError("SGD: dampening and nesterov have no shared kernel")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def _update(self, p, g, group):
        if group["momentum"]:
            state = self.state.get(id(p))
            if state is None:
                state = self.state[id(p)] = {"momentum_buffer": _xp(g).zeros_like(p._array)}
            K.momentum.update(_xp(g), p._array, g, state["momentum_buffer"], group["lr"],
                              momentum=group["momentum"], weight_decay=group["weight_decay"])
        else:
            K.sgd.update(_xp(g), p._array, g, group["lr"], weight_decay=group["weight_decay"])


class Adam(Optimizer):
    """Adam with bias correction (the shared kernel's textbook form)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= betas[0] < 1.0 or not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameters: {betas}")
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
