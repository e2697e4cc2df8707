"""mx.kv / mx.kvstore: the single-process key-value store ('local', 'device'): init, push (values summed),
pull, and an optimizer applied on push (set_optimizer), as MXNet's local store; distributed types are
refused (this engine runs one process on one device)."""
from . import optimizer as opt
from .base import MXNetError
from .ndarray import NDArray


def _pairs(key, value):
    if isinstance(key, (list, tuple)):
        if not isinstance(value, (list, tuple)) or len(key) != len(value):
            raise MXNetError(f"kvstore: {len(key)} keys need as many values")
        return list(zip(key, value))
    return [(key, value)]


class KVStore:
    """A local store: each key holds one NDArray; push sums what is given (a list: one per device)."""

    def __init__(self, name="local"):
        self._type, self._store, self._updater, self._states = name, {}, None, {}

    @property
    def type(self):
        return self._type

    @property
    def rank(self):
        return 0

    @property
    def num_workers(self):
        return 1

    def init(self, key, value):
        for k, v in _pairs(key, value):
            if k in self._store:
                raise MXNetError(f"duplicate init of key {k}")
            self._store[k] = v.copy()

    def push(self, key, value, priority=0):
        for k, v in _pairs(key, value):
            if k not in self._store:
                raise MXNetError(f"key {k} has not been initialized; call kv.init({k!r}, value) first")
            vs = v if isinstance(v, (list, tuple)) else [v]
            total = vs[0].copy()
            for x in vs[1:]:
                total += x
            if self._updater is not None:
                self._updater(k, total, self._store[k])
            else:
                self._store[k][:] = total

    def pull(self, key, out=None, priority=0, ignore_sparse=True):
        if out is None:
            raise MXNetError("kvstore.pull needs out= (the NDArray, or list of them, to fill)")
        for k, o in _pairs(key, out):
            if k not in self._store:
                raise MXNetError(f"key {k} has not been initialized")
            for target in (o if isinstance(o, (list, tuple)) else [o]):
                target[:] = self._store[k]

    def pushpull(self, key, value, out=None, priority=0):
        self.push(key, value, priority)
        if out is not None:
            self.pull(key, out, priority)

    def set_optimizer(self, optimizer):
        """Apply `optimizer` to the stored value on each push (the pushed value is the gradient)."""
        optimizer = opt.create(optimizer)

        def update(key, grad, weight):
            if key not in self._states:
                self._states[key] = [optimizer.create_state(weight._ctx.xp, weight._data), 0]
            state = self._states[key]
            state[1] += 1
            optimizer.scheduled(state[1])
            optimizer.update(weight._ctx.xp, weight._data, grad._data, state[0], state[1])
        self._updater = update

    def _set_updater(self, updater):
        """updater(key, grad, stored_weight), called on each push."""
        self._updater = lambda k, g, w: updater(k, g, w)

    def set_gradient_compression(self, compression_params):
        raise MXNetError("gradient compression is not supported (one process, nothing is sent)")

    def save_optimizer_states(self, fname, dump_optimizer=False):
        raise MXNetError("kvstore.save_optimizer_states is not supported; save the parameters instead")


def create(name="local"):
    """A KVStore: 'local' or 'device' (one process); 'dist_*' and 'horovod' are refused."""
    if isinstance(name, KVStore):
        return name
    if not isinstance(name, str):
        raise MXNetError(f"name must be a string, got {name!r}")
    if name in ("local", "device", "local_update_cpu", "local_allreduce_cpu", "local_allreduce_device", "nccl"):
        return KVStore(name)
    raise MXNetError(f"kvstore type {name!r} is not supported: this engine runs one process on one device; "
                     "use 'local' or 'device'")


__all__ = ["KVStore", "create", "NDArray"]
