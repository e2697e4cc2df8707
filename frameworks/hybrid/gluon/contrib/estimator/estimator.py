"""Estimator: fit(train_data, val_data, epochs | batches, event_handlers) and evaluate(val_data), with MXNet
1.x's defaults (an Accuracy metric for SoftmaxCrossEntropyLoss plus a Loss metric, 'training '/'validation '
names, SGD at 0.001 when no trainer is given) and its handler order (by `priority`)."""
import copy
import logging
import sys
import warnings

from .... import metric as mx_metric
from ....context import Context, cpu
from ...data import DataLoader
from ...loss import Loss as gluon_loss
from ...loss import SoftmaxCrossEntropyLoss
from ...trainer import Trainer
from .batch_processor import BatchProcessor
from .event_handler import (BatchBegin, BatchEnd, EpochBegin, EpochEnd, GradientUpdateHandler, LoggingHandler,
                            MetricHandler, StoppingHandler, TrainBegin, TrainEnd, ValidationHandler, _check_metrics)


class Estimator:
    """Trains `net` on `loss` with `trainer` over DataLoaders; the loop's events go to the handlers."""
    logger = None

    def __init__(self, net, loss, train_metrics=None, val_metrics=None, initializer=None, trainer=None,
                 context=None, val_net=None, val_loss=None, batch_processor=None):
        self.net = net
        self.loss = self._check_loss(loss)
        self._train_metrics = _check_metrics(train_metrics)
        self._val_metrics = _check_metrics(val_metrics)
        self._add_default_training_metrics()
        self._add_validation_metrics()
        self.val_loss = self.loss if val_loss is None else self._check_loss(val_loss)
        self.val_net = self.net if val_net is None else val_net
        self.logger = logging.Logger(name='Estimator', level=logging.INFO)
        self.logger.addHandler(logging.StreamHandler(sys.stdout))
        self.context = self._check_context(context)
        self._initialize(initializer)
        self.trainer = self._check_trainer(trainer)
        if batch_processor is None:
            batch_processor = BatchProcessor()
        elif not (callable(getattr(batch_processor, 'fit_batch', None)) and
                  callable(getattr(batch_processor, 'evaluate_batch', None))):
            raise ValueError('Customized Batch Processor must contain fit_batch() and evaluate_batch() methods')
        self.batch_processor = batch_processor
        self.max_epoch = self.max_batch = None
        self.batch_axis = 0

    @staticmethod
    def _check_loss(loss):
        if not isinstance(loss, gluon_loss):
            raise ValueError('loss must be a Loss, refer to gluon.loss.Loss:{}'.format(loss))
        return loss

    @staticmethod
    def _check_context(context):
        if not context:
            return [cpu()]
        if isinstance(context, Context):
            return [context]
        if isinstance(context, list) and all(isinstance(c, Context) for c in context):
            return context
        raise ValueError('context must be a Context or a list of Context, for example mx.cpu() or '
                         '[mx.gpu(0), mx.gpu(1)], refer to mxnet.Context:{}'.format(context))

    def _is_initialized(self):
        for param in self.net.collect_params().values():
            try:
                param.list_ctx()
            except RuntimeError:   # DeferredInitializationError is one: deferred counts as initialized
                if not param._deferred_init:
                    return False
        return True

    def _initialize(self, initializer):
        if not self._is_initialized():
            self.net.initialize(init=initializer, ctx=self.context)
        elif initializer:
            warnings.warn("Network already fully initialized, skipping initialization. You don't need to pass "
                          "initializer if you already initialized your net. You can use "
                          "net.initialize(init=your_initializer, force_reinit=True)to force re-initialize.")

    def _check_trainer(self, trainer):
        if not trainer:
            warnings.warn("No trainer specified, default SGD optimizer with learning rate 0.001 is used.")
            return Trainer(self.net.collect_params(), 'sgd', {'learning_rate': 0.001})
        if not isinstance(trainer, Trainer):
            raise ValueError('Trainer must be a Gluon Trainer instance, refer to gluon.Trainer:{}'.format(trainer))
        return trainer

    def _add_default_training_metrics(self):
        if not self._train_metrics:
            if isinstance(self.loss, SoftmaxCrossEntropyLoss):
                self._train_metrics = [mx_metric.Accuracy()]
            self._train_metrics.append(mx_metric.Loss(self.loss.name.rstrip('1234567890')))
        for m in self._train_metrics:
            m.name = 'training ' + m.name

    def _add_validation_metrics(self):
        if not self._val_metrics:
            self._val_metrics = [copy.deepcopy(m) for m in self._train_metrics]
        for m in self._val_metrics:
            m.name = m.name.replace('training', 'validation') if 'training' in m.name else 'validation ' + m.name

    @property
    def train_metrics(self):
        return self._train_metrics

    @property
    def val_metrics(self):
        return self._val_metrics

    def evaluate(self, val_data, batch_axis=0, event_handlers=None):
        """val_metrics over val_data (reset first), through the handlers' epoch and batch events."""
        if not isinstance(val_data, DataLoader):
            raise ValueError('Estimator only support input as Gluon DataLoader. Alternatively, you can transform '
                             'your DataIter or any NDArray into Gluon DataLoader. Refer to gluon.data.DataLoader')
        for m in self.val_metrics:
            m.reset()
        handlers = _check_event_handlers(event_handlers)
        if not any(isinstance(h, MetricHandler) for h in handlers):
            handlers.append(MetricHandler(metrics=self.val_metrics))
        handlers.sort(key=lambda h: getattr(h, 'priority', 0))
        _, epoch_begin, batch_begin, batch_end, epoch_end, _ = _categorize(handlers)
        for h in epoch_begin:
            h.epoch_begin(self)
        for batch in val_data:
            for h in batch_begin:
                h.batch_begin(self, batch=batch)
            _, label, pred, loss = self.batch_processor.evaluate_batch(self, batch, batch_axis)
            for h in batch_end:
                h.batch_end(self, batch=batch, pred=pred, label=label, loss=loss)
        for h in epoch_end:
            h.epoch_end(self)

    def fit(self, train_data, val_data=None, epochs=None, event_handlers=None, batches=None, batch_axis=0):
        """Train for `epochs` epochs or `batches` batches (exactly one of them)."""
        if not isinstance(train_data, DataLoader):
            raise ValueError('Estimator only support input as Gluon DataLoader. Alternatively, you can transform '
                             'your DataIter or any NDArray into Gluon DataLoader. Refer to gluon.data.dataloader')
        if (not epochs) == (not batches):
            raise ValueError('Fit only support exactly one type of iteration, train by number of epochs or number '
                             'of batches.Please specify one and only one of: epochs or batches.')
        self.max_epoch, self.max_batch, self.batch_axis = epochs, batches, batch_axis
        handlers = self._prepare_default_handlers(val_data, event_handlers)
        train_begin, epoch_begin, batch_begin, batch_end, epoch_end, train_end = _categorize(handlers)
        for h in train_begin:
            h.train_begin(self)
        while True:
            for h in epoch_begin:
                h.epoch_begin(self)
            for batch in train_data:
                for h in batch_begin:
                    h.batch_begin(self, batch=batch)
                _, label, pred, loss = self.batch_processor.fit_batch(self, batch, batch_axis)
                # every handler sees the batch; any of them may stop the epoch
                if any([h.batch_end(self, batch=batch, pred=pred, label=label, loss=loss) for h in batch_end]):
                    break
            if any([h.epoch_end(self) for h in epoch_end]):
                break
        for h in train_end:
            h.train_end(self)

    def _prepare_default_handlers(self, val_data, event_handlers):
        handlers = _check_event_handlers(event_handlers)
        added = [StoppingHandler(self.max_epoch, self.max_batch)]
        if not any(isinstance(h, GradientUpdateHandler) for h in handlers):
            added.append(GradientUpdateHandler())
        if not any(isinstance(h, MetricHandler) for h in handlers):
            added.append(MetricHandler(metrics=self.train_metrics))
        if not any(isinstance(h, ValidationHandler) for h in handlers) and val_data:
            added.append(ValidationHandler(val_data=val_data, eval_fn=self.evaluate))
        if not any(isinstance(h, LoggingHandler) for h in handlers):
            added.append(LoggingHandler(metrics=self.train_metrics))
        if handlers and added:   # user handlers next to default ones must watch the estimator's own metrics
            known = self.train_metrics + self.val_metrics
            for h in handlers:
                for attr in ('metrics', 'monitor'):
                    refs = getattr(h, attr, None)
                    for ref in (refs if isinstance(refs, list) else [refs] if refs else []):
                        if not any(ref is k for k in known):
                            raise ValueError(
                                'Event handler {} refers to a metric instance {} outside of the known training and '
                                'validation metrics. Please use the metrics from estimator.train_metrics and '
                                'estimator.val_metrics instead.'.format(type(h).__name__, ref))
        handlers.extend(added)
        handlers.sort(key=lambda h: getattr(h, 'priority', 0))
        return handlers


def _check_event_handlers(handlers):
    if isinstance(handlers, (TrainBegin, TrainEnd, EpochBegin, EpochEnd, BatchBegin, BatchEnd)):
        return [handlers]
    return list(handlers or [])


def _categorize(handlers):
    return tuple([h for h in handlers if isinstance(h, kind)]
                 for kind in (TrainBegin, EpochBegin, BatchBegin, BatchEnd, EpochEnd, TrainEnd))


__all__ = ["Estimator"]
