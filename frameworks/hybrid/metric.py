"""mx.metric: evaluation metrics with MXNet's update(labels, preds) / get() / reset() protocol."""
import math

import numpy

from .base import MXNetError, alias_decorator


def _numpy(x):
    return x.asnumpy() if hasattr(x, "asnumpy") else numpy.asarray(x)


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def check_label_shapes(labels, preds, shape=False):
    if (len(labels) if not shape else labels.shape) != (len(preds) if not shape else preds.shape):
        what = "Shape" if shape else "Length"
        raise ValueError(f"{what} of labels {len(labels) if not shape else labels.shape} does not match "
                         f"{what.lower()} of predictions {len(preds) if not shape else preds.shape}")


class EvalMetric:
    """sum_metric / num_inst, accumulated by update() until reset()."""

    def __init__(self, name, output_names=None, label_names=None, **kwargs):
        self.name, self.output_names, self.label_names = str(name), output_names, label_names
        # MXNet's built-in metrics keep global statistics; a program's own EvalMetric subclass does not
        # unless it asks (its epoch-end Train-* is then get_name_value(), its reset_local() zeroes the sums)
        self._has_global_stats = kwargs.pop("has_global_stats", any(
            c.__module__ == __name__ for c in type(self).__mro__ if c is not EvalMetric and c is not object))
        self.reset()

    def __str__(self):
        return "EvalMetric: {}".format(dict(self.get_name_value()))

    def update(self, labels, preds):
        raise NotImplementedError

    def update_dict(self, label, pred):
        preds = [pred[n] for n in self.output_names] if self.output_names is not None else list(pred.values())
        labels = [label[n] for n in self.label_names] if self.label_names is not None else list(label.values())
        self.update(labels, preds)

    def reset(self):
        """Local and global statistics back to zero."""
        self.num_inst, self.sum_metric = 0, 0.0
        self._global_num, self._global_sum = 0, 0.0   # what reset_local() has set aside since reset()

    def get(self):
        if self.num_inst == 0:
            return self.name, float("nan")
        return self.name, self.sum_metric / self.num_inst

    def get_name_value(self):
        name, value = self.get()
        return list(zip(_as_list(name), _as_list(value)))

    # MXNet 1.x's global statistics: reset_local() (Speedometer's auto_reset) starts the local ones
    # over, the global ones run on until reset(); Module.fit logs the epoch's Train-* from them
    def reset_local(self):
        if not self._has_global_stats:
            self.num_inst, self.sum_metric = 0, 0.0
            return
        num = getattr(self, "_global_num", 0) + self.num_inst
        total = getattr(self, "_global_sum", 0.0) + self.sum_metric
        self.reset()
        self._global_num, self._global_sum = num, total

    def get_global(self):
        if not self._has_global_stats:
            return self.get()
        num = getattr(self, "_global_num", 0) + self.num_inst
        if num == 0:
            return self.name, float("nan")
        return self.name, (getattr(self, "_global_sum", 0.0) + self.sum_metric) / num

    def get_global_name_value(self):
        if not self._has_global_stats:
            return self.get_name_value()
        name, value = self.get_global()
        return list(zip(_as_list(name), _as_list(value)))


class Accuracy(EvalMetric):
    """Fraction of samples whose argmax over `axis` (or the given class ids) equals the label."""

    def __init__(self, axis=1, name="accuracy", output_names=None, label_names=None):
        self.axis = axis
        super().__init__(name, output_names, label_names)

    def update(self, labels, preds):
        labels, preds = _as_list(labels), _as_list(preds)
        check_label_shapes(labels, preds)
        for label, pred in zip(labels, preds):
            pred, label = _numpy(pred), _numpy(label)
            if pred.shape != label.shape:
                pred = pred.argmax(axis=self.axis)
            pred, label = pred.astype("int64").ravel(), label.astype("int64").ravel()
            check_label_shapes(label, pred)
            self.sum_metric += float((pred == label).sum())
            self.num_inst += len(pred)


