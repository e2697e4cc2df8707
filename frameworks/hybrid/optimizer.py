"""mx.optimizer: the optimizers Trainer and Module apply, each one of the shared update kernels
(in place, so every engine's training arithmetic is the same)."""
import io
import logging
import math
import os
import zipfile

import numpy

from .. import kernels as K
from .base import MXNetError


class Optimizer:
    """learning_rate, wd, rescale_grad and clip_gradient as MXNet's; update(xp, w, g, state, t)."""

    def __init__(self, learning_rate=None, wd=0.0, rescale_grad=1.0, clip_gradient=None, lr_scheduler=None,
                 begin_num_update=0, sym=None, param_idx2name=None, **kwargs):
        unknown = set(kwargs) - {"multi_precision", "param_dict", "lazy_update"}
        if unknown:
            raise MXNetError(f"{type(self).__name__}: unknown optimizer parameters {sorted(unknown)}")
        # as MXNet: no learning_rate means the scheduler's base_lr (else 0.01); a given one overrides it
        self.lr_scheduler = lr_scheduler
        if lr_scheduler is None and learning_rate is None:
            learning_rate = 0.01
        if lr_scheduler is not None:
            if learning_rate is None:
                learning_rate = getattr(lr_scheduler, "base_lr", 0.01)
            elif getattr(lr_scheduler, "base_lr", learning_rate) != learning_rate:
                print(UserWarning("learning rate from ``lr_scheduler`` has been overwritten by "
                                  "``learning_rate`` in optimizer."))
                lr_scheduler.base_lr = learning_rate
        self.lr, self.wd, self.rescale_grad, self.clip_gradient = learning_rate, wd, rescale_grad, clip_gradient
        self.begin_num_update = self.num_update = begin_num_update
        # per-parameter multipliers, as MXNet's: with param_idx2name (Module and FeedForward give it), the
        # parameters not named *_weight or *_gamma get no weight decay; a variable's __lr_mult__ and
        # __wd_mult__ attributes (sym.var(lr_mult=...)) set their own
        self.idx2name = dict(param_idx2name or {})
        self.sym_info = (sym.attr_dict(), sym.list_arguments()) if sym is not None else ()
        self.set_lr_mult({})
        self.set_wd_mult({})

    def _from_symbol(self, key):
        """{argument: float(its `key` attribute)} for the symbol's variables that set it."""
        if not self.sym_info:
            return {}
        attr, arg_names = self.sym_info
        return {n: float(attr[n][key]) for n in arg_names if key in attr.get(n, {})}

    def set_lr_mult(self, args_lr_mult):
        self.lr_mult = self._from_symbol("__lr_mult__")
        self.lr_mult.update(args_lr_mult)

    def set_wd_mult(self, args_wd_mult):
        self.wd_mult = {n: 0.0 for n in self.idx2name.values() if not n.endswith(("_weight", "_gamma"))}
        self.wd_mult.update(self._from_symbol("__wd_mult__"))
        self.wd_mult.update(args_wd_mult)

    def _mult(self, table, index):
        if index in table:
            return table[index]
        return table.get(self.idx2name.get(index), 1.0)

    @property
    def learning_rate(self):
        if self.lr_scheduler is not None:
            return self.lr_scheduler(self.num_update)
        return self.lr

    def set_learning_rate(self, lr):
        if self.lr_scheduler is not None:
            raise UserWarning("LRScheduler of the optimizer has already been defined. Note that "
                              "set_learning_rate can mutate the value of the learning rate of the optimizer "
                              "only when the LRScheduler of the optimizer is undefined.")
        self.lr = lr

    def scheduled(self, t):
        """Before update `t` (counted from 1, plus begin_num_update): num_update and, with an
        lr_scheduler, the learning rate it gives for that count (what MXNet's _get_lr reads)."""
        self.num_update = t = self.begin_num_update + t
        if self.lr_scheduler is not None:
            self.lr = self.lr_scheduler(t)

    # MXNet's adam_update and rmsprop_update clip rescale_grad * g + wd * w (the decay inside the clip);
    # sgd/nag's kernels and the Python AdaGrad/AdaDelta clip rescale_grad * g and decay outside
    decay_in_clip = False

    def update(self, xp, w, g, state, t, scale=1.0):
        """One step of this optimizer's rule on weight `w` (in place) from gradient `g`, which is first
        multiplied by rescale_grad * scale and clipped to +-clip_gradient when set."""
        if self.decay_in_clip and self.wd and self.clip_gradient is not None:
            c = self.clip_gradient
            g = xp.clip(g * (self.rescale_grad * scale) + self.wd * w, -c, c)
            wd, self.wd = self.wd, 0.0   # already in g
            try:
                self._rule(xp, w, g, state, t)
            finally:
                self.wd = wd
            return
        self._rule(xp, w, self._prepare(xp, g, scale), state, t)

    def update_all(self, slots, t, scale=1.0):
        """scheduled(t), then update() of every (weight NDArray, its xp, its state) in `slots`, in order:
        Trainer.step's one call per step. Results are those of one update() per parameter (MXNet's
        updater loop); when update() has nothing to rescale or clip, the rules run straight from _rules()."""
        cls = type(self)
        if cls.scheduled is Optimizer.scheduled:   # scheduled(t) inline (two calls less per step)
            self.num_update = n = self.begin_num_update + t
            if self.lr_scheduler is not None:
                self.lr = self.lr_scheduler(n)
        else:
            self.scheduled(t)   # an optimizer's own (SGD's momentum carried across lr changes)
        if cls.update is Optimizer.update and self.rescale_grad * scale == 1.0 and self.clip_gradient is None:
            self._rules(slots, t)
        else:
            self.update_slots(slots, t, scale)

    def update_slots(self, slots, t, scale=1.0):
        """update_all() without scheduled(t): the Trainer's groups of equal lr_mult / wd_mult, each at its
        own learning rate, after one scheduled(t) for the step."""
        if type(self).update is Optimizer.update and self.rescale_grad * scale == 1.0 \
                and self.clip_gradient is None:
            self._rules(slots, t)
            return
        update = self.update
        for w, xp, state in slots:
            update(xp, w._data, w._grad._data, state, t, scale)

    def _rules(self, slots, t):
        """_rule() on every slot's weight and gradient; an optimizer may override it to read its
        hyperparameters once per step instead of once per parameter."""
        rule = self._rule
        for w, xp, state in slots:
            rule(xp, w._data, w._grad._data, state, t)

    def _rule(self, xp, w, g, state, t):
        raise NotImplementedError(f"{type(self).__name__} must define _rule(xp, w, g, state, t)")

    def _prepare(self, xp, g, scale):
        """The gradient times rescale_grad * scale, clipped to +-clip_gradient when set."""
        s = self.rescale_grad * scale
        if s != 1.0:
            g = g * s
        if self.clip_gradient is not None:
            g = xp.clip(g, -self.clip_gradient, self.clip_gradient)
        return g


