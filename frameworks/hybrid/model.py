"""mx.model: checkpoints (save_checkpoint, load_checkpoint, load_params) and FeedForward, MXNet's
oldest training API (deprecated there for Module), here run on a Module's executor and updater."""
import logging
import time
import warnings

import numpy

from . import callback as callback_mod
from . import initializer as init_mod
from . import io
from . import metric as metric_mod
from . import ndarray as nd
from . import optimizer as opt
from .base import MXNetError
from .context import Context, cpu
from .module import BatchEndParam, BucketingModule, Module, load_checkpoint, load_params, save_checkpoint
from .symbol import Symbol


def _callbacks(callbacks, *args):
    for cb in callbacks if isinstance(callbacks, (list, tuple)) else [callbacks]:
        if cb is not None:
            cb(*args)


class FeedForward:
    """FeedForward(symbol, ctx, num_epoch, epoch_size, optimizer, initializer, numpy_batch_size,
    arg_params, aux_params, allow_extra_params, begin_epoch, **optimizer_params): fit on a DataIter or
    on arrays (X, y), predict (NumPy arrays), score, save/load, create."""

    def __init__(self, symbol, ctx=None, num_epoch=None, epoch_size=None, optimizer="sgd",
                 initializer=init_mod.Uniform(0.01), numpy_batch_size=128, arg_params=None, aux_params=None,
                 allow_extra_params=False, begin_epoch=0, **kwargs):
        warnings.warn("mxnet.model.FeedForward has been deprecated. Please use mxnet.mod.Module instead.",
                      DeprecationWarning, stacklevel=2)
        if isinstance(symbol, Symbol):
            self.symbol, self.sym_gen = symbol, None
        elif callable(symbol):   # sym_gen(bucket_key) -> Symbol: bucketing, on a BucketingModule
            self.symbol, self.sym_gen = None, symbol
        else:
            raise TypeError("FeedForward: symbol must be a Symbol or a function of the bucket key giving one")
        self.arg_params, self.aux_params = arg_params, aux_params
        self.allow_extra_params = allow_extra_params
        if ctx is None:
            ctx = [cpu()]
        elif isinstance(ctx, Context):
            ctx = [ctx]
        self.ctx = ctx
        self.num_epoch, self.epoch_size = num_epoch, epoch_size
        self.kwargs = kwargs.copy()
        self.optimizer, self.initializer = optimizer, initializer
        self.numpy_batch_size = numpy_batch_size
        self.begin_epoch = begin_epoch
        self._module = None

    # ------------------------------------------------------------ data
    def _init_iter(self, X, y, is_train):
        if isinstance(X, (numpy.ndarray, nd.NDArray)):
            if y is None:
                if is_train:
                    raise ValueError("y must be specified when X is numpy.ndarray")
                y = numpy.zeros(X.shape[0])
            if not isinstance(y, (numpy.ndarray, nd.NDArray)):
                raise TypeError("y must be ndarray when X is numpy.ndarray")
            if X.shape[0] != y.shape[0]:
                raise ValueError("The numbers of data points and labels not equal")
            if y.ndim == 2 and y.shape[1] == 1:
                y = y.flatten()
            if y.ndim != 1:
                raise ValueError("Label must be 1D or 2D (with 2nd dimension being 1)")
            batch_size = min(X.shape[0], self.numpy_batch_size)
            if is_train:
                return io.NDArrayIter(X, y, batch_size, shuffle=True, last_batch_handle="roll_over")
            return io.NDArrayIter(X, y, batch_size, shuffle=False)
        if not isinstance(X, io.DataIter):
            raise TypeError("X must be DataIter, NDArray or numpy.ndarray")
        return X

    def _init_eval_iter(self, eval_data):
        if eval_data is None:
            return None
        if isinstance(eval_data, (tuple, list)) and len(eval_data) == 2:
            if eval_data[0] is None:
                raise ValueError("Eval data is NONE")
            if eval_data[1] is None and isinstance(eval_data[0], io.DataIter):
                return eval_data[0]
            data, label = (numpy.array(v) if isinstance(v, list) else v for v in eval_data)
            return self._init_iter(data, label, is_train=True)
        if not isinstance(eval_data, io.DataIter):
            raise TypeError("Eval data must be DataIter, or NDArray/numpy.ndarray/list pair (i.e. tuple/list "
                            "of length 2)")
        return eval_data

    def _bind(self, data, for_training):
        """A Module over the symbol for data's shapes, its parameters from arg_params/aux_params (the
        rest from the initializer, as MXNet's _init_params)."""
        if self.sym_gen is not None:   # the default bucket's symbol, as MXNet's fit takes it
            self.symbol = self.sym_gen(data.default_bucket_key)
        data_names = [d[0] for d in data.provide_data]
        # the labels: the iterator's, else the arguments named *label (MXNet's _is_data_arg), never parameters
        label_names = [d[0] for d in data.provide_label or []] or [
            n for n in self.symbol.list_arguments() if n.endswith("label") and n not in data_names]
        if self.sym_gen is not None:
            mod = BucketingModule(lambda key: (self.sym_gen(key), data_names, label_names),
                                  default_bucket_key=data.default_bucket_key, context=self.ctx[0])
        else:
            mod = Module(self.symbol, data_names=data_names, label_names=label_names, context=self.ctx[0])
        mod.bind(data.provide_data, data.provide_label or None, for_training=for_training)
        inner = mod._curr_module if self.sym_gen is not None else mod
        given_arg = {k: v for k, v in (self.arg_params or {}).items() if k in inner._param_names}
        given_aux = {k: v for k, v in (self.aux_params or {}).items() if k in inner._aux_names}
        if not self.allow_extra_params:
            extra = set(self.arg_params or {}) - set(self.symbol.list_arguments()) - set(label_names)
            extra |= set(self.aux_params or {}) - set(self.symbol.list_auxiliary_states())
            if extra:
                raise ValueError(f"Find name {sorted(extra)[0]} that is not in the arguments")
        mod.init_params(self.initializer, given_arg, given_aux, allow_missing=True, force_init=True)
        return mod

    def _keep_params(self, mod):
        self.arg_params, self.aux_params = (dict(p) for p in mod.get_params())

    # ------------------------------------------------------------ training and inference
    def fit(self, X, y=None, eval_data=None, eval_metric="acc", epoch_end_callback=None, batch_end_callback=None,
            kvstore="local", logger=None, work_load_list=None, monitor=None,
            eval_end_callback=callback_mod.LogValidationMetricsCallback(), eval_batch_end_callback=None):
        """Train num_epoch - begin_epoch epochs (epoch_size batches each when given)."""
        logger = logger or logging
        data = self._init_iter(X, y, is_train=True)
        eval_data = self._init_eval_iter(eval_data)
        if self.num_epoch is None:
            raise MXNetError("FeedForward.fit: num_epoch must be given")
        mod = self._module = self._bind(data, for_training=True)
        if not isinstance(eval_metric, metric_mod.EvalMetric):
            eval_metric = metric_mod.create(eval_metric)
        if isinstance(self.optimizer, str):
            params = dict(self.kwargs, rescale_grad=1.0 / data.batch_size, sym=self.symbol,
                          param_idx2name={n: n for n in (mod._curr_module if self.sym_gen else mod)._param_names})
            optimizer = opt.create(self.optimizer, **params)
        else:
            optimizer = self.optimizer
        mod.init_optimizer(kvstore=kvstore, optimizer=optimizer)
        if monitor is not None:
            mod.install_monitor(monitor)
        for epoch in range(self.begin_epoch, self.num_epoch):
            tic = time.time()
            eval_metric.reset()
            nbatch = 0
            while True:
                do_reset = True
                for batch in data:
                    if monitor is not None:
                        monitor.tic()
                    mod.forward_backward(batch)
                    mod.update()
                    if monitor is not None:
                        monitor.toc_print()
                    mod.update_metric(eval_metric, batch.label)
                    nbatch += 1
                    if batch_end_callback is not None:
                        _callbacks(batch_end_callback, BatchEndParam(epoch, nbatch, eval_metric, locals()))
                    if self.epoch_size is not None and nbatch >= self.epoch_size:
                        do_reset = False
                        break
                if do_reset:
                    logger.info("Epoch[%d] Resetting Data Iterator", epoch)
                    data.reset()
                if self.epoch_size is None or nbatch >= self.epoch_size:
                    break
            logger.info("Epoch[%d] Time cost=%.3f", epoch, time.time() - tic)
            self._keep_params(mod)
            if epoch_end_callback is not None:
                _callbacks(epoch_end_callback, epoch, self.symbol, self.arg_params, self.aux_params)
            if eval_data is not None:
                eval_metric.reset()
                eval_data.reset()
                total = 0
                for i, batch in enumerate(eval_data):
                    mod.forward(batch, is_train=False)
                    mod.update_metric(eval_metric, batch.label)
                    if eval_batch_end_callback is not None:
                        _callbacks(eval_batch_end_callback, BatchEndParam(epoch, i, eval_metric, locals()))
                    total += 1
                if eval_end_callback is not None:
                    _callbacks(eval_end_callback, BatchEndParam(epoch, total, eval_metric, locals()))
                eval_data.reset()

    def _predictor(self, X):
        if self.arg_params is None:
            raise MXNetError("FeedForward: no parameters; fit, load, or give arg_params first")
        return self._bind(X, for_training=False)

    def predict(self, X, num_batch=None, return_data=False, reset=True):
        """The outputs as NumPy arrays (one array for one output), the padding of the last batch removed;
        with return_data also (outputs, data, label)."""
        X = self._init_iter(X, None, is_train=False)
        if reset:
            X.reset()
        mod = self._predictor(X)
        outputs, datas, labels = [], [], []
        for i, batch in enumerate(X):
            mod.forward(batch, is_train=False)
            real = X.batch_size - (batch.pad or 0)
            outputs.append([o[0:real].asnumpy() for o in mod.get_outputs()])
            if return_data:
                datas.append([d[0:real].asnumpy() for d in batch.data])
                labels.append([d[0:real].asnumpy() for d in batch.label or []])
            if num_batch is not None and i + 1 == num_batch:
                break

        def merge(parts):
            merged = [numpy.concatenate(p) for p in zip(*parts)] if parts else []
            return merged[0] if len(merged) == 1 else merged
        if return_data:
            return merge(outputs), merge(datas), merge(labels)
        return merge(outputs)

    def score(self, X, eval_metric="acc", num_batch=None, batch_end_callback=None, reset=True):
        """The value of eval_metric over X (its first value for a composite metric)."""
        if not isinstance(eval_metric, metric_mod.EvalMetric):
            eval_metric = metric_mod.create(eval_metric)
        X = self._init_iter(X, None, is_train=False)
        if reset:
            X.reset()
        self._predictor(X).score(X, eval_metric, num_batch, batch_end_callback, reset=False)
        return eval_metric.get()[1]

    # ------------------------------------------------------------ checkpoints
    def save(self, prefix, epoch=None, remove_amp_cast=True):
        """prefix-symbol.json and prefix-%04d.params (epoch: num_epoch by default)."""
        if epoch is None:
            epoch = self.num_epoch
        if epoch is None:
            raise MXNetError("FeedForward.save: give epoch (num_epoch is not set)")
        save_checkpoint(prefix, epoch, self.symbol, self.arg_params, self.aux_params)

    @staticmethod
    def load(prefix, epoch, ctx=None, **kwargs):
        """A FeedForward from a checkpoint, resuming at begin_epoch=epoch."""
        symbol, arg_params, aux_params = load_checkpoint(prefix, epoch)
        return FeedForward(symbol, ctx=ctx, arg_params=arg_params, aux_params=aux_params, begin_epoch=epoch,
                           **kwargs)

    @staticmethod
    def create(symbol, X, y=None, ctx=None, num_epoch=None, epoch_size=None, optimizer="sgd",
               initializer=init_mod.Uniform(0.01), eval_data=None, eval_metric="acc", epoch_end_callback=None,
               batch_end_callback=None, kvstore="local", logger=None, work_load_list=None,
               eval_end_callback=callback_mod.LogValidationMetricsCallback(), eval_batch_end_callback=None,
               **kwargs):
        """FeedForward(...) then fit(X, y, ...): the trained model."""
        model = FeedForward(symbol, ctx=ctx, num_epoch=num_epoch, epoch_size=epoch_size, optimizer=optimizer,
                            initializer=initializer, **kwargs)
        model.fit(X, y, eval_data=eval_data, eval_metric=eval_metric, epoch_end_callback=epoch_end_callback,
                  batch_end_callback=batch_end_callback, kvstore=kvstore, logger=logger,
                  work_load_list=work_load_list, eval_end_callback=eval_end_callback,
                  eval_batch_end_callback=eval_batch_end_callback)
        return model


__all__ = ["FeedForward", "BatchEndParam", "save_checkpoint", "load_checkpoint", "load_params"]