class TopKAccuracy(EvalMetric):
    def __init__(self, top_k=1, name="top_k_accuracy", output_names=None, label_names=None):
        self.top_k = top_k
        super().__init__(f"{name}_{top_k}", output_names, label_names)

    def update(self, labels, preds):
        for label, pred in zip(_as_list(labels), _as_list(preds)):
            pred, label = _numpy(pred), _numpy(label).astype("int64").ravel()
            top = numpy.argsort(-pred, axis=1, kind="stable")[:, :self.top_k]
            self.sum_metric += float((top == label[:, None]).any(axis=1).sum())
            self.num_inst += len(label)


class _Regression(EvalMetric):
    def update(self, labels, preds):
        for label, pred in zip(_as_list(labels), _as_list(preds)):
            label, pred = _numpy(label), _numpy(pred)
            if label.ndim == 1:
                label = label.reshape(label.shape[0], 1)
            if pred.ndim == 1:
                pred = pred.reshape(pred.shape[0], 1)
            self.sum_metric += self._value(label, pred)
            self.num_inst += 1


class MAE(_Regression):
    def __init__(self, name="mae", output_names=None, label_names=None):
        super().__init__(name, output_names, label_names)

    @staticmethod
    def _value(label, pred):
        return float(numpy.abs(label - pred).mean())


class MSE(_Regression):
    def __init__(self, name="mse", output_names=None, label_names=None):
        super().__init__(name, output_names, label_names)

    @staticmethod
    def _value(label, pred):
        return float(((label - pred) ** 2.0).mean())


class RMSE(_Regression):
    def __init__(self, name="rmse", output_names=None, label_names=None):
        super().__init__(name, output_names, label_names)

    @staticmethod
    def _value(label, pred):
        return float(numpy.sqrt(((label - pred) ** 2.0).mean()))


class CrossEntropy(EvalMetric):
    """Mean of -log p[label] over samples (preds are probabilities)."""

    def __init__(self, eps=1e-12, name="cross-entropy", output_names=None, label_names=None):
        self.eps = eps
        super().__init__(name, output_names, label_names)

    def update(self, labels, preds):
        for label, pred in zip(_as_list(labels), _as_list(preds)):
            label, pred = _numpy(label).ravel().astype("int64"), _numpy(pred)
            prob = pred[numpy.arange(label.shape[0]), label]
            self.sum_metric += float((-numpy.log(prob + self.eps)).sum())
            self.num_inst += label.shape[0]


class Perplexity(EvalMetric):
    """exp of the mean -log p[label] over the tokens whose label is not `ignore_label` (the padding of
    a bucketed batch); p is picked along `axis`, floored at 1e-10, as MXNet's."""

    def __init__(self, ignore_label, axis=-1, name="perplexity", output_names=None, label_names=None):
        self.ignore_label, self.axis = ignore_label, axis
        super().__init__(name, output_names, label_names)

    def update(self, labels, preds):
        labels, preds = _as_list(labels), _as_list(preds)
        assert len(labels) == len(preds)
        loss, num = 0.0, 0
        for label, pred in zip(labels, preds):
            label, pred = _numpy(label), _numpy(pred)
            assert label.size == pred.size / pred.shape[-1], "shape mismatch: %s vs. %s" % (label.shape, pred.shape)
            label = label.reshape((label.size,))
            pred = numpy.moveaxis(pred, self.axis, -1).reshape(label.size, -1)
            # nd.pick's default mode 'clip': an out-of-range label picks the nearest class
            idx = numpy.clip(label.astype("int64"), 0, pred.shape[1] - 1)
            prob = pred[numpy.arange(label.size), idx]
            if self.ignore_label is not None:
                ignore = (label == self.ignore_label).astype(prob.dtype)
                num -= int(ignore.sum())
                prob = prob * (1 - ignore) + ignore
            loss -= float(numpy.log(numpy.maximum(1e-10, prob)).sum())
            num += prob.size
        self.sum_metric += loss
        self.num_inst += num

    def get(self):
        if self.num_inst == 0:
            return self.name, float("nan")
        return self.name, math.exp(self.sum_metric / self.num_inst)

    def get_global(self):
        """exp of the mean over every token since reset() (the epoch's Train-perplexity)."""
        num = self._global_num + self.num_inst
        if num == 0:
            return self.name, float("nan")
        return self.name, math.exp((self._global_sum + self.sum_metric) / num)

    def get(self):
        if self.num_inst == 0:
            return self.name, float("nan")
        return self.name, float(numpy.exp(self.sum_metric / self.num_inst))


