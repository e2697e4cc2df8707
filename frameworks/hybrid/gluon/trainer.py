"""gluon.Trainer: applies an optimizer to a set of Parameters through the shared update kernels."""
from ... import kernels as K
from .parameter import ParameterDict


class _SGD:
    """'sgd': w -= lr * g, or with momentum v = momentum * v + g; w -= lr * v (the shared kernels)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, wd=0.0, **kwargs):
        self.lr, self.momentum, self.wd = learning_rate, momentum, wd

    def create_state(self, xp, w):
        return (xp.zeros_like(w),) if self.momentum else ()

    def update(self, xp, w, g, state, t):
        if self.momentum:
            K.momentum.update(xp, w, g, state[0], self.lr, momentum=self.momentum, weight_decay=self.wd)
        else:
            K.sgd.update(xp, w, g, self.lr, weight_decay=self.wd)


class _Adam:
    """'adam': the textbook update with bias correction (the shared kernel)."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, wd=0.0, **kwargs):
        self.lr, self.beta1, self.beta2, self.eps, self.wd = learning_rate, beta1, beta2, epsilon, wd

    def create_state(self, xp, w):
        return (xp.zeros_like(w), xp.zeros_like(w))

    def update(self, xp, w, g, state, t):
        K.adam.update(xp, w, g, state[0], state[1], t, lr=self.lr, beta1=self.beta1, beta2=self.beta2,
                      eps=self.eps, weight_decay=self.wd)


_OPTIMIZERS = {"sgd": _SGD, "adam": _Adam}


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
        if optimizer not in _OPTIMIZERS:
            raise ValueError(f"unknown optimizer {optimizer!r}; known: {', '.join(_OPTIMIZERS)}")
        optimizer_params = dict(optimizer_params or {})
        self._scale = optimizer_params.pop("rescale_grad", 1.0)
        self._optimizer = _OPTIMIZERS[optimizer](**optimizer_params)
        self._states = None
        self._t = 0

    @property
    def learning_rate(self):
        return self._optimizer.lr

    def set_learning_rate(self, lr):
        self._optimizer.lr = lr

    def step(self, batch_size, ignore_stale_grad=False):
        """One update of every parameter from its gradient, scaled by rescale_grad / batch_size."""
        if self._states is None:
            self._states = [self._optimizer.create_state(p.data()._ctx.xp, p.data()._data)
                            for p in self._params]
            # a Parameter keeps one NDArray for life, so (array, state) pairs are built once
            self._slots = [(p._data, p._data._ctx.xp, state) for p, state in zip(self._params, self._states)]
        self._t += 1
        rescale = self._scale / batch_size
        update, t = self._optimizer.update, self._t
        if rescale != 1.0:
            for w, xp, state in self._slots:
                update(xp, w._data, w._grad._data * rescale, state, t)
        else:
            for w, xp, state in self._slots:
                update(xp, w._data, w._grad._data, state, t)

    def update(self, batch_size, ignore_stale_grad=False):
        self.step(batch_size, ignore_stale_grad)
