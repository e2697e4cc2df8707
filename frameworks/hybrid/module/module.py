"""mx.mod.Module: the Module API (a Symbol bound to one Executor, with parameters, an optimizer and
fit/score/predict loops), as most pre-Gluon MXNet programs were written."""
import logging
import time
from collections import namedtuple

from .. import initializer as init_mod
from .. import metric as metric_mod
from .. import ndarray as nd
from .. import kvstore as kvstore_mod
from .. import optimizer as opt
from .. import symbol as sym_mod
from ..base import MXNetError
from ..context import as_context, cpu
from ..io import DataDesc

BatchEndParam = namedtuple("BatchEndParams", ["epoch", "nbatch", "eval_metric", "locals"])


def save_checkpoint(prefix, epoch, symbol, arg_params, aux_params):
    """prefix-symbol.json and prefix-%04d.params ('arg:'/'aux:' names; .npz content, no pickle)."""
    if symbol is not None:
        symbol.save(f"{prefix}-symbol.json")
    arrays = {f"arg:{k}": v for k, v in arg_params.items()}
    arrays.update({f"aux:{k}": v for k, v in aux_params.items()})
    nd.save(f"{prefix}-{epoch:04d}.params", arrays)


def load_checkpoint(prefix, epoch):
    """(symbol, arg_params, aux_params) written by save_checkpoint."""
    symbol = sym_mod.load(f"{prefix}-symbol.json")
    return (symbol,) + load_params(prefix, epoch)


def load_params(prefix, epoch):
    """(arg_params, aux_params) of prefix-%04d.params (mx.model.load_params)."""
    return _split_params(nd.load(f"{prefix}-{epoch:04d}.params"), f"{prefix}-{epoch:04d}.params")


def _split_params(arrays, fname):
    """{'arg:w': a, 'aux:m': b} -> ({'w': a}, {'m': b}); another name raises, naming the file."""
    arg, aux = {}, {}
    for k, v in arrays.items():
        kind, _, name = k.partition(":")
        if kind not in ("arg", "aux") or not name:
            raise ValueError("Invalid param file " + fname)
        (arg if kind == "arg" else aux)[name] = v
    return arg, aux


def _descs(shapes):
    if shapes is None:
        return []
    return [s if isinstance(s, DataDesc) else DataDesc(*s) for s in shapes]


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _share_arrays(exe, src, names):
    """exe's argument/auxiliary arrays named in `names` become src's very NDArrays (where shapes agree)."""
    names = set(names)
    for arrays, mine, theirs in ((exe.arg_arrays, exe.arg_dict, src.arg_dict),
                                 (exe.aux_arrays, exe.aux_dict, src.aux_dict)):
        for i, (n, a) in enumerate(list(mine.items())):
            if n in names and n in theirs and theirs[n].shape == a.shape:
                arrays[i] = mine[n] = theirs[n]


class _ExecGroup:
    """The parts of MXNet's DataParallelExecutorGroup that programs read, over one executor."""

    def __init__(self, module):
        exe = module._exec
        self.execs = [exe]
        self.param_names = [n for n in module._param_names if n in exe.arg_dict]
        self.param_arrays = [[exe.arg_dict[n]] for n in self.param_names]
        self.grad_arrays = [[exe.grad_dict[n]] for n in self.param_names if n in exe.grad_dict]
        self.aux_arrays = [[exe.aux_dict[n]] for n in module._aux_names]
        self.data_arrays = [[exe.arg_dict[n]] for n in module._data_names]
        self.label_arrays = [[exe.arg_dict[n]] for n in module._label_names]
        self.state_arrays = [[exe.arg_dict[n]] for n in module._state_names]