class Loss(EvalMetric):
    """The mean of the loss values given as preds (labels ignored)."""

    def __init__(self, name="loss", output_names=None, label_names=None):
        super().__init__(name, output_names, label_names)

    def update(self, _, preds):
        for pred in _as_list(preds):
            loss = _numpy(pred)
            self.sum_metric += float(loss.sum())
            self.num_inst += loss.size


class CompositeEvalMetric(EvalMetric):
    """Several metrics updated together; get() returns lists of names and values."""

    def __init__(self, metrics=None, name="composite", output_names=None, label_names=None):
        self.metrics = [create(m) for m in (metrics or [])]
        super().__init__(name, output_names, label_names)

    def add(self, metric):
        self.metrics.append(create(metric))

    def update(self, labels, preds):
        for m in self.metrics:
            m.update(labels, preds)

    def update_dict(self, labels, preds):
        """Each metric picks its own outputs/labels by name (a multi-task program's per-head metrics)."""
        if self.label_names is not None:
            labels = {k: v for k, v in labels.items() if k in self.label_names}
        if self.output_names is not None:
            preds = {k: v for k, v in preds.items() if k in self.output_names}
        for m in self.metrics:
            m.update_dict(labels, preds)

    def reset(self):
        for m in getattr(self, "metrics", []):
            m.reset()

    def reset_local(self):
        for m in self.metrics:
            m.reset_local()

    def _collect(self, which):
        names, values = [], []
        for m in self.metrics:
            n, v = getattr(m, which)()
            names.extend(_as_list(n))
            values.extend(_as_list(v))
        return names, values

    def get(self):
        return self._collect("get")

    def get_global(self):
        return self._collect("get_global")


def _binary(labels, preds, name):
    """(argmax(pred) or pred > 0.5, 0/1 label) per output, for the binary metrics (F1, MCC)."""
    labels, preds = _as_list(labels), _as_list(preds)
    check_label_shapes(labels, preds)
    for label, pred in zip(labels, preds):
        pred, label = _numpy(pred), _numpy(label).astype("int64").ravel()
        if len(numpy.unique(label)) > 2:
            raise MXNetError(f"{name} currently only supports binary classification.")
        yield (pred.argmax(axis=1) if pred.ndim > 1 else (pred > 0.5).astype("int64")), label


class F1(EvalMetric):
    """Binary F1 of argmax(pred) against 0/1 labels: 'macro' averages each update's F1, 'micro' pools the
    counts of every update (MXNet's two averages)."""

    def __init__(self, name="f1", output_names=None, label_names=None, average="macro"):
        if average not in ("macro", "micro"):
            raise MXNetError(f"F1: average must be 'macro' or 'micro', got {average!r}")
        self.average = average
        super().__init__(name, output_names, label_names)

    def reset(self):
        super().reset()
        self.tp = self.fp = self.fn = 0

    @staticmethod
    def _f1(tp, fp, fn):
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return 2 * p * r / (p + r) if p + r else 0.0

    def update(self, labels, preds):
        for guess, label in _binary(labels, preds, "F1"):
            tp = int(((guess == 1) & (label == 1)).sum())
            fp = int(((guess == 1) & (label == 0)).sum())
            fn = int(((guess == 0) & (label == 1)).sum())
            if self.average == "macro":
                self.sum_metric += self._f1(tp, fp, fn)
                self.num_inst += 1
            else:
                self.tp, self.fp, self.fn = self.tp + tp, self.fp + fp, self.fn + fn
                self.num_inst = 1
                self.sum_metric = self._f1(self.tp, self.fp, self.fn)


