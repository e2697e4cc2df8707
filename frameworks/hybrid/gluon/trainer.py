"""gluon.Trainer: applies an optimizer to a set of Parameters through the shared update kernels."""
from operator import attrgetter

import numpy

from ... import kernels as K
from .. import optimizer as opt
from ..base import MXNetError
from ..ndarray import load_arrays, save_arrays
from .parameter import MULT_EPOCH, ParameterDict

_fresh = attrgetter("_fresh_grad")   # set by backward, cleared by step: the stale-gradient check


class Trainer:
    """Trainer(params, 'sgd' | 'adam', {'learning_rate': ..., ...}); step(batch_size) after backward().

    As Gluon, step() rescales gradients by rescale_grad / batch_size (rescale_grad defaults to 1).
    """

    def __init__(self, params, optimizer, optimizer_params=None, kvstore="device", **kwargs):
        if isinstance(params, ParameterDict):
            params = list(params.values())
        elif isinstance(params, dict):
            params = list(params.values())
        self._params = [p for p in params if p.grad_req != "null"]
        optimizer_params = dict(optimizer_params or {})
        if isinstance(optimizer, opt.Optimizer):
            if optimizer_params:
                raise ValueError("optimizer_params must be None if optimizer is an instance of Optimizer "
                                 "instead of str")
            self._optimizer = optimizer
        else:
            self._optimizer = opt.create(optimizer, **optimizer_params)
        # as Gluon: step(batch_size) applies rescale_grad / batch_size
        self._scale = self._optimizer.rescale_grad
        self._optimizer.rescale_grad = 1.0
        self._states = None
        self._t = 0
        self._mult_epoch, self._multiplied = None, {}

    # MXNet's kvstore bookkeeping, which programs read (the learning-rate finder tutorial): one device, no
    # kvstore to set up, so it is always "initialized"
    _kv_initialized = True

    def _init_kvstore(self):
        """One device: no kvstore to create."""

    @property
    def optimizer(self):
        return self._optimizer

    @property
    def learning_rate(self):
        return self._optimizer.learning_rate

    def set_learning_rate(self, lr):
        """A new learning rate; with an lr_scheduler MXNet's UserWarning (the scheduler owns it)."""
        self._optimizer.set_learning_rate(lr)

    def _init_states(self):
        """The optimizer's fresh state per parameter, and the (array, xp, state) slots step() updates: a
        Parameter keeps one NDArray for life, so they are built once."""
        self._states = [self._optimizer.create_state(p.data()._ctx.xp, p.data()._data) for p in self._params]
        self._slots = [(p._data, p._data._ctx.xp, state) for p, state in zip(self._params, self._states)]
        self._arrays = [p._data for p in self._params]

    def step(self, batch_size, ignore_stale_grad=False):
        """One update of every parameter from its gradient, scaled by rescale_grad / batch_size.

        A parameter whose gradient backward() has not written since the last step raises MXNet's
        UserWarning; with ignore_stale_grad=True such parameters are skipped instead."""
        if self._states is None:
            self._init_states()
        slots = self._slots
        if not all(map(_fresh, self._arrays)):
            if not ignore_stale_grad:
                stale = next(p for p in self._params if not p._data._fresh_grad)
                raise UserWarning(
                    f"Gradient of Parameter `{stale.name}` on context {stale._data._ctx} has not been updated "
                    "by backward since last `step`. This could mean a bug in your model that made it only use a subset "
                    "of the Parameters (Blocks) for this iteration. If you are intentionally only using a "
                    "subset, call step with ignore_stale_grad=True to suppress this warning and skip "
                    "updating of Parameters with stale gradient")
            slots = [s for s in slots if s[0]._fresh_grad]
        self._t = t = self._t + 1
        if self._mult_epoch != MULT_EPOCH[0]:
            self._group_by_multipliers()
        if self._multiplied:
            self._optimizer.scheduled(t)
            self._update_multiplied(slots, t, self._scale / batch_size)
        else:
            self._optimizer.update_all(slots, t, self._scale / batch_size)   # scheduled(t) first
        for w, _, _ in slots:
            w._fresh_grad = False

    def _group_by_multipliers(self):
        """id(weight array) -> (lr_mult, wd_mult) of the parameters whose multipliers are not 1."""
        self._mult_epoch = MULT_EPOCH[0]
        self._multiplied = {id(p._data): (p.lr_mult, p.wd_mult) for p in self._params
                            if (p.lr_mult, p.wd_mult) != (1.0, 1.0)}

    def _update_multiplied(self, slots, t, scale):
        """MXNet's per-parameter learning rate lr * lr_mult and weight decay wd * wd_mult: the slots updated in
        groups of equal multipliers, the optimizer's lr and wd scaled for each group."""
        opt_ = self._optimizer
        groups = {}
        for slot in slots:
            groups.setdefault(self._multiplied.get(id(slot[0]), (1.0, 1.0)), []).append(slot)
        lr, wd = opt_.lr, opt_.wd
        try:
            for (lr_mult, wd_mult), group in groups.items():
                opt_.lr, opt_.wd = lr * lr_mult, wd * wd_mult
                opt_.update_slots(group, t, scale)
        finally:
            opt_.lr, opt_.wd = lr, wd

    def save_states(self, fname):
        """Write the optimizer's state (momentum, Adam's moments...) and its update count to `fname`
        (.npz content, no pickle; MXNet pickles its updater). The learning rate and other settings are
        the Trainer's, not the file's."""
        arrays = {"num_update": numpy.array([self._t])}
        for i, state in enumerate(self._states or ()):
            for j, a in enumerate(state):
                arrays[f"state{i}_{j}"] = K.to_numpy(a)
        save_arrays(fname, arrays)

    def load_states(self, fname):
        """Restore what save_states wrote: each parameter's optimizer state, in this Trainer's parameter
        order, and the update count (Adam's bias correction and lr schedules continue from it)."""
        loaded = load_arrays(fname)
        if "num_update" not in loaded:
            raise MXNetError(f"load_states: '{fname}' holds no trainer states (no num_update entry)")
        keys = {k for k in loaded if k.startswith("state")}
        self._init_states()
        want = {f"state{i}_{j}" for i, state in enumerate(self._states) for j in range(len(state))}
        if keys and keys != want:
            raise MXNetError(f"load_states: '{fname}' holds optimizer states for another set of parameters or "
                             f"another optimizer ({len(keys)} arrays, this Trainer's {type(self._optimizer).__name__} "
                             f"over {len(self._params)} parameters has {len(want)})")
        for i, (p, state) in enumerate(zip(self._params, self._states)):
            for j, a in enumerate(state):
                if f"state{i}_{j}" in loaded:
                    a[...] = p.data()._ctx.xp.asarray(loaded[f"state{i}_{j}"])
        self._t = int(loaded["num_update"][0])
        self._optimizer.num_update = self._optimizer.begin_num_update + self._t

    def allreduce_grads(self):
        """One device: nothing to reduce."""

    def zero_grad(self):
        for p in self._params:
            p.zero_grad()

    def update(self, batch_size, ignore_stale_grad=False):
        self.step(batch_size, ignore_stale_grad)