class BaseModule:
    """What every module shares: the loops fit, score, predict, iter_predict, forward_backward and
    save_params/load_params, written against the interface (bind, init_params, init_optimizer, forward,
    backward, update, update_metric, get_outputs, get_params, set_params, prepare) that Module,
    BucketingModule, SequentialModule and PythonModule implement, as MXNet's BaseModule."""

    def __init__(self, logger=logging):
        self.logger = logger
        self.binded = False
        self.for_training = False
        self.inputs_need_grad = False
        self.params_initialized = False
        self.optimizer_initialized = False
        self._symbol = None

    def forward_backward(self, data_batch):
        """forward (training mode), then backward."""
        self.forward(data_batch, is_train=True)
        self.backward()

    def prepare(self, data_batch, sparse_row_id_fn=None):
        """Nothing to prepare: the parameters are dense and on one device."""

    @property
    def symbol(self):
        return self._symbol

    # ------------------------------------------------------------ the interface (MXNet's abstract methods)
    def _abstract(self, *args, **kwargs):
        raise NotImplementedError()

    data_names = output_names = data_shapes = label_shapes = output_shapes = property(_abstract)
    get_params = init_params = bind = init_optimizer = forward = backward = update = _abstract
    get_outputs = get_input_grads = update_metric = install_monitor = _abstract

    def set_params(self, arg_params, aux_params, allow_missing=False, force_init=True, allow_extra=False):
        """init_params with the given values (MXNet's BaseModule.set_params)."""
        self.init_params(initializer=None, arg_params=arg_params, aux_params=aux_params,
                         allow_missing=allow_missing, force_init=force_init, allow_extra=allow_extra)

    def get_states(self, merge_multi_context=True):
        """A module without states has none."""
        assert self.binded and self.params_initialized
        assert not merge_multi_context
        return []

    def set_states(self, states=None, value=None):
        """A module without states takes none."""
        assert self.binded and self.params_initialized
        assert not states and not value

    def save_params(self, fname):
        """The parameters into `fname` ('arg:'/'aux:' names, as MXNet's)."""
        arg, aux = self.get_params()
        arrays = {f"arg:{k}": v for k, v in arg.items()}
        arrays.update({f"aux:{k}": v for k, v in aux.items()})
        nd.save(fname, arrays)

    def load_params(self, fname):
        """What save_params wrote, set as this module's parameters."""
        self.set_params(*_split_params(nd.load(fname), fname))

    def fit(self, train_data, eval_data=None, eval_metric="acc", epoch_end_callback=None,
            batch_end_callback=None, kvstore="local", optimizer="sgd",
            optimizer_params=(("learning_rate", 0.01),), eval_end_callback=None, eval_batch_end_callback=None,
            initializer=None, arg_params=None, aux_params=None, allow_missing=False, force_rebind=False,
            force_init=False, begin_epoch=0, num_epoch=None, validation_metric=None, monitor=None,
            sparse_row_id_fn=None):
        if num_epoch is None:
            raise MXNetError("please specify number of epochs")
        self.bind(train_data.provide_data, train_data.provide_label, for_training=True,
                  force_rebind=force_rebind)
        if monitor is not None:
            self.install_monitor(monitor)
        self.init_params(initializer=initializer if initializer is not None else init_mod.Uniform(0.01),
                         arg_params=arg_params, aux_params=aux_params, allow_missing=allow_missing,
                         force_init=force_init)
        self.init_optimizer(kvstore=kvstore, optimizer=optimizer, optimizer_params=optimizer_params)
        validation_metric = validation_metric or eval_metric
        eval_metric = metric_mod.create(eval_metric)
        for epoch in range(begin_epoch, num_epoch):
            tic = time.time()
            eval_metric.reset()
            nbatch = 0
            data_iter = iter(train_data)
            next_data_batch = next(data_iter)
            end_of_batch = False
            while not end_of_batch:
                data_batch = next_data_batch
                if monitor is not None:
                    monitor.tic()
                self.forward_backward(data_batch)
                self.update()
                self.update_metric(eval_metric, data_batch.label)
                try:   # the next batch is fetched (and prepared) before this one's callbacks, as MXNet's
                    next_data_batch = next(data_iter)
                    self.prepare(next_data_batch, sparse_row_id_fn=sparse_row_id_fn)
                except StopIteration:
                    end_of_batch = True
                if monitor is not None:
                    monitor.toc_print()
                for cb in _as_list(batch_end_callback or []):
                    cb(BatchEndParam(epoch=epoch, nbatch=nbatch, eval_metric=eval_metric, locals=locals()))
                nbatch += 1
            for name, val in getattr(eval_metric, "get_global_name_value", eval_metric.get_name_value)():
                self.logger.info("Epoch[%d] Train-%s=%f", epoch, name, val)
            self.logger.info("Epoch[%d] Time cost=%.3f", epoch, time.time() - tic)
            arg, aux = self.get_params()
            self.set_params(arg, aux)   # as MXNet's: every bucket/device holds the same values
            for cb in _as_list(epoch_end_callback or []):
                cb(epoch, self.symbol, arg, aux)
            if eval_data is not None:
                res = self.score(eval_data, validation_metric, score_end_callback=eval_end_callback,
                                 batch_end_callback=eval_batch_end_callback, epoch=epoch)
                for name, val in res:
                    self.logger.info("Epoch[%d] Validation-%s=%f", epoch, name, val)
            train_data.reset()   # at the end of the epoch, as MXNet's (the first epoch reads it as given)

    def _forward_batches(self, eval_data, num_batch, reset, sparse_row_id_fn):
        """(nbatch, batch) of eval_data, at most num_batch of them, each after its inference forward: the loop
        score and iter_predict share."""
        if reset:
            eval_data.reset()
        for nbatch, batch in enumerate(eval_data):
            if num_batch is not None and nbatch == num_batch:
                break
            self.prepare(batch, sparse_row_id_fn=sparse_row_id_fn)
            self.forward(batch, is_train=False)
            yield nbatch, batch

    def iter_predict(self, eval_data, num_batch=None, reset=True, sparse_row_id_fn=None):
        for nbatch, batch in self._forward_batches(eval_data, num_batch, reset, sparse_row_id_fn):
            pad = batch.pad or 0
            yield [o[0:o.shape[0] - pad] for o in self.get_outputs()], nbatch, batch

    def score(self, eval_data, eval_metric, num_batch=None, batch_end_callback=None, score_end_callback=None,
              reset=True, epoch=0, sparse_row_id_fn=None):
        """[(name, value)] of eval_metric over eval_data (inference mode)."""
        eval_metric = metric_mod.create(eval_metric)
        eval_metric.reset()
        for nbatch, batch in self._forward_batches(eval_data, num_batch, reset, sparse_row_id_fn):
            self.update_metric(eval_metric, batch.label)
            for cb in _as_list(batch_end_callback or []):
                cb(BatchEndParam(epoch=epoch, nbatch=nbatch, eval_metric=eval_metric, locals=locals()))
        for cb in _as_list(score_end_callback or []):
            cb(BatchEndParam(epoch=epoch, nbatch=nbatch, eval_metric=eval_metric, locals=locals()))
        return eval_metric.get_name_value()

    def predict(self, eval_data, num_batch=None, merge_batches=True, reset=True, always_output_list=False,
                sparse_row_id_fn=None):
        """The outputs over eval_data (padding removed), concatenated over batches; an NDArray (or NumPy
        array) given instead of an iterator is one batch, its first output returned, as MXNet's."""
        import numpy
        from ..io import DataBatch, DataIter
        if isinstance(eval_data, (nd.NDArray, numpy.ndarray)):
            if isinstance(eval_data, numpy.ndarray):
                eval_data = nd.array(eval_data)
            self.forward(DataBatch([eval_data]))
            return self.get_outputs()[0]
        if not isinstance(eval_data, DataIter):
            raise ValueError("eval_data must be of type NDArray or DataIter")
        outs = [[o.copy() for o in out] for out, _, _ in self.iter_predict(eval_data, num_batch, reset)]
        if not outs:
            return []
        if not merge_batches:
            return outs
        for out in outs:
            assert len(out) == len(outs[0]), \
                "Cannot merge batches, as num of outputs is not the same in mini-batches. Maybe bucketing is used?"
        merged = [nd.concat(*[o[i] for o in outs], dim=0) for i in range(len(outs[0]))]
        return merged if always_output_list or len(merged) > 1 else merged[0]