class SGD(Optimizer):
    """'sgd': w -= lr * g, or with momentum v = momentum * v + g; w -= lr * v (the shared kernels)."""

    def __init__(self, learning_rate=None, momentum=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum = momentum
        self._velocity_lr, self._carry = None, 1.0

    def create_state(self, xp, w):
        return (xp.zeros_like(w),) if self.momentum else ()

    def scheduled(self, t):
        super().scheduled(t)
        # MXNet's sgd_mom_update keeps lr inside the momentum (mom = momentum * mom - lr * g; w += mom), the
        # shared kernel outside it (v = momentum * v + g; w -= lr * v): the same steps while lr holds; when
        # an lr_scheduler (or set_learning_rate) changes it, v is carried into the new lr's terms by
        # old lr / new lr, so the steps stay MXNet's
        last, self._velocity_lr = self._velocity_lr, self.lr
        self._carry = last / self.lr if last is not None and last != self.lr and self.lr else 1.0

    def _rule(self, xp, w, g, state, t):
        if self.momentum:
            if self._carry != 1.0:
                xp.multiply(state[0], self._carry, out=state[0])
            K.momentum.update(xp, w, g, state[0], self.lr, momentum=self.momentum, weight_decay=self.wd)
        else:
            K.sgd.update(xp, w, g, self.lr, weight_decay=self.wd)

    def _rules(self, slots, t):
        if self.momentum or type(self)._rule is not SGD._rule:
            super()._rules(slots, t)
            return
        # plain SGD: sgd.update's lr and weight_decay read once per step and passed by position
        lr, wd, update = self.lr, self.wd, K.sgd.update
        for w, xp, _ in slots:
            update(xp, w._data, w._grad._data, lr, wd)


class NAG(SGD):
    """'nag': Nesterov momentum, v = momentum * v + g; w -= lr * (g + momentum * v), v carried across lr
    changes as SGD's (MXNet 1.x's nag_mom_update keeps lr inside its momentum)."""

    def _rule(self, xp, w, g, state, t):
        if self.momentum:
            if self._carry != 1.0:
                xp.multiply(state[0], self._carry, out=state[0])
            K.nesterov.update(xp, w, g, state[0], self.lr, momentum=self.momentum, weight_decay=self.wd)
        else:
            K.sgd.update(xp, w, g, self.lr, weight_decay=self.wd)


class Adam(Optimizer):
    """'adam' as MXNet's adam_update: the bias corrections folded into the step size
    (w -= lr * sqrt(1-b2^t) / (1-b1^t) * m / (sqrt(v) + eps))."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1, self.beta2, self.eps = beta1, beta2, epsilon

    decay_in_clip = True

    def create_state(self, xp, w):
        return (xp.zeros_like(w), xp.zeros_like(w))

    def _rule(self, xp, w, g, state, t):
        K.adam.update(xp, w, g, state[0], state[1], t, *self._hyper())

    def _rules(self, slots, t):
        # _hyper()'s tuple, inline (a call less per step)
        hyper, update = (self.lr, self.beta1, self.beta2, self.eps, self.wd, "folded"), K.adam.update
        for w, xp, (m, v) in slots:
            update(xp, w._data, w._grad._data, m, v, t, *hyper)

    def _hyper(self):
        # adam.update's lr, beta1, beta2, eps, weight_decay, eps_placement, by position: one tuple per step
        # instead of six keywords per parameter
        return self.lr, self.beta1, self.beta2, self.eps, self.wd, "folded"


class RMSProp(Optimizer):
    """'rmsprop' as MXNet's: n = gamma1 * n + (1 - gamma1) * g^2; w -= lr * g / sqrt(n + epsilon);
    centered=True is MXNet's rmspropalex (with gamma2 momentum, lr inside it)."""

    def __init__(self, learning_rate=0.001, gamma1=0.9, gamma2=0.9, epsilon=1e-8, centered=False,
                 clip_weights=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if clip_weights is not None:
            raise MXNetError("RMSProp: clip_weights is not supported")
        self.gamma1, self.gamma2, self.eps, self.centered = gamma1, gamma2, epsilon, centered

    decay_in_clip = True

    def create_state(self, xp, w):
        if self.centered:
            return (xp.zeros_like(w), xp.zeros_like(w), xp.zeros_like(w))
        return (xp.zeros_like(w),)

    def _rule(self, xp, w, g, state, t):
        if self.centered:
            K.rmsprop.update(xp, w, g, state[0], state[1], state[2], lr=self.lr, alpha=self.gamma1,
                             eps=self.eps, eps_inside=True, centered=True, momentum=self.gamma2,
                             lr_in_momentum=True, weight_decay=self.wd)
        else:
            K.rmsprop.update(xp, w, g, state[0], lr=self.lr, alpha=self.gamma1, eps=self.eps, eps_inside=True,
                             weight_decay=self.wd)


class AdaGrad(Optimizer):
    """'adagrad' as MXNet's: h += g^2; w -= lr * (g / sqrt(h + eps) + wd * w)."""

    def __init__(self, learning_rate=None, eps=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.eps = eps

    def create_state(self, xp, w):
        return (xp.zeros_like(w),)

    def _rule(self, xp, w, g, state, t):
        # MXNet's AdaGrad: w -= lr * (g / sqrt(h + eps) + wd * w), h from g alone (wd outside the history)
        if self.wd:
            w *= 1 - self.lr * self.wd
        K.adagrad.update(xp, w, g, state[0], lr=self.lr, eps=self.eps, eps_inside=True)


class AdaDelta(Optimizer):
    """'adadelta' (rho, epsilon as MXNet's; its learning rate is 1)."""

    def __init__(self, rho=0.90, epsilon=1e-5, **kwargs):
        kwargs.setdefault("learning_rate", 1.0)
        super().__init__(**kwargs)
        self.rho, self.eps = rho, epsilon

    def create_state(self, xp, w):
        return (xp.zeros_like(w), xp.zeros_like(w))

    def _rule(self, xp, w, g, state, t):
        # MXNet's AdaDelta: w -= delta + wd * w, the accumulators from g alone
        if self.wd:
            w *= 1 - self.wd
        K.adadelta.update(xp, w, g, state[0], state[1], lr=1.0, rho=self.rho, eps=self.eps)


_BY_NAME = {}   # filled below, after every class (create() and the refusals' messages read it)


class Adamax(Optimizer):
    """'adamax' as MXNet's: the decay inside the clip; m = b1*m + (1-b1)*g; u = max(b2*u, |g|);
    w -= lr / (1 - b1^t) * m / u."""

    def __init__(self, learning_rate=0.002, beta1=0.9, beta2=0.999, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1, self.beta2 = beta1, beta2

    decay_in_clip = True

    def create_state(self, xp, w):
        return (xp.zeros_like(w), xp.zeros_like(w))

    def _rule(self, xp, w, g, state, t):
        K.adamax.update(xp, w, g, state[0], state[1], t, lr=self.lr, beta1=self.beta1, beta2=self.beta2,
                        weight_decay=self.wd)


class Nadam(Optimizer):
    """'nadam' as MXNet's: Adam with Nesterov momentum under the warming schedule
    mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * schedule_decay)); m_schedule, the product of the mu_t, is the
    optimizer's own (one running product over every parameter's update, as MXNet keeps it)."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, schedule_decay=0.004,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1, self.beta2, self.epsilon, self.schedule_decay = beta1, beta2, epsilon, schedule_decay
        self.m_schedule = 1.

    decay_in_clip = True

    def create_state(self, xp, w):
        return (xp.zeros_like(w), xp.zeros_like(w))

    def _rule(self, xp, w, g, state, t):
        momentum_t = self.beta1 * (1. - 0.5 * (pow(0.96, t * self.schedule_decay)))
        momentum_t_1 = self.beta1 * (1. - 0.5 * (pow(0.96, (t + 1) * self.schedule_decay)))
        self.m_schedule = self.m_schedule * momentum_t
        K.nadam.update(xp, w, g, state[0], state[1], t, momentum_t, momentum_t_1, self.m_schedule,
                       self.m_schedule * momentum_t_1, lr=self.lr, beta1=self.beta1, beta2=self.beta2,
                       eps=self.epsilon, weight_decay=self.wd)


class Signum(Optimizer):
    """'signum' as MXNet's: w = (1 - lr * wd_lh) * w - lr * sign(m), m = momentum * m + (1 - momentum) *
    (g + wd * w); momentum 0 is signSGD (sign of the gradient, no state)."""

    def __init__(self, learning_rate=0.01, momentum=0.9, wd_lh=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum, self.wd_lh = momentum, wd_lh

    def create_state(self, xp, w):
        return (xp.zeros_like(w),) if self.momentum != 0.0 else ()

    def _rule(self, xp, w, g, state, t):
        K.signum.update(xp, w, g, state[0] if state else None, self.lr, momentum=self.momentum,
                        weight_decay=self.wd, wd_lh=self.wd_lh)


class FTML(Optimizer):
    """'ftml' as MXNet's (Follow the Moving Leader): the decay inside the clip; state d, v, z."""

    def __init__(self, beta1=0.6, beta2=0.999, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon

    decay_in_clip = True

    def create_state(self, xp, w):
        return (xp.zeros_like(w), xp.zeros_like(w), xp.zeros_like(w))

    def _rule(self, xp, w, g, state, t):
        K.ftml.update(xp, w, g, state[0], state[1], state[2], t, lr=self.lr, beta1=self.beta1,
                      beta2=self.beta2, eps=self.epsilon, weight_decay=self.wd)


class Ftrl(Optimizer):
    """'ftrl' as MXNet's (FTRL-Proximal): lamda1 the L1 coefficient, beta the per-coordinate lr term;
    state z, n."""

    def __init__(self, lamda1=0.01, learning_rate=0.1, beta=1, **kwargs):
        super().__init__(**kwargs)
        self.lamda1, self.beta, self.lr = lamda1, beta, learning_rate

    def create_state(self, xp, w):
        return (xp.zeros_like(w), xp.zeros_like(w))

    def _rule(self, xp, w, g, state, t):
        K.ftrl.update(xp, w, g, state[0], state[1], lr=self.lr, lamda1=self.lamda1, beta=self.beta,
                      weight_decay=self.wd)


class DCASGD(Optimizer):
    """'dcasgd' as MXNet's (delay-compensated SGD): state (momentum or none, the previous weight)."""

    def __init__(self, momentum=0.0, lamda=0.04, **kwargs):
        super().__init__(**kwargs)
        self.momentum, self.lamda, self.weight_previous = momentum, lamda, {}

    def create_state(self, xp, w):
        return (xp.zeros_like(w), w.copy()) if self.momentum != 0.0 else (w.copy(),)

    def _rule(self, xp, w, g, state, t):
        velocity, previous = (state[0], state[1]) if len(state) == 2 else (None, state[0])
        K.dcasgd.update(xp, w, g, previous, velocity, lr=self.lr, momentum=self.momentum, lamda=self.lamda,
                        weight_decay=self.wd)


class SGLD(Optimizer):
    """'sgld' as MXNet's (stochastic gradient Langevin dynamics): w -= lr / 2 * (g + wd * w), then
    w += N(0, sqrt(lr)) noise drawn from mx.random's seeded generator."""

    def create_state(self, xp, w):
        return ()

    def _rule(self, xp, w, g, state, t):
        from .ops import _host_random   # the generator mx.random.seed seeds
        K.sgd.update(xp, w, g, self.lr / 2, weight_decay=self.wd)
        w += xp.asarray(_host_random().rs.normal(0, self.lr ** 0.5, size=w.shape)).astype(w.dtype)


class ccSGD(SGD):   # noqa: N801 (MXNet's name)
    """[DEPRECATED] Same as `SGD`. Left here for backward compatibility (as MXNet 1.x keeps it)."""


def _sgd_mom_step(xp, w, g, state, lr, momentum, wd):
    """MXNet's sgd_mom_update / sgd_update at this step's lr: the learning rate inside the momentum
    (LARS and LBSGD change it every step, per layer)."""
    if state:
        K.momentum.update(xp, w, g, state[0], lr, momentum=momentum, weight_decay=wd, lr_in_velocity=True)
    else:
        K.sgd.update(xp, w, g, lr, weight_decay=wd)


class LARS(Optimizer):
    """'lars' as MXNet 1.x's (You et al., layer-wise adaptive rate scaling): SGD with momentum whose lr
    is, for each parameter not named *gamma, *beta or *bias, lr * eta * ||w|| / (||g|| + wd * ||w|| + eps)
    (||g|| of the rescaled gradient; lr itself where either norm is 0). With momentum_correction the
    momentum is scaled by lr / previous lr in the first aggregated group (MXNET_OPTIMIZER_AGGREGATION_SIZE
    parameters, 4) updated after the learning rate changes, as MXNet's _get_lrs tracks it. Only
    parameters named *_weight take weight decay under Module (LARS's own set_wd_mult); Gluon's Trainer
    names none, so every parameter gets the scaling there, as in MXNet."""

    def __init__(self, momentum=0.0, lazy_update=True, eta=0.001, eps=0, momentum_correction=True, **kwargs):
        super().__init__(**kwargs)
        self.momentum, self.lazy_update, self.eta, self.eps = momentum, lazy_update, eta, eps
        self.momentum_correction = momentum_correction
        self.aggregate_num = int(os.getenv("MXNET_OPTIMIZER_AGGREGATION_SIZE", "4"))
        self.last_lr = self.cur_lr = None
        self._index, self._calls = None, 0

    def set_wd_mult(self, args_wd_mult):
        self.wd_mult = {n: 0.0 for n in self.idx2name.values() if not n.endswith("_weight")}
        self.wd_mult.update(self._from_symbol("__wd_mult__"))
        self.wd_mult.update(args_wd_mult)

    def create_state(self, xp, w):
        return (xp.zeros_like(w),) if self.momentum != 0.0 else ()

    def scheduled(self, t):
        super().scheduled(t)
        self._calls = 0

    def _momentum(self):
        """This update's momentum: MXNet's cur_lr / last_lr move once per aggregated group of updates."""
        if self._calls % max(self.aggregate_num, 1) == 0:
            self.last_lr = self.cur_lr if self.cur_lr is not None else self.lr
            self.cur_lr = self.lr
        self._calls += 1
        if self.momentum_correction and self.last_lr != 0:
            return self.momentum * (self.cur_lr / self.last_lr)
        return self.momentum

    def update(self, xp, w, g, state, t, scale=1.0):
        momentum = self._momentum()
        lr = self.lr   # (already lr * lr_mult: the Updater and the Trainer's groups scale it)
        name = self.idx2name.get(self._index, str(self._index))
        if not name.endswith(("gamma", "beta", "bias")):
            w_norm = float(xp.sqrt((w.astype("float32") ** 2).sum()))
            g_norm = float(xp.sqrt((g.astype("float32") ** 2).sum())) * self.rescale_grad * scale
            if w_norm > 0.0 and g_norm > 0.0:
                lr *= self.eta * w_norm / (g_norm + self.wd * w_norm + self.eps)
        _sgd_mom_step(xp, w, self._prepare(xp, g, scale), state, lr, momentum, self.wd)

    def _rule(self, xp, w, g, state, t):
        self.update(xp, w, g, state, t)


class LBSGD(Optimizer):
    """'lbsgd' as MXNet 1.x's (large-batch SGD): each parameter's gradient is accumulated over
    batch_scale updates, the weight left as it is in between; the mean is then applied as SGD with
    momentum (lr inside it) at lr * a warmup multiplier: 1 + (batch_scale - 1) * p over the first
    warmup_epochs * updates_per_epoch updates, p linear ('linear'), squared ('power2') or its square
    root ('sqrt') in the update count; with 'lars', sqrt(||w||^2 / (||g||^2 + wd * ||w||^2 + 1e-18))
    clipped to [0.01, 100] instead."""

    def __init__(self, momentum=0.0, multi_precision=False, warmup_strategy="linear", warmup_epochs=5,
                 batch_scale=1, updates_per_epoch=32, begin_epoch=0, num_epochs=60, **kwargs):
        super().__init__(multi_precision=multi_precision, **kwargs)
        logging.info("Running Large-Batch SGD Algorithm")
        logging.info("(Batch_scale=%f, warmup_epochs=%d, warmup_strategy=%s, updates_per_epoch=%d)",
                     batch_scale, warmup_epochs, warmup_strategy, updates_per_epoch)
        self.momentum, self.warmup_strategy, self.warmup_epochs = momentum, warmup_strategy, warmup_epochs
        self.batch_scale, self.updates_per_epoch = batch_scale, updates_per_epoch
        self.init_updates, self.num_epochs = begin_epoch * updates_per_epoch, num_epochs

    def create_state(self, xp, w):
        # (momentum or nothing, the gradient sum, [updates counted]) per parameter: MXNet's cumgrads
        return ((xp.zeros_like(w),) if self.momentum != 0.0 else ()) + (xp.zeros_like(w), numpy.zeros(1, "int64"))

    def _get_lbmult(self, nup):
        nwup = self.warmup_epochs * self.updates_per_epoch
        maxmult = float(self.batch_scale)
        if nup >= nwup:
            return maxmult
        if nwup <= 1:
            return 1.0
        if self.warmup_strategy == "linear":
            return 1.0 + (maxmult - 1) * nup / nwup
        if self.warmup_strategy == "power2":
            return 1.0 + (maxmult - 1) * (nup * nup) / (nwup * nwup)
        if self.warmup_strategy == "sqrt":
            return 1.0 + (maxmult - 1) * math.sqrt(float(nup) / nwup)
        return 1.0

    def update(self, xp, w, g, state, t, scale=1.0):
        *momentum, cum, count = state
        count[0] = count[0] + 1 if count[0] > 0 else self.init_updates + 1
        cum += g
        if count[0] % self.batch_scale:
            return   # MXNet's sgd_update at lr 0: the weight unchanged until the large batch is complete
        grad = cum / self.batch_scale
        if self.warmup_strategy == "lars":
            w2, g2 = float((w * w).sum()), float((grad * grad).sum())
            mult = min(max(math.sqrt(w2 / (g2 + self.wd * w2 + 1e-18)), 0.01), 100)
        else:
            mult = self._get_lbmult(count[0])
        _sgd_mom_step(xp, w, self._prepare(xp, grad, scale), tuple(momentum), self.lr * mult, self.momentum,
                      self.wd)
        cum[...] = 0

    def _rule(self, xp, w, g, state, t):
        self.update(xp, w, g, state, t)


class LAMB(Optimizer):
    """'lamb' as MXNet 1.x's (layer-wise adaptive moments for large batches; the shared lamb kernel):
    Adam's moments of the rescaled, clipped gradient, the step m_hat / (sqrt(v_hat) + epsilon) + wd * w
    scaled by the trust ratio ||w|| / ||step|| (||w|| bounded by lower_bound/upper_bound when set)."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-6, lower_bound=None,
                 upper_bound=None, bias_correction=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.lower_bound, self.upper_bound, self.bias_correction = lower_bound, upper_bound, bias_correction

    def create_state(self, xp, w):
        return (xp.zeros_like(w), xp.zeros_like(w))

    def _rule(self, xp, w, g, state, t):
        # MXNet passes a bound only when it is truthy (0 and None both leave the norm unbounded)
        K.lamb.update(xp, w, g, state[0], state[1], t, lr=self.lr, beta1=self.beta1, beta2=self.beta2,
                      eps=self.epsilon, weight_decay=self.wd, bias_correction=self.bias_correction,
                      lower_bound=self.lower_bound or None, upper_bound=self.upper_bound or None)


class Test(Optimizer):
    """'test' as MXNet's: w += rescale_grad * g, its state a copy of the weight (no learning rate)."""

    def create_state(self, xp, w):
        return (xp.zeros(w.shape, dtype="float32"),)

    def update(self, xp, w, g, state, t, scale=1.0):
        w += g * (self.rescale_grad * scale)
        state[0][...] = w

    def _rule(self, xp, w, g, state, t):
        self.update(xp, w, g, state, t)




def create(name, **kwargs):
    """An optimizer by name ('sgd', 'adam'; case-insensitive) or the instance given."""
    if isinstance(name, Optimizer):
        return name
    if isinstance(name, str) and name.lower() in _BY_NAME:
        return _BY_NAME[name.lower()](**kwargs)
    hint = _LATER.get(name.lower(), "") if isinstance(name, str) else ""
    raise MXNetError(f"Cannot find optimizer {name}{hint}; MXNet 1.x's are {', '.join(sorted(_BY_NAME))}")


_BY_NAME.update({c.__name__.lower(): c for c in (SGD, NAG, Adam, RMSProp, AdaGrad, AdaDelta, Adamax, Nadam,
                                                 Signum, FTML, Ftrl, DCASGD, SGLD, ccSGD, LARS, LBSGD, LAMB,
                                                 Test)})
# names programs bring from MXNet 2.0 (or GluonNLP), which MXNet 1.x's registry does not have either
_LATER = {"adamw": " (AdamW is MXNet 2.0's optimizer; 1.x has its step as the op nd.contrib.adamw_update, or use 'adam' with wd)",
          "signsgd": " (MXNet 1.x's signSGD is 'signum' with momentum=0)"}


def register(klass):
    """Register an Optimizer subclass under its lower-cased name (mx.optimizer.register), for create()."""
    _BY_NAME[klass.__name__.lower()] = klass
    return klass


class Updater:
    """updater(index, grad, weight): one step of `optimizer` on weight (an NDArray, in place), its state
    made on the first call for that index and its update count kept per index (MXNet's Updater, what
    get_updater returns for hand-written training loops and kvstore.set_optimizer)."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.states, self.counts, self._unsynced = {}, {}, set()

    def __call__(self, index, grad, weight):
        if isinstance(index, (list, tuple)):
            for i, g, w in zip(index, grad, weight):
                self(i, g, w)
            return
        xp = weight._ctx.xp
        if index not in self.states:
            self.states[index] = self.optimizer.create_state(xp, weight._data)
            self.counts[index] = 0
        elif index in self._unsynced:   # loaded by set_states: host arrays, moved to the weight's device once
            self.states[index] = tuple(xp.array(a, dtype=a.dtype) for a in self.states[index])
            self._unsynced.discard(index)
        t = self.counts[index] = self.counts[index] + 1
        opt = self.optimizer
        if opt.begin_num_update + t > opt.num_update:   # the first index to reach step t moves the schedule
            opt.scheduled(t)
        opt._index = index   # (LARS reads the parameter's name from idx2name)
        lr_mult, wd_mult = opt._mult(opt.lr_mult, index), opt._mult(opt.wd_mult, index)
        if lr_mult == 1.0 and wd_mult == 1.0:
            opt.update(xp, weight._data, grad._data, self.states[index], t)
            return
        lr, wd = opt.lr, opt.wd   # this parameter's lr and wd for its update (MXNet's _get_lr/_get_wd)
        opt.lr, opt.wd = lr * lr_mult, wd * wd_mult
        try:
            opt.update(xp, weight._data, grad._data, self.states[index], t)
        finally:
            opt.lr, opt.wd = lr, wd

    def get_states(self, dump_optimizer=False):
        """The states and counts as bytes (NumPy's .npz format, no pickle; the optimizer is not dumped)."""
        if dump_optimizer:
            raise MXNetError("Updater.get_states: dump_optimizer is not supported (no pickle); save the "
                             "optimizer's parameters yourself")
        arrays = {}
        for index, state in self.states.items():
            key = f"{'i' if isinstance(index, int) else 's'}:{index}"
            arrays[f"count/{key}"] = numpy.asarray(self.counts[index])
            for j, a in enumerate(state):
                arrays[f"state/{key}/{j}"] = K.to_numpy(a)
        buf = io.BytesIO()
        numpy.savez(buf, **arrays)
        return buf.getvalue()

    def set_states(self, states):
        """What get_states returned; each state moves to its weight's device at its next update."""
        try:
            with numpy.load(io.BytesIO(states), allow_pickle=False) as f:
                arrays = {k: f[k] for k in f.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
            raise MXNetError(f"Updater.set_states: not optimizer states written by get_states ({e})") from None
        self.states, self.counts, self._unsynced = {}, {}, set()
        for name, value in arrays.items():
            if not name.startswith("count/"):
                continue
            key = name[len("count/"):]
            index = int(key[2:]) if key[0] == "i" else key[2:]
            self.counts[index] = int(value)
            parts = sorted((int(k.rsplit("/", 1)[1]), v) for k, v in arrays.items()
                           if k.startswith(f"state/{key}/"))
            self.states[index] = tuple(v for _, v in parts)
            self._unsynced.add(index)


def get_updater(optimizer):
    """An Updater over `optimizer` (mx.optimizer.get_updater)."""
    return Updater(optimizer)


Optimizer.create_optimizer = staticmethod(lambda name, **kwargs: create(name, **kwargs))
Optimizer.register = staticmethod(register)

__all__ = ["Optimizer", "Updater", "get_updater", "register", "SGD", "NAG", "Adam", "RMSProp", "AdaGrad", "AdaDelta", "Adamax",
           "Nadam", "Signum", "FTML", "Ftrl", "DCASGD", "SGLD", "ccSGD", "LARS", "LBSGD", "LAMB", "Test",
           "create"]