class NegativeLogLikelihood(EvalMetric):
    """The mean of -log(pred[label] + eps) (preds are probabilities, labels class ids)."""

    def __init__(self, eps=1e-12, name="nll-loss", output_names=None, label_names=None):
        self.eps = eps
        super().__init__(name, output_names, label_names)

    def update(self, labels, preds):
        labels, preds = _as_list(labels), _as_list(preds)
        check_label_shapes(labels, preds)
        for label, pred in zip(labels, preds):
            label, pred = _numpy(label).ravel().astype("int64"), _numpy(pred)
            prob = pred.reshape(label.shape[0], -1)[numpy.arange(label.shape[0]), label]
            self.sum_metric += float((-numpy.log(prob + self.eps)).sum())
            self.num_inst += label.shape[0]


class PearsonCorrelation(EvalMetric):
    """Pearson's r of preds against labels, averaged over updates (MXNet's 'macro' average)."""

    def __init__(self, name="pearsonr", output_names=None, label_names=None, average="macro"):
        if average != "macro":
            raise MXNetError(f"PearsonCorrelation: average {average!r} is not supported; use 'macro'")
        super().__init__(name, output_names, label_names)

    def update(self, labels, preds):
        labels, preds = _as_list(labels), _as_list(preds)
        check_label_shapes(labels, preds)
        for label, pred in zip(labels, preds):
            label, pred = _numpy(label).ravel(), _numpy(pred).ravel()
            if label.shape != pred.shape:
                raise ValueError(f"Shape of labels {label.shape} does not match shape of predictions {pred.shape}")
            self.sum_metric += float(numpy.corrcoef(pred, label)[0, 1])
            self.num_inst += 1


class MCC(F1):
    """Binary Matthews correlation coefficient of argmax(pred) against 0/1 labels ('macro' per update,
    'micro' over the pooled counts)."""

    def __init__(self, name="mcc", output_names=None, label_names=None, average="macro"):
        super().__init__(name, output_names, label_names, average)

    def reset(self):
        super().reset()
        self.tn = 0

    def update(self, labels, preds):
        for guess, label in _binary(labels, preds, "MCC"):
            counts = [int(((guess == g) & (label == t)).sum()) for g, t in ((1, 1), (1, 0), (0, 1), (0, 0))]
            if self.average == "macro":
                self.sum_metric += self._mcc(*counts)
                self.num_inst += 1
            else:
                self.tp, self.fp, self.fn, self.tn = (a + b for a, b in zip((self.tp, self.fp, self.fn, self.tn),
                                                                            counts))
                self.num_inst, self.sum_metric = 1, self._mcc(self.tp, self.fp, self.fn, self.tn)

    @staticmethod
    def _mcc(tp, fp, fn, tn):
        denom = ((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)) ** 0.5
        return (tp * tn - fp * fn) / denom if denom else 0.0


class PCC(EvalMetric):
    """Multiclass Matthews correlation (PCC) from the confusion matrix of argmax(pred) against the labels,
    local (since reset_local) and global (since reset), as MXNet's."""

    def __init__(self, name="pcc", output_names=None, label_names=None, has_global_stats=True):
        self.k = 2
        super().__init__(name, output_names, label_names)

    def reset(self):
        self.global_num_inst = 0
        self.gcm = numpy.zeros((self.k, self.k))
        self.reset_local()

    def reset_local(self):
        self.num_inst = 0
        self.lcm = numpy.zeros((self.k, self.k))

    @staticmethod
    def _mcc(cmat):
        n = cmat.sum()
        x, y = cmat.sum(axis=1), cmat.sum(axis=0)
        cov_xx, cov_yy = numpy.sum(x * (n - x)), numpy.sum(y * (n - y))
        if cov_xx == 0 or cov_yy == 0:
            return float("nan")
        return numpy.sum(cmat.diagonal() * n - x * y) / (cov_xx * cov_yy) ** 0.5

    def update(self, labels, preds):
        check_label_shapes(labels, preds)
        for label, pred in zip(labels, preds):
            label, pred = _numpy(label).astype("int32"), _numpy(pred)
            pred = pred.argmax(axis=1) if pred.shape != label.shape else pred.astype("int32")
            n = int(max(pred.max(), label.max()))
            if n >= self.k:   # a class not seen before: the matrices grow
                inc = n + 1 - self.k
                self.lcm, self.gcm = (numpy.pad(m, ((0, inc), (0, inc))) for m in (self.lcm, self.gcm))
                self.k += inc
            bcm = numpy.zeros((self.k, self.k))
            numpy.add.at(bcm, (pred.ravel(), label.ravel()), 1)
            self.lcm += bcm
            self.gcm += bcm
        self.num_inst += 1
        self.global_num_inst += 1

    def get(self):
        if self.num_inst == 0:
            return self.name, float("nan")
        return self.name, self._mcc(self.lcm)

    def get_global(self):
        if self.global_num_inst == 0:
            return self.name, float("nan")
        return self.name, self._mcc(self.gcm)