class Module(BaseModule):
    """Module(symbol, data_names=('data',), label_names=('softmax_label',), context=mx.cpu())."""

    def __init__(self, symbol, data_names=("data",), label_names=("softmax_label",), logger=logging,
                 context=None, work_load_list=None, fixed_param_names=None, state_names=None, **kwargs):
        super().__init__(logger)
        ctx = [as_context(c) for c in (_as_list(context) if context is not None else [cpu()])]
        if not ctx or len({c.device_type for c in ctx}) != 1:
            raise MXNetError(f"Module: contexts {ctx} mix device types; this engine runs one device")
        # MXNet splits each batch over the contexts and sums the gradients: the same update as the whole
        # batch on one device (but for BatchNorm's per-slice statistics), which is what runs here
        self._symbol, self._context, self.logger = symbol, ctx[0], logger
        self._data_names, self._label_names = list(data_names or []), list(label_names or [])
        self._fixed = set(fixed_param_names or [])
        args = symbol.list_arguments()
        for n in self._data_names:
            if n not in args:
                raise MXNetError(f"Module: data name {n!r} is not an argument of the symbol; arguments: {args}")
        self._label_names = [n for n in self._label_names if n in args]
        self._state_names = list(state_names or [])
        for n in self._state_names:
            if n not in args:
                raise MXNetError(f"Module: state name {n!r} is not an argument of the symbol; arguments: {args}")
        inputs = set(self._data_names) | set(self._label_names) | set(self._state_names)
        self._param_names = [n for n in args if n not in inputs]
        self._aux_names = symbol.list_auxiliary_states()
        self._exec = None
        self._data_shapes = self._label_shapes = None   # (None until bound, as MXNet's; programs read them)
        self.binded = self.params_initialized = self.optimizer_initialized = False
        self._arg_params = self._aux_params = None
        self._optimizer = self._updater = None
        self._preload_opt_states = None
        self._monitor = None

    # ------------------------------------------------------------ properties
    @property
    def symbol(self):
        return self._symbol

    @property
    def data_names(self):
        return self._data_names

    @property
    def label_names(self):
        return self._label_names

    @property
    def output_names(self):
        return self._symbol.list_outputs()

    @property
    def data_shapes(self):
        return self._data_shapes

    @property
    def label_shapes(self):
        return self._label_shapes

    @property
    def output_shapes(self):
        # known from the bound shapes before any forward (SequentialModule binds the next module on them)
        shapes = {d.name: d.shape for d in self._data_shapes + (self._label_shapes or [])}
        return list(zip(self.output_names, self._symbol.infer_shape(**shapes)[1]))

    # ------------------------------------------------------------ setup
    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req="write"):
        if self.binded and not force_rebind:
            self.logger.warning("Already bound, ignoring bind()")
            return
        # label_shapes stays None when none are given (a module bound without labels), as MXNet's
        self._data_shapes = _descs(data_shapes)
        self._label_shapes = None if label_shapes is None else _descs(label_shapes)
        self.for_training, self.inputs_need_grad, self._grad_req = for_training, inputs_need_grad, grad_req
        shapes = {d.name: d.shape for d in self._data_shapes + (self._label_shapes or [])}
        reqs = {n: ("null" if n in self._fixed or not for_training else grad_req) for n in self._param_names}
        reqs.update({n: "write" if inputs_need_grad else "null" for n in self._data_names})
        reqs.update(dict.fromkeys(self._state_names, "null"))
        old = self._exec
        self._exec = self._symbol.simple_bind(self._context, grad_req=reqs, **shapes)
        monitor = self._monitor
        if monitor is not None:   # the monitor follows the module to its new executor
            monitor.exes = [e for e in monitor.exes if e is not old]
            monitor.install(self._exec)
        if old is not None:   # states keep their values across a re-bind of the same shape
            for n in self._state_names:
                if old.arg_dict[n].shape == self._exec.arg_dict[n].shape:
                    self._exec.arg_dict[n][:] = old.arg_dict[n]
        self.binded = True
        if shared_module is not None:
            # MXNet's shared memory: this module's parameters are shared_module's arrays (BucketingModule's
            # buckets all train one set of weights); it is initialized, and shares the optimizer, with it
            if not (shared_module.binded and shared_module.params_initialized):
                raise MXNetError("bind: shared_module must be bound and its parameters initialized")
            _share_arrays(self._exec, shared_module._exec, self._param_names + self._aux_names)
            self.params_initialized = True
            self._sync_params()
            if shared_module.optimizer_initialized:
                self.borrow_optimizer(shared_module)
        elif old is not None:  # a re-bind keeps the parameters (the same arrays, so sharing survives it)
            _share_arrays(self._exec, old, self._param_names + self._aux_names)
        elif self.params_initialized:
            self._exec.copy_params_from(self._arg_params, self._aux_params)

    def init_params(self, initializer=None, arg_params=None, aux_params=None, allow_missing=False,
                    force_init=False, allow_extra=False):
        """Each parameter from arg_params/aux_params if given there, else from `initializer`
        (Uniform(0.01) by default; names pick zeros for biases, ones for gammas, as MXNet's)."""
        if self.params_initialized and not force_init:
            return
        if not self.binded:
            raise MXNetError("call bind before initializing the parameters")
        initializer = init_mod.Uniform(0.01) if initializer is None else init_mod.create(initializer)
        attrs = self._symbol.attr_dict()
        for names, given, arrays in ((self._param_names, arg_params, self._exec.arg_dict),
                                     (self._aux_names, aux_params, self._exec.aux_dict)):
            for n in names:
                if given is not None and n in given:
                    arrays[n][:] = given[n]
                elif given is not None and not allow_missing:
                    raise MXNetError(f"{n} is not presented")
                else:
                    initializer(init_mod.InitDesc(n, attrs.get(n)), arrays[n])
        self.params_initialized = True
        self._sync_params()

    def _sync_params(self):
        if self._exec is None:   # loaded (Module.load) and not bound yet: the loaded values are current
            return
        self._arg_params = {n: self._exec.arg_dict[n].copy() for n in self._param_names}
        self._aux_params = {n: self._exec.aux_dict[n].copy() for n in self._aux_names}

    def get_params(self):
        self._sync_params()
        return self._arg_params, self._aux_params

    def set_params(self, arg_params, aux_params, allow_missing=False, force_init=True, allow_extra=False):
        self.init_params(None, arg_params, aux_params, allow_missing, force_init=True, allow_extra=allow_extra)

    def init_optimizer(self, kvstore="local", optimizer="sgd", optimizer_params=(("learning_rate", 0.01),),
                       force_init=False):
        """As MXNet's Module: rescale_grad defaults to 1/batch_size (SoftmaxOutput's gradient is a sum)."""
        if self.optimizer_initialized and not force_init:
            self.logger.warning("optimizer already initialized, ignoring...")
            return
        if kvstore is not None:
            kvstore_mod.create(kvstore)   # a distributed store is refused, naming the local ones
        params = dict(optimizer_params)
        params.setdefault("rescale_grad", 1.0 / self._data_shapes[0].shape[0])
        if isinstance(optimizer, str):   # as MXNet's Module: the symbol and the names give the multipliers
            params.update(sym=self._symbol, param_idx2name={n: n for n in self._param_names})
        self._optimizer = opt.create(optimizer, **params) if isinstance(optimizer, str) else optimizer
        self._updater = opt.get_updater(self._optimizer)
        self.optimizer_initialized = True
        if self._preload_opt_states is not None:
            self.load_optimizer_states(self._preload_opt_states)
            self._preload_opt_states = None

    def borrow_optimizer(self, shared_module):
        """Share shared_module's optimizer and its states (both update the same parameters' names)."""
        if not shared_module.optimizer_initialized:
            raise MXNetError("borrow_optimizer: the shared module's optimizer is not initialized")
        self._optimizer, self._updater = shared_module._optimizer, shared_module._updater
        self.optimizer_initialized = True

    def save_optimizer_states(self, fname):
        """The optimizer's states (momentum, Adam's moments) and update counts into `fname`."""
        if not self.optimizer_initialized:
            raise MXNetError("save_optimizer_states: call init_optimizer first")
        with open(fname, "wb") as f:
            f.write(self._updater.get_states())

    def load_optimizer_states(self, fname):
        """What save_optimizer_states wrote."""
        if not self.optimizer_initialized:
            raise MXNetError("load_optimizer_states: call init_optimizer first")
        try:
            with open(fname, "rb") as f:
                self._updater.set_states(f.read())
        except FileNotFoundError:
            raise MXNetError(f"Failed to open file '{fname}': no such file") from None

    # ------------------------------------------------------------ states (RNN programs' state_names)
    def get_states(self, merge_multi_context=True):
        """The state arrays (the arguments named by state_names), in that order."""
        if not self.binded:
            raise MXNetError("get_states: call bind first")
        states = [self._exec.arg_dict[n] for n in self._state_names]
        return states if merge_multi_context else [[s] for s in states]

    def set_states(self, states=None, value=None):
        """The state arrays from `states` (a list of NDArrays) or all set to the number `value`."""
        if not self.binded:
            raise MXNetError("set_states: call bind first")
        if (states is None) == (value is None):
            raise MXNetError("set_states: give exactly one of states and value")
        for i, n in enumerate(self._state_names):
            src = value if states is None else states[i]
            if isinstance(src, (list, tuple)):   # MXNet's per-device lists, one device here
                src = src[0]
            self._exec.arg_dict[n][:] = src

    def reshape(self, data_shapes, label_shapes=None):
        """Re-bind for new input shapes, keeping the parameters and the optimizer."""
        if not self.binded:
            raise MXNetError("reshape: call bind first")
        self.bind(data_shapes, label_shapes, self.for_training, self.inputs_need_grad, force_rebind=True,
                  grad_req=self._grad_req)

    def install_monitor(self, mon):
        """Install mx.mon.Monitor `mon` on the executor (and on the one a re-bind makes)."""
        if not self.binded:
            raise MXNetError("install_monitor: call bind first")
        self._monitor = mon
        mon.install(self._exec)

    # ------------------------------------------------------------ computation
    def forward(self, data_batch, is_train=None):
        if is_train is None:
            is_train = self.for_training
        inputs = dict(zip(self._data_names, data_batch.data))
        if self._label_names and data_batch.label is not None:
            inputs.update(zip(self._label_names, data_batch.label))
        shapes = {k: v.shape for k, v in inputs.items()}
        if any(self._exec.arg_dict[k].shape != s for k, s in shapes.items()):
            # a batch of another shape: re-bind (MXNet reshapes the executor), keeping the parameters
            self.bind([(n, shapes[n]) for n in self._data_names],
                      [(n, shapes[n]) for n in self._label_names if n in shapes] or None,
                      self.for_training, self.inputs_need_grad, force_rebind=True, grad_req=self._grad_req)
        self._exec.forward(is_train=is_train, **inputs)

    def backward(self, out_grads=None):
        self._exec.backward(out_grads)

    def update(self):
        """One optimizer step of every parameter from its gradient."""
        if not self.optimizer_initialized:
            raise MXNetError("call init_optimizer before update")
        grads = self._exec.grad_dict
        for name in self._param_names:
            if name in grads:
                self._updater(name, grads[name], self._exec.arg_dict[name])

    def get_outputs(self, merge_multi_context=True):
        """The outputs; with merge_multi_context=False, MXNet's per-device lists ([[out]] on one device)."""
        outputs = list(self._exec.outputs)
        return outputs if merge_multi_context else [[o] for o in outputs]

    def get_input_grads(self, merge_multi_context=True):
        grads = [self._exec.grad_dict[n] for n in self._data_names]
        return grads if merge_multi_context else [[g] for g in grads]

    @property
    def _exec_group(self):
        """MXNet's executor group as programs reach into it (a custom module clipping gradients reads
        grad_arrays): per parameter, the list of its arrays on each device (one device here)."""
        if not self.binded:
            raise MXNetError("_exec_group: call bind first")
        return _ExecGroup(self)

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        """eval_metric.update_dict({label name: label}, {output name: output}): a metric given output_names
        or label_names (a multi-task program's) reads only those, as MXNet's executor group feeds it."""
        eval_metric.update_dict(dict(zip(self._label_names, labels or [])),
                                dict(zip(self.output_names, self.get_outputs())))

    # ------------------------------------------------------------ checkpoints
    def save_checkpoint(self, prefix, epoch, save_optimizer_states=False, remove_amp_cast=True):
        """prefix-symbol.json, prefix-%04d.params and, with save_optimizer_states, prefix-%04d.states."""
        arg, aux = self.get_params()
        save_checkpoint(prefix, epoch, self._symbol, arg, aux)
        if save_optimizer_states:
            self.save_optimizer_states(f"{prefix}-{epoch:04d}.states")

    @staticmethod
    def load(prefix, epoch, load_optimizer_states=False, **kwargs):
        """A Module over the checkpoint's symbol with its parameters set (bind, then fit or predict: an
        init_params without force_init keeps them); with load_optimizer_states, prefix-%04d.states is
        read by init_optimizer."""
        symbol, arg, aux = load_checkpoint(prefix, epoch)
        mod = Module(symbol, **kwargs)
        mod._arg_params, mod._aux_params = arg, aux
        mod.params_initialized = True
        if load_optimizer_states:
            mod._preload_opt_states = f"{prefix}-{epoch:04d}.states"
        return mod


__all__ = ["Module", "BaseModule", "BatchEndParam", "save_checkpoint", "load_checkpoint", "load_params"]
