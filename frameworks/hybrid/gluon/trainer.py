"""gluon.Trainer: applies an optimizer to a set of Parameters through the shared update kernels."""
from operator import attrgetter

from .. import optimizer as opt
from .parameter import ParameterDict

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

    @property
    def optimizer(self):
        return self._optimizer

    @property
    def learning_rate(self):
        return self._optimizer.learning_rate

    def set_learning_rate(self, lr):
        """A new learning rate; with an lr_scheduler MXNet's UserWarning (the scheduler owns it)."""
        self._optimizer.set_learning_rate(lr)

    def step(self, batch_size, ignore_stale_grad=False):
        """One update of every parameter from its gradient, scaled by rescale_grad / batch_size.

        A parameter whose gradient backward() has not written since the last step raises MXNet's
        UserWarning; with ignore_stale_grad=True such parameters are skipped instead."""
        if self._states is None:
            self._states = [self._optimizer.create_state(p.data()._ctx.xp, p.data()._data)
                            for p in self._params]
            # a Parameter keeps one NDArray for life, so (array, state) pairs are built once
            self._slots = [(p._data, p._data._ctx.xp, state) for p, state in zip(self._params, self._states)]
            self._arrays = [p._data for p in self._params]
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
        self._optimizer.update_all(slots, t, self._scale / batch_size)   # scheduled(t) first
        for w, _, _ in slots:
            w._fresh_grad = False

    def allreduce_grads(self):
        """One device: nothing to reduce."""

    def zero_grad(self):
        for p in self._params:
            p.zero_grad()

    def update(self, batch_size, ignore_stale_grad=False):
        self.step(batch_size, ignore_stale_grad)