def _unavailable(name, why):
    class Refused(EvalMetric):
        def __init__(self, *args, **kwargs):
            raise MXNetError(f"mx.metric.{name} is not supported: {why}")
    Refused.__name__ = Refused.__qualname__ = name
    return Refused


Torch = _unavailable("Torch", "it reads the outputs of Torch plugin layers; use mx.metric.Loss")
Caffe = _unavailable("Caffe", "it reads the outputs of Caffe plugin layers; use mx.metric.Loss")


_BY_NAME = {"acc": Accuracy, "f1": F1, "nll_loss": NegativeLogLikelihood, "pearsonr": PearsonCorrelation,
            "mcc": MCC, "accuracy": Accuracy, "top_k_accuracy": TopKAccuracy, "mae": MAE, "mse": MSE,
            "rmse": RMSE, "ce": CrossEntropy, "cross-entropy": CrossEntropy, "perplexity": Perplexity,
            "loss": Loss, "pcc": PCC}


def create(metric, *args, **kwargs):
    """A metric from an instance, a name ('acc', 'ce', ...), a list of those, or a function(label, pred)."""
    if isinstance(metric, EvalMetric):
        return metric
    if callable(metric):
        return CustomMetric(metric, *args, **kwargs)
    if isinstance(metric, (list, tuple)):
        return CompositeEvalMetric([create(m) for m in metric])
    if isinstance(metric, str) and metric.lower() in _BY_NAME:
        return _BY_NAME[metric.lower()](*args, **kwargs)
    raise MXNetError(f"Metric must be either callable or in {sorted(_BY_NAME)}; got {metric!r}")


class CustomMetric(EvalMetric):
    """feval(label, pred) -> value (or (sum, count)) per output, on NumPy arrays."""

    def __init__(self, feval, name=None, allow_extra_outputs=False, output_names=None, label_names=None):
        self._feval = feval
        super().__init__(name or getattr(feval, "__name__", "custom"), output_names, label_names)

    def update(self, labels, preds):
        for label, pred in zip(_as_list(labels), _as_list(preds)):
            r = self._feval(_numpy(label), _numpy(pred))
            if isinstance(r, tuple):
                self.sum_metric += r[0]
                self.num_inst += r[1]
            else:
                self.sum_metric += r
                self.num_inst += 1


def np(numpy_feval, name=None, allow_extra_outputs=False):
    """A CustomMetric from a NumPy function(label, pred)."""
    return CustomMetric(numpy_feval, name, allow_extra_outputs)


def register(klass):
    """Make a metric class available to create() under its lowercase name (mx.metric.register)."""
    _BY_NAME[klass.__name__.lower()] = klass
    return klass


alias = alias_decorator(_BY_NAME, "metric")


__all__ = ["EvalMetric", "Accuracy", "TopKAccuracy", "MAE", "MSE", "RMSE", "CrossEntropy", "Perplexity",
           "NegativeLogLikelihood", "PearsonCorrelation", "MCC", "F1", "register",
           "Loss", "CompositeEvalMetric", "CustomMetric", "create", "np", "alias", "PCC", "Torch", "Caffe"]
